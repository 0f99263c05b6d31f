"""DeleteItem: HardDelete, SoftDelete (to Recoverable Items) and MoveToDeletedItems; task and calendar
occurrences."""
from __future__ import annotations

from ..core import calendar
from ..core.apply import delete_calendar_occurrence, delete_occurrence
from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..core.ids import check_change_key
from ..protocol import delete_item as wire
from ..protocol.delete_item import DeleteItemRequest
from . import delivery, respond
from .base import Batch, PerElement
from .context import RequestContext
from .common import LostRace, check_item_id, with_retries
from .folder_removal import remove_item
from .occurrences import check, locate

#: SendMeetingCancellations values that send them
_CANCELLING = ("SendOnlyToAll", "SendToAllAndSaveCopy")


def _delete_one(batch: Batch[DeleteItemRequest], ref: ItemRef) -> None:
    ctx, req = batch.ctx, batch.request
    check_item_id(ref.id)
    if ref.change_key is not None:  # a malformed one (exchangelib's test_bulk_failure); a stale one deletes
        check_change_key(ref.change_key)
    where = locate(ref)
    cancels = req.send_meeting_cancellations in _CANCELLING
    sender = delivery.sender(ctx) if cancels else None  # read before the write transaction

    def work(conn) -> None:
        item = ctx.store.load_item(conn, where.item_id, ctx.mailbox)
        if item is None:
            raise EwsError("ErrorItemNotFound")
        check(item, where)
        if item.item_type == "CalendarItem" and req.send_meeting_cancellations is None:
            raise EwsError("ErrorSendMeetingCancellationsRequired")
        master = None
        if where.index is not None:  # one occurrence of a recurring calendar item: the master forgets it
            master = delete_calendar_occurrence(item, where.index, ctx.now)
        elif req.affected_task_occurrences == "SpecifiedOccurrenceOnly" and item.item_type == "Task":
            master = delete_occurrence(item, ctx.now)
        if master is not None:
            if not ctx.store.update_item(conn, master.item, item.version, ctx.now, master.changed):
                raise LostRace()
            return
        if sender is not None:
            respond.cancel_on_delete(ctx, conn, item, req.send_meeting_cancellations, sender)
        remove_item(ctx, conn, item, req.delete_type)

    with_retries(ctx, work)


def _prepare(ctx: RequestContext, req: DeleteItemRequest) -> None:
    """The attendees' mailboxes, before any transaction, when the request sends meeting cancellations."""
    if req.send_meeting_cancellations not in _CANCELLING:
        return
    with ctx.store.read() as conn:
        meetings = [ctx.store.load_item(conn, ref.id, ctx.mailbox) for ref in req.elements if ref.id]
    delivery.prepare_mailboxes(ctx, [a.mailbox for m in meetings if m is not None and m.item_type == "CalendarItem"
                                     for a in calendar.attendees(m)])


OPERATION = PerElement(
    "DeleteItem", "implemented",
    ("HardDelete, SoftDelete, MoveToDeletedItems; AffectedTaskOccurrences for recurring tasks; one"
     " occurrence of a calendar series; a meeting deleted by its organizer with SendMeetingCancellations"
     " sends MeetingCancellations and marks the attendees' calendar copies cancelled (not for one occurrence)"),
    parse=wire.parse, element=_delete_one, render=wire.render_success, prepare=_prepare)
