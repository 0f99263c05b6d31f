"""Response objects: replies, forwards and meeting responses built from the item a ReferenceItemId names.

A response object is not stored as itself: CreateItem turns it into the message Exchange composes — a reply
goes to the original's ReplyTo (else From, else Sender), a reply-all adds the original To and Cc less the
replying mailbox, a forward goes to whom the client names; the subject gets ``RE:``/``FW:``, and the body is
the new text above the original, quoted under a header naming its sender, date, recipients and subject, in
the body type of the new text. The meeting responses (Accept, TentativelyAccept, Decline) become a
``t:MeetingResponse`` to the organizer; CancelCalendarItem a ``t:MeetingCancellation`` to the attendees.
"""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import Any

from . import calendar, messages, posts
from .changes import ItemRef
from .errors import EwsError
from .fields import MESSAGE_TYPES
from .ids import IdFactory
from .item import Body, Item
from .values import Attendee, Mailbox

REPLY, REPLY_ALL, FORWARD = "ReplyToItem", "ReplyAllToItem", "ForwardItem"
ACCEPT, TENTATIVE, DECLINE = "AcceptItem", "TentativelyAcceptItem", "DeclineItem"
CANCEL, REMOVE, SUPPRESS, POST_REPLY = "CancelCalendarItem", "RemoveItem", "SuppressReadReceipt", "PostReplyItem"
SMART = frozenset({REPLY, REPLY_ALL, FORWARD})
#: meeting response -> the ResponseType it gives the attendee, and the ItemClass of the response message
MEETING_REPLIES: dict[str, tuple[str, str]] = {
    ACCEPT: ("Accept", "IPM.Schedule.Meeting.Resp.Pos"),
    TENTATIVE: ("Tentative", "IPM.Schedule.Meeting.Resp.Tent"),
    DECLINE: ("Decline", "IPM.Schedule.Meeting.Resp.Neg"),
}
#: every response object CreateItem takes
KINDS = SMART | frozenset(MEETING_REPLIES) | frozenset({CANCEL, REMOVE, SUPPRESS, POST_REPLY})
_PREFIX = {REPLY: "RE: ", REPLY_ALL: "RE: ", FORWARD: "FW: ", POST_REPLY: "RE: "}
#: the item a smart response may refer to
_REPLYABLE = MESSAGE_TYPES | frozenset({"CalendarItem", "MeetingResponse", "MeetingCancellation", "PostItem"})
#: the error each meeting response gives for an item that is no meeting, and for the organizer's own meeting
_NOT_A_MEETING = {ACCEPT: "ErrorInvalidItemForOperationAcceptItem", TENTATIVE: "ErrorInvalidItemForOperationTentative",
                  DECLINE: "ErrorInvalidItemForOperationDeclineItem", CANCEL: "ErrorInvalidItemForOperationCancelItem",
                  REMOVE: "ErrorInvalidItemForOperationRemoveItem"}
_ORGANIZER = {ACCEPT: "ErrorCalendarIsOrganizerForAccept", TENTATIVE: "ErrorCalendarIsOrganizerForTentative",
              DECLINE: "ErrorCalendarIsOrganizerForDecline", REMOVE: "ErrorCalendarIsOrganizerForRemove"}


@dataclass(frozen=True)
class ResponseObject:
    """One response object of a CreateItem request: its element name, the item it answers and the message
    properties the client set on it (by FieldURI), NewBodyContent apart."""

    kind: str
    reference: ItemRef | None
    values: dict[str, Any] = field(default_factory=dict)
    new_body: Body | None = None


def check_reference(response: ResponseObject) -> ItemRef:
    if response.reference is None or not response.reference.id:
        raise EwsError("ErrorMissingInformationReferenceItemId")
    return response.reference


def _key(mailbox: Mailbox) -> str:
    return (mailbox.smtp or mailbox.email or "").lower()


