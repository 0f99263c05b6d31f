"""MarkAllItemsAsRead: IsRead on every message of each folder (not its subfolders), in one transaction per
folder; one response message per folder, in request order, errors in-band.

Each message whose read state changes is written through the apply engine (a new ChangeKey and
LastModifiedTime, a MODIFIED journal entry, as UpdateItem's IsRead gives); messages already in that state are
left alone. No read receipts are sent (ewsemu sends none), so SuppressReadReceipts changes nothing.
"""
from __future__ import annotations

from ..core.apply import ApplyContext, apply_item_change
from ..core.changes import Action, FieldChange
from ..core.messages import IS_READ
from ..core.paths import FieldURI
from ..protocol import mark_all_items_as_read as wire
from ..protocol.folders import FolderRef
from ..protocol.mark_all_items_as_read import MarkAllItemsAsReadRequest
from .base import Batch, PerElement
from .common import LostRace, with_retries
from .folders import existing_folder, prepare_folder_mailboxes

_IS_READ = FieldURI(IS_READ)


def _mark_folder(batch: Batch[MarkAllItemsAsReadRequest], ref: FolderRef) -> None:
    ctx, read = batch.ctx, batch.request.read
    actx = ApplyContext(now=ctx.now, zone=ctx.zone, new_item_id=ctx.ids.item_id, strict=ctx.settings.strict,
                        message_disposition="SaveOnly")

    def work(uow) -> None:
        folder = existing_folder(uow, ctx, ref)
        for item in ctx.store.messages_to_mark(uow, folder.id, read):
            change = FieldChange(Action.SET, _IS_READ, read, (_IS_READ,), item.item_type)
            outcome = apply_item_change(item, [change], actx)
            if outcome.changed and not ctx.store.update_item(uow, outcome.item, item.version, ctx.now,
                                                             outcome.changed):
                raise LostRace()

    with_retries(ctx, work)


OPERATION = PerElement(
    "MarkAllItemsAsRead", "implemented",
    ("ReadFlag on every message of each folder (FolderId or DistinguishedFolderId, delegate access by"
     " t:Mailbox), new ChangeKeys for the messages that change; ewsemu sends no read receipts, so"
     " SuppressReadReceipts has nothing to suppress"),
    parse=wire.parse, element=_mark_folder, render=wire.render_success, prepare=prepare_folder_mailboxes)
