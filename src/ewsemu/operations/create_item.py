"""CreateItem: each item element becomes a stored item; one response message per item.

Messages are saved as drafts (MessageDisposition SaveOnly) or sent (SendOnly, SendAndSaveCopy: then no item
is returned); a calendar item's SendMeetingInvitations delivers meeting requests to its attendees.
"""
from __future__ import annotations

from ..core import messages
from ..core.apply import ApplyContext, create, deliveries_on_create
from ..core.errors import EwsError
from ..core.fields import MESSAGE_TYPES
from ..core.item import Item
from ..core.values import Mailbox
from ..protocol import create_item as wire
from ..protocol.create_item import CreateItemRequest, NewItem
from . import attachments, delivery, respond
from .base import Batch, PerElement
from .common import with_retries
from .context import RequestContext
from .folders import ensure_named_mailboxes, resolve_folder

#: where an item type goes when the request names no SavedItemFolderId (a message sent with a copy:
#: Sent Items); the item types CreateItem stores
DEFAULT_FOLDER = {"Task": "tasks", "Item": "drafts", "Message": "drafts", "CalendarItem": "calendar",
                  "Contact": "contacts", "PostItem": "drafts",
                  "DistributionList": "contacts"}
_ADDRESSES = frozenset({messages.TO, messages.CC, messages.BCC, "calendar:RequiredAttendees",
                        "calendar:OptionalAttendees", "calendar:Resources"})


def _addresses(props) -> list[Mailbox]:
    """The recipients and attendees among a CreateItem item's properties."""
    return [v if isinstance(v, Mailbox) else v.mailbox for p in props
            if getattr(p.path, "uri", None) in _ADDRESSES and isinstance(p.value, tuple) for v in p.value]


def _prepare(ctx: RequestContext, req: CreateItemRequest) -> None:
    if req.saved_item_folder is not None:
        ensure_named_mailboxes(ctx, [req.saved_item_folder])


def _create_one(batch: Batch[CreateItemRequest], new: NewItem) -> Item | None:
    ctx, req, item_type = batch.ctx, batch.request, new.item_type
    if new.response is not None:
        return respond.respond(ctx, req, new)
    if item_type not in DEFAULT_FOLDER:
        raise EwsError("ErrorInvalidItemForOperationCreateItem",
                       message=f"ewsemu does not store {item_type} items yet.")
    disposition = req.message_disposition if item_type in MESSAGE_TYPES else None
    invitations = req.send_meeting_invitations if item_type == "CalendarItem" else None
    delivery.check_attributes(item_type, disposition, invitations, create=True)
    if isinstance(new.properties, EwsError):
        raise new.properties
    props = new.properties
    sends = delivery.sends(disposition, invitations)
    actx = ApplyContext(now=ctx.now, zone=ctx.zone, new_item_id=ctx.ids.item_id,
                        strict=ctx.settings.strict, message_disposition=disposition,
                        send_meeting_invitations=invitations, sender=delivery.sender(ctx) if sends else None)
    if sends:  # the recipients' mailboxes must exist before the transaction that delivers to them
        delivery.prepare_mailboxes(ctx, _addresses(props))
    target = req.saved_item_folder

    def work(conn) -> Item | None:
        if target is not None:
            folder = resolve_folder(conn, ctx, target)
        else:
            default = "sentitems" if disposition in messages.SEND_DISPOSITIONS else DEFAULT_FOLDER[item_type]
            folder = ctx.store.distinguished_folder(conn, ctx.mailbox, default)
        owner = ctx.store.mailbox_display_name(conn, folder.mailbox)
        created = create(item_type, props, actx, mailbox=folder.mailbox, folder_id=folder.id, owner=owner)
        item = created.item
        # the MIME content's attachments first, then the element's own t:Attachments
        attached = attachments.build_all(ctx, (*created.attachments, *new.attachments), mailbox=folder.mailbox,
                                         owner=owner)
        attachments.prepared(item, attached)
        sent, meeting_requests = deliveries_on_create(item, actx)
        if sent:
            keep = folder if disposition == "SendAndSaveCopy" else None
            delivery.send_message(ctx, conn, item, keep_copy_in=keep, draft_id=None, attachments=attached)
            return None
        ctx.store.insert_item(conn, item, ctx.now)
        stored = attachments.store_new(ctx, conn, item, attached)
        if meeting_requests:
            delivery.send_meeting_requests(ctx, conn, item, meeting_requests, invitations)
        if stored:
            item = item.copy()
            item.values["item:Attachments"] = attachments.stored_infos(item.id, stored)
        return item

    return with_retries(ctx, work)


OPERATION = PerElement(
    "CreateItem", "partial",
    ("tasks, messages (saved, or sent to the server's mailboxes), calendar items (with meeting "
     "requests), contacts, distribution lists, posts and generic items into any folder; the response objects (ReplyToItem, "
     "ReplyAllToItem, ForwardItem, PostReplyItem, AcceptItem, TentativelyAcceptItem, DeclineItem, "
     "CancelCalendarItem, RemoveItem, SuppressReadReceipt) and post items"),
    parse=wire.parse, element=_create_one, render=wire.render_success, container="Items", prepare=_prepare)
