"""MoveFolder through the real endpoint: the Id stays and the ChangeKey changes, the subtree and items move
along, counts follow, and every refusal changes nothing. Every response is validated against our wsdl/ and
Microsoft's schema once the module has run."""
from __future__ import annotations

import pytest

from ewsemu.core.ids import IdFactory

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS, Response
from .folder_calls import (
    add_message, children, counts, create_folder, folder_ids, journal_entries, journal_head, parent_xml,
    read_folder,
)


def move(ews: Ews, to: Ref | str, *targets: Ref | str, op: str = "MoveFolder") -> Response:
    return ews.call(f"<m:{op}><m:ToFolderId>{parent_xml(to)}</m:ToFolderId><m:FolderIds>"
                    f"{folder_ids(ews, *targets)}</m:FolderIds></m:{op}>")


def test_a_moved_folder_keeps_its_id_and_takes_its_subtree(ews: Ews, emulator) -> None:
    top = create_folder(ews, "inbox", "Clients")
    sub = create_folder(ews, top, "Contoso")
    add_message(ews, sub, "kept")
    before = journal_head(emulator)
    r = move(ews, "drafts", top)
    assert r.codes() == ["NoError"], r.body
    [moved] = r.xpath("//m:Folders/t:Folder/t:FolderId")
    assert moved.get("Id") == top.id and moved.get("ChangeKey") != top.ck
    assert children(ews, "inbox") == [] and children(ews, "drafts") == ["Clients"]
    assert children(ews, top) == ["Contoso"] and counts(ews, sub)[0] == "1"
    drafts = read_folder(ews, "drafts").find("t:FolderId", NS).get("Id")
    assert read_folder(ews, top).find("t:ParentFolderId", NS).get("Id") == drafts
    [entry] = journal_entries(emulator, before)
    assert (entry.event, entry.object_id, entry.folder_id) == ("moved", top.id, drafts)


@pytest.mark.parametrize("case, code", [
    ("distinguished", "ErrorMoveDistinguishedFolder"),
    ("into itself", "ErrorMoveCopyFailed"),
    ("below itself", "ErrorMoveCopyFailed"),
    ("name taken", "ErrorFolderExists"),
    ("no destination", "ErrorToFolderNotFound"),
    ("no source", "ErrorItemNotFound"),
])
def test_refusals_change_nothing(ews: Ews, case: str, code: str) -> None:
    top = create_folder(ews, "inbox", "Top")
    sub = create_folder(ews, top, "Sub")
    create_folder(ews, "drafts", "TOP")
    gone = Ref(IdFactory(seed=9).folder_id())
    to, target = {"distinguished": ("drafts", "tasks"), "into itself": (top, top), "below itself": (sub, top),
                  "name taken": ("drafts", top), "no destination": (gone, top), "no source": ("drafts", gone)}[case]
    assert_error(move(ews, to, target), code)
    assert children(ews, "inbox") == ["Top"] and children(ews, top) == ["Sub"]
    assert children(ews, "drafts") == ["TOP"]


def test_exchangelib_moves_a_folder(ewsemu_account) -> None:
    from exchangelib import Folder

    account = ewsemu_account("alice@example.com")
    f = Folder(parent=account.inbox, name="Mover")
    f.save()
    old = (f.id, f.changekey)
    f.move(account.drafts)
    assert f.id == old[0] and f.changekey != old[1]
    assert f.parent.id == account.drafts.id
