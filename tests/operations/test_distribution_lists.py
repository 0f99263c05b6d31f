"""Private distribution lists (t:DistributionList, IPM.DistList) end to end: CreateItem into Contacts, GetItem,
FindItem, members set whole, appended (AppendToItemField) and removed one at a time by Key (DeleteItemField
distributionlist:Members:Member), FileAs following DisplayName, DeleteItem; each error with nothing changed.
"""
from __future__ import annotations

from lxml import etree

from ..harness import Ews, Ref, append_field, assert_error, assert_updated, delete_field, indexed, ref_of, val, vals
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS


def member(email: str, mailbox_type: str = "OneOff", name: str | None = None) -> str:
    n = f"<t:Name>{name}</t:Name>" if name else ""
    return (f"<t:Member><t:Mailbox>{n}<t:EmailAddress>{email}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType>"
            f"<t:MailboxType>{mailbox_type}</t:MailboxType></t:Mailbox></t:Member>")


def members_of(item: etree._Element) -> list[tuple[str | None, str | None, str | None]]:
    return [(m.get("Key"), m.findtext("t:Mailbox/t:EmailAddress", namespaces=NS), m.findtext("t:Status", namespaces=NS))
            for m in item.findall("t:Members/t:Member", NS)]


def dl(ews: Ews, *emails: str, name: str = "Team") -> Ref:
    members = f"<t:Members>{''.join(member(e) for e in emails)}</t:Members>" if emails else ""
    return Ref(ews.create("DistributionList", f"<t:DisplayName>{name}</t:DisplayName>{members}").id)


def set_members(*emails: str) -> str:
    return ("<t:SetItemField><t:FieldURI FieldURI=\"distributionlist:Members\"/><t:DistributionList><t:Members>"
            f"{''.join(member(e) for e in emails)}</t:Members></t:DistributionList></t:SetItemField>")


def test_create_stores_a_list_in_contacts_with_keyed_members(ews: Ews) -> None:
    ref = dl(ews, "a@x.example", "b@x.example", "A@x.example")  # the same address twice is one member
    [found] = ews.find("contacts")
    assert etree.QName(found).localname == "DistributionList" and ref_of(found).id == ref.id
    item = ews.get(ref)
    assert (val(item, "ItemClass"), val(item, "DisplayName"), val(item, "FileAs"), val(item, "ContactSource")) == (
        "IPM.DistList", "Team", "Team", "Store")
    got = members_of(item)
    assert [(e, s) for _, e, s in got] == [("a@x.example", "Normal"), ("b@x.example", "Normal")]
    assert all(k for k, _, _ in got) and len({k for k, _, _ in got}) == 2
    assert vals(item, "t:Members/t:Member/t:Mailbox/t:MailboxType") == ["OneOff", "OneOff"]


def test_a_list_without_members_has_no_members_element(ews: Ews) -> None:
    item = ews.get(dl(ews))
    assert item.find("t:Members", NS) is None


def test_set_append_and_remove_members(ews: Ews) -> None:
    ref = dl(ews, "a@x.example")
    r = ews.update(ref, set_members("b@x.example", "c@x.example"))
    assert_updated(r, "DistributionList")
    r = ews.update(ref, append_field("distributionlist:Members",
                                     f"<t:Members>{member('d@x.example')}{member('b@x.example')}</t:Members>",
                                     "DistributionList"))
    assert_updated(r, "DistributionList")
    got = members_of(ews.get(ref))
    assert [e for _, e, _ in got] == ["b@x.example", "c@x.example", "d@x.example"]
    key_c = got[1][0]
    r = ews.update(ref, f"<t:DeleteItemField>{indexed('distributionlist:Members:Member', key_c)}</t:DeleteItemField>")
    assert_updated(r, "DistributionList")
    assert [e for _, e, _ in members_of(ews.get(ref))] == ["b@x.example", "d@x.example"]
    r = ews.update(ref, delete_field("distributionlist:Members"))
    assert_updated(r, "DistributionList")
    assert ews.get(ref).find("t:Members", NS) is None


def test_file_as_follows_the_display_name_unless_set(ews: Ews) -> None:
    ref = dl(ews)
    ews.update(ref, "<t:SetItemField><t:FieldURI FieldURI=\"contacts:DisplayName\"/><t:DistributionList>"
               "<t:DisplayName>Crew</t:DisplayName></t:DistributionList></t:SetItemField>")
    assert (val(ews.get(ref), "DisplayName"), val(ews.get(ref), "FileAs")) == ("Crew", "Crew")
    ews.update(ref, "<t:SetItemField><t:FieldURI FieldURI=\"contacts:FileAs\"/><t:DistributionList>"
               "<t:FileAs>Z crew</t:FileAs></t:DistributionList></t:SetItemField>")
    ews.update(ref, "<t:SetItemField><t:FieldURI FieldURI=\"contacts:DisplayName\"/><t:DistributionList>"
               "<t:DisplayName>Band</t:DisplayName></t:DistributionList></t:SetItemField>")
    assert (val(ews.get(ref), "DisplayName"), val(ews.get(ref), "FileAs")) == ("Band", "Z crew")


def test_removing_a_key_the_list_lacks_is_member_not_exist(ews: Ews) -> None:
    ref = dl(ews, "a@x.example")
    before = ews.snapshot(ref)
    r = ews.update(ref, f"<t:DeleteItemField>{indexed('distributionlist:Members:Member', 'AAAAnone')}"
                   "</t:DeleteItemField>")
    assert_error(r, "ErrorDistributionListMemberNotExist",
                 {"FieldURI": "distributionlist:Members:Member", "FieldIndex": "AAAAnone"}, kind="IndexedFieldURI",
                 container="Items")
    assert ews.snapshot(ref) == before


def test_contact_source_is_read_only(ews: Ews) -> None:
    ref = dl(ews, "a@x.example")
    before = ews.snapshot(ref)
    r = ews.update(ref, "<t:SetItemField><t:FieldURI FieldURI=\"contacts:ContactSource\"/><t:DistributionList>"
                   "<t:ContactSource>Store</t:ContactSource></t:DistributionList></t:SetItemField>")
    assert_error(r, "ErrorInvalidPropertySet", {"FieldURI": "contacts:ContactSource"}, container="Items")
    assert ews.snapshot(ref) == before


def test_delete_removes_the_list(ews: Ews) -> None:
    ref = dl(ews, "a@x.example")
    assert ews.delete(ref).codes() == ["NoError"]
    assert ews.find("contacts") == []
