"""FindPeople and GetPersona end to end: the personas of a contacts folder (contacts and private lists) and
of the directory, PersonaShape, IndexedPageItemView paging, Restriction and SortOrder on persona: properties,
QueryString; GetPersona by the PersonaId FindPeople gave and by address; each error."""
from __future__ import annotations

from ..harness import Ews, names
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS
from .people_calls import directory_ews  # noqa: F401 (fixture)


def find_people(*, shape: str = "Default", extra: str = "", view: str = 'MaxEntriesReturned="100" Offset="0"',
                restriction: str = "", sort: str = "", folder: str = '<t:DistinguishedFolderId Id="contacts"/>',
                query: str | None = None) -> str:
    where = f"<m:Restriction>{restriction}</m:Restriction>" if restriction else ""
    order = f"<m:SortOrder>{sort}</m:SortOrder>" if sort else ""
    q = f"<m:QueryString>{query}</m:QueryString>" if query is not None else ""
    return (f"<m:FindPeople><m:PersonaShape><t:BaseShape>{shape}</t:BaseShape>{extra}</m:PersonaShape>"
            f'<m:IndexedPageItemView {view} BasePoint="Beginning"/>{where}{order}'
            f"<m:ParentFolderId>{folder}</m:ParentFolderId>{q}</m:FindPeople>")


def get_persona(pid: str) -> str:
    return f'<m:GetPersona><m:PersonaId Id="{pid}"/></m:GetPersona>'


def _names(r) -> list[str]:
    return r.xpath("//m:People/t:Persona/t:DisplayName/text()")


def _people(ews: Ews) -> None:
    for display, given, email in (("Zed Zulu", "Zed", "zed@x.example"), ("Ann Lee", "Ann", "ann@x.example"),
                                  ("Bea Lund", "Bea", "bea@x.example")):
        ews.create("Contact", f"<t:DisplayName>{display}</t:DisplayName><t:GivenName>{given}</t:GivenName>"
                   f'<t:EmailAddresses><t:Entry Key="EmailAddress1">{email}</t:Entry></t:EmailAddresses>')
    ews.create("DistributionList", "<t:DisplayName>Lunch club</t:DisplayName>")


def test_the_people_of_contacts_by_name(ews: Ews) -> None:
    _people(ews)
    r = ews.call(find_people())
    [resp] = r.xpath("//m:FindPeopleResponse")
    assert resp.get("ResponseClass") == "Success"
    assert names(resp) == ["ResponseCode", "People", "TotalNumberOfPeopleInView", "FirstMatchingRowIndex",
                           "FirstLoadedRowIndex"]
    assert _names(r) == ["Ann Lee", "Bea Lund", "Lunch club", "Zed Zulu"]
    assert r.xpath("//m:People/t:Persona/t:PersonaType/text()") == ["Person", "Person", "DistributionList", "Person"]
    first = r.xpath("//m:People/t:Persona")[0]
    assert names(first) == ["PersonaId", "PersonaType", "DisplayName", "EmailAddress", "RelevanceScore"]
    assert first.findtext("t:EmailAddress/t:EmailAddress", namespaces=NS) == "ann@x.example"
    assert r.xpath("//m:TotalNumberOfPeopleInView/text()") == ["4"]


