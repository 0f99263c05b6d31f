"""Removing folders and their contents, as DeleteFolder and EmptyFolder do it, by DeleteType: HardDelete
removes for good, SoftDelete sends items to Recoverable Items' Deletions and keeps folders only for
FindFolder's SoftDeleted traversal, MoveToDeletedItems moves them into Deleted Items. Every step is a store
write in the caller's unit of work, so it is journaled and atomic with the rest of the element."""
from __future__ import annotations

from ..core.errors import EwsError
from ..core.folder_tree import deletion_refusal
from ..core.folders import Folder
from ..core.moves import moved
from .context import RequestContext
from .folders import check_name_free

#: where SoftDelete and MoveToDeletedItems put what they remove
_BIN = {"SoftDelete": "recoverableitemsdeletions", "MoveToDeletedItems": "deleteditems"}


def refuse_protected(folder: Folder) -> None:
    """A mailbox's own folders cannot be deleted (exchangelib's test_non_deletable_folders tries them all):
    ErrorDeleteDistinguishedFolder for a distinguished one, ErrorCannotDeleteObject for a system folder
    without a distinguished id (core.folder_tree)."""
    refusal = deletion_refusal(folder.distinguished)
    if refusal is not None:
        raise refusal


def remove_items(ctx: RequestContext, uow, mailbox: str, folder_ids: list[str], delete_type: str) -> None:
    """Every item of these folders (of ``mailbox``), by ``delete_type``."""
    item_ids = ctx.store.item_ids_in(uow, folder_ids)
    if not item_ids:
        return
    if delete_type == "HardDelete":
        for item_id in item_ids:
            ctx.store.delete_item(uow, item_id, ctx.now)
        return
    bin_ = ctx.store.distinguished_folder(uow, mailbox, _BIN[delete_type])
    for item_id in item_ids:  # moved under a new ItemId, as DeleteItem moves them
        item = ctx.store.load_item(uow, item_id, mailbox)
        ctx.store.relocate_item(uow, item, moved(item, bin_.id, ctx.ids.item_id()), ctx.now)


def remove_tree(ctx: RequestContext, uow, folder: Folder, delete_type: str) -> None:
    """``folder``, its subfolders and all their items, by ``delete_type``; ErrorDeleteDistinguishedFolder if a
    mailbox folder is among them (nothing is changed then: the caller's unit of work rolls back)."""
    tree = [f for f in ctx.store.subtree(uow, folder) if not f.soft_deleted or f.id == folder.id]
    for f in tree:
        refuse_protected(f)
    if delete_type == "MoveToDeletedItems":
        trash = ctx.store.distinguished_folder(uow, folder.mailbox, _BIN[delete_type])
        ctx.store.lock_folder(uow, trash.id)
        check_name_free(ctx, uow, trash, folder.display_name, keep=folder.id)
        ctx.store.move_folder(uow, folder.id, folder.mailbox, trash.id, ctx.now)
        return
    remove_items(ctx, uow, folder.mailbox, [f.id for f in tree], delete_type)
    for f in reversed(tree):  # children before their parents
        if delete_type == "HardDelete":
            ctx.store.delete_folder(uow, f.id, f.mailbox, ctx.now)
        elif not f.soft_deleted:
            ctx.store.soft_delete_folder(uow, f, ctx.now)
