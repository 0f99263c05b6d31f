"""CreateFolder through the real endpoint: the canonical request (tests/golden/create-folder/), every folder
type, the ResponseCodes it answers (each showing that nothing was created), the journal entry and exchangelib.
Every response is validated against our wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

from pathlib import Path

import pytest

from ewsemu.core.ids import IdFactory

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS
from .folder_calls import (
    children, create_folder, create_folders, folder, journal_entries, journal_head, read_folder, text,
)

CANONICAL = Path(__file__).parents[1] / "golden" / "create-folder" / "01-create-folder.request.xml"
EXT = '<t:ExtendedFieldURI PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="Colour" ' \
      'PropertyType="String"/>'


def test_the_canonical_request_succeeds(ews: Ews) -> None:
    r = ews.post(CANONICAL.read_bytes())
    assert r.status == 200, r.body
    assert r.codes() == ["NoError", "NoError"], r.body
    assert [el.tag.split("}")[1] for el in r.xpath("//m:Folders/*")] == ["Folder", "TasksFolder"]
    assert all(el.get("ChangeKey") for el in r.xpath("//m:Folders/*/t:FolderId"))
    assert sorted(children(ews, "inbox")) == ["Chores", "Projects"]
    assert text(read_folder(ews, "inbox"), "ChildFolderCount") == "2"


@pytest.mark.parametrize("element, given, expected_element, expected_class", [
    ("Folder", "IPF.Note", "Folder", "IPF.Note"),
    ("Folder", "IPF.Note.OutlookHomepage", "Folder", "IPF.Note.OutlookHomepage"),
    ("Folder", "IPF.Task", "TasksFolder", "IPF.Task"),  # the element follows the class, as Exchange answers
    ("Folder", None, "Folder", None),
    ("TasksFolder", None, "TasksFolder", "IPF.Task"),
    ("CalendarFolder", None, "CalendarFolder", "IPF.Appointment"),
    ("ContactsFolder", None, "ContactsFolder", "IPF.Contact"),
])
def test_each_folder_type_gets_its_class_and_element(ews: Ews, element: str, given: str | None,
                                                     expected_element: str, expected_class: str | None) -> None:
    ref = create_folder(ews, "msgfolderroot", f"New {element}", element, folder_class=given)
    got = read_folder(ews, ref)
    assert got.tag == f"{{{NS['t']}}}{expected_element}"
    assert text(got, "FolderClass") == expected_class
    assert (text(got, "TotalCount"), text(got, "ChildFolderCount")) == ("0", "0")
    assert got.find("t:ParentFolderId", NS).get("Id") == read_folder(ews, "msgfolderroot").find(
        "t:FolderId", NS).get("Id")


def test_sibling_names_clash_case_insensitively_and_nothing_is_created(ews: Ews) -> None:
    create_folder(ews, "inbox", "Projects")
    r = create_folders(ews, "inbox", folder("pROJECTS"))
    assert_error(r, "ErrorFolderExists", container="Folders")
    assert "Could not create folder 'pROJECTS'" in r.xpath("//m:MessageText")[0].text
    assert children(ews, "inbox") == ["Projects"]
    create_folder(ews, "drafts", "Projects")  # another parent: no clash


def test_each_element_is_atomic_and_answered_in_order(ews: Ews) -> None:
    r = create_folders(ews, "inbox", folder("One"), folder("Two", "TasksFolder", "IPF.Task"), folder("Three"))
    assert r.codes() == ["NoError", "ErrorNoFolderClassOverride", "NoError"], r.body
    assert sorted(children(ews, "inbox")) == ["One", "Three"]


@pytest.mark.parametrize("body, code", [
    (folder("Total", extra="<t:TotalCount>3</t:TotalCount>"), "ErrorInvalidPropertySet"),
    (folder(None, folder_class="IPF.Note"), "ErrorFolderSavePropertyError"),
    (folder("   "), "ErrorInvalidPropertySet"),
    (folder("Typed", "CalendarFolder", "IPF.Appointment"), "ErrorNoFolderClassOverride"),
    (folder("Twice", extra="<t:PermissionSet><t:Permissions>" + 2 * (
        "<t:Permission><t:UserId><t:PrimarySmtpAddress>bob@example.com</t:PrimarySmtpAddress></t:UserId>"
        "<t:PermissionLevel>Reviewer</t:PermissionLevel></t:Permission>") + "</t:Permissions></t:PermissionSet>"),
     "ErrorDuplicateUserIdsSpecified"),
    (folder("Nobody", extra="<t:PermissionSet><t:Permissions><t:Permission><t:UserId><t:SID>S-1-5-21-1</t:SID>"
                            "</t:UserId><t:PermissionLevel>Reviewer</t:PermissionLevel></t:Permission>"
                            "</t:Permissions></t:PermissionSet>"), "ErrorInvalidUserInfo"),
    (folder("Bad extended", extra=f"<t:ExtendedProperty>{EXT.replace('String', 'Integer')}<t:Value>x</t:Value>"
                                  "</t:ExtendedProperty>"), "ErrorInvalidExtendedPropertyValue"),
])
def test_refused_values_create_nothing(ews: Ews, emulator, body: str, code: str) -> None:
    create_folder(ews, "drafts", "Warm-up")  # the mailbox exists from here on
    before = journal_head(emulator)
    r = create_folders(ews, "inbox", body)
    assert r.codes() == [code], r.body
    assert len(r.xpath("//m:ResponseMessages/*/m:Folders/*")) == 0
    assert children(ews, "inbox") == []
    assert journal_head(emulator) == before


def test_a_missing_parent_is_parent_folder_not_found(ews: Ews) -> None:
    gone = Ref(IdFactory(seed=1).folder_id())
    assert_error(create_folders(ews, gone, folder("Orphan")), "ErrorParentFolderNotFound", container="Folders")


def test_names_of_255_characters_are_kept(ews: Ews) -> None:
    name = "n" * 255
    assert text(read_folder(ews, create_folder(ews, "inbox", name)), "DisplayName") == name


def test_permission_set_and_extended_properties_are_stored_and_read_back(ews: Ews) -> None:
    acl = ("<t:PermissionSet><t:Permissions><t:Permission><t:UserId><t:PrimarySmtpAddress>bob@example.com"
           "</t:PrimarySmtpAddress></t:UserId><t:CanCreateItems>true</t:CanCreateItems>"
           "<t:ReadItems>FullDetails</t:ReadItems><t:PermissionLevel>Custom</t:PermissionLevel></t:Permission>"
           "</t:Permissions></t:PermissionSet>")
    ext = f"<t:ExtendedProperty>{EXT}<t:Value>teal</t:Value></t:ExtendedProperty>"
    ref = create_folder(ews, "inbox", "Shared", extra=ext + acl)
    got = read_folder(ews, ref, shape="IdOnly", additional=f'<t:FieldURI FieldURI="folder:PermissionSet"/>{EXT}')
    assert text(got, "t:ExtendedProperty/t:Value") == "teal"
    entries = got.findall("t:PermissionSet/t:Permissions/t:Permission", NS)
    assert [text(e, "t:UserId/t:DistinguishedUser") or text(e, "t:UserId/t:PrimarySmtpAddress")
            for e in entries] == ["Default", "Anonymous", "bob@example.com"]
    assert [text(entries[2], n) for n in ("CanCreateItems", "ReadItems", "PermissionLevel")] == [
        "true", "FullDetails", "Custom"]
    assert text(entries[2], "t:UserId/t:SID").startswith("S-1-5-21-")


def test_a_search_folder_keeps_its_parameters(ews: Ews) -> None:
    params = ('<t:SearchParameters Traversal="Deep"><t:Restriction><t:Contains ContainmentMode="Substring" '
              'ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="invoice"/>'
              '</t:Contains></t:Restriction><t:BaseFolderIds><t:DistinguishedFolderId Id="inbox"/>'
              "</t:BaseFolderIds></t:SearchParameters>")
    ref = create_folder(ews, "msgfolderroot", "Invoices", "SearchFolder", extra=params)
    got = read_folder(ews, ref)
    assert got.tag == f"{{{NS['t']}}}SearchFolder"
    assert got.find("t:SearchParameters", NS).get("Traversal") == "Deep"
    assert got.find("t:SearchParameters/t:Restriction/t:Contains/t:Constant", NS).get("Value") == "invoice"
    inbox = read_folder(ews, "inbox").find("t:FolderId", NS).get("Id")
    assert got.find("t:SearchParameters/t:BaseFolderIds/t:FolderId", NS).get("Id") == inbox


@pytest.mark.parametrize("params, code", [
    ('<t:SearchParameters><t:Restriction><t:IsEqualTo><t:FieldURI FieldURI="task:Nope"/><t:FieldURIOrConstant>'
     '<t:Constant Value="1"/></t:FieldURIOrConstant></t:IsEqualTo></t:Restriction><t:BaseFolderIds>'
     '<t:DistinguishedFolderId Id="inbox"/></t:BaseFolderIds></t:SearchParameters>', None),
    ("", "ErrorInvalidRestriction"),
])
def test_a_search_folder_needs_valid_parameters(ews: Ews, params: str, code: str | None) -> None:
    r = create_folders(ews, "msgfolderroot", folder("Broken", "SearchFolder", extra=params))
    assert r.codes() != ["NoError"], r.body
    if code is not None:
        assert r.codes() == [code]
    assert "Broken" not in children(ews, "msgfolderroot")


def test_the_creation_is_journaled_under_its_parent(ews: Ews, emulator) -> None:
    create_folder(ews, "inbox", "Warm-up")  # the mailbox exists from here on
    before = journal_head(emulator)
    ref = create_folder(ews, "inbox", "Journaled")
    [entry] = journal_entries(emulator, before)
    inbox = read_folder(ews, "inbox").find("t:FolderId", NS).get("Id")
    assert (entry.object_id, entry.object_kind, entry.event, entry.folder_id) == (ref.id, "folder", "created", inbox)
    assert entry.change_key == ref.ck


def test_exchangelib_creates_folders(ewsemu_account) -> None:
    from exchangelib import Folder
    from exchangelib.folders import Tasks as TasksFolder

    account = ewsemu_account("alice@example.com")
    made = Folder(parent=account.inbox, name="From exchangelib")
    made.save()
    assert made.id and made.changekey
    tasks = TasksFolder(parent=account.inbox, name="Todo")
    tasks.save()
    names = {f.name: type(f).__name__ for f in account.inbox.children}
    assert names == {"From exchangelib": "Folder", "Todo": "Tasks"}


def _search_folder(ews: Ews, name: str, traversal: str, *bases: str) -> Ref:
    base_ids = "".join(f'<t:DistinguishedFolderId Id="{b}"/>' for b in bases)
    params = (f'<t:SearchParameters Traversal="{traversal}"><t:Restriction><t:Contains ContainmentMode="Substring" '
              'ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="invoice"/>'
              f"</t:Contains></t:Restriction><t:BaseFolderIds>{base_ids}</t:BaseFolderIds></t:SearchParameters>")
    return create_folder(ews, "msgfolderroot", name, "SearchFolder", extra=params)


def _found(ews: Ews, folder: Ref) -> list[str]:
    r = ews.call('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>'
                 f"<m:ParentFolderIds>{folder.xml('FolderId')}</m:ParentFolderIds></m:FindItem>")
    assert r.codes() == ["NoError"], r.body
    return sorted(el.text for el in r.xpath("//t:Items/*/t:Subject"))


def test_a_search_folder_shows_what_its_restriction_matches_and_stays_current(ews: Ews) -> None:
    from .folder_calls import add_message, counts
    inbox = Ref(read_folder(ews, "inbox").find("t:FolderId", NS).get("Id"))
    sub = create_folder(ews, inbox, "Paid")
    add_message(ews, inbox, "Invoice 1")
    add_message(ews, inbox, "Lunch?")
    paid = add_message(ews, sub, "INVOICE 2", is_read=True)
    shallow = _search_folder(ews, "Invoices here", "Shallow", "inbox")
    deep = _search_folder(ews, "All invoices", "Deep", "inbox")
    assert _found(ews, shallow) == ["Invoice 1"]
    assert _found(ews, deep) == ["INVOICE 2", "Invoice 1"]
    assert counts(ews, deep) == ("2", "0", "1")
    add_message(ews, sub, "invoice 3")  # kept current: computed when asked
    assert _found(ews, deep) == ["INVOICE 2", "Invoice 1", "invoice 3"]
    assert ews.delete(paid).codes() == ["NoError"]
    assert counts(ews, deep) == ("2", "0", "2")
