"""UpdateItem: one response message per ItemChange, each ItemChange atomic (D22)."""
from __future__ import annotations

from ..core.apply import ApplyContext, Outcome, apply_item_change, apply_occurrence_change
from ..core.changes import FieldChange, ItemChange, ItemRef
from ..core.item import Item
from ..protocol import update_item as wire
from ..protocol.update_item import UpdateItemRequest
from . import delivery
from .base import Batch, PerElement
from .common import check_item_id
from .context import RequestContext
from .folders import ensure_named_mailboxes
from .item_writes import update_stored_item
from .occurrences import check, locate


def _prepare(ctx: RequestContext, req: UpdateItemRequest) -> None:
    if req.saved_item_folder is not None:
        ensure_named_mailboxes(ctx, [req.saved_item_folder])


def _apply_one(batch: Batch[UpdateItemRequest], change: ItemChange) -> Outcome:
    ctx, req, target = batch.ctx, batch.request, change.target
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
                                  req.saved_item_folder) if sends else None
    return update_stored_item(ctx, ctx.mailbox, ItemRef(where.item_id, target.change_key), plan, actx,
                              require_change_key=ctx.settings.strict, apply=apply, after=after)


def _target_id(change: ItemChange) -> str:
    """The item a ``conflict`` fault rule answers in-band."""
    return change.target.id


OPERATION = PerElement(
    "UpdateItem", "partial",
    ("tasks, messages, calendar items (occurrences and exceptions), contacts (IndexedFieldURI) and"
     " generic items: every Set/Append/Delete rule, ChangeKey conflict resolution, recurring "
     "tasks, MessageDisposition sends and meeting requests between the server's mailboxes; no "
     "cancellations to removed attendees"),
    parse=wire.parse, element=_apply_one, render=wire.render_success, container="Items",
    prepare=_prepare, fault_id=_target_id)