def _without(mailboxes: list[Mailbox], me: str, seen: set[str]) -> tuple[Mailbox, ...]:
    out = []
    for mailbox in mailboxes:
        key = _key(mailbox)
        if key and key != me and key not in seen:
            seen.add(key)
            out.append(mailbox)
    return tuple(out)


def _default_recipients(kind: str, original: Item, me: str) -> dict[str, tuple[Mailbox, ...]]:
    """To/Cc of a reply (the original's ReplyTo, else From, else Sender) and a reply-all (plus its To and Cc
    less the replying mailbox); a forward has none."""
    values = original.values
    if kind == FORWARD:
        return {}
    author = (list(values.get("message:ReplyTo", ())) or
              [m for m in (values.get(messages.FROM) or values.get(messages.SENDER)
                           or values.get(calendar.ORGANIZER),) if m is not None])
    if kind != REPLY_ALL:
        return {messages.TO: tuple(author)}
    seen: set[str] = set()
    to = tuple(author) + _without(list(values.get(messages.TO, ())), me, seen | {_key(m) for m in author})
    return {messages.TO: to, messages.CC: _without(list(values.get(messages.CC, ())), me, seen | {
        _key(m) for m in to})}


def _display(mailboxes: tuple[Mailbox, ...]) -> str:
    return "; ".join(m.display for m in mailboxes)


def quoted_body(new: Body | None, original: Item, zone: dt.tzinfo) -> Body:
    """The new text above the original, under the header Outlook and Exchange write (From, Sent, To, Cc,
    Subject), in the new text's body type (the original's when the client wrote none)."""
    values = original.values
    old: Body = values.get("item:Body") or Body("")
    body_type = new.body_type if new is not None else old.body_type
    sender = values.get(messages.FROM) or values.get(messages.SENDER) or values.get(calendar.ORGANIZER)
    sent = values.get("item:DateTimeSent") or values.get("item:DateTimeCreated")
    header = [("From", sender.display if sender is not None else ""),
              ("Sent", sent.astimezone(zone).strftime("%A, %B %d, %Y %I:%M %p") if sent is not None else ""),
              ("To", _display(values.get(messages.TO, ()))), ("Cc", _display(values.get(messages.CC, ()))),
              ("Subject", values.get("item:Subject") or "")]
    header = [(k, v) for k, v in header if v or k in ("From", "Subject")]
    if body_type == "HTML":
        new_html = new.text if new is not None else ""
        old_html = old.text if old.body_type == "HTML" else html.escape(old.text).replace("\n", "<br>\n")
        lines = "<br>\n".join(f"<b>{k}:</b> {html.escape(v)}" for k, v in header)
        return Body(f"{new_html}<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">"
                    f"<div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri, sans-serif\" "
                    f"style=\"font-size:11pt\" color=\"#000000\">{lines}</font><div>&nbsp;</div></div>"
                    f"{old_html}", "HTML")
    old_text = old.text if old.body_type != "HTML" else _strip_html(old.text)
    lines = "\r\n".join(f"{k}: {v}" for k, v in header)
    new_text = new.text if new is not None else ""
    return Body(f"{new_text}\r\n\r\n________________________________\r\n{lines}\r\n\r\n{old_text}", "Text")


def _strip_html(text: str) -> str:
    from html.parser import HTMLParser

    parts: list[str] = []

    class _Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    _Text().feed(text)
    return html.unescape("".join(parts))


