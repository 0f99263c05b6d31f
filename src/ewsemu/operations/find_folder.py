"""FindFolder: the sub-folders (Shallow) or the whole subtree (Deep) of each parent, filtered and paged.

One response message per parent folder, in request order. Siblings are listed by display name and a Deep
traversal is depth-first (a parent before its children), so pages are stable between requests.
"""
from __future__ import annotations

from collections import defaultdict

from ..core.errors import EwsError
from ..core.folders import Folder
from ..protocol import find_folder as wire
from ..protocol.find_folder import FindFolderRequest, FolderPage
from ..protocol.folders import FolderRef
from .base import Batch, PerElement
from .folders import folder_views, prepare_folder_mailboxes, resolve_folder


def _below(parent: Folder, everything: list[Folder], traversal: str) -> list[Folder]:
    if traversal == "SoftDeleted":  # the parent's soft-deleted subfolders (DeleteFolder SoftDelete)
        return sorted((f for f in everything if f.parent_id == parent.id and f.soft_deleted),
                      key=lambda f: (f.display_name.casefold(), f.id))
    children: dict[str, list[Folder]] = defaultdict(list)
    for f in sorted(everything, key=lambda f: (f.display_name.casefold(), f.id)):
        if f.parent_id is not None:
            children[f.parent_id].append(f)
    if traversal == "Shallow":
        return children[parent.id]
    found: list[Folder] = []
    stack = list(reversed(children[parent.id]))
    while stack:
        f = stack.pop()
        found.append(f)
        stack.extend(reversed(children[f.id]))
    return found


def _find_below(batch: Batch[FindFolderRequest], ref: FolderRef) -> FolderPage:
    ctx, conn, req = batch.ctx, batch.conn, batch.request
    if isinstance(req.restriction, EwsError):
        raise req.restriction
    parent = resolve_folder(conn, ctx, ref)
    everything = ctx.store.mailbox_folders(conn, parent.mailbox, soft_deleted=req.traversal == "SoftDeleted")
    views = folder_views(ctx, conn, _below(parent, everything, req.traversal), {f.id: f for f in everything})
    if req.restriction is not None:
        views = [v for v in views if req.restriction(v)]
    req.paging.check()
    window = req.paging.window(len(views))
    return FolderPage(views[window.start:window.stop], req.paging.position(len(views), window), len(views))


OPERATION = PerElement(
    "FindFolder", "implemented",
    "Shallow, Deep and SoftDeleted traversal, restrictions on folder properties and paging",
    parse=wire.parse, element=_find_below, render=wire.render_success, reads=True,
    prepare=prepare_folder_mailboxes)
