"""What MoveItem, CopyItem and MarkAsJunk share: the item an id names (never one occurrence of a series),
the destination ToFolderId names, and the writes of one move or copy, each in one transaction.

Inside a mailbox a move keeps the item's row under a new ItemId (one MOVED journal entry naming the old id
and folder) and a copy inserts an independent item (COPIED). A destination in another mailbox (a delegate's
folder named by ``t:Mailbox``) is a copy there, and for a move a deletion here: COPIED in that mailbox's
journal, DELETED in this one's, so the sync of each sees its own side. Exchange returns no new id for such a
move or copy, so neither does this.
"""
from __future__ import annotations

from ..core import ids, moves
from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..core.folders import Folder
from ..core.item import Item
from ..protocol.folders import FolderRef
from ..protocol.move_copy import MoveCopyRequest
from .common import LostRace, check_item_id, with_retries
from .context import RequestContext
from .folders import destination, ensure_named_mailboxes
from .occurrences import check, locate


def prepare(ctx: RequestContext, request: MoveCopyRequest) -> None:
    """A destination in another mailbox: that mailbox exists before the transactions start."""
    ensure_named_mailboxes(ctx, [request.to_folder])


def source(conn, ctx: RequestContext, ref: ItemRef) -> tuple[Item, bool]:
    """The stored item ``ref`` names in the acting mailbox, and whether ``ref`` names one occurrence of it
    (which is the caller's to refuse: ErrorCalendarCannotMoveOrCopyOccurrence)."""
    where = locate(ref)
    item = ctx.store.load_item(conn, where.item_id, ctx.mailbox)
    if item is None:
        raise EwsError("ErrorItemNotFound")
    check(item, where)
    return item, where.index is not None


def check_ids(ref: ItemRef) -> None:
    """The id checks before anything is read: a malformed or empty Id, a folder's Id, a malformed ChangeKey
    (a stale one is no conflict: a move or copy changes nothing the client could overwrite)."""
    check_item_id(ref.id)
    if ref.change_key is not None:
        ids.check_change_key(ref.change_key)


def move_or_copy(ctx: RequestContext, ref: ItemRef, to_folder: FolderRef, *, copy: bool) -> Item | None:
    """One element of MoveItem (``copy`` False) or CopyItem: the new item, or None when it went to another
    mailbox. Every refusal comes before the first write, so a refused element changes nothing."""
    check_ids(ref)
    store = ctx.store

    def work(uow) -> Item | None:
        folder = destination(uow, ctx, to_folder)
        item, occurrence = source(uow, ctx, ref)
        if occurrence:
            raise EwsError("ErrorCalendarCannotMoveOrCopyOccurrence")
        moves.check_movable(item)
        moves.check_destination(folder, source_folder_id=item.folder_id, copy=copy)
        new_id = ctx.ids.item_id()
        if folder.mailbox != item.mailbox:
            store.copy_item(uow, item, moves.copied(item, item_id=new_id, mailbox=folder.mailbox,
                                                    folder_id=folder.id), ctx.now)
            if not copy:
                store.delete_item(uow, item.id, ctx.now)
            return None
        if copy:
            new = moves.copied(item, item_id=new_id, mailbox=item.mailbox, folder_id=folder.id)
            store.copy_item(uow, item, new, ctx.now)
            return new
        new = moves.moved(item, folder.id, new_id)
        if not store.relocate_item(uow, item, new, ctx.now):
            raise LostRace()
        return new

    return with_retries(ctx, work)