def smart_response(response: ResponseObject, original: Item, *, item_id: str, mailbox: str, folder_id: str,
                   now: dt.datetime, zone: dt.tzinfo, poster: Mailbox | None = None) -> Item:
    """The message a ReplyToItem / ReplyAllToItem / ForwardItem composes, as a draft; for a PostReplyItem
    the post (by ``poster``) it puts in the folder."""
    kind = response.kind
    post = kind == POST_REPLY
    if original.item_type not in _REPLYABLE:
        raise EwsError("ErrorInvalidReferenceItem",
                       message=f"A {original.item_type} item cannot be answered with {kind}.")
    if kind != FORWARD and original.item_type in MESSAGE_TYPES and messages.is_draft(original):
        raise EwsError("ErrorInvalidReferenceItem", message="A draft cannot be replied to.")
    domain = mailbox.rsplit("@", 1)[-1]
    values = (posts.defaults(now, item_id, domain, poster or Mailbox(mailbox)) if post
              else messages.defaults(now, item_id, domain))
    given = dict(response.values)
    new_text = response.new_body or given.pop("item:Body", None)
    given.pop("item:Body", None)
    if not post:
        values.update(_default_recipients(kind, original, mailbox.lower()))
    values.update({k: v for k, v in given.items() if v not in (None, ())})
    subject = original.values.get("item:Subject") or ""
    values.setdefault("item:Subject", _PREFIX.get(kind, "RE: ") + subject)
    values["item:Body"] = quoted_body(new_text, original, zone)
    for uri in ("item:Sensitivity", "item:Importance"):
        if uri in original.values and uri not in given:
            values[uri] = original.values[uri]
    message_id = original.values.get("message:InternetMessageId")
    if message_id and kind != FORWARD:
        values["item:InReplyTo"] = message_id
    if message_id:
        references = original.values.get("message:References")
        values["message:References"] = f"{references} {message_id}" if references else message_id
    values = {k: v for k, v in values.items() if v not in (None, ())}
    item = Item(id=item_id, mailbox=mailbox, folder_id=folder_id, item_type="PostItem" if post else "Message",
                version=1, change_key=IdFactory.change_key(item_id, 1), values=values)
    (posts.finish if post else messages.finish)(item)
    return item


# ---- meetings -------------------------------------------------------------------------------------------------


def check_meeting_reply(kind: str, target: Item) -> None:
    """Accept/TentativelyAccept/Decline/Remove need a meeting the acting mailbox attends (not organizes)."""
    if target.item_type not in ("MeetingRequest", "CalendarItem", "MeetingCancellation"):
        raise EwsError(_NOT_A_MEETING[kind])
    if kind == REMOVE and target.item_type != "MeetingCancellation" and not target.values.get(
            "calendar:IsCancelled"):
        raise EwsError(_NOT_A_MEETING[kind], message="Only a cancelled meeting can be removed.")
    if target.item_type == "CalendarItem" and not target.values.get(calendar.IS_MEETING):
        raise EwsError(_NOT_A_MEETING[kind], message="The calendar item is not a meeting.")
    if (target.item_type == "CalendarItem" and calendar.is_organizer(target)
            or target.item_type == "MeetingRequest" and target.values.get(calendar.IS_ORGANIZER)):
        raise EwsError(_ORGANIZER[kind])  # the organizer's meeting, or the request kept in their Sent Items
    if kind in MEETING_REPLIES and target.values.get("calendar:IsCancelled"):
        raise EwsError("ErrorCalendarIsCancelledForAccept" if kind == ACCEPT else _NOT_A_MEETING[kind],
                       message="The meeting is cancelled.")


def check_cancel(target: Item) -> tuple[Mailbox, ...]:
    """The attendees a CancelCalendarItem notifies: the organizer's meeting, with someone else to tell."""
    if target.item_type != "CalendarItem" or not target.values.get(calendar.IS_MEETING):
        raise EwsError(_NOT_A_MEETING[CANCEL])
    if not calendar.is_organizer(target):
        raise EwsError("ErrorCalendarIsNotOrganizer")
    me = target.mailbox.lower()
    seen: set[str] = set()
    to = _without([a.mailbox for a in calendar.attendees(target)], me, seen)
    if not to:
        raise EwsError("ErrorInvalidRecipients", message="The meeting has no attendees to cancel it for.")
    return to


