"""GetAttachment: each attachment whole, in request order. A file comes with its content; an item attachment
with its item (all its properties, AdditionalProperties and BodyType as the AttachmentShape asks) and the list
of the item's own attachments, each fetched by its own id. An id of an attachment the item no longer has is
ErrorInvalidAttachmentId; of an item that is gone (or in another mailbox), ErrorItemNotFound."""
from __future__ import annotations

from dataclasses import replace

from ..core import bodies
from ..core.attachments import ATTACHMENTS, AttachmentRef, ItemAttachment
from ..core.errors import EwsError
from ..protocol import get_attachment as wire
from ..protocol.get_attachment import FoundAttachment, GetAttachmentRequest
from ..store import attachments as rows
from .base import Batch, PerElement


def _get_one(batch: Batch[GetAttachmentRequest], ref: AttachmentRef) -> FoundAttachment:
    ctx = batch.ctx
    root = ctx.store.load_item(batch.conn, ref.root_item_id, ctx.mailbox)
    if root is None:
        raise EwsError("ErrorItemNotFound")
    attachment = rows.load(batch.conn, root.id, ref.key)
    if attachment is None:
        raise EwsError("ErrorInvalidAttachmentId")
    if isinstance(attachment, ItemAttachment):
        shape = batch.request.shape
        item = attachment.item.copy()
        listing = tuple(rows.listing(batch.conn, root.id, ref.key))
        if listing:
            item.values[ATTACHMENTS] = listing
        body = item.values.get("item:Body")
        if body is not None:
            item.values["item:Body"] = bodies.as_requested(body, shape.body_type, shape.filter_html_content)
        attachment = replace(attachment, item=item)
    return FoundAttachment(root.id, attachment, batch.owner)


OPERATION = PerElement(
    "GetAttachment", "implemented",
    ("file attachments with their content, item attachments with their item (AdditionalProperties, BodyType "
     "Text/HTML/Best, FilterHtmlContent) and its own attachment list; IncludeMimeContent is accepted but the "
     "attached item's MimeContent is not rendered"),
    parse=wire.parse, element=_get_one, render=wire.render_success, container="Attachments", reads=True)
