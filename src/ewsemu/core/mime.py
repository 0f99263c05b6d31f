"""An item's MIME content (``item:MimeContent``), built and parsed with Python's ``email`` package.

Exchange keeps items as properties and converts them to MIME when a client asks (GetItem with
IncludeMimeContent or ``item:MimeContent``); a message created from MIME (CreateItem with only
``t:MimeContent``, or SetItemField on a draft) gets its properties from the headers and the body. ewsemu does
the same: nothing stores the MIME text, and :data:`HEADERS` is the one table that maps headers to properties
both ways.

Attachments are the seam with the attachments store: :func:`build` receives the item's attachments as
:class:`MimeAttachment` values (:func:`file_parts`: files as themselves, attached messages as message/rfc822
parts), and :func:`parse` returns the MIME parts that are attachments as the same values; the apply engine
turns them into attachments (:func:`as_file`, an embedded message into an item attachment) for the operation
to store with the item.
"""
from __future__ import annotations

import datetime as dt
import email
import email.errors
import email.policy
import hashlib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Callable, Sequence

from .attachments import DEFAULT_CONTENT_TYPE, Attachment, AttachmentMeta, FileAttachment
from .item import Body, Item
from .values import Mailbox

#: the character set Exchange names in ``t:MimeContent/@CharacterSet`` (and that our parts are written in)
CHARSET = "UTF-8"
#: item types whose MIME content is an Internet message (RFC 5322); calendar items (iCalendar) and contacts
#: (vCard) have none in ewsemu yet
#: the FieldURI the MIME text is rendered under
MIME_CONTENT = "item:MimeContent"
MESSAGE_MIME_TYPES = frozenset({"Item", "Message", "MeetingMessage", "MeetingRequest", "Task"})

#: the content type of an attached message: its part is the message itself (an item attachment)
EMBEDDED = "message/rfc822"

_MIME_POLICY = email.policy.SMTP
_PARSE_POLICY = email.policy.default


@dataclass(frozen=True)
class MimeAttachment:
    """A file attachment as a MIME part: what :func:`build` writes and :func:`parse` reads."""

    name: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str | None = None
    is_inline: bool = False


@dataclass(frozen=True)
class ParsedMime:
    """What a MIME message sets: property values by FieldURI (in :data:`HEADERS` order, then the body) and
    the parts that are attachments."""

    values: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[MimeAttachment, ...] = ()


class MimeError(ValueError):
    """The MIME text is not a message the email package can read."""


# ---- the header table ---------------------------------------------------------------------------------------


def _address(m: Mailbox) -> Address | None:
    if not m.email or "@" not in m.email:
        return None
    user, domain = m.email.rsplit("@", 1)
    try:
        return Address(display_name=m.name or "", username=user, domain=domain)
    except (ValueError, IndexError, email.errors.HeaderParseError):
        return None


def _mailbox(a: Address) -> Mailbox | None:
    if not a.addr_spec or "@" not in a.addr_spec:
        return None
    return Mailbox(email=a.addr_spec, name=a.display_name or None, routing_type="SMTP", mailbox_type="OneOff")


def _render_one(value: Mailbox | None) -> str | None:
    a = _address(value) if value is not None else None
    return str(a) if a is not None else None


def _render_many(value: tuple[Mailbox, ...] | None) -> str | None:
    found = [str(a) for a in (_address(m) for m in value or ()) if a is not None]
    return ", ".join(found) or None


def _parse_one(header: Any) -> Mailbox | None:
    found = [m for m in (_mailbox(a) for a in getattr(header, "addresses", ())) if m is not None]
    return found[0] if found else None


def _parse_many(header: Any) -> tuple[Mailbox, ...] | None:
    found = tuple(m for m in (_mailbox(a) for a in getattr(header, "addresses", ())) if m is not None)
    return found or None


def _render_text(value: str | None) -> str | None:
    return value or None


def _parse_text(header: Any) -> str | None:
    return str(header).strip() or None


def _render_date(value: dt.datetime | None) -> str | None:
    return format_datetime(value.astimezone(dt.timezone.utc)) if value is not None else None


def _parse_date(header: Any) -> dt.datetime | None:
    when = getattr(header, "datetime", None)
    if when is None:
        try:
            when = parsedate_to_datetime(str(header))
        except (TypeError, ValueError):
            return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)


_PRIORITIES = {"High": "1 (Highest)", "Normal": "3 (Normal)", "Low": "5 (Lowest)"}


def _render_importance(value: str | None) -> str | None:
    return value.lower() if value in ("High", "Low") else None


