"""ResolveNames end to end: the directory (a users file's users and groups; in the open default the mailboxes
that exist) and the caller's contacts and lists, matched as Exchange's ambiguous name resolution does, each
outcome framed as Exchange frames it (Success, Warning ErrorNameResolutionMultipleResults, Error
ErrorNameResolutionNoResults), SearchScope, ReturnFullContactData, ContactDataShape, ParentFolderIds."""
from __future__ import annotations

import pytest

from ewsemu.core.users import Group, UsersFileError, parse_users

from ..harness import Ews, assert_error, names, val
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS
from .people_calls import directory_ews, mailboxes, resolve  # noqa: F401 (fixture)


def _mailboxes(r) -> list[tuple[str | None, str | None, str | None]]:
    return mailboxes(r, "//t:Resolution/t:Mailbox")


def test_an_address_resolves_to_its_mailbox(directory_ews: Ews) -> None:
    r = directory_ews.call(resolve("alice@example.com"))
    [msg] = r.xpath("//m:ResolveNamesResponseMessage")
    assert msg.get("ResponseClass") == "Success" and names(msg) == ["ResponseCode", "ResolutionSet"]
    [rs] = r.xpath("//m:ResolutionSet")
    assert (rs.get("TotalItemsInView"), rs.get("IncludesLastItemInRange")) == ("1", "true")
    assert _mailboxes(r) == [("Alice Archer", "alice@example.com", "Mailbox")]
    assert r.xpath("//t:Resolution/t:Mailbox/t:RoutingType/text()") == ["SMTP"]
    assert r.xpath("//t:Resolution/t:Contact") == []


def test_the_smtp_prefix_and_name_prefixes_resolve(directory_ews: Ews) -> None:
    assert _mailboxes(directory_ews.call(resolve("SMTP:Bob@Example.com"))) == [
        ("Bob Baker", "bob@example.com", "Mailbox")]
    assert _mailboxes(directory_ews.call(resolve("arch"))) == [("Alice Archer", "alice@example.com", "Mailbox")]
    assert _mailboxes(directory_ews.call(resolve("Cre"))) == [("Crew", "crew@example.com", "PublicDL")]


def test_several_matches_are_a_warning_with_every_candidate(directory_ews: Ews) -> None:
    r = directory_ews.call(resolve("bob"))
    [msg] = r.xpath("//m:ResolveNamesResponseMessage")
    assert msg.get("ResponseClass") == "Warning"
    assert names(msg) == ["MessageText", "ResponseCode", "DescriptiveLinkKey", "ResolutionSet"]
    assert (val(msg, "m:MessageText"), r.codes()) == ("Multiple results were found.",
                                                      ["ErrorNameResolutionMultipleResults"])
    [rs] = r.xpath("//m:ResolutionSet")
    assert (rs.get("TotalItemsInView"), rs.get("IncludesLastItemInRange")) == ("2", "true")
    assert [e for _, e, _ in _mailboxes(r)] == ["bob@example.com", "bobby@example.com"]


def test_no_match_is_an_error_without_a_resolution_set(directory_ews: Ews) -> None:
    r = directory_ews.call(resolve("foo\\bar"))
    assert_error(r, "ErrorNameResolutionNoResults")
    assert r.xpath("//m:ResolveNamesResponseMessage/m:MessageText/text()") == ["No results were found."]
    assert r.xpath("//m:ResolutionSet") == []


def test_full_contact_data_of_a_directory_entry(directory_ews: Ews) -> None:
    r = directory_ews.call(resolve("alice@example.com", full=True))
    [contact] = r.xpath("//t:Resolution/t:Contact")
    assert (val(contact, "DisplayName"), val(contact, "ContactSource")) == ("Alice Archer", "ActiveDirectory")
    assert contact.xpath("t:EmailAddresses/t:Entry[@Key='EmailAddress1']/text()", namespaces=NS) == [
        "SMTP:alice@example.com"]
    assert contact.find("t:ItemId", NS) is None


