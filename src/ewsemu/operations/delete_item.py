"""DeleteItem: HardDelete, SoftDelete (to Recoverable Items) and MoveToDeletedItems; task occurrences."""
from __future__ import annotations

from lxml import etree

from ..core.errors import EwsError
from ..core.apply import delete_occurrence
from ..protocol import responses
from ..protocol.namespaces import m
from .common import LostRace, check_item_id, with_retries
from .context import RequestContext

_MOVE_TO = {"SoftDelete": "recoverableitemsdeletions", "MoveToDeletedItems": "deleteditems"}


def _delete_one(ctx: RequestContext, item_id: str, delete_type: str, occurrences: str | None) -> None:
    check_item_id(item_id)

    def work(conn) -> None:
        item = ctx.store.load_item(conn, item_id, ctx.mailbox)
        if item is None:
            raise EwsError("ErrorItemNotFound")
        if occurrences == "SpecifiedOccurrenceOnly" and item.item_type == "Task":
            master = delete_occurrence(item, ctx.now)
            if not ctx.store.update_item(conn, master.item, item.version, ctx.now, master.changed):
                raise LostRace()
            return
        if delete_type == "HardDelete":
            ctx.store.delete_item(conn, item.id)
        else:
            folder = ctx.store.distinguished_folder(conn, item.mailbox, _MOVE_TO[delete_type])
            ctx.store.move_item(conn, item.id, folder.id)

    with_retries(ctx, work)


def handle(ctx: RequestContext) -> etree._Element:
    body = ctx.envelope.body
    delete_type = body.get("DeleteType", "HardDelete")
    occurrences = body.get("AffectedTaskOccurrences")
    root, messages = responses.response_root("DeleteItem")
    ids_el = body.find(m("ItemIds"))
    for id_el in ids_el if ids_el is not None else ():
        if not isinstance(id_el.tag, str):
            continue
        try:
            _delete_one(ctx, id_el.get("Id") or id_el.get("RecurringMasterId") or "", delete_type, occurrences)
        except EwsError as err:
            responses.error(messages, "DeleteItem", err)
            continue
        responses.success(messages, "DeleteItem")
    return root
