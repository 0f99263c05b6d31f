"""UpdateItem: one response message per ItemChange, each ItemChange atomic (D22)."""
from __future__ import annotations

from lxml import etree

from ..core.apply import ApplyContext, Outcome
from ..core.changes import FieldChange, ItemChange
from ..core.errors import EwsError
from ..core.item import Item
from ..protocol import responses
from ..protocol.namespaces import m, t
from ..protocol.update_item import UpdateItemRequest, parse_item_change, parse_update_item
from .context import RequestContext
from .item_writes import update_stored_item

_D14 = {"OccurrenceItemId": "ErrorCalendarCannotUseIdForOccurrenceId",
        "RecurringMasterItemId": "ErrorCalendarCannotUseIdForRecurringMasterId"}


def _apply_one(ctx: RequestContext, req: UpdateItemRequest, change: ItemChange) -> Outcome:
    target = change.target
    actx = ApplyContext(now=ctx.now, zone=ctx.zone, new_item_id=ctx.emulator.ids.item_id,
                        conflict_resolution=req.conflict_resolution,
                        message_disposition=req.message_disposition, strict=ctx.settings.strict)

    def plan(stored: Item) -> tuple[FieldChange, ...]:
        if target.kind in _D14 and stored.item_type == "Task":
            raise EwsError(_D14[target.kind])
        return change.changes

    return update_stored_item(ctx, ctx.mailbox, target, plan, actx, require_change_key=ctx.settings.strict)


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
