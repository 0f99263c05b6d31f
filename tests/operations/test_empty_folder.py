"""EmptyFolder through the real endpoint: items by DeleteType, DeleteSubFolders true and false, counts, search
folders and the mailbox's own subfolders refused without a change. Every response is validated against our
wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

import pytest

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import Response
from .folder_calls import add_message, children, counts, create_folder, folder_ids


def empty(ews: Ews, *targets: Ref | str, delete_type: str = "HardDelete", subfolders: bool = False) -> Response:
    return ews.call(f'<m:EmptyFolder DeleteType="{delete_type}" DeleteSubFolders="{str(subfolders).lower()}">'
                    f"<m:FolderIds>{folder_ids(ews, *targets)}</m:FolderIds></m:EmptyFolder>")


@pytest.fixture
def filled(ews: Ews) -> dict[str, Ref]:
    top = create_folder(ews, "inbox", "Newsletters")
    sub = create_folder(ews, top, "Old")
    add_message(ews, top, "a")
    add_message(ews, top, "b", is_read=True)
    add_message(ews, sub, "c")
    return {"top": top, "sub": sub}


def test_without_subfolders_only_the_items_go(ews: Ews, filled: dict[str, Ref]) -> None:
    assert counts(ews, filled["top"]) == ("2", "1", "1")
    assert empty(ews, filled["top"]).codes() == ["NoError"]
    assert counts(ews, filled["top"]) == ("0", "1", "0")
    assert counts(ews, filled["sub"]) == ("1", "0", "1")


def test_with_subfolders_everything_below_goes(ews: Ews, filled: dict[str, Ref]) -> None:
    assert empty(ews, filled["top"], subfolders=True).codes() == ["NoError"]
    assert counts(ews, filled["top"]) == ("0", "0", "0")
    assert children(ews, filled["top"]) == []


@pytest.mark.parametrize("delete_type, bin_", [("SoftDelete", "recoverableitemsdeletions"),
                                                ("MoveToDeletedItems", "deleteditems")])
def test_soft_and_move_to_deleted_items_keep_the_items(ews: Ews, filled: dict[str, Ref], delete_type: str,
                                                        bin_: str) -> None:
    assert empty(ews, filled["top"], delete_type=delete_type).codes() == ["NoError"]
    assert len(ews.find(bin_)) == 2 and counts(ews, filled["top"])[0] == "0"


def test_a_distinguished_folder_can_be_emptied(ews: Ews) -> None:
    add_message(ews, Ref(_inbox_id(ews)), "x")
    assert empty(ews, "inbox").codes() == ["NoError"]
    assert counts(ews, "inbox")[0] == "0"


def _inbox_id(ews: Ews) -> str:
    r = ews.call('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
                 '<t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>')
    return r.xpath("//t:FolderId")[0].get("Id")


def test_emptying_with_a_mailbox_folder_below_changes_nothing(ews: Ews) -> None:
    add_message(ews, Ref(_inbox_id(ews)), "kept")
    assert_error(empty(ews, "msgfolderroot", subfolders=True), "ErrorDeleteDistinguishedFolder")
    assert counts(ews, "inbox")[0] == "1"


def test_a_search_folder_cannot_be_emptied(ews: Ews) -> None:
    params = ('<t:SearchParameters><t:Restriction><t:Exists><t:FieldURI FieldURI="item:Subject"/></t:Exists>'
              '</t:Restriction><t:BaseFolderIds><t:DistinguishedFolderId Id="inbox"/></t:BaseFolderIds>'
              "</t:SearchParameters>")
    search = create_folder(ews, "msgfolderroot", "Everything", "SearchFolder", extra=params)
    assert_error(empty(ews, search), "ErrorCannotEmptyFolder")


def test_exchangelib_empties_and_wipes(ewsemu_account) -> None:
    from exchangelib import Folder, Message

    account = ewsemu_account("alice@example.com")
    f = Folder(parent=account.inbox, name="To wipe")
    f.save()
    Folder(parent=f, name="Child").save()
    Message(account=account, folder=f, subject="x").save()
    f.empty(delete_sub_folders=False)
    assert [c.name for c in f.children] == ["Child"]
    f.wipe()
    f.refresh()
    assert f.total_count == 0 and list(f.children) == []


def test_emptying_deleted_items_into_deleted_items_deletes_for_good(ews: Ews) -> None:
    trash = Ref(ews.call('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
                         '<m:FolderIds><t:DistinguishedFolderId Id="deleteditems"/></m:FolderIds></m:GetFolder>')
                .xpath("//t:FolderId")[0].get("Id"))
    add_message(ews, trash, "old")
    assert empty(ews, "deleteditems", delete_type="MoveToDeletedItems").codes() == ["NoError"]
    assert counts(ews, "deleteditems")[0] == "0"
