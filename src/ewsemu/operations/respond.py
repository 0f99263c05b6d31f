"""Response objects in CreateItem: reply, reply-all, forward, post replies and the meeting responses.

Each response object answers the item its ReferenceItemId names in the acting mailbox (none:
ErrorMissingInformationReferenceItemId; not there: ErrorItemNotFound) and becomes what Exchange makes of it
(:mod:`ewsemu.core.responses`): a composed message saved as a draft (MessageDisposition SaveOnly, in
SavedItemFolderId or Drafts, its ItemId returned), or sent (SendOnly; SendAndSaveCopy keeps a copy in
SavedItemFolderId or Sent Items) through the same local delivery as any message (:mod:`.delivery`).

Meetings: Accept / TentativelyAccept / Decline on a meeting request or the attendee's calendar copy set the
copy's MyResponseType (a decline removes it), and a ``t:MeetingResponse`` goes to the organizer, whose
calendar item records the attendee's ResponseType. CancelCalendarItem (the organizer) sends a
``t:MeetingCancellation`` to the attendees, marks their calendar copies cancelled and removes the organizer's
meeting; RemoveItem (an attendee) takes a cancelled meeting out of the calendar. Every change of one response
object is one transaction: an error changes nothing.
"""
from __future__ import annotations

from typing import Iterable

from ..core import calendar, messages
from ..core import responses as R
from ..core.attachments import HAS_ATTACHMENTS
from ..core.errors import EwsError
from ..core.fields import MESSAGE_TYPES
from ..core.item import Body, Item
from ..core.values import Mailbox
from ..protocol.create_item import CreateItemRequest, NewItem
from . import delivery
from .attachments import copy_attachments
from .meeting_copies import calendar_copy, save_changed, tentative_copy
from .common import check_item_id, with_retries
from .context import RequestContext
from .folders import resolve_folder

_SAVE_ONLY, _SAVE_COPY = "SaveOnly", "SendAndSaveCopy"
_FREE_BUSY = {"Accept": None, "Tentative": "Tentative", "Decline": "Free"}
_SUBJECT = {"Accept": "Accepted: ", "Tentative": "Tentative: ", "Decline": "Declined: "}
#: the items a read receipt can be requested for (SuppressReadReceipt)
_RECEIPTED = MESSAGE_TYPES
#: the response objects that are messages, so MessageDisposition is required (RemoveItem and
#: SuppressReadReceipt send nothing)
_MESSAGES = R.SMART | frozenset(R.MEETING_REPLIES) | frozenset({R.CANCEL, R.POST_REPLY})


def respond(ctx: RequestContext, req: CreateItemRequest, new: NewItem) -> Item | None:
    """One response object of a CreateItem request: the saved item it returns, or None when it sent."""
    response = new.response
    disposition = req.message_disposition
    if new.item_type in _MESSAGES and disposition is None:
        raise EwsError("ErrorMessageDispositionRequired")
    if isinstance(response, EwsError):
        raise response
    assert response is not None
    ref = R.check_reference(response)
    check_item_id(ref.id)
    sender = delivery.sender(ctx)
    _prepare(ctx, response, ref.id)
    kind = response.kind

    def work(conn) -> Item | None:
        target = ctx.store.load_item(conn, ref.id, ctx.mailbox)
        if target is None:
            raise EwsError("ErrorItemNotFound")
        if kind in R.SMART or kind == R.POST_REPLY:
            return _smart(ctx, conn, req, response, target, sender)
        if kind in R.MEETING_REPLIES:
            return _meeting_reply(ctx, conn, req, response, target, sender)
        if kind == R.CANCEL:
            return _cancel(ctx, conn, req, response, target, sender)
        if kind == R.REMOVE:
            return _remove(ctx, conn, target)
        if target.item_type not in _RECEIPTED:  # SuppressReadReceipt: ewsemu sends no read receipts
            raise EwsError("ErrorInvalidReferenceItem")
        return None

    return with_retries(ctx, work)


