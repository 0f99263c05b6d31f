"""SyncFolderHierarchy through the real endpoint: the first sync (parents before children, the default root),
then each kind of folder change since a sync state — create, rename, move in and out of the subtree, delete,
count changes — and the sync state rules it shares with SyncFolderItems (D38). Every response is validated
against our wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

from pathlib import Path

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses, set_field  # noqa: F401 (fixtures)
from ..soap import NS
from .folder_calls import add_message, create_folder, read_folder
from .sync_calls import sync_hierarchy, sync_hierarchy_response
from .test_move_copy import GONE_FOLDER

CANONICAL = Path(__file__).parents[1] / "golden" / "sync-folder-hierarchy" / "01-first-sync.request.xml"


def rename_folder(ews: Ews, f: Ref, name: str) -> None:
    r = ews.call(f"<m:UpdateFolder><m:FolderChanges><t:FolderChange>{f.xml('FolderId')}<t:Updates><t:SetFolderField>"
                 f'<t:FieldURI FieldURI="folder:DisplayName"/><t:Folder><t:DisplayName>{name}</t:DisplayName>'
                 "</t:Folder></t:SetFolderField></t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>")
    assert r.codes() == ["NoError"], r.body


def move_folder(ews: Ews, f: Ref, to: Ref | str) -> None:
    target = to.xml("FolderId") if isinstance(to, Ref) else f'<t:DistinguishedFolderId Id="{to}"/>'
    r = ews.call(f"<m:MoveFolder><m:ToFolderId>{target}</m:ToFolderId><m:FolderIds>{f.xml('FolderId')}</m:FolderIds>"
                 "</m:MoveFolder>")
    assert r.codes() == ["NoError"], r.body


def delete_folder(ews: Ews, f: Ref) -> None:
    r = ews.call(f'<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds>{f.xml("FolderId")}</m:FolderIds>'
                 "</m:DeleteFolder>")
    assert r.codes() == ["NoError"], r.body


def synced(ews: Ews, root: Ref | str | None) -> str:
    page = sync_hierarchy(ews, root)
    while not page.last:
        page = sync_hierarchy(ews, root, page.state)
    return page.state


def test_the_canonical_request_lists_the_mailboxs_folders_parents_first(ews: Ews) -> None:
    r = ews.post(CANONICAL.read_bytes())
    assert r.codes() == ["NoError"], r.body
    msg = r.xpath("//m:SyncFolderHierarchyResponseMessage")[0]
    assert msg.findtext("m:SyncState", namespaces=NS).startswith("H4sI")
    assert msg.findtext("m:IncludesLastFolderInRange", namespaces=NS) == "true"
    seen = {read_folder(ews, "msgfolderroot", shape="IdOnly").find("t:FolderId", NS).get("Id")}
    names = []
    for create in msg.find("m:Changes", NS):
        folder = create[0]
        parent = folder.find("t:ParentFolderId", NS).get("Id")
        assert parent in seen  # the parent came first (or is the root)
        seen.add(folder.find("t:FolderId", NS).get("Id"))
        names.append(folder.findtext("t:DisplayName", namespaces=NS))
    assert {"Inbox", "Drafts", "Sent Items", "Deleted Items", "Calendar", "Contacts", "Tasks"} <= set(names)
    assert "Recoverable Items" not in names  # not below msgfolderroot: the default root is the IPM subtree


def test_a_created_folder_is_a_create_and_a_renamed_one_an_update(ews: Ews) -> None:
    top = create_folder(ews, "inbox", "Top")
    state = synced(ews, top)
    child = create_folder(ews, top, "Child")
    page = sync_hierarchy(ews, top, state, shape="Default")
    assert page.kinds == [("Create", child.id)]
    assert page.response.xpath("//t:Create/t:Folder/t:DisplayName")[0].text == "Child"
    rename_folder(ews, child, "Renamed")
    page = sync_hierarchy(ews, top, page.state, shape="Default")
    assert page.kinds == [("Update", child.id)]
    assert page.response.xpath("//t:Update/t:Folder/t:DisplayName")[0].text == "Renamed"
    delete_folder(ews, child)
    page = sync_hierarchy(ews, top, page.state)
    assert page.kinds == [("Delete", child.id)] and page.changes[0].element is None
    assert sync_hierarchy(ews, top, page.state).changes == []


def test_created_and_deleted_in_the_window_is_nothing(ews: Ews) -> None:
    top = create_folder(ews, "inbox", "Brief")
    state = synced(ews, top)
    delete_folder(ews, create_folder(ews, top, "Gone"))
    assert sync_hierarchy(ews, top, state).changes == []


def test_moves_in_and_out_of_the_subtree(ews: Ews) -> None:
    top, away = create_folder(ews, "inbox", "Inside"), create_folder(ews, "inbox", "Outside")
    mover = create_folder(ews, away, "Mover")
    grandchild = create_folder(ews, mover, "Below")
    state = synced(ews, top)
    move_folder(ews, mover, top)
    page = sync_hierarchy(ews, top, state)
    assert page.kinds == [("Create", mover.id), ("Create", grandchild.id)]  # the subtree comes along, parent first
    move_folder(ews, mover, away)
    out = sync_hierarchy(ews, top, page.state)
    assert out.kinds == [("Delete", mover.id), ("Delete", grandchild.id)]
    move_folder(ews, grandchild, top)  # out of a folder that is out of the subtree, into it
    assert sync_hierarchy(ews, top, out.state).kinds == [("Create", grandchild.id)]


def test_item_counts_changing_make_an_update_of_the_folder(ews: Ews) -> None:
    top = create_folder(ews, "inbox", "Counted")
    box = create_folder(ews, top, "Box")
    state = synced(ews, top)
    item = add_message(ews, box, is_read=False)
    page = sync_hierarchy(ews, top, state, shape="Default")
    assert page.kinds == [("Update", box.id)]
    assert page.response.xpath("//t:Update/t:Folder/t:TotalCount")[0].text == "1"
    r = ews.update(Ref(item.id), set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "Message"), md="SaveOnly")
    assert r.codes() == ["NoError"]
    page = sync_hierarchy(ews, top, page.state, shape="Default")
    assert page.kinds == [("Update", box.id)]
    assert page.response.xpath("//t:Update/t:Folder/t:UnreadCount")[0].text == "0"
    assert ews.delete(Ref(item.id)).codes() == ["NoError"]
    assert sync_hierarchy(ews, top, page.state).kinds == [("Update", box.id)]


def test_sync_states_are_checked_as_for_items(ews: Ews) -> None:
    a, b = create_folder(ews, "inbox", "HA"), create_folder(ews, "inbox", "HB")
    state = synced(ews, a)
    assert_error(sync_hierarchy_response(ews, b, state), "ErrorInvalidSyncStateData")
    assert_error(sync_hierarchy_response(ews, a, state[:-6]), "ErrorInvalidSyncStateData")
    items_state = ews.call(
        f"<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>"
        f"{a.xml('FolderId')}</m:SyncFolderId><m:MaxChangesReturned>10</m:MaxChangesReturned></m:SyncFolderItems>"
    ).xpath("//m:SyncState")[0].text
    assert_error(sync_hierarchy_response(ews, a, items_state), "ErrorInvalidSyncStateData")  # an item sync's
    delete_folder(ews, a)
    assert_error(sync_hierarchy_response(ews, a, state), "ErrorSyncFolderNotFound")
    assert_error(sync_hierarchy_response(ews, Ref(GONE_FOLDER)), "ErrorSyncFolderNotFound")
    msg = sync_hierarchy_response(ews, Ref(GONE_FOLDER)).xpath("//m:SyncFolderHierarchyResponseMessage")[0]
    assert [c.tag.split("}")[1] for c in msg][-2:] == ["SyncState", "IncludesLastFolderInRange"]


def test_the_default_root_and_msgfolderroot_share_their_states(ews: Ews) -> None:
    state = synced(ews, None)
    new = create_folder(ews, "msgfolderroot", "Top level")
    assert sync_hierarchy(ews, "msgfolderroot", state).kinds == [("Create", new.id)]
