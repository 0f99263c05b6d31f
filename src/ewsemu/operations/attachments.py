"""What CreateItem, CreateAttachment, GetAttachment, GetItem and DeleteAttachment share about attachments:
building the attached items, attaching to a stored item (its new ChangeKey), reading the lists back.

Other operations that carry attachments along (a forward, a reply with its attachments) use
:func:`copy_attachments`: the store copies the rows byte for byte.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from ..core import attachments as A, mime
from ..core.apply import ApplyContext, create
from ..core.errors import EwsError
from ..core.fields import ITEM_TYPES
from ..core.item import Item
from ..protocol.attachments_xml import NewAttachment, NewItemAttachment
from ..store import attachments as rows
from .common import LostRace
from .context import RequestContext


def build(ctx: RequestContext, new: NewAttachment | A.ItemAttachment, *, mailbox: str, owner: str,
          level: int = 1) -> A.Attachment:
    """The attachment as it will be stored: an attached item built with CreateItem's engine (its properties
    checked as CreateItem checks them), LastModifiedTime now, the size limit and the nesting limit applied."""
    if level > A.MAX_NEST_LEVEL:
        raise EwsError("ErrorAttachmentNestLevelLimitExceeded")
    if isinstance(new, (A.FileAttachment, A.ItemAttachment)):  # a file; an embedded message of MIME content
        A.check_size(new, ctx.settings.limits.max_attachment_bytes)
        return A.stamped(new, ctx.now)
    return _build_item(ctx, new, mailbox=mailbox, owner=owner, level=level)


def _build_item(ctx: RequestContext, new: NewItemAttachment, *, mailbox: str, owner: str,
                level: int) -> A.ItemAttachment:
    if new.item_type is None:
        raise EwsError("ErrorMissingItemForCreateItemAttachment")
    if new.item_type not in ITEM_TYPES or new.item_type in ("MeetingMessage", "MeetingRequest"):
        raise EwsError("ErrorInvalidItemForOperationCreateItemAttachment",
                       message=f"ewsemu does not store {new.item_type} items yet.")
    actx = ApplyContext(now=ctx.now, zone=ctx.zone, new_item_id=ctx.ids.item_id, strict=ctx.settings.strict)
    created = create(new.item_type, new.properties, actx, mailbox=mailbox, folder_id="", owner=owner)
    item = created.item
    inner = tuple(build(ctx, a, mailbox=mailbox, owner=owner, level=level + 1)
                  for a in (*created.attachments, *new.attachments))
    item.values[A.HAS_ATTACHMENTS] = A.has_attachments([_info(a) for a in inner])
    attachment = A.ItemAttachment(new.meta, item, inner, None, A.item_size(item, inner))
    return A.stamped(attachment, ctx.now)  # type: ignore[return-value]


def _info(attachment: A.Attachment) -> A.AttachmentInfo:
    kind = "file" if isinstance(attachment, A.FileAttachment) else "item"
    return A.AttachmentInfo(kind, "", attachment.meta, attachment.size)


def build_all(ctx: RequestContext, new: Sequence[NewAttachment | A.ItemAttachment], *, mailbox: str,
              owner: str) -> tuple[A.Attachment, ...]:
    return tuple(build(ctx, a, mailbox=mailbox, owner=owner) for a in new)


def prepared(item: Item, attachments: Sequence[A.Attachment]) -> None:
    """A new item that will be stored with ``attachments``: its HasAttachments (before it is inserted)."""
    if attachments:
        item.values[A.HAS_ATTACHMENTS] = A.has_attachments([_info(a) for a in attachments])


def store_new(ctx: RequestContext, uow, item: Item, attachments: Sequence[A.Attachment]) -> list[A.Attachment]:
    """Store the attachments of the item just inserted (CreateItem); the attachments with their keys."""
    return rows.insert(uow, item.id, attachments, ctx.ids) if attachments else []


def replace_all(ctx: RequestContext, uow, item: Item, new: Sequence[A.Attachment],
                changes: dict) -> None:
    """The stored ``item`` (as just written in ``uow``) now has ``new`` instead of its attachments (new MIME
    content on a draft: the MIME is the whole message); ``changes``, its journal diff, records the counts."""
    before = rows.count(uow, item.id)
    rows.delete_all(uow, item.id)
    built = build_all(ctx, new, mailbox=item.mailbox, owner="")
    rows.insert(uow, item.id, built, ctx.ids)
    if before or built:
        changes[A.ATTACHMENTS] = (before, len(built))


def attach(ctx: RequestContext, uow, item: Item, attachment: A.Attachment) -> tuple[Item, A.Attachment]:
    """Add ``attachment`` to the stored ``item`` (as read in ``uow``): the item's next version and the stored
    attachment. Raises the lost race to the caller's retry loop."""
    before = rows.count(uow, item.id)
    [stored] = rows.insert(uow, item.id, [attachment], ctx.ids, start=before)
    return _touch(ctx, uow, item, before, before + 1), stored


def detach(ctx: RequestContext, uow, item: Item, key: bytes) -> Item:
    """Remove the attachment ``key`` (at any level) from the stored ``item``; its next version."""
    before = rows.count(uow, item.id)
    if not rows.delete_one(uow, item.id, key):
        raise EwsError("ErrorInvalidAttachmentId")
    return _touch(ctx, uow, item, before, rows.count(uow, item.id))


def _touch(ctx: RequestContext, uow, item: Item, before: int, after: int) -> Item:
    new, changes = A.touched(item, ctx.now, before, after, A.has_attachments(rows.listing(uow, item.id)))
    if not ctx.store.update_item(uow, new, item.version, ctx.now, changes):
        raise LostRace()
    return new


def with_listing(conn, item: Item) -> Item:
    """``item`` with its ``item:Attachments`` list (no content) for rendering (GetItem, CreateItem's answer)."""
    listing = tuple(rows.listing(conn, item.id))
    if not listing:
        return item
    shown = item.copy()
    shown.values[A.ATTACHMENTS] = listing
    return shown


def with_mime(conn, item: Item) -> Item:
    """``item`` with its MimeContent built now, its file attachments as parts (GetItem with IncludeMimeContent);
    an item type that has no MIME form is left as it is."""
    if item.item_type not in mime.MESSAGE_MIME_TYPES:
        return item
    shown = item.copy()
    shown.values[mime.MIME_CONTENT] = mime.build(item, mime.file_parts(rows.tree(conn, item.id)))
    return shown


def copy_attachments(uow, source_item_id: str, target_item_id: str) -> None:
    """Give the stored item ``target_item_id`` copies of every attachment of ``source_item_id``, byte for byte
    (a forwarded message; CopyItem and the store's own copies do it already). The caller sets the target's
    HasAttachments as the source's."""
    rows.copy_all(uow, source_item_id, target_item_id)


def stored_infos(root_item_id: str, stored: Sequence[A.Attachment]) -> tuple[A.AttachmentInfo, ...]:
    """The list an item just created with ``stored`` shows (CreateItem's answer) without reading it back."""
    return tuple(replace(_info(a), attachment_id=A.attachment_id(root_item_id, a.key or b"")) for a in stored)
