"""Removing folders and their contents, as DeleteFolder and EmptyFolder do it, by DeleteType: HardDelete
removes for good, SoftDelete sends items to Recoverable Items' Deletions and keeps folders only for
FindFolder's SoftDeleted traversal, MoveToDeletedItems moves them into Deleted Items. Every step is a store
write in the caller's unit of work, so it is journaled and atomic with the rest of the element."""
from __future__ import annotations

from ..core.errors import EwsError
from ..core.folder_tree import deletion_refusal
from ..core.folders import Folder
from ..core.item import Item
from ..core.moves import moved
from .common import LostRace
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


def remove_item(ctx: RequestContext, uow, item: Item, delete_type: str) -> None:
    """One item, by ``delete_type``: HardDelete for good; SoftDelete and MoveToDeletedItems move it into their
    bin under a new ItemId (a move, as Exchange gives a moved item), and an item already in that bin is
    deleted for good rather than moved onto itself."""
    bin_ = None
    if delete_type != "HardDelete":
        bin_ = ctx.store.distinguished_folder(uow, item.mailbox, _BIN[delete_type])
    if bin_ is None or bin_.id == item.folder_id:
        ctx.store.delete_item(uow, item.id, ctx.now)
    elif not ctx.store.relocate_item(uow, item, moved(item, bin_.id, ctx.ids.item_id()), ctx.now):
        raise LostRace()


def remove_items(ctx: RequestContext, uow, mailbox: str, folder_ids: list[str], delete_type: str) -> None:
    """Every item of these folders (of ``mailbox``), by ``delete_type``."""
    for item_id in ctx.store.item_ids_in(uow, folder_ids):
        item = ctx.store.load_item(uow, item_id, mailbox)
        if item is None:  # gone since it was listed (a racing writer): the retry lists again
            raise LostRace()
        remove_item(ctx, uow, item, delete_type)


def remove_tree(ctx: RequestContext, uow, folder: Folder, delete_type: str) -> None:
    """``folder``, its subfolders and all their items, by ``delete_type``; ErrorDeleteDistinguishedFolder if a
    mailbox folder is among them (nothing is changed then: the caller's unit of work rolls back)."""
    tree = [f for f in ctx.store.subtree(uow, folder) if not f.soft_deleted or f.id == folder.id]
    for f in tree:
        refuse_protected(f)
    trash = ctx.store.distinguished_folder(uow, folder.mailbox, _BIN["MoveToDeletedItems"])
    if delete_type == "MoveToDeletedItems" and folder.parent_id == trash.id:
        delete_type = "HardDelete"  # already in Deleted Items: deleting it there removes it
    if delete_type == "MoveToDeletedItems":
        ctx.store.lock_folder(uow, trash.id)
        check_name_free(ctx, uow, trash, folder.display_name, keep=folder.id)
        if ctx.store.move_folder(uow, folder.id, folder.mailbox, trash.id, ctx.now) is None:
            raise LostRace()
        return
    remove_items(ctx, uow, folder.mailbox, [f.id for f in tree], delete_type)
    for f in reversed(tree):  # children before their parents
        if delete_type == "HardDelete":
            ctx.store.delete_folder(uow, f.id, f.mailbox, ctx.now)
        elif not f.soft_deleted:
            ctx.store.soft_delete_folder(uow, f, ctx.now)