def meeting_message(source: Item, item_type: str, item_class: str, *, item_id: str, mailbox: str,
                    folder_id: str, now: dt.datetime, sender: Mailbox, to: tuple[Mailbox, ...], subject: str,
                    body: Body | None, response_type: str, received_by: Mailbox | None) -> Item:
    """A MeetingResponse or MeetingCancellation about the meeting ``source`` (calendar item or request)."""
    carried = {uri: source.values[uri] for uri in ("calendar:UID", "calendar:RecurrenceId", "item:Sensitivity",
                                                   "item:Importance") if uri in source.values}
    values: dict[str, Any] = {
        **carried,
        "item:ItemClass": item_class, "item:Subject": subject, "item:DateTimeCreated": now,
        "item:DateTimeReceived": now, "item:DateTimeSent": now, "item:LastModifiedTime": now,
        "item:IsAssociated": False, "item:IsDraft": False, "item:IsFromMe": received_by is None,
        "item:ReminderIsSet": False, "item:ReminderMinutesBeforeStart": 0,
        messages.FROM: sender, messages.SENDER: sender, messages.TO: to,
        "message:IsRead": received_by is None, "message:IsReadReceiptRequested": False,
        "message:IsDeliveryReceiptRequested": False, "message:IsResponseRequested": False,
        "meeting:ResponseType": response_type, "calendar:DateTimeStamp": now,
        "calendar:IsOrganizer": item_type == "MeetingCancellation" and received_by is None,
        "message:InternetMessageId": f"<{item_id[-32:]}@{mailbox.rsplit('@', 1)[-1]}>",
    }
    if body is not None:
        values["item:Body"] = body
    if received_by is not None:
        values[messages.RECEIVED_BY] = received_by
    item = Item(id=item_id, mailbox=mailbox, folder_id=folder_id, item_type=item_type, version=1,
                change_key=IdFactory.change_key(item_id, 1), values={k: v for k, v in values.items()
                                                                     if v not in (None, ())})
    messages.finish(item)
    return item


def with_response(organizer_item: Item, attendee: str, response_type: str, now: dt.datetime) -> Item:
    """The organizer's calendar item after ``attendee`` answered: that attendee's ResponseType and time."""
    w = organizer_item.copy()
    for uri in calendar.ATTENDEE_LISTS:
        entries = w.values.get(uri)
        if entries:
            w.values[uri] = tuple(Attendee(a.mailbox, response_type, now) if _key(a.mailbox) == attendee else a
                                  for a in entries)
    return w


def response_objects(item: Item) -> tuple[str, ...]:
    """The response objects Exchange lists in ``item:ResponseObjects``: what the acting mailbox can do with
    the item (answer a meeting it attends, cancel one it organizes, reply to or forward a message)."""
    kind, values = item.item_type, item.values
    out: list[str] = []
    meeting = kind == "MeetingRequest" or (kind == "CalendarItem" and values.get(calendar.IS_MEETING))
    organizer = kind == "CalendarItem" and calendar.is_organizer(item)
    if meeting and not organizer and not values.get("calendar:IsCancelled"):
        out += [ACCEPT, TENTATIVE, DECLINE]
    if kind in MESSAGE_TYPES or kind == "CalendarItem" and not organizer or kind == "PostItem":
        if not (kind in MESSAGE_TYPES and messages.is_draft(item)):
            out += [REPLY, REPLY_ALL]
    if kind == "CalendarItem" and meeting and organizer and not values.get("calendar:IsCancelled"):
        out.append(CANCEL)
    if kind == "MeetingCancellation" or kind == "CalendarItem" and values.get("calendar:IsCancelled"):
        out.append(REMOVE)
    if kind in MESSAGE_TYPES or kind in ("CalendarItem", "PostItem"):
        out.append(FORWARD)
    if kind == "PostItem":
        out.append(POST_REPLY)
    if kind in MESSAGE_TYPES and values.get("message:IsReadReceiptRequested") and not values.get("message:IsRead"):
        out.append(SUPPRESS)
    return tuple(out)
