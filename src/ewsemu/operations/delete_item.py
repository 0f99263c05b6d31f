"""DeleteItem: HardDelete, SoftDelete (to Recoverable Items) and MoveToDeletedItems; task and calendar
occurrences."""
from __future__ import annotations

from lxml import etree

from ..core.apply import delete_calendar_occurrence, delete_occurrence
from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..protocol import responses
from ..protocol.namespaces import m
from ..protocol.update_item import item_ref
from .common import LostRace, check_item_id, with_retries
from .base import Operation
from .context import RequestContext
from .occurrences import check, locate

_MOVE_TO = {"SoftDelete": "recoverableitemsdeletions", "MoveToDeletedItems": "deleteditems"}


def _delete_one(ctx: RequestContext, ref: ItemRef, delete_type: str, occurrences: str | None,
                cancellations: str | None) -> None:
    check_item_id(ref.id)
    where = locate(ref)

    def work(conn) -> None:
        item = ctx.store.load_item(conn, where.item_id, ctx.mailbox)
        if item is None:
            raise EwsError("ErrorItemNotFound")
        check(item, where)
        if item.item_type == "CalendarItem" and cancellations is None:
            raise EwsError("ErrorSendMeetingCancellationsRequired")
        master = None
        if where.index is not None:  # one occurrence of a recurring calendar item: the master forgets it
            master = delete_calendar_occurrence(item, where.index, ctx.now)
        elif occurrences == "SpecifiedOccurrenceOnly" and item.item_type == "Task":
            master = delete_occurrence(item, ctx.now)
        if master is not None:
            if not ctx.store.update_item(conn, master.item, item.version, ctx.now, master.changed):
                raise LostRace()
            return
        if delete_type == "HardDelete":
            ctx.store.delete_item(conn, item.id, ctx.now)
        else:
            folder = ctx.store.distinguished_folder(conn, item.mailbox, _MOVE_TO[delete_type])
            ctx.store.move_item(conn, item.id, folder.id, ctx.now)

    with_retries(ctx, work)


def handle(ctx: RequestContext) -> etree._Element:
    body = ctx.envelope.body
    delete_type = body.get("DeleteType", "HardDelete")
    occurrences = body.get("AffectedTaskOccurrences")
    cancellations = body.get("SendMeetingCancellations")
    root, messages = responses.response_root("DeleteItem")
    ids_el = body.find(m("ItemIds"))
    for id_el in ids_el if ids_el is not None else ():
        if not isinstance(id_el.tag, str):
            continue
        try:
            _delete_one(ctx, item_ref(id_el), delete_type, occurrences, cancellations)
        except EwsError as err:
            responses.error(messages, "DeleteItem", err)
            continue
        responses.success(messages, "DeleteItem")
    return root


OPERATION = Operation("DeleteItem", handle, "implemented",
                      ("HardDelete, SoftDelete, MoveToDeletedItems; AffectedTaskOccurrences for recurring tasks; one"
                       " occurrence of a calendar series; no meeting cancellations are sent"))