def _prepare(ctx: RequestContext, response: R.ResponseObject, ref_id: str) -> None:
    """The mailboxes the response may deliver to, created before its transaction (a dry run: any error is
    left for the real one)."""
    with ctx.store.read() as conn:
        target = ctx.store.load_item(conn, ref_id, ctx.mailbox)
    if target is None:
        return
    reached: list[Mailbox] = [m for uri in (messages.TO, messages.CC, messages.BCC)
                              for m in response.values.get(uri, ())]
    if response.kind in R.SMART:
        try:
            draft = R.smart_response(response, target, item_id=target.id, mailbox=ctx.mailbox, folder_id="",
                                     now=ctx.now, zone=ctx.zone)
        except EwsError:
            return
        reached += messages.recipients(draft)
    organizer = target.values.get(calendar.ORGANIZER)
    if organizer is not None:
        reached.append(organizer)
    reached += [a.mailbox for a in calendar.attendees(target)]
    delivery.prepare_mailboxes(ctx, reached)


def _folder(ctx: RequestContext, conn, req: CreateItemRequest, default: str):
    if req.saved_item_folder is not None:
        return resolve_folder(conn, ctx, req.saved_item_folder)
    return ctx.store.distinguished_folder(conn, ctx.mailbox, default)


def _dispatch(ctx: RequestContext, conn, req: CreateItemRequest, message: Item, sender: Mailbox,
              attachments_of: Item | None = None) -> Item | None:
    """Save ``message`` (built in the folder the disposition keeps it in) as a draft, or send it; with
    ``attachments_of`` (a forward's original) it carries that item's attachments, byte for byte."""
    if attachments_of is not None:
        message.values[HAS_ATTACHMENTS] = bool(attachments_of.values.get(HAS_ATTACHMENTS))
    if req.message_disposition == _SAVE_ONLY:
        ctx.store.insert_item(conn, message, ctx.now)
        if attachments_of is not None:
            copy_attachments(conn, attachments_of.id, message.id)
        return message
    messages.mark_sent(message, sender, ctx.now)
    keep = None
    if req.message_disposition == _SAVE_COPY:
        keep = ctx.store.folder(conn, message.folder_id, message.mailbox)
    delivery.send_message(ctx, conn, message, keep_copy_in=keep, draft_id=None,
                          attachments_of=attachments_of.id if attachments_of is not None else None)
    return None


def _smart(ctx: RequestContext, conn, req: CreateItemRequest, response: R.ResponseObject, original: Item,
           sender: Mailbox) -> Item | None:
    if response.kind == R.POST_REPLY:  # posted, never sent: in SavedItemFolderId, else beside the original
        folder = (resolve_folder(conn, ctx, req.saved_item_folder) if req.saved_item_folder is not None
                  else ctx.store.folder(conn, original.folder_id, original.mailbox))
        post = R.smart_response(response, original, item_id=ctx.ids.item_id(), mailbox=folder.mailbox,
                                folder_id=folder.id, now=ctx.now, zone=ctx.zone, poster=sender)
        ctx.store.insert_item(conn, post, ctx.now)
        return post
    folder = _folder(ctx, conn, req, "drafts" if req.message_disposition == _SAVE_ONLY else "sentitems")
    message = R.smart_response(response, original, item_id=ctx.ids.item_id(), mailbox=folder.mailbox,
                               folder_id=folder.id, now=ctx.now, zone=ctx.zone)
    # a forward carries the original's attachments; a reply does not, as in Exchange
    return _dispatch(ctx, conn, req, message, sender, original if response.kind == R.FORWARD else None)


# ---- meetings -------------------------------------------------------------------------------------------------


def _set(values: dict, uri: str, value) -> None:
    if value is None:
        values.pop(uri, None)
    else:
        values[uri] = value


