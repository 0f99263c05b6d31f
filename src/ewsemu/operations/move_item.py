"""MoveItem: each item to the one destination folder under a new ItemId and ChangeKey (the old id is gone),
as Exchange does; one response message per item, in request order, errors in-band."""
from __future__ import annotations

from ..core.changes import ItemRef
from ..core.item import Item
from ..protocol import move_copy as wire
from ..protocol.move_copy import MoveCopyRequest
from .base import Batch, PerElement
from .move_copy import move_or_copy, prepare


def _move_one(batch: Batch[MoveCopyRequest], ref: ItemRef) -> Item | None:
    return move_or_copy(batch.ctx, ref, batch.request.to_folder, copy=False)


OPERATION = PerElement(
    "MoveItem", "implemented",
    ("items of every type to any folder of the mailbox (new ItemId, as Exchange; ReturnNewItemIds) or of a"
     " delegate's mailbox (no id returned); a recurring master moves with its exceptions, one occurrence"
     " answers ErrorCalendarCannotMoveOrCopyOccurrence"),
    parse=wire.parse, element=_move_one, render=wire.render_success, container="Items", prepare=prepare)
