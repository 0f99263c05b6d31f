"""UpdateItem: one response message per ItemChange, each ItemChange atomic (D22)."""
from __future__ import annotations

from lxml import etree

from ..core.apply import ApplyContext, Outcome, apply_item_change, apply_occurrence_change
from ..core.changes import FieldChange, ItemChange, ItemRef
from ..core.errors import EwsError
from ..core.item import Item
from ..protocol import responses
from ..protocol.namespaces import m, t
from ..protocol.folders import FolderRef, target_folder
from ..protocol.update_item import UpdateItemRequest, parse_item_change, parse_update_item
from . import delivery
from .common import check_item_id
from .base import unconverted
from .context import RequestContext
from .folders import ensure_named_mailboxes
from .item_writes import update_stored_item
from .occurrences import check, locate


def _apply_one(ctx: RequestContext, req: UpdateItemRequest, change: ItemChange,
               saved: FolderRef | None) -> Outcome:
    target = change.target
    injected = ctx.faults.element_fault("UpdateItem", ctx.mailbox, target.id)  # a "conflict" rule, in-band
    if injected is not None:
        raise injected
    check_item_id(target.id)
    where = locate(target)  # an occurrence is changed through its master (core.calendar)
    sends = delivery.sends(req.message_disposition, req.send_meeting_invitations)
    actx = ApplyContext(now=ctx.now, zone=ctx.zone, new_item_id=ctx.ids.item_id,
                        conflict_resolution=req.conflict_resolution,
                        message_disposition=req.message_disposition, strict=ctx.settings.strict,
                        send_meeting_invitations=req.send_meeting_invitations,
                        sender=delivery.sender(ctx) if sends else None)
    if sends:
        delivery.prepare_update(ctx, where.item_id, where.index, change.changes, actx)

    def plan(stored: Item) -> tuple[FieldChange, ...]:
        check(stored, where)  # D14, and the calendar id forms
        delivery.check_attributes(stored.item_type, req.message_disposition, req.send_meeting_invitations)
        return change.changes

    def apply(stored: Item, changes, actx: ApplyContext, changed_since) -> Outcome:
        if where.index is None:
            return apply_item_change(stored, changes, actx, changed_since)
        return apply_occurrence_change(stored, where.index, changes, actx, changed_since)

    after = delivery.after_update(ctx, req.message_disposition, req.send_meeting_invitations,
                                  saved) if sends else None
    return update_stored_item(ctx, ctx.mailbox, ItemRef(where.item_id, target.change_key), plan, actx,
                              require_change_key=ctx.settings.strict, apply=apply, after=after)


def handle(ctx: RequestContext, body: etree._Element) -> etree._Element:
    req = parse_update_item(body, strict=ctx.settings.strict)
    saved = target_folder(body.find(m("SavedItemFolderId")))
    if saved is not None:
        ensure_named_mailboxes(ctx, [saved])  # creating a mailbox writes: not inside an ItemChange's transaction
    root, messages = responses.response_root("UpdateItem")
    for el in req.item_changes:
        try:
            outcome = _apply_one(ctx, req, parse_item_change(el, ctx.zone), saved)
        except EwsError as err:
            responses.error(messages, "UpdateItem", err, "Items")
            continue
        msg = responses.success(messages, "UpdateItem")
        items = etree.SubElement(msg, m("Items"))
        if not outcome.sent:  # a sent message has left the folder: no item is returned (spec §3.2)
            item = outcome.response_item
            wrapper = etree.SubElement(items, t(item.item_type))
            etree.SubElement(wrapper, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
        conflicts = etree.SubElement(msg, m("ConflictResults"))
        etree.SubElement(conflicts, t("Count")).text = str(outcome.conflicts)
    return root


OPERATION = unconverted("UpdateItem", handle, "partial",
                      ("tasks, messages, calendar items (occurrences and exceptions), contacts (IndexedFieldURI) and"
                       " generic items: every Set/Append/Delete rule, ChangeKey conflict resolution, recurring "
                       "tasks, MessageDisposition sends and meeting requests between the server's mailboxes; no "
                       "cancellations to removed attendees"))
