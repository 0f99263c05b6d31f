"""FindFolder: the sub-folders (Shallow) or the whole subtree (Deep) of each parent, filtered and paged.

One response message per parent folder, in request order. Siblings are listed by display name and a Deep
traversal is depth-first (a parent before its children), so pages are stable between requests.
"""
from __future__ import annotations

from ..core.errors import EwsError
from ..core.folders import Folder
from ..protocol import find_folder as wire
from ..protocol.find_folder import FindFolderRequest, FolderPage
from ..protocol.folders import FolderRef
from .base import Batch, PerElement
from .folders import Hierarchy, folder_views, hierarchy, prepare_folder_mailboxes, resolve_in_hierarchy


def _soft_deleted_below(batch: Batch[FindFolderRequest], parent: Folder) -> list[Folder]:
    """The parent's soft-deleted subfolders (DeleteFolder SoftDelete): the one traversal that reads them."""
    everything = batch.ctx.store.mailbox_folders(batch.conn, parent.mailbox, soft_deleted=True)
    return sorted((f for f in everything if f.parent_id == parent.id and f.soft_deleted),
                  key=lambda f: (f.display_name.casefold(), f.id))


def _below(parent: Folder, tree: Hierarchy, traversal: str) -> list[Folder]:
    if traversal == "Shallow":
        return list(tree.children.get(parent.id, ()))
    found: list[Folder] = []
    stack = list(reversed(tree.children.get(parent.id, ())))
    while stack:
        f = stack.pop()
        found.append(f)
        stack.extend(reversed(tree.children.get(f.id, ())))
    return found


def _find_below(batch: Batch[FindFolderRequest], ref: FolderRef) -> FolderPage:
    req = batch.request
    if isinstance(req.restriction, EwsError):
        raise req.restriction
    parent = resolve_in_hierarchy(batch, ref)
    found = (_soft_deleted_below(batch, parent) if req.traversal == "SoftDeleted"
             else _below(parent, hierarchy(batch, parent.mailbox), req.traversal))
    views = folder_views(batch, found, sizes=batch.request.props.wants_size)
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
