"""DeleteFolder through the real endpoint: HardDelete, SoftDelete and MoveToDeletedItems with subfolders and
items, the mailbox's own folders refused, missing folders, counts and the journal. Every response is validated
against our wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

from pathlib import Path

import pytest

from ewsemu.core.ids import IdFactory

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import Response
from .folder_calls import (
    add_message, children, counts, create_folder, folder_ids, journal_entries, journal_head,
)

CANONICAL = Path(__file__).parents[1] / "golden" / "delete-folder" / "01-create.request.xml"


def delete(ews: Ews, *targets: Ref | str, delete_type: str = "HardDelete") -> Response:
    return ews.call(f'<m:DeleteFolder DeleteType="{delete_type}"><m:FolderIds>{folder_ids(ews, *targets)}'
                    "</m:FolderIds></m:DeleteFolder>")


def find_soft_deleted(ews: Ews, parent: Ref | str) -> list[str]:
    r = ews.call('<m:FindFolder Traversal="SoftDeleted"><m:FolderShape><t:BaseShape>Default</t:BaseShape>'
                 f"</m:FolderShape><m:ParentFolderIds>{folder_ids(ews, parent)}</m:ParentFolderIds></m:FindFolder>")
    assert r.codes() == ["NoError"], r.body
    return [el.text for el in r.xpath("//t:Folders/*/t:DisplayName")]


@pytest.fixture
def tree(ews: Ews) -> dict[str, Ref]:
    """inbox/Projects (one unread message) with Projects/2026 (one message)."""
    top = create_folder(ews, "inbox", "Projects")
    sub = create_folder(ews, top, "2026")
    return {"top": top, "sub": sub, "m1": add_message(ews, top, "a"), "m2": add_message(ews, sub, "b")}


def test_the_canonical_request_succeeds(ews: Ews) -> None:
    assert ews.post(CANONICAL.read_bytes()).codes() == ["NoError"]


def test_hard_delete_removes_the_subtree_and_its_items_for_good(ews: Ews, emulator, tree: dict[str, Ref]) -> None:
    before = journal_head(emulator)
    assert delete(ews, tree["top"]).codes() == ["NoError"]
    assert children(ews, "inbox") == [] and counts(ews, "inbox")[1] == "0"
    for ref in (tree["m1"], tree["m2"]):
        assert_error(ews.get_response(ref), "ErrorItemNotFound")
    assert find_soft_deleted(ews, "inbox") == []
    assert ews.find("recoverableitemsdeletions") == []
    events = [(e.object_kind, e.event) for e in journal_entries(emulator, before)]
    assert sorted(events) == [("folder", "deleted")] * 2 + [("item", "deleted")] * 2
    assert_error(delete(ews, tree["top"]), "ErrorItemNotFound")


def test_soft_delete_keeps_the_folders_for_the_soft_deleted_traversal(ews: Ews, tree: dict[str, Ref]) -> None:
    assert delete(ews, tree["top"], delete_type="SoftDelete").codes() == ["NoError"]
    assert children(ews, "inbox") == [] and counts(ews, "inbox")[1] == "0"
    assert find_soft_deleted(ews, "inbox") == ["Projects"]
    assert len(ews.find("recoverableitemsdeletions")) == 2
    assert_error(delete(ews, tree["top"]), "ErrorItemNotFound")


def test_move_to_deleted_items_keeps_the_id(ews: Ews, tree: dict[str, Ref]) -> None:
    assert delete(ews, tree["top"], delete_type="MoveToDeletedItems").codes() == ["NoError"]
    assert children(ews, "deleteditems") == ["Projects"]
    assert children(ews, tree["top"]) == ["2026"]
    assert counts(ews, tree["top"])[0] == "1"


def test_a_name_taken_in_deleted_items_is_folder_exists(ews: Ews) -> None:
    create_folder(ews, "deleteditems", "Drafts 2")
    doomed = create_folder(ews, "inbox", "drafts 2")
    assert_error(delete(ews, doomed, delete_type="MoveToDeletedItems"), "ErrorFolderExists")
    assert children(ews, "inbox") == ["drafts 2"]


@pytest.mark.parametrize("name", ["inbox", "msgfolderroot", "deleteditems", "root", "recoverableitemsdeletions"])
def test_the_mailbox_folders_refuse(ews: Ews, name: str) -> None:
    for delete_type in ("HardDelete", "SoftDelete", "MoveToDeletedItems"):
        assert_error(delete(ews, name, delete_type=delete_type), "ErrorDeleteDistinguishedFolder")
    assert counts(ews, "msgfolderroot")[1] is not None


def test_each_folder_is_answered_in_order(ews: Ews, tree: dict[str, Ref]) -> None:
    gone = Ref(IdFactory(seed=5).folder_id())
    r = delete(ews, tree["sub"], gone, "inbox", Ref("bm90IGFuIGlk"))
    assert r.codes() == ["NoError", "ErrorItemNotFound", "ErrorDeleteDistinguishedFolder",
                         "ErrorInvalidIdMalformed"], r.body
    assert children(ews, tree["top"]) == []


def test_exchangelib_deletes_folders(ewsemu_account) -> None:
    from exchangelib import Folder
    from exchangelib.errors import ErrorDeleteDistinguishedFolder

    account = ewsemu_account("alice@example.com")
    f = Folder(parent=account.inbox, name="Short-lived")
    f.save()
    f.delete()
    assert [c.name for c in account.inbox.children] == []
    with pytest.raises(ErrorDeleteDistinguishedFolder):
        account.inbox.delete()