def test_contacts_resolve_with_their_item_and_scope_orders_the_sources(directory_ews: Ews) -> None:
    ews = directory_ews
    ref = ews.create("Contact", '<t:DisplayName>Bob Contact</t:DisplayName><t:EmailAddresses>'
                     '<t:Entry Key="EmailAddress1">bob@elsewhere.example</t:Entry></t:EmailAddresses>')
    r = ews.call(resolve("bob"))  # ActiveDirectoryContacts: the directory first
    assert [t for _, _, t in _mailboxes(r)] == ["Mailbox", "Mailbox", "Contact"]
    assert r.xpath("//t:Resolution/t:Mailbox/t:ItemId/@Id") == [ref.id]
    r = ews.call(resolve("bob", scope="ContactsActiveDirectory"))
    assert [t for _, _, t in _mailboxes(r)] == ["Contact", "Mailbox", "Mailbox"]
    r = ews.call(resolve("bob", scope="Contacts", full=True, shape="IdOnly"))
    assert _mailboxes(r) == [("Bob Contact", "bob@elsewhere.example", "Contact")]
    assert names(r.xpath("//t:Resolution/t:Contact")[0]) == ["ItemId"]
    assert _mailboxes(ews.call(resolve("bob", scope="ActiveDirectory"))) == [
        ("Bob Baker", "bob@example.com", "Mailbox"), ("Roberta Bobby", "bobby@example.com", "Mailbox")]


def test_private_lists_resolve_as_private_dls(directory_ews: Ews) -> None:
    ref = directory_ews.create("DistributionList", "<t:DisplayName>Book club</t:DisplayName>")
    r = directory_ews.call(resolve("book"))
    assert _mailboxes(r) == [("Book club", None, "PrivateDL")]
    assert r.xpath("//t:Resolution/t:Mailbox/t:ItemId/@Id") == [ref.id]
    # full contact data: a list has none (a Resolution holds a Contact only)
    r = directory_ews.call(resolve("book", full=True))
    assert _mailboxes(r) == [("Book club", None, "PrivateDL")] and r.xpath("//t:Resolution/t:Contact") == []


def test_full_contact_data_of_a_stored_contact(directory_ews: Ews) -> None:
    ref = directory_ews.create("Contact", "<t:DisplayName>Cy Contact</t:DisplayName><t:GivenName>Cy</t:GivenName>")
    [contact] = directory_ews.call(resolve("cy", full=True)).xpath("//t:Resolution/t:Contact")
    assert (contact.find("t:ItemId", NS).get("Id"), val(contact, "GivenName"), val(contact, "ContactSource")) == (
        ref.id, "Cy", "Store")


def test_parent_folder_ids_must_be_one_contacts_folder(directory_ews: Ews) -> None:
    ews = directory_ews
    r = ews.call(resolve("bob", scope="Contacts", folders='<t:DistinguishedFolderId Id="inbox"/>'))
    assert_error(r, "ErrorResolveNamesInvalidFolderType")
    r = ews.call(resolve("bob", folders='<t:DistinguishedFolderId Id="contacts"/>' * 2))
    assert_error(r, "ErrorResolveNamesOnlyOneContactsFolderAllowed")
    assert _mailboxes(ews.call(resolve("bob", folders='<t:DistinguishedFolderId Id="contacts"/>'))) == [
        ("Bob Baker", "bob@example.com", "Mailbox"), ("Roberta Bobby", "bobby@example.com", "Mailbox")]


def test_the_open_default_resolves_the_mailboxes_that_exist(ews: Ews) -> None:
    ews.call(resolve("x"), user="carol@example.com")  # carol's mailbox exists once she has made a request
    r = ews.call(resolve("carol@example.com"))
    assert [e for _, e, _ in _mailboxes(r)] == ["carol@example.com"]
    assert_error(ews.call(resolve("nobody@example.com")), "ErrorNameResolutionNoResults")


@pytest.mark.parametrize("groups, message", [
    ({"not": "a list"}, "'groups' must be a list"),
    ([{"display_name": "No address"}], "group #1 needs an 'smtp' address"),
    ([{"smtp": "alice@example.com"}], "alice@example.com is listed twice"),  # a user's address
    ([{"smtp": "g@example.com"}, {"smtp": "G@example.com"}], "g@example.com is listed twice"),
    ([{"smtp": "g@example.com", "members": "bob@example.com"}], "'members' must be a list"),
    ([{"smtp": "g@example.com", "members": ["bob"]}], "a member must be an SMTP address"),
])
def test_users_file_group_errors(groups: object, message: str) -> None:
    with pytest.raises(UsersFileError, match=message):
        parse_users({"users": [{"smtp": "alice@example.com", "password": "x"}], "groups": groups})


def test_users_file_groups_parse() -> None:
    directory = parse_users({"users": [{"smtp": "alice@example.com"}], "groups": [
        {"smtp": "Team@Example.com", "display_name": "Team", "members": ["Alice@Example.com", "x@y.example"]}]})
    assert directory.groups == {"team@example.com": Group("team@example.com", "Team",
                                                          ("alice@example.com", "x@y.example"))}
