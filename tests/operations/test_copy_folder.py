"""CopyFolder through the real endpoint: a copy with new Ids of the folder, its subfolders and their items,
independent of the original; the refusals MoveFolder has (a mailbox folder may be copied). Every response is
validated against our wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses, set_field  # noqa: F401 (fixtures)
from .folder_calls import add_message, children, counts, create_folder, journal_entries, journal_head
from .test_move_folder import move


def test_a_copy_has_new_ids_and_its_own_items(ews: Ews, emulator) -> None:
    top = create_folder(ews, "inbox", "Templates")
    sub = create_folder(ews, top, "Letters")
    message = add_message(ews, sub, "Dear")
    before = journal_head(emulator)
    r = move(ews, "drafts", top, op="CopyFolder")
    assert r.codes() == ["NoError"], r.body
    copy = Ref(r.xpath("//m:Folders/t:Folder/t:FolderId")[0].get("Id"))
    assert copy.id != top.id
    assert children(ews, "inbox") == ["Templates"] and children(ews, "drafts") == ["Templates"]
    [copied_sub] = [el.get("Id") for el in ews.call(
        '<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
        f'<m:ParentFolderIds>{copy.xml("FolderId")}</m:ParentFolderIds></m:FindFolder>').xpath("//t:FolderId")]
    assert copied_sub != sub.id and counts(ews, Ref(copied_sub))[0] == "1"
    assert ews.update(message, set_field("item:Subject", "<t:Subject>Changed</t:Subject>", "Message"),
                      md="SaveOnly").codes() == ["NoError"]
    found = ews.call('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>'
                     f'<m:ParentFolderIds><t:FolderId Id="{copied_sub}"/></m:ParentFolderIds></m:FindItem>')
    assert [el.text for el in found.xpath("//t:Items/t:Message/t:Subject")] == ["Dear"]  # the copy is its own
    assert found.xpath("//t:Items/t:Message/t:ItemId")[0].get("Id") != message.id
    events = sorted((e.object_kind, e.event) for e in journal_entries(emulator, before))
    assert events[:3] == [("folder", "created"), ("folder", "created"), ("item", "copied")]


def test_a_mailbox_folder_may_be_copied_and_the_copy_is_ordinary(ews: Ews) -> None:
    r = move(ews, "drafts", "tasks", op="CopyFolder")
    assert r.codes() == ["NoError"], r.body
    assert children(ews, "drafts") == ["Tasks"]
    copy = Ref(r.xpath("//m:Folders/*/t:FolderId")[0].get("Id"))
    assert ews.call(f'<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds>{copy.xml("FolderId")}</m:FolderIds>'
                    "</m:DeleteFolder>").codes() == ["NoError"]


def test_a_copy_into_its_own_subtree_fails(ews: Ews) -> None:
    top = create_folder(ews, "inbox", "Loop")
    assert_error(move(ews, top, top, op="CopyFolder"), "ErrorMoveCopyFailed")
    assert children(ews, top) == []


def test_a_copy_beside_its_original_clashes_on_the_name(ews: Ews) -> None:
    top = create_folder(ews, "inbox", "Twin")
    assert_error(move(ews, "inbox", top, op="CopyFolder"), "ErrorFolderExists")
    assert children(ews, "inbox") == ["Twin"]
