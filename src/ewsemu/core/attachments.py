"""Attachments as domain values: what an item carries besides its properties. No XML, no SQL.

Two kinds, as EWS has them: a :class:`FileAttachment` holds bytes, an :class:`ItemAttachment` a whole item of
any stored type (its :class:`~ewsemu.core.item.Item`, without a store identity) which may carry attachments of
its own. Both share the :class:`AttachmentMeta` properties (Name, ContentType, …).

Attachment ids are, as Exchange's, the root item's id with the attachment's own key after it (so a client can
tell from an attachment id which item it belongs to, and a moved item's attachments get new ids with it):
``base64(ATTACHMENT_HEADER + root ItemId bytes + key)``. The key is 16 random bytes, unique within the root item
whatever the nesting level, so an attachment of an attached item is addressed directly (GetAttachment on it).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, replace
from typing import Sequence, Union

from . import ids
from .errors import EwsError
from .item import Item

ATTACHMENT_HEADER = b"\x00\x03\x24\x05"
KEY_BYTES = 16
#: nesting Exchange allows for item attachments inside item attachments (ErrorAttachmentNestLevelLimitExceeded)
MAX_NEST_LEVEL = 10
#: the ContentType Exchange gives an attachment created without one
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class AttachmentMeta:
    """AttachmentType's properties (the ones every attachment has), in schema order."""

    name: str | None = None
    content_type: str | None = None
    content_id: str | None = None
    content_location: str | None = None
    last_modified_time: dt.datetime | None = None
    is_inline: bool = False


@dataclass(frozen=True)
class FileAttachment:
    meta: AttachmentMeta
    content: bytes = b""
    is_contact_photo: bool = False
    #: the attachment's key inside its root item (None until stored)
    key: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class ItemAttachment:
    meta: AttachmentMeta
    #: the attached item; its ``id``/``folder_id``/``mailbox`` are meaningless (it lives in no folder)
    item: Item
    #: the attached item's own attachments (recursively)
    attachments: tuple["Attachment", ...] = ()
    key: bytes | None = None
    #: what the item weighs, as the root item's Size counts it
    size: int = 0


Attachment = Union[FileAttachment, ItemAttachment]


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment as an item's ``item:Attachments`` lists it: everything but the content (or item)."""

    kind: str  # "file" | "item"
    attachment_id: str
    meta: AttachmentMeta
    size: int
    is_contact_photo: bool = False


@dataclass(frozen=True)
class AttachmentRef:
    """A decoded attachment id: its root item and its key."""

    root_item_id: str
    key: bytes


def has_attachments(infos: "list[AttachmentInfo] | tuple[AttachmentInfo, ...]") -> bool:
    """Exchange's HasAttachments: true when the item carries an attachment that is not inline (an item shown
    with only embedded pictures has none, as Outlook shows it)."""
    return any(not info.meta.is_inline for info in infos)


def shown(attachments: "Sequence[Attachment]") -> bool:
    """HasAttachments for attachments not stored yet (:func:`has_attachments` of what they will list)."""
    return any(not a.meta.is_inline for a in attachments)


def attachment_id(root_item_id: str, key: bytes) -> str:
    raw = base64.b64decode(root_item_id.encode("ascii"))
    return base64.b64encode(ATTACHMENT_HEADER + raw + key).decode()


def parse_attachment_id(value: str) -> AttachmentRef:
    """The root item and key an attachment id names; the Id errors Exchange gives otherwise (an empty or
    malformed id; a well-formed id that is no attachment's is ErrorInvalidAttachmentId)."""
    if value == "":
        raise EwsError("ErrorInvalidIdEmpty")
    if len(value) > ids.MAX_ID_LENGTH:
        raise EwsError("ErrorInvalidIdMonikerTooLong")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise EwsError("ErrorInvalidIdMalformed") from None
    if len(raw) <= len(ATTACHMENT_HEADER):
        raise EwsError("ErrorInvalidIdMalformed")
    if not raw.startswith(ATTACHMENT_HEADER) or len(raw) <= len(ATTACHMENT_HEADER) + KEY_BYTES:
        raise EwsError("ErrorInvalidAttachmentId")
    root = raw[len(ATTACHMENT_HEADER):-KEY_BYTES]
    if not root.startswith(ids.ITEM_HEADER):
        raise EwsError("ErrorInvalidAttachmentId")
    return AttachmentRef(base64.b64encode(root).decode(), raw[-KEY_BYTES:])


def check_size(attachment: Attachment, limit: int) -> None:
    """ErrorAttachmentSizeLimitExceeded for a file attachment (or an item attachment's files) over ``limit``."""
    if isinstance(attachment, FileAttachment):
        if attachment.size > limit:
            raise EwsError("ErrorAttachmentSizeLimitExceeded")
    else:
        for inner in attachment.attachments:
            check_size(inner, limit)


def stamped(attachment: Attachment, now: dt.datetime) -> Attachment:
    """The attachment as stored: its LastModifiedTime is the time it was attached, its ContentType defaults
    (inner attachments too)."""
    meta = replace(attachment.meta, last_modified_time=now,
                   content_type=attachment.meta.content_type or _default_type(attachment))
    if isinstance(attachment, FileAttachment):
        return replace(attachment, meta=meta)
    return replace(attachment, meta=meta, attachments=tuple(stamped(a, now) for a in attachment.attachments))


def _default_type(attachment: Attachment) -> str:
    return DEFAULT_CONTENT_TYPE if isinstance(attachment, FileAttachment) else "message/rfc822"



ATTACHMENTS, HAS_ATTACHMENTS, LAST_MODIFIED = "item:Attachments", "item:HasAttachments", "item:LastModifiedTime"


def touched(item: Item, now: dt.datetime, before: int, after: int, has: bool) -> tuple[Item, dict]:
    """The root item after an attachment was added or removed: its next version (a new ChangeKey, as Exchange
    gives it), LastModifiedTime now, HasAttachments per the attachments it has left; with the journal diff
    (``item:Attachments`` as the attachment count before and after)."""
    new = item.copy()
    new.version += 1
    new.change_key = ids.IdFactory.change_key(new.id, new.version)
    changes: dict = {ATTACHMENTS: (before, after), LAST_MODIFIED: (item.values.get(LAST_MODIFIED), now)}
    new.values[LAST_MODIFIED] = now
    if bool(item.values.get(HAS_ATTACHMENTS, False)) != has:
        changes[HAS_ATTACHMENTS] = (item.values.get(HAS_ATTACHMENTS, False), has)
    new.values[HAS_ATTACHMENTS] = has
    return new, changes


def item_size(item: Item, attachments: "tuple[Attachment, ...]" = ()) -> int:
    """What an attached item weighs: its own properties' estimate (protocol.items' Size) plus its files."""
    body = item.values.get("item:Body")
    own = 256 + len((item.values.get("item:Subject") or "").encode()) + len(
        ((body.text if body is not None else "") or "").encode())
    return own + sum(a.size for a in attachments)
