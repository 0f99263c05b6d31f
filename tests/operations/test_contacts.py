"""Contacts end to end: the dictionaries (EmailAddresses, PhysicalAddresses, PhoneNumbers, ImAddresses) set and
deleted one entry at a time through IndexedFieldURI, with the one-property and mismatch rules per entry
(spec §1.5, §2.2); the reference's contact example; exchangelib over HTTP.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from exchangelib import Contact
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from lxml import etree

from ..harness import (Ews, Ref, append_field, assert_error, assert_updated, delete_field, indexed, ref_of,
                        set_field, val, vals)
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS, Client, Response

EXAMPLES = Path(__file__).parents[1] / "reference_examples"
ANN = ("<t:DisplayName>Ann Lee</t:DisplayName><t:GivenName>Ann</t:GivenName>"
       '<t:EmailAddresses><t:Entry Key="EmailAddress1">ann@example.com</t:Entry></t:EmailAddresses>'
       '<t:PhysicalAddresses><t:Entry Key="Home"><t:Street>1 Main St</t:Street><t:City>Oslo</t:City></t:Entry>'
       "</t:PhysicalAddresses>"
       '<t:PhoneNumbers><t:Entry Key="MobilePhone">+47 1234</t:Entry></t:PhoneNumbers><t:Surname>Lee</t:Surname>')


def contact(ews: Ews, props: str = ANN) -> Ref:
    return Ref(ews.create("Contact", props).id)  # updates below carry no ChangeKey: no conflict checks


def set_entry(uri: str, index: str, dictionary: str, entry: str) -> str:
    return (f"<t:SetItemField>{indexed(uri, index)}<t:Contact><t:{dictionary}>{entry}</t:{dictionary}>"
            "</t:Contact></t:SetItemField>")


def delete_entry(uri: str, index: str) -> str:
    return f"<t:DeleteItemField>{indexed(uri, index)}</t:DeleteItemField>"


def emails(item: etree._Element) -> list[tuple[str, str]]:
    return [(e.get("Key"), e.text) for e in item.findall("t:EmailAddresses/t:Entry", NS)]


def address(item: etree._Element, key: str) -> dict[str, str]:
    entry = item.find(f"t:PhysicalAddresses/t:Entry[@Key='{key}']", NS)
    return {etree.QName(c).localname: c.text for c in entry} if entry is not None else {}


def test_create_stores_a_contact_in_contacts(ews: Ews) -> None:
    ref = contact(ews)
    assert [ref_of(c).id for c in ews.find("contacts")] == [ref.id]
    item = ews.get(ref)
    assert (val(item, "ItemClass"), val(item, "ContactSource"), val(item, "PostalAddressIndex")) == (
        "IPM.Contact", "Store", "None")
    assert emails(item) == [("EmailAddress1", "ann@example.com")]
    assert address(item, "Home") == {"Street": "1 Main St", "City": "Oslo"}
    assert vals(item, "t:PhoneNumbers/t:Entry") == ["+47 1234"]
    name = item.find("t:CompleteName", NS)
    assert (val(name, "FirstName"), val(name, "LastName"), val(name, "FullName")) == ("Ann", "Lee", "Ann Lee")


def test_indexed_set_and_delete_one_entry_at_a_time(ews: Ews) -> None:
    ref = contact(ews)
    r = ews.update(ref,
                   set_entry("contacts:EmailAddress", "EmailAddress3", "EmailAddresses",
                             '<t:Entry Key="EmailAddress3" Name="Ann (work)">ann@work.example</t:Entry>'),
                   set_entry("contacts:EmailAddress", "EmailAddress1", "EmailAddresses",
                             '<t:Entry Key="EmailAddress1">ann.lee@example.com</t:Entry>'),
                   set_entry("contacts:PhoneNumber", "BusinessPhone", "PhoneNumbers",
                             '<t:Entry Key="BusinessPhone">+47 9999</t:Entry>'),
                   delete_entry("contacts:PhoneNumber", "MobilePhone"),
                   set_entry("contacts:ImAddress", "ImAddress2", "ImAddresses",
                             '<t:Entry Key="ImAddress2">ann@im.example</t:Entry>'),
                   set_entry("contacts:PhysicalAddress:City", "Home", "PhysicalAddresses",
                             '<t:Entry Key="Home"><t:City>Bergen</t:City></t:Entry>'),
                   set_entry("contacts:PhysicalAddress:PostalCode", "Business", "PhysicalAddresses",
                             '<t:Entry Key="Business"><t:PostalCode>0150</t:PostalCode></t:Entry>'),
                   delete_entry("contacts:PhysicalAddress:Street", "Home"),
                   delete_entry("contacts:EmailAddress", "EmailAddress2"))  # absent: a no-op
    assert_updated(r, "Contact")
    item = ews.get(ref)
    assert emails(item) == [("EmailAddress1", "ann.lee@example.com"), ("EmailAddress3", "ann@work.example")]
    assert item.find("t:EmailAddresses/t:Entry[@Key='EmailAddress3']", NS).get("Name") == "Ann (work)"
    assert [(e.get("Key"), e.text) for e in item.findall("t:PhoneNumbers/t:Entry", NS)] == [
        ("BusinessPhone", "+47 9999")]
    assert [(e.get("Key"), e.text) for e in item.findall("t:ImAddresses/t:Entry", NS)] == [
        ("ImAddress2", "ann@im.example")]
    assert address(item, "Home") == {"City": "Bergen"}
    assert address(item, "Business") == {"PostalCode": "0150"}
    # the last member of an address gone: the address is gone
    assert_updated(ews.update(ref, delete_entry("contacts:PhysicalAddress:City", "Home"),
                              delete_entry("contacts:PhoneNumber", "BusinessPhone")), "Contact")
    item = ews.get(ref)
    assert address(item, "Home") == {} and item.find("t:PhoneNumbers", NS) is None


@pytest.mark.parametrize("path, dictionary, entry, code", [
    # two entries, or two members of one address: not one property
    (("contacts:EmailAddress", "EmailAddress1"), "EmailAddresses",
     '<t:Entry Key="EmailAddress1">a@x</t:Entry><t:Entry Key="EmailAddress2">b@x</t:Entry>',
     "ErrorIncorrectUpdatePropertyCount"),
    (("contacts:PhysicalAddress:City", "Home"), "PhysicalAddresses",
     '<t:Entry Key="Home"><t:Street>s</t:Street><t:City>c</t:City></t:Entry>', "ErrorIncorrectUpdatePropertyCount"),
    (("contacts:PhysicalAddress:City", "Home"), "PhysicalAddresses", '<t:Entry Key="Home"/>',
     "ErrorIncorrectUpdatePropertyCount"),
    # the entry is not the one the path names
    (("contacts:EmailAddress", "EmailAddress1"), "EmailAddresses", '<t:Entry Key="EmailAddress2">b@x</t:Entry>',
     "ErrorUpdatePropertyMismatch"),
    (("contacts:PhysicalAddress:City", "Home"), "PhysicalAddresses",
     '<t:Entry Key="Home"><t:Street>s</t:Street></t:Entry>', "ErrorUpdatePropertyMismatch"),
    (("contacts:PhysicalAddress:City", "Home"), "PhysicalAddresses",
     '<t:Entry Key="Other"><t:City>c</t:City></t:Entry>', "ErrorUpdatePropertyMismatch"),
    (("contacts:PhoneNumber", "HomePhone"), "EmailAddresses", '<t:Entry Key="EmailAddress1">a@x</t:Entry>',
     "ErrorUpdatePropertyMismatch"),
    (("contacts:EmailAddress", "EmailAddress9"), "EmailAddresses", '<t:Entry Key="EmailAddress1">a@x</t:Entry>',
     "ErrorUpdatePropertyMismatch"),
])
def test_indexed_set_rules(ews: Ews, path: tuple[str, str], dictionary: str, entry: str, code: str) -> None:
    ref = contact(ews)
    before = ews.snapshot(ref)
    r = ews.update(ref, set_entry(*path, dictionary, entry))
    assert_error(r, code)
    if code != "ErrorIncorrectUpdatePropertyCount":
        assert r.xpath("//m:MessageXml/t:IndexedFieldURI/@FieldIndex") == [path[1]]
    assert ews.snapshot(ref) == before


def test_indexed_path_with_another_property_is_a_mismatch(ews: Ews) -> None:
    ref = contact(ews)
    r = ews.update(ref, f"<t:SetItemField>{indexed('contacts:EmailAddress', 'EmailAddress1')}"
                        "<t:Contact><t:Surname>x</t:Surname></t:Contact></t:SetItemField>")
    assert_error(r, "ErrorUpdatePropertyMismatch", {"FieldURI": "contacts:EmailAddress", "FieldIndex": "EmailAddress1"},
                 kind="IndexedFieldURI")


def test_append_and_unknown_indexes(ews: Ews) -> None:
    ref = contact(ews)
    r = ews.update(ref, f"<t:AppendToItemField>{indexed('contacts:EmailAddress', 'EmailAddress2')}<t:Contact>"
                        '<t:EmailAddresses><t:Entry Key="EmailAddress2">b@x</t:Entry></t:EmailAddresses></t:Contact>'
                        "</t:AppendToItemField>")
    assert_error(r, "ErrorInvalidPropertyAppend")
    assert_error(ews.update(ref, append_field("contacts:GivenName", "<t:GivenName>x</t:GivenName>", "Contact")),
                 "ErrorInvalidPropertyAppend", {"FieldURI": "contacts:GivenName"})
    assert_error(ews.update(ref, delete_entry("contacts:EmailAddress", "EmailAddress4")),
                 "ErrorInvalidPropertyRequest", {"FieldURI": "contacts:EmailAddress", "FieldIndex": "EmailAddress4"},
                 kind="IndexedFieldURI")
    assert_error(ews.update(ref, delete_entry("distributionlist:Members:Member", "1")), "ErrorInvalidPropertyRequest")


def test_whole_dictionaries_are_set_but_not_deleted(ews: Ews) -> None:
    ref = contact(ews)
    r = ews.update(ref, set_field("contacts:EmailAddresses", '<t:EmailAddresses><t:Entry Key="EmailAddress2">'
                                  "only@example.com</t:Entry></t:EmailAddresses>", "Contact"))
    assert_updated(r, "Contact")
    assert emails(ews.get(ref)) == [("EmailAddress2", "only@example.com")]
    assert_error(ews.update(ref, delete_field("contacts:EmailAddresses")), "ErrorInvalidPropertyDelete",
                 {"FieldURI": "contacts:EmailAddresses"})


@pytest.mark.parametrize("uri, prop", [
    ("contacts:ContactSource", "<t:ContactSource>Store</t:ContactSource>"),
    ("contacts:CompleteName", "<t:CompleteName><t:FirstName>x</t:FirstName></t:CompleteName>"),
    ("contacts:HasPicture", "<t:HasPicture>true</t:HasPicture>"),
])
def test_read_only_contact_properties(ews: Ews, uri: str, prop: str) -> None:
    ref = contact(ews)
    assert_error(ews.update(ref, set_field(uri, prop, "Contact")), "ErrorInvalidPropertySet", {"FieldURI": uri})


def test_get_item_with_indexed_additional_properties(ews: Ews) -> None:
    ref = contact(ews, ANN.replace('</t:EmailAddresses>',
                                   '<t:Entry Key="EmailAddress2">second@example.com</t:Entry></t:EmailAddresses>'))
    item = ews.get(ref, shape="IdOnly",
                   additional=indexed("contacts:EmailAddress", "EmailAddress2")
                   + indexed("contacts:PhysicalAddress:City", "Home"))
    assert emails(item) == [("EmailAddress2", "second@example.com")]
    assert address(item, "Home") == {"City": "Oslo"}
    assert item.find("t:PhoneNumbers", NS) is None


def test_find_contacts_by_surname_and_contacts_view(ews: Ews) -> None:
    contact(ews)
    contact(ews, "<t:FileAs>Zed, Zoe</t:FileAs><t:DisplayName>Zoe Zed</t:DisplayName><t:Surname>Zed</t:Surname>")
    contact(ews, "<t:DisplayName>Bo Berg</t:DisplayName><t:Surname>Berg</t:Surname>")
    surname = ('<t:IsEqualTo><t:FieldURI FieldURI="contacts:Surname"/><t:FieldURIOrConstant>'
               '<t:Constant Value="Zed"/></t:FieldURIOrConstant></t:IsEqualTo>')
    assert [val(c, "DisplayName") for c in ews.find("contacts", restriction=surname)] == ["Zoe Zed"]
    view = '<m:ContactsView InitialName="A" FinalName="Z"/>'
    assert [val(c, "DisplayName") for c in ews.find("contacts", view=view)] == ["Ann Lee", "Bo Berg"]
    r = ews.find_response("contacts", view='<m:ContactsView MaxEntriesReturned="1"/>')
    assert r.xpath("//m:RootFolder/@TotalItemsInView") == ["3"] and len(r.xpath("//t:Contact")) == 1


# ---- the reference's contact example (updateitem-operation-contact.md) ---------------------------------------


def test_the_reference_contact_example_runs_verbatim(ews: Ews, client: Client) -> None:
    ref = contact(ews)
    request = (EXAMPLES / "updateitem-contact-request.xml").read_text()
    request = request.replace('Id="AAAtAA="', f'Id="{ref.id}"').replace(
        'ChangeKey="EQAAABYi"', f'ChangeKey="{ref_of(ews.get(ref)).ck}"')
    r = client.post(request.encode())
    assert r.codes() == ["NoError"], r.body
    documented = etree.fromstring((EXAMPLES / "updateitem-contact-response.xml").read_bytes())
    expected = documented.find(".//{*}UpdateItemResponseMessage")
    msg = r.xpath("//m:UpdateItemResponseMessage")[0]
    # the documented Exchange 2007 answer, plus the ConflictResults every later version adds (spec §3.2)
    assert [etree.QName(c).localname for c in msg] == [etree.QName(c).localname for c in expected] + [
        "ConflictResults"]
    assert r.xpath("//m:Items/t:Contact/t:ItemId/@Id") == [ref.id]
    assert emails(ews.get(ref)) == [("EmailAddress1", "changedemail@example.com")]
    invalid = (EXAMPLES / "updateitem-contact-invalid-request.xml").read_text()
    invalid = invalid.replace('Id="AAAtAEF="', f'Id="{ref.id}"')
    r = client.post(invalid.encode())
    assert r.status == 500 and r.fault_code() == "ErrorSchemaValidation"
    assert "EmailAddress4" in r.xpath("//s:Fault/faultstring/text()")[0]


# ---- exchangelib over HTTP --------------------------------------------------------------------------------------


def test_exchangelib_updates_an_indexed_email_address(ewsemu_account) -> None:
    account = ewsemu_account("alice@example.com")
    person = Contact(account=account, folder=account.contacts, display_name="Ann Lee", given_name="Ann",
                     surname="Lee", email_addresses=[EmailAddress(email="ann@example.com", label="EmailAddress1")],
                     phone_numbers=[PhoneNumber(phone_number="+47 1234", label="MobilePhone")],
                     physical_addresses=[PhysicalAddress(street="1 Main St", city="Oslo", label="Home")]).save()
    person.refresh()
    assert [(e.label, e.email) for e in person.email_addresses] == [("EmailAddress1", "ann@example.com")]
    person.email_addresses = [EmailAddress(email="ann.lee@example.com", label="EmailAddress1"),
                              EmailAddress(email="ann@work.example", label="EmailAddress2")]
    person.save(update_fields=["email_addresses"])  # IndexedFieldURI Set per label, Delete for the others
    fresh = account.contacts.get(id=person.id)
    assert sorted((e.label, e.email) for e in fresh.email_addresses) == [
        ("EmailAddress1", "ann.lee@example.com"), ("EmailAddress2", "ann@work.example")]
    assert [(p.label, p.phone_number) for p in fresh.phone_numbers] == [("MobilePhone", "+47 1234")]
    assert [(a.label, a.street, a.city) for a in fresh.physical_addresses] == [("Home", "1 Main St", "Oslo")]
    fresh.physical_addresses = [PhysicalAddress(city="Bergen", label="Home")]
    fresh.save()  # a full save: every dictionary entry and member Set or Deleted one at a time
    again = account.contacts.get(id=person.id)
    assert [(a.street, a.city) for a in again.physical_addresses] == [(None, "Bergen")]
    assert again.complete_name.full_name == "Ann Lee"


def test_name_fields_are_cut_to_255_characters(client) -> None:
    """Like Subject, a contact's given, middle and surname are stored cut to 255 characters."""
    long_name = "n" * 4000
    r = client.call('<m:CreateItem><m:Items><t:Contact><t:GivenName>' + long_name + '</t:GivenName>'
                    '<t:MiddleName>' + long_name + '</t:MiddleName><t:Surname>' + long_name + '</t:Surname>'
                    '</t:Contact></m:Items></m:CreateItem>')
    item_id = r.xpath("//t:ItemId")[0].get("Id")
    got = client.call('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
                      '<t:FieldURI FieldURI="contacts:GivenName"/><t:FieldURI FieldURI="contacts:MiddleName"/>'
                      '<t:FieldURI FieldURI="contacts:Surname"/></t:AdditionalProperties></m:ItemShape>'
                      f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    names = [got.xpath(f"//t:Contact/t:{n}")[0].text for n in ("GivenName", "MiddleName", "Surname")]
    assert names == ["n" * 255] * 3


def _sorted_by(ews: Ews, field_index: str, uri: str, order: str) -> Response:
    return ews.call(
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
        f'<m:SortOrder><t:FieldOrder Order="{order}"><t:IndexedFieldURI FieldURI="{uri}" FieldIndex="{field_index}"/>'
        '</t:FieldOrder></m:SortOrder><m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds>'
        "</m:FindItem>")


def test_find_item_sorts_on_a_dictionary_entry(ews: Ews) -> None:
    refs = {}
    for address, city in (("b@x.example", "Oslo"), ("C@x.example", "Bergen"), ("a@x.example", None)):
        home = f'<t:PhysicalAddresses><t:Entry Key="Home"><t:City>{city}</t:City></t:Entry></t:PhysicalAddresses>' \
            if city else ""
        refs[address] = contact(ews, f'<t:EmailAddresses><t:Entry Key="EmailAddress1">{address}</t:Entry>'
                                     f"</t:EmailAddresses>{home}").id
    ids = {v: k for k, v in refs.items()}

    def order(index: str, uri: str, direction: str) -> list[str]:
        r = _sorted_by(ews, index, uri, direction)
        assert r.codes() == ["NoError"], r.body
        return [ids[el.get("Id")] for el in r.xpath("//t:Items/t:Contact/t:ItemId")]

    # case-insensitive, as Exchange collates; an absent entry sorts first ascending, last descending
    assert order("EmailAddress1", "contacts:EmailAddress", "Ascending") == ["a@x.example", "b@x.example", "C@x.example"]
    assert order("EmailAddress1", "contacts:EmailAddress", "Descending") == ["C@x.example", "b@x.example", "a@x.example"]
    assert order("Home", "contacts:PhysicalAddress:City", "Ascending") == ["a@x.example", "C@x.example", "b@x.example"]
    assert order("Home", "contacts:PhysicalAddress:City", "Descending") == ["b@x.example", "C@x.example", "a@x.example"]


def test_sorting_on_an_entry_the_dictionary_cannot_have_is_unsupported(ews: Ews) -> None:
    r = _sorted_by(ews, "EmailAddress9", "contacts:EmailAddress", "Ascending")
    assert_error(r, "ErrorUnsupportedPathForSortGroup",
                 {"FieldURI": "contacts:EmailAddress", "FieldIndex": "EmailAddress9"}, kind="IndexedFieldURI")
