"""ExpandDL end to end: a server-side group of the users file and a private list of the caller's (by ItemId or
by name), one level deep (nested lists come back as PublicDL / PrivateDL mailboxes), and each error."""
from __future__ import annotations

from ..harness import Ews, assert_error, names
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from .people_calls import directory_ews, mailboxes, expand  # noqa: F401 (fixture)


def _expansion(r) -> list[tuple[str | None, str | None, str | None]]:
    return mailboxes(r, "//m:DLExpansion/t:Mailbox")


def test_a_server_group_expands_one_level(directory_ews: Ews) -> None:
    r = directory_ews.call(expand("<t:EmailAddress>team@example.com</t:EmailAddress>"))
    [msg] = r.xpath("//m:ExpandDLResponseMessage")
    assert msg.get("ResponseClass") == "Success" and names(msg) == ["ResponseCode", "DLExpansion"]
    [exp] = r.xpath("//m:DLExpansion")
    assert (exp.get("TotalItemsInView"), exp.get("IncludesLastItemInRange")) == ("4", "true")
    assert _expansion(r) == [("Alice Archer", "alice@example.com", "Mailbox"), ("Bob Baker", "bob@example.com", "Mailbox"),
                             ("Crew", "crew@example.com", "PublicDL"), (None, "guest@example.net", "OneOff")]


def test_a_private_list_expands_by_item_id_and_by_name(directory_ews: Ews) -> None:
    ews = directory_ews
    contact = ews.create("Contact", '<t:DisplayName>Dan Day</t:DisplayName><t:EmailAddresses>'
                         '<t:Entry Key="EmailAddress1">dan@x.example</t:Entry></t:EmailAddresses>')
    inner = ews.create("DistributionList", "<t:DisplayName>Inner</t:DisplayName>")
    members = ("<t:Members>"
               f'<t:Member><t:Mailbox><t:MailboxType>Contact</t:MailboxType><t:ItemId Id="{contact.id}"/></t:Mailbox>'
               "</t:Member>"
               f'<t:Member><t:Mailbox><t:MailboxType>PrivateDL</t:MailboxType><t:ItemId Id="{inner.id}"/></t:Mailbox>'
               "</t:Member>"
               "<t:Member><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:Member>"
               "<t:Member><t:Mailbox><t:EmailAddress>eve@x.example</t:EmailAddress>"
               "<t:MailboxType>OneOff</t:MailboxType></t:Mailbox></t:Member></t:Members>")
    ref = ews.create("DistributionList", f"<t:DisplayName>Outer</t:DisplayName>{members}")
    expected = [("Dan Day", "dan@x.example", "Contact"), ("Inner", None, "PrivateDL"),
                ("Bob Baker", "bob@example.com", "Mailbox"), (None, "eve@x.example", "OneOff")]
    r = ews.call(expand(f'<t:ItemId Id="{ref.id}"/>'))
    assert _expansion(r) == expected
    assert r.xpath("//m:DLExpansion/t:Mailbox/t:ItemId/@Id") == [contact.id, inner.id]
    assert _expansion(ews.call(expand("<t:EmailAddress>outer</t:EmailAddress>"))) == expected


def test_an_unknown_list_is_no_results(directory_ews: Ews) -> None:
    r = directory_ews.call(expand("<t:EmailAddress>non_existent_distro@example.com</t:EmailAddress>"
                                  "<t:MailboxType>PublicDL</t:MailboxType>"))
    assert_error(r, "ErrorNameResolutionNoResults")
    assert r.xpath("//m:DLExpansion") == []
    # a user's mailbox is no list either
    assert_error(directory_ews.call(expand("<t:EmailAddress>bob@example.com</t:EmailAddress>")),
                 "ErrorNameResolutionNoResults")


def test_an_item_that_is_not_a_list_cannot_be_expanded(ews: Ews) -> None:
    contact = ews.create("Contact", "<t:DisplayName>Dan</t:DisplayName>")
    assert_error(ews.call(expand(f'<t:ItemId Id="{contact.id}"/>')), "ErrorInvalidItemForOperationExpandDL")


def test_item_id_errors(ews: Ews) -> None:
    ref = ews.create("DistributionList", "<t:DisplayName>Gone</t:DisplayName>")
    ews.delete(ref)
    assert_error(ews.call(expand(f'<t:ItemId Id="{ref.id}"/>')), "ErrorItemNotFound")
    assert_error(ews.call(expand('<t:ItemId Id="AAA="/>')), "ErrorInvalidIdMalformed")
