"""CopyItem: an independent copy of each item (new ItemId, version 1) in the one destination folder; one
response message per item, in request order, errors in-band."""
from __future__ import annotations

from ..core.changes import ItemRef
from ..core.item import Item
from ..protocol import move_copy as wire
from ..protocol.move_copy import MoveCopyRequest
from .base import Batch, PerElement
from .move_copy import move_or_copy, prepare


def _copy_one(batch: Batch[MoveCopyRequest], ref: ItemRef) -> Item | None:
    return move_or_copy(batch.ctx, ref, batch.request.to_folder, copy=True)


OPERATION = PerElement(
    "CopyItem", "implemented",
    ("items of every type into any folder, the source's own included (ReturnNewItemIds), or into a delegate's"
     " mailbox (no id returned); a recurring master is copied with its exceptions, one occurrence answers"
     " ErrorCalendarCannotMoveOrCopyOccurrence"),
    parse=wire.parse, element=_copy_one, render=wire.render_success, container="Items", prepare=prepare)
