"""DeleteFolder: HardDelete (the folder, its subfolders and their items, for good), SoftDelete (items to
Recoverable Items' Deletions, folders kept for FindFolder's SoftDeleted traversal) and MoveToDeletedItems (the
folder moves into Deleted Items with its Id); a mailbox's own folders refuse (ErrorDeleteDistinguishedFolder)."""
from __future__ import annotations

from ..protocol import delete_folder as wire
from ..protocol.delete_folder import DeleteFolderRequest
from ..protocol.folders import FolderRef
from .base import Batch, PerElement
from .common import with_retries
from .folder_removal import refuse_protected, remove_tree
from .folders import existing_folder, prepare_folder_mailboxes


def _delete_one(batch: Batch[DeleteFolderRequest], ref: FolderRef) -> None:
    ctx = batch.ctx

    def work(uow) -> None:
        folder = existing_folder(uow, ctx, ref)
        refuse_protected(folder)
        if folder.parent_id is not None:
            ctx.store.lock_folder(uow, folder.parent_id)
        remove_tree(ctx, uow, folder, batch.request.delete_type)

    with_retries(ctx, work)


OPERATION = PerElement(
    "DeleteFolder", "implemented",
    "HardDelete, SoftDelete and MoveToDeletedItems of a folder with its subfolders and items",
    parse=wire.parse, element=_delete_one, render=wire.render_success, prepare=prepare_folder_mailboxes)
