"""UpdateItem: one response message per ItemChange, each ItemChange atomic (D22)."""
from __future__ import annotations

from lxml import etree

from ..core import ids
from ..core.apply import ALL_CHANGED, ApplyContext, Outcome, apply_item_change
from ..core.changes import ItemChange
from ..core.errors import EwsError
from ..protocol import responses
from ..protocol.namespaces import m, t
from ..protocol.update_item import UpdateItemRequest, parse_item_change, parse_update_item
from .common import LostRace, check_item_id, with_retries
from .context import RequestContext

_D14 = {"OccurrenceItemId": "ErrorCalendarCannotUseIdForOccurrenceId",
        "RecurringMasterItemId": "ErrorCalendarCannotUseIdForRecurringMasterId"}


def _apply_one(ctx: RequestContext, req: UpdateItemRequest, change: ItemChange) -> Outcome:
    target = change.target
    check_item_id(target.id)
    if target.change_key is not None:
        ids.check_change_key(target.change_key)
    elif ctx.settings.strict:
        raise EwsError("ErrorChangeKeyRequiredForWriteOperations")
    actx = ApplyContext(now=ctx.now, zone=ctx.zone, new_item_id=ctx.emulator.ids.item_id,
                        conflict_resolution=req.conflict_resolution,
                        message_disposition=req.message_disposition, strict=ctx.settings.strict)

    def work(conn) -> Outcome:
        stored = ctx.store.load_item(conn, target.id, ctx.mailbox)
        if stored is None:
            raise EwsError("ErrorItemNotFound")
        if target.kind in _D14 and stored.item_type == "Task":
            raise EwsError(_D14[target.kind])
        changed_since = None
        if target.change_key is not None and target.change_key != stored.change_key:
            changed_since = ctx.store.changed_since(conn, stored.id, target.change_key) or ALL_CHANGED
        outcome = apply_item_change(stored, change.changes, actx, changed_since)
        if outcome.changed and not ctx.store.update_item(conn, outcome.item, stored.version, ctx.now,
                                                         outcome.changed):
            raise LostRace()
        if outcome.spawned is not None:
            ctx.store.insert_item(conn, outcome.spawned, ctx.now)
        return outcome

    return with_retries(ctx, work)


def handle(ctx: RequestContext) -> etree._Element:
    req = parse_update_item(ctx.envelope.body, strict=ctx.settings.strict)
    root, messages = responses.response_root("UpdateItem")
    for el in req.item_changes:
        try:
            outcome = _apply_one(ctx, req, parse_item_change(el, ctx.zone))
        except EwsError as err:
            responses.error(messages, "UpdateItem", err, "Items")
            continue
        msg = responses.success(messages, "UpdateItem")
        item = outcome.response_item
        wrapper = etree.SubElement(etree.SubElement(msg, m("Items")), t(item.item_type))
        etree.SubElement(wrapper, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
        conflicts = etree.SubElement(msg, m("ConflictResults"))
        etree.SubElement(conflicts, t("Count")).text = str(outcome.conflicts)
    return root