def _meeting_reply(ctx: RequestContext, conn, req: CreateItemRequest, response: R.ResponseObject, target: Item,
                   sender: Mailbox) -> Item | None:
    kind = response.kind
    R.check_meeting_reply(kind, target)
    answer, item_class = R.MEETING_REPLIES[kind]
    uid = target.values.get(calendar.UID)
    copy = target if target.item_type == "CalendarItem" else calendar_copy(ctx, conn, ctx.mailbox, uid)
    if copy is None:  # a request delivered before its tentative copy existed: the copy is made now
        copy = tentative_copy(ctx, conn, target)
    saved: Item | None = None
    if answer == "Decline":
        ctx.store.delete_item(conn, copy.id, ctx.now)
    else:
        w = copy.copy()
        w.values["calendar:MyResponseType"] = answer
        w.values["calendar:AppointmentReplyTime"] = ctx.now
        _set(w.values, "calendar:LegacyFreeBusyStatus", _FREE_BUSY[answer] or w.values.get(
            "meetingRequest:IntendedFreeBusyStatus", "Busy"))
        saved = save_changed(ctx, conn, copy, w)
    if target.item_type == "MeetingRequest":
        ctx.store.delete_item(conn, target.id, ctx.now)  # a request answered leaves the Inbox
    organizer: Mailbox | None = copy.values.get(calendar.ORGANIZER)
    if organizer is None:
        raise EwsError("ErrorInvalidRecipients", message="The meeting has no organizer to respond to.")
    subject = _SUBJECT[answer] + (copy.values.get("item:Subject") or "")
    body = response.values.get("item:Body")
    if req.message_disposition == _SAVE_ONLY:
        drafts = _folder(ctx, conn, req, "drafts")
        draft = R.meeting_message(copy, "MeetingResponse", item_class, item_id=ctx.ids.item_id(),
                                  mailbox=drafts.mailbox, folder_id=drafts.id, now=ctx.now, sender=sender,
                                  to=(organizer,), subject=subject, body=body, response_type=answer,
                                  received_by=None)
        draft.values["item:IsDraft"] = True
        ctx.store.insert_item(conn, draft, ctx.now)
        return draft
    _deliver_response(ctx, conn, copy, organizer, sender, answer, item_class, subject, body)
    if req.message_disposition == _SAVE_COPY:
        sent = _folder(ctx, conn, req, "sentitems")
        ctx.store.insert_item(conn, R.meeting_message(
            copy, "MeetingResponse", item_class, item_id=ctx.ids.item_id(), mailbox=sent.mailbox,
            folder_id=sent.id, now=ctx.now, sender=sender, to=(organizer,), subject=subject, body=body,
            response_type=answer, received_by=None), ctx.now)
    return saved


def _deliver_response(ctx: RequestContext, conn, copy: Item, organizer: Mailbox, sender: Mailbox, answer: str,
                      item_class: str, subject: str, body: Body | None) -> None:
    """The MeetingResponse in the organizer's Inbox, and the attendee's answer on the organizer's meeting."""
    smtp = organizer.smtp
    if smtp is None or not delivery.is_local(ctx, smtp) or smtp == ctx.mailbox:
        return
    inbox = ctx.store.distinguished_folder(conn, smtp, "inbox")
    if inbox is None:
        return
    ctx.store.deliver_item(conn, R.meeting_message(
        copy, "MeetingResponse", item_class, item_id=ctx.ids.item_id(), mailbox=smtp, folder_id=inbox.id,
        now=ctx.now, sender=sender, to=(organizer,), subject=subject, body=body, response_type=answer,
        received_by=organizer), ctx.now)
    meeting = calendar_copy(ctx, conn, smtp, copy.values.get(calendar.UID))
    if meeting is not None:
        save_changed(ctx, conn, meeting, R.with_response(meeting, ctx.mailbox, answer, ctx.now))


def _cancel(ctx: RequestContext, conn, req: CreateItemRequest, response: R.ResponseObject, target: Item,
            sender: Mailbox) -> Item | None:
    attendees = R.check_cancel(target)
    subject = response.values.get("item:Subject") or "Canceled: " + (target.values.get("item:Subject") or "")
    body = response.new_body or response.values.get("item:Body")
    if req.message_disposition == _SAVE_ONLY:
        drafts = _folder(ctx, conn, req, "drafts")
        draft = R.meeting_message(target, "MeetingCancellation", "IPM.Schedule.Meeting.Canceled",
                                  item_id=ctx.ids.item_id(), mailbox=drafts.mailbox, folder_id=drafts.id,
                                  now=ctx.now, sender=sender, to=attendees, subject=subject, body=body,
                                  response_type="Organizer", received_by=None)
        draft.values["item:IsDraft"] = True
        ctx.store.insert_item(conn, draft, ctx.now)
        return draft
    _deliver_cancellations(ctx, conn, target, attendees, sender, subject, body)
    ctx.store.delete_item(conn, target.id, ctx.now)
    if req.message_disposition != _SAVE_COPY:
        return None
    sent = _folder(ctx, conn, req, "sentitems")
    copy = R.meeting_message(target, "MeetingCancellation", "IPM.Schedule.Meeting.Canceled",
                             item_id=ctx.ids.item_id(), mailbox=sent.mailbox, folder_id=sent.id, now=ctx.now,
                             sender=sender, to=attendees, subject=subject, body=body, response_type="Organizer",
                             received_by=None)
    ctx.store.insert_item(conn, copy, ctx.now)
    return copy


