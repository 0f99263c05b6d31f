"""EmptyFolder: every item of the folder by DeleteType and, with DeleteSubFolders, its subfolders with theirs;
without it the subfolders and their items stay. A search folder cannot be emptied (ErrorCannotEmptyFolder)."""
from __future__ import annotations

from ..core.errors import EwsError
from ..protocol import empty_folder as wire
from ..protocol.empty_folder import EmptyFolderRequest
from ..protocol.folders import FolderRef
from .base import Batch, PerElement
from .common import with_retries
from .folder_removal import remove_items, remove_tree
from .folders import existing_folder, prepare_folder_mailboxes


def _empty_one(batch: Batch[EmptyFolderRequest], ref: FolderRef) -> None:
    ctx, req = batch.ctx, batch.request

    def work(uow) -> None:
        folder = existing_folder(uow, ctx, ref)
        if folder.search is not None:
            raise EwsError("ErrorCannotEmptyFolder", message="Search folders cannot be emptied.")
        ctx.store.lock_folder(uow, folder.id)
        remove_items(ctx, uow, folder.mailbox, [folder.id], req.delete_type)
        if req.delete_sub_folders:
            for child in ctx.store.child_folders(uow, folder.id):
                remove_tree(ctx, uow, child, "HardDelete" if req.delete_type == "MoveToDeletedItems"
                            and folder.distinguished == "deleteditems" else req.delete_type)

    with_retries(ctx, work)


OPERATION = PerElement(
    "EmptyFolder", "implemented",
    "HardDelete, SoftDelete and MoveToDeletedItems of a folder's items; DeleteSubFolders",
    parse=wire.parse, element=_empty_one, render=wire.render_success, prepare=prepare_folder_mailboxes)
