"""SyncFolderHierarchy: the changes to the folders below one folder (by default the mailbox's msgfolderroot,
the top of the folders a client shows) since a sync state.

A first sync (no state) reports every folder below it as a Create, parents before children. After that the
window (``base``, ``upto``] of the journal gives each folder's net change, reported in the order of its last
change: created or moved into the subtree ⇒ Create; deleted or moved out ⇒ Delete; renamed or otherwise changed,
or its counts changed (an item created, deleted, moved in or out, or marked read or unread in it: TotalCount and
UnreadCount are folder properties) ⇒ Update; created and deleted in the window ⇒ nothing. Whether a folder was
in the subtree at ``base`` follows from the parents the window's first entries name. A mailbox has about a
hundred folders, so the changes are computed for the whole window and paged by count (``skip``), up to
:data:`PAGE` a response. Sync states as SyncFolderItems' (D38).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..core import sync_state as S
from ..core.errors import EwsError
from ..core.sync_changes import CREATE, DELETE, UPDATE
from ..protocol import sync_folder_hierarchy as wire
from ..protocol.folders import FolderRef
from ..protocol.sync_folder_hierarchy import FolderChange, FoldersPage, SyncFolderHierarchyRequest
from ..store import journal, sync
from ..store.journal import CREATED, DELETED, MODIFIED, MOVED, JournalEntry
from .base import Batch, WholeRequest
from .context import RequestContext
from .folders import Hierarchy, ensure_named_mailboxes, folder_views
from .sync_folder_items import checked_state, sync_folder

OPERATION_NAME = "SyncFolderHierarchy"
#: folder changes per response
PAGE = 512
DEFAULT_ROOT = FolderRef("msgfolderroot", distinguished=True)


@dataclass(frozen=True)
class _Net:
    folder_id: str
    kind: str
    position: int
    change_key: str = ""
    #: how deep below the mailbox's top (parents are reported before their children)
    depth: int = 0


def _chain(folder_id: str, parents: dict[str, str | None]) -> list[str]:
    """The folder's ancestors, nearest first."""
    out: list[str] = []
    parent = parents.get(folder_id)
    while parent is not None and parent not in out:
        out.append(parent)
        parent = parents.get(parent)
    return out


def _below(folder_id: str, parents: dict[str, str | None], root: str) -> bool:
    return root in _chain(folder_id, parents)


def _everything(tree: Hierarchy, root: str) -> list[_Net]:
    """A first sync: every folder below ``root``, parents first."""
    out, queue = [], [root]
    while queue:
        for child in tree.children.get(queue.pop(0), []):
            out.append(_Net(child.id, CREATE, 0))
            queue.append(child.id)
    return out


def _window(entries: list[JournalEntry], counted: dict[str, int], tree: Hierarchy, root: str) -> list[_Net]:
    """The net change of every folder the window's folder entries touch (or whose counts changed, ``counted``:
    folder id -> position), by its last change."""
    firsts: dict[str, JournalEntry] = {}
    last_at: dict[str, int] = dict(counted)
    last_key: dict[str, str] = {}
    for e in entries:
        firsts.setdefault(e.object_id, e)
        last_at[e.object_id] = max(e.position, last_at.get(e.object_id, 0))
        last_key[e.object_id] = e.change_key or ""
    parents_now = {f.id: f.parent_id for f in tree.by_id.values()}
    parents_then = dict(parents_now)
    for folder_id, first in firsts.items():
        if first.event == MOVED:
            parents_then[folder_id] = first.old_folder_id
        elif first.event in (MODIFIED, DELETED):
            parents_then[folder_id] = first.folder_id
    out = []
    # every folder: one moved in or out of the subtree takes the folders below it along, untouched themselves
    for folder_id in {*tree.by_id, *firsts}:
        first = firsts.get(folder_id)
        existed = first is None or first.event != CREATED
        before = existed and _below(folder_id, parents_then, root)
        after = folder_id in tree.by_id and _below(folder_id, parents_now, root)
        position = last_at.get(folder_id)
        if position is None:
            if before == after:
                continue
            position = max(last_at.get(a, 0) for a in (*_chain(folder_id, parents_then), *_chain(folder_id, parents_now)))
        depth = len(_chain(folder_id, parents_now if after else parents_then))
        if before and after:
            out.append(_Net(folder_id, UPDATE, position, depth=depth))
        elif after:
            out.append(_Net(folder_id, CREATE, position, depth=depth))
        elif before:
            out.append(_Net(folder_id, DELETE, position, last_key.get(folder_id, ""), depth=depth))
    return sorted(out, key=lambda n: (n.position, n.depth))


def _sync(ctx: RequestContext, request: SyncFolderHierarchyRequest) -> FoldersPage | EwsError:
    ref = request.folder or DEFAULT_ROOT
    ensure_named_mailboxes(ctx, [ref])
    key = ctx.store.secret("sync")  # made (a write) before the read transaction
    try:
        with ctx.store.read() as conn:
            root = sync_folder(conn, ctx, ref)
            state = checked_state(conn, ctx, request.sync_state, S.FOLDERS, root, "", OPERATION_NAME)
            head = journal.head(conn)
            if state is None:
                state = S.SyncState(S.FOLDERS, root.mailbox, root.id, "", S.JOURNAL, None, upto=head)
            elif state.skip == 0:  # in step at ``base``: the window runs to now
                state = replace(state, upto=head)
            tree = Hierarchy.of(ctx.store.mailbox_folders(conn, root.mailbox))
            if state.base is None:
                nets = _everything(tree, root.id)
            else:
                nets = _window(sync.folder_entries(conn, root.mailbox, state.base, state.upto),
                               sync.count_changes(conn, root.mailbox, state.base, state.upto), tree, root.id)
            page = nets[state.skip:state.skip + PAGE]
            last = state.skip + PAGE >= len(nets)
            next_state = (replace(state, base=state.upto, skip=0) if last
                          else replace(state, skip=state.skip + PAGE))
            shown = [tree.by_id[n.folder_id] for n in page if n.kind != DELETE]
            views = {v.folder.id: v for v in folder_views(Batch(ctx, request, conn), shown,
                                                          sizes=request.props.wants_size)}
            changes = tuple(FolderChange(n.kind, n.folder_id, n.change_key, views.get(n.folder_id)) for n in page)
    except EwsError as err:
        return err
    return FoldersPage(S.encode(next_state, key), last, changes)


OPERATION = WholeRequest(
    "SyncFolderHierarchy", "implemented",
    ("FolderShape with AdditionalProperties, SyncFolderId (default msgfolderroot), SyncState tokens on the change"
     " journal: folder creations, changes, moves in and out, deletions and count changes, net per folder"),
    parse=wire.parse, run=_sync, render=wire.render)
