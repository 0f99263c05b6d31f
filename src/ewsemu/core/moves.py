"""Moving and copying items (MoveItem, CopyItem, MarkAsJunk): what the moved or copied item is, and which
moves Exchange refuses. No store here: the operations read the item and its destination, these rules decide.

Why a move makes a new item: Exchange's store moves a message by copying it into the destination folder and
deleting the original, so the moved item has a new ItemId there (the old one answers ErrorItemNotFound) and a
new ChangeKey. MarkAsJunk's move is documented the other way (MovedItemId: "the item identifier will remain
the same after the move; the change key changes"), so :func:`moved` takes the id to give the item.
"""
from __future__ import annotations

from .errors import EwsError
from .folders import Folder
from .ids import IdFactory
from .item import Item

#: where MarkAsJunk's MoveItem puts a message: junk (IsJunk true) or back in the Inbox (false)
JUNK_DESTINATION = {True: "junkemail", False: "inbox"}


def moved(item: Item, folder_id: str, item_id: str) -> Item:
    """``item`` in the folder ``folder_id`` under ``item_id``: the next version, so a new ChangeKey even when
    the id stays; every property travels unchanged (a move is no modification)."""
    out = item.copy()
    out.id, out.folder_id = item_id, folder_id
    out.version = item.version + 1
    out.change_key = IdFactory.change_key(item_id, out.version)
    return out


def copied(item: Item, *, item_id: str, mailbox: str, folder_id: str) -> Item:
    """An independent copy of ``item`` (a recurring master with its exceptions and deleted occurrences
    included): a new item at version 1, every stored property as the original has it."""
    out = item.copy()
    out.id, out.mailbox, out.folder_id = item_id, mailbox, folder_id
    out.version, out.change_key = 1, IdFactory.change_key(item_id, 1)
    return out


def check_movable(item: Item) -> None:
    """An associated (folder-associated, FAI) item belongs to its folder: ErrorInvalidOperation, as the EWS
    reference lists "move or copy an associated item"."""
    if item.values.get("item:IsAssociated"):
        raise EwsError("ErrorInvalidOperation", message="An associated item cannot be moved or copied.")


def check_destination(folder: Folder, *, source_folder_id: str, copy: bool) -> None:
    """ErrorMoveCopyFailed for a destination no item can be put in: a search folder (MS-OXCFOLD: the source of
    a move may be a search folder, the destination may not), and for a move the folder the item is already in."""
    if folder.search is not None:  # a search folder shows items that live elsewhere
        raise EwsError("ErrorMoveCopyFailed", message="Items cannot be moved or copied into a search folder.")
    if not copy and folder.id == source_folder_id:
        raise EwsError("ErrorMoveCopyFailed", message="The item is already in the destination folder.")