def _parse_importance(header: Any) -> str | None:
    return {"high": "High", "normal": "Normal", "low": "Low"}.get(str(header).strip().lower())


def _render_priority(value: str | None) -> str | None:
    return _PRIORITIES[value] if value in ("High", "Low") else None


def _parse_priority(header: Any) -> str | None:
    digits = str(header).strip()[:1]
    return {"1": "High", "2": "High", "3": "Normal", "4": "Low", "5": "Low"}.get(digits)


_SENSITIVITY = {"Personal": "Personal", "Private": "Private", "Confidential": "Company-Confidential"}


def _render_sensitivity(value: str | None) -> str | None:
    return _SENSITIVITY.get(value or "")


def _parse_sensitivity(header: Any) -> str | None:
    text = str(header).strip().lower()
    return next((k for k, v in _SENSITIVITY.items() if v.lower() == text), None)


def _render_categories(value: tuple[str, ...] | None) -> str | None:
    return ", ".join(value) if value else None


def _parse_categories(header: Any) -> tuple[str, ...] | None:
    found = tuple(c.strip() for c in str(header).split(",") if c.strip())
    return found or None


def _render_receipt(values: dict[str, Any]) -> Callable[[bool | None], Any]:
    """A receipt request names the address the receipt goes to: the message's From (else its Sender)."""
    def render(value: bool | None) -> Any:
        if not value:
            return None
        return _render_one(values.get("message:From") or values.get("message:Sender"))
    return render


def _parse_receipt(header: Any) -> bool | None:
    return True if str(header).strip() else None


@dataclass(frozen=True)
class HeaderMap:
    """One header and the property it carries. ``render`` gives the header's value (None: no header),
    ``parse`` the property's value from the parsed header (None: nothing to set)."""

    header: str
    uri: str
    render: Callable[[Any], Any] | None
    parse: Callable[[Any], Any]


def _headers(values: dict[str, Any]) -> tuple[HeaderMap, ...]:
    receipt = _render_receipt(values)
    return (
        HeaderMap("From", "message:From", _render_one, _parse_one),
        HeaderMap("Sender", "message:Sender", _render_one, _parse_one),
        HeaderMap("To", "message:ToRecipients", _render_many, _parse_many),
        HeaderMap("Cc", "message:CcRecipients", _render_many, _parse_many),
        HeaderMap("Bcc", "message:BccRecipients", _render_many, _parse_many),
        HeaderMap("Reply-To", "message:ReplyTo", _render_many, _parse_many),
        HeaderMap("Subject", "item:Subject", _render_text, _parse_text),
        HeaderMap("Date", "item:DateTimeSent", _render_date, _parse_date),
        HeaderMap("Message-ID", "message:InternetMessageId", _render_text, _parse_text),
        HeaderMap("In-Reply-To", "item:InReplyTo", _render_text, _parse_text),
        HeaderMap("References", "message:References", _render_text, _parse_text),
        HeaderMap("Keywords", "item:Categories", _render_categories, _parse_categories),
        HeaderMap("Importance", "item:Importance", _render_importance, _parse_importance),
        # the older header for the same property; read only when Importance is absent
        HeaderMap("X-Priority", "item:Importance", _render_priority, _parse_priority),
        HeaderMap("Sensitivity", "item:Sensitivity", _render_sensitivity, _parse_sensitivity),
        HeaderMap("Disposition-Notification-To", "message:IsReadReceiptRequested", receipt, _parse_receipt),
        HeaderMap("Return-Receipt-To", "message:IsDeliveryReceiptRequested", receipt, _parse_receipt),
    )


#: the table itself, for the properties it names (its render functions see no item)
HEADERS = _headers({})
#: every property MIME content carries (the headers' and the body)
MIME_URIS = frozenset({h.uri for h in HEADERS} | {"item:Body"})


# ---- building -------------------------------------------------------------------------------------------------


def _sent_at(item: Item) -> dt.datetime | None:
    values = item.values
    return values.get("item:DateTimeSent") or values.get("item:DateTimeCreated")


def file_parts(attachments: Sequence[Attachment]) -> tuple[MimeAttachment, ...]:
    """An item's stored attachments as the parts :func:`build` writes: each file as itself, an attached message
    (or any item with a MIME form) as an :data:`EMBEDDED` part built from it with its own attachments; an
    attached contact or calendar item has no part."""
    out: list[MimeAttachment] = []
    for a in attachments:
        if isinstance(a, FileAttachment):
            out.append(MimeAttachment(a.meta.name or "attachment", a.content,
                                      a.meta.content_type or DEFAULT_CONTENT_TYPE, a.meta.content_id,
                                      a.meta.is_inline))
        elif a.item.item_type in MESSAGE_MIME_TYPES:
            out.append(MimeAttachment(a.meta.name or a.item.values.get("item:Subject") or "attachment",
                                      build(a.item, file_parts(a.attachments)), EMBEDDED, a.meta.content_id,
                                      a.meta.is_inline))
    return tuple(out)