def cancel_on_delete(ctx: RequestContext, conn, meeting: Item, mode: str | None, sender: Mailbox) -> None:
    """DeleteItem of a meeting its organizer sends cancellations for (SendOnlyToAll, SendToAllAndSaveCopy):
    the attendees are told as by a CancelCalendarItem; a meeting without other attendees sends nothing."""
    if mode not in ("SendOnlyToAll", "SendToAllAndSaveCopy") or meeting.item_type != "CalendarItem":
        return
    try:
        attendees = R.check_cancel(meeting)
    except EwsError:
        return  # an appointment, someone else's meeting or nobody to tell: deleted without cancellations
    subject = "Canceled: " + (meeting.values.get("item:Subject") or "")
    _deliver_cancellations(ctx, conn, meeting, attendees, sender, subject, None)
    if mode == "SendToAllAndSaveCopy":
        sent = ctx.store.distinguished_folder(conn, meeting.mailbox, "sentitems")
        ctx.store.insert_item(conn, R.meeting_message(
            meeting, "MeetingCancellation", "IPM.Schedule.Meeting.Canceled", item_id=ctx.ids.item_id(),
            mailbox=sent.mailbox, folder_id=sent.id, now=ctx.now, sender=sender, to=attendees, subject=subject,
            body=None, response_type="Organizer", received_by=None), ctx.now)


def _deliver_cancellations(ctx: RequestContext, conn, meeting: Item, attendees: Iterable[Mailbox],
                           sender: Mailbox, subject: str, body: Body | None) -> None:
    """Each local attendee gets the MeetingCancellation, and their calendar copy is marked cancelled."""
    uid = meeting.values.get(calendar.UID)
    for attendee in attendees:
        smtp = attendee.smtp
        if smtp is None or not delivery.is_local(ctx, smtp):
            continue
        inbox = ctx.store.distinguished_folder(conn, smtp, "inbox")
        if inbox is None:
            continue
        ctx.store.deliver_item(conn, R.meeting_message(
            meeting, "MeetingCancellation", "IPM.Schedule.Meeting.Canceled", item_id=ctx.ids.item_id(),
            mailbox=smtp, folder_id=inbox.id, now=ctx.now, sender=sender, to=(attendee,), subject=subject,
            body=body, response_type="NoResponseReceived", received_by=attendee), ctx.now)
        copy = calendar_copy(ctx, conn, smtp, uid)
        if copy is not None:
            w = copy.copy()
            w.values["calendar:IsCancelled"] = True
            w.values["calendar:LegacyFreeBusyStatus"] = "Free"
            w.values["item:Subject"] = subject
            w.values["calendar:AppointmentState"] = int(w.values.get("calendar:AppointmentState", 3)) | 4
            save_changed(ctx, conn, copy, w)


def _remove(ctx: RequestContext, conn, target: Item) -> None:
    """An attendee takes a cancelled meeting out of the calendar (and the cancellation out of the Inbox)."""
    R.check_meeting_reply(R.REMOVE, target)
    copy = target if target.item_type == "CalendarItem" else calendar_copy(
        ctx, conn, ctx.mailbox, target.values.get(calendar.UID))
    if copy is not None:
        ctx.store.delete_item(conn, copy.id, ctx.now)
    if target.item_type == "MeetingCancellation":
        ctx.store.delete_item(conn, target.id, ctx.now)
    return None
