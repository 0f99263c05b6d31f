"""MarkAsJunk: IsJunk (the blocked-senders list, which EWS cannot show) and MoveItem (to Junk Email, or back to
the Inbox); one response message per item, in request order, errors in-band.

The move keeps the ItemId and gives a new ChangeKey, as the reference documents for ``MovedItemId``; a
message from the mailbox owner stays where it is (core/junk.py).
"""
from __future__ import annotations

from ..core import junk, moves
from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..core.item import Item
from ..protocol import mark_as_junk as wire
from ..protocol.mark_as_junk import MarkAsJunkRequest
from .base import Batch, PerElement
from .common import LostRace, with_retries
from .move_copy import check_ids, source


def _mark_one(batch: Batch[MarkAsJunkRequest], ref: ItemRef) -> Item | None:
    """The item as MovedItemId names it after the move, or None when nothing moved."""
    ctx, req = batch.ctx, batch.request
    check_ids(ref)

    def work(uow) -> Item | None:
        item, occurrence = source(uow, ctx, ref)
        name = junk.destination(item, ctx.mailbox, is_junk=req.is_junk, move_item=req.move_item)
        if name is None:
            return None
        if occurrence:
            raise EwsError("ErrorCalendarCannotMoveOrCopyOccurrence")
        moves.check_movable(item)
        folder = ctx.store.distinguished_folder(uow, item.mailbox, name)
        if folder is None:
            raise EwsError("ErrorFolderNotFound")
        if folder.id == item.folder_id:
            return item  # already there: nothing to move
        moved = moves.moved(item, folder.id, item.id)
        if not ctx.store.relocate_item(uow, item, moved, ctx.now):
            raise LostRace()
        return moved

    return with_retries(ctx, work)


OPERATION = PerElement(
    "MarkAsJunk", "implemented",
    ("MoveItem to Junk Email or back to the Inbox (same ItemId, new ChangeKey, as documented); a message the"
     " mailbox owner sent stays put; the blocked-senders list is not kept (EWS cannot read it) and does not"
     " route later mail to Junk Email"),
    parse=wire.parse, element=_mark_one, render=wire.render_success)