def meta_of(part: MimeAttachment) -> AttachmentMeta:
    """The attachment properties a part names: name, content type, content id, inline (Content-Disposition)."""
    return AttachmentMeta(name=part.name or None, content_type=part.content_type or None,
                          content_id=part.content_id, is_inline=part.is_inline)


def as_file(part: MimeAttachment) -> FileAttachment:
    """A parsed part as the file attachment an item created (or replaced) from the MIME stores, byte for byte
    (an :data:`EMBEDDED` part is an attached item instead: the apply engine builds it)."""
    return FileAttachment(meta_of(part), part.content)


def build(item: Item, attachments: Sequence[MimeAttachment] = ()) -> bytes:
    """The item as an Internet message: its headers from :data:`HEADERS`, its body as a text/plain or
    text/html part, and ``attachments`` (the item's file attachments) as parts after it."""
    msg = EmailMessage(policy=_MIME_POLICY)
    values = dict(item.values)
    values["item:DateTimeSent"] = _sent_at(item)
    for h in _headers(values):
        rendered = h.render(values.get(h.uri)) if h.render is not None else None
        if rendered is not None:
            msg[h.header] = rendered
    msg["MIME-Version"] = "1.0"
    body: Body = values.get("item:Body") or Body("", "Text")
    msg.set_type("text/html" if body.body_type == "HTML" else "text/plain")
    # set_payload with a charset encodes the text exactly as given (set_content would add a final newline)
    msg.set_payload(body.text, "utf-8")
    for att in attachments:
        disposition = "inline" if att.is_inline else "attachment"
        cid = f"<{att.content_id}>" if att.content_id else None
        if att.content_type == EMBEDDED:  # the attached message itself, not its bytes base64-encoded
            msg.add_attachment(email.message_from_bytes(att.content, policy=_MIME_POLICY), filename=att.name,
                               disposition=disposition, cid=cid)
            continue
        maintype, _, subtype = att.content_type.partition("/")
        msg.add_attachment(att.content, maintype=maintype or "application", subtype=subtype or "octet-stream",
                           filename=att.name, disposition=disposition, cid=cid)
    if msg.is_multipart():  # a boundary of the item's version, so the same item gives the same bytes
        msg.set_boundary(f"_ewsemu_{hashlib.blake2b(item.change_key.encode(), digest_size=12).hexdigest()}_")
    return msg.as_bytes()


# ---- parsing --------------------------------------------------------------------------------------------------


def _text_of(part: Any) -> str:
    try:
        return part.get_content()
    except (LookupError, ValueError, AssertionError):  # an unknown charset, a broken part
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def _attachment(part: Any) -> MimeAttachment:
    cid = part.get("Content-ID")
    embedded = part.get_content_type() == EMBEDDED and part.is_multipart()
    return MimeAttachment(
        name=part.get_filename() or "",
        content=part.get_payload(0).as_bytes() if embedded else part.get_payload(decode=True) or b"",
        content_type=part.get_content_type(), content_id=str(cid).strip().strip("<>") if cid else None,
        is_inline=part.get_content_disposition() == "inline")


def parse(raw: bytes) -> ParsedMime:
    """The properties and attachments of the MIME message ``raw`` (headers by :data:`HEADERS`; the body is
    the HTML part if there is one, else the plain-text one)."""
    if not raw.strip():
        raise MimeError("empty MIME content")
    try:
        msg = email.message_from_bytes(raw, policy=_PARSE_POLICY)
    except (email.errors.MessageError, ValueError, IndexError) as exc:
        raise MimeError(str(exc)) from None
    if msg.defects and not msg.keys():
        raise MimeError("no headers")
    values: dict[str, Any] = {}
    for h in HEADERS:
        if h.uri in values or h.header not in msg:
            continue
        try:
            value = h.parse(msg[h.header])
        except (ValueError, IndexError, email.errors.HeaderParseError):
            value = None
        if value is not None:
            values[h.uri] = value
    body_part = msg.get_body(preferencelist=("html", "plain"))
    if body_part is not None:
        values["item:Body"] = Body(_text_of(body_part),
                                   "HTML" if body_part.get_content_subtype() == "html" else "Text")
    attachments = tuple(_attachment(p) for p in msg.iter_attachments()) if msg.is_multipart() else ()
    return ParsedMime(values, attachments)
