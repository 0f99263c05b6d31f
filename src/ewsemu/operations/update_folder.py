"""UpdateFolder: Set/Append/Delete of folder properties (DisplayName, FolderClass, PermissionSet, a search
folder's SearchParameters, extended properties) on the registry's rules, in document order, each FolderChange
atomic; the folder keeps its Id and gets a new ChangeKey.

A stale ChangeKey follows the items' AutoResolve rule (D3): a change to a property that changed since that key
was current is ErrorIrresolvableConflict, others apply; without a ChangeKey the change applies (D1). A rename
must not clash with a sibling.
"""
from __future__ import annotations

from ..core.apply import ALL_CHANGED
from ..core.errors import EwsError
from ..core.folder_apply import apply_folder_changes
from ..core.folders import Folder
from ..core.ids import check_change_key
from ..protocol import update_folder as wire
from ..protocol.folders import SearchRequest
from ..protocol.update_folder import FolderChange, UpdateFolderRequest
from .base import Batch, PerElement
from .common import LostRace, with_retries
from .context import RequestContext
from .folders import base_folder_ids, check_name_free, ensure_named_mailboxes, existing_folder


def _prepare(ctx: RequestContext, request: UpdateFolderRequest) -> None:
    refs = [e.target for e in request.elements if isinstance(e, FolderChange)]
    refs += [ref for e in request.elements if isinstance(e, FolderChange) for c in e.changes
             if isinstance(c.value, SearchRequest) for ref in c.value.base_folders]
    ensure_named_mailboxes(ctx, refs)


def _update_one(batch: Batch[UpdateFolderRequest], change: FolderChange) -> Folder:
    ctx = batch.ctx
    if change.change_key is not None:
        check_change_key(change.change_key)
    elif ctx.settings.strict and not change.target.distinguished:  # D1's strict variant, as for items
        raise EwsError("ErrorChangeKeyRequiredForWriteOperations")

    def work(uow) -> Folder:
        stored = existing_folder(uow, ctx, change.target)
        changed_since = None
        if change.change_key is not None and change.change_key != stored.change_key:
            since = ctx.store.folder_changed_since(uow, stored.id, change.change_key)
            changed_since = ALL_CHANGED if since is None else since  # {}: moved, nothing changed
        new, changed = apply_folder_changes(stored, change.changes, base_folder_ids(uow, ctx, change.changes),
                                            changed_since)
        if "folder:DisplayName" in changed and stored.parent_id is not None:
            parent = ctx.store.lock_folder(uow, stored.parent_id)
            if parent is not None:
                check_name_free(ctx, uow, parent, new.display_name, keep=stored.id)
        if not ctx.store.update_folder(uow, new, stored.version, ctx.now, changed):
            raise LostRace()
        return new

    return with_retries(ctx, work)


OPERATION = PerElement(
    "UpdateFolder", "implemented",
    ("SetFolderField, AppendToFolderField, DeleteFolderField on DisplayName, FolderClass (to its own value),"
     " PermissionSet, SearchParameters and extended properties; no conflict resolution, as Exchange"),
    parse=wire.parse, element=_update_one, render=wire.render_success, container="Folders", prepare=_prepare)