def test_paging_shape_restriction_sort_and_query_string(ews: Ews) -> None:
    _people(ews)
    r = ews.call(find_people(view='MaxEntriesReturned="2" Offset="1"'))
    assert _names(r) == ["Bea Lund", "Lunch club"]
    assert (r.xpath("//m:TotalNumberOfPeopleInView/text()"), r.xpath("//m:FirstMatchingRowIndex/text()")) == (
        ["4"], ["1"])
    r = ews.call(find_people(shape="IdOnly", extra='<t:AdditionalProperties><t:FieldURI FieldURI="persona:GivenName"/>'
                             "</t:AdditionalProperties>"))
    assert [names(p) for p in r.xpath("//m:People/t:Persona")][0] == ["PersonaId", "GivenName"]
    contains = ('<t:Contains ContainmentMode="PrefixOnWords" ContainmentComparison="IgnoreCase">'
                '<t:FieldURI FieldURI="persona:DisplayName"/><t:Constant Value="l"/></t:Contains>')
    assert _names(ews.call(find_people(restriction=contains))) == ["Ann Lee", "Bea Lund", "Lunch club"]
    equal = ('<t:IsEqualTo><t:FieldURI FieldURI="contacts:DisplayName"/><t:FieldURIOrConstant>'
             '<t:Constant Value="zed zulu"/></t:FieldURIOrConstant></t:IsEqualTo>')
    assert _names(ews.call(find_people(restriction=equal))) == ["Zed Zulu"]
    desc = '<t:FieldOrder Order="Descending"><t:FieldURI FieldURI="persona:DisplayName"/></t:FieldOrder>'
    assert _names(ews.call(find_people(sort=desc))) == ["Zed Zulu", "Lunch club", "Bea Lund", "Ann Lee"]
    assert _names(ews.call(find_people(query="lu"))) == ["Bea Lund", "Lunch club"]
    assert _names(ews.call(find_people(query="GivenName:b"))) == ["Bea Lund"]  # a property's words only
    assert _names(ews.call(find_people(query="GivenName:lu"))) == []
    assert _names(ews.call(find_people(query="bea@x"))) == ["Bea Lund"]


def test_the_directory_and_get_persona(directory_ews: Ews) -> None:
    ews = directory_ews
    r = ews.call(find_people(folder='<t:DistinguishedFolderId Id="directory"/>', query="bob"))
    assert _names(r) == ["Bob Baker", "Roberta Bobby"]
    pid = r.xpath("//m:People/t:Persona/t:PersonaId/@Id")[0]
    r = ews.call(get_persona(pid))
    [msg] = r.xpath("//m:GetPersonaResponseMessage")
    assert (msg.get("ResponseClass"), names(msg)) == ("Success", ["ResponseCode", "Persona"])
    assert r.xpath("//m:Persona/t:DisplayName/text()") == ["Bob Baker"]
    assert r.xpath("//m:Persona/t:EmailAddresses/t:Address/t:EmailAddress/text()") == ["bob@example.com"]
    r = ews.call('<m:GetPersona><m:EmailAddress><t:EmailAddress>bobby@example.com</t:EmailAddress>'
                 "</m:EmailAddress></m:GetPersona>")
    assert r.xpath("//m:Persona/t:DisplayName/text()") == ["Roberta Bobby"]


def test_get_persona_of_a_contact(ews: Ews) -> None:
    _people(ews)
    r = ews.call(find_people(query="ann"))
    pid = r.xpath("//m:People/t:Persona/t:PersonaId/@Id")[0]
    r = ews.call(get_persona(pid))
    persona = r.xpath("//m:Persona")[0]
    assert names(persona) == ["PersonaId", "PersonaType", "CreationTime", "DisplayName", "GivenName", "EmailAddress",
                              "EmailAddresses", "RelevanceScore"]


def test_get_persona_errors_fault(ews: Ews) -> None:
    r = ews.call(get_persona("AAA="))
    assert r.status == 500 and r.xpath("//faultcode/text()") == ["a:ErrorInvalidIdMalformed"], r.body
    contact = ews.create("Contact", "<t:DisplayName>Gone</t:DisplayName>")
    pid = ews.call(find_people()).xpath("//m:People/t:Persona/t:PersonaId/@Id")[0]
    ews.delete(contact)
    r = ews.call(get_persona(pid))
    assert r.status == 500 and r.xpath("//faultcode/text()") == ["a:ErrorItemNotFound"], r.body


def test_find_people_errors_in_band(ews: Ews) -> None:
    r = ews.call(find_people(folder='<t:DistinguishedFolderId Id="inbox"/>'))
    [resp] = r.xpath("//m:FindPeopleResponse")
    assert resp.get("ResponseClass") == "Error" and r.codes() == ["ErrorInvalidRequest"]
    bad_sort = '<t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="persona:Bodies"/></t:FieldOrder>'
    assert ews.call(find_people(sort=bad_sort)).xpath("//faultcode/text()") == ["a:ErrorUnsupportedPathForSortGroup"]
