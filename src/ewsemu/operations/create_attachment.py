"""CreateAttachment: each attachment is added to the parent item in its own transaction, which gives the item
its next version; the response names the attachment and the root item's new ChangeKey (exchangelib takes the
parent's ChangeKey from it). One response message per attachment, in request order."""
from __future__ import annotations

from ..core.attachments import FileAttachment, attachment_id
from ..core.errors import EwsError
from ..protocol import create_attachment as wire
from ..protocol.attachments_xml import NewAttachment
from ..protocol.create_attachment import CreateAttachmentRequest, Created
from . import attachments
from .base import Batch, PerElement
from .common import check_item_id, with_retries


def _create_one(batch: Batch[CreateAttachmentRequest], new: NewAttachment) -> Created:
    ctx, parent = batch.ctx, batch.request.parent
    check_item_id(parent.id)

    def work(uow) -> Created:
        item = ctx.store.load_item(uow, parent.id, ctx.mailbox)
        if item is None:
            raise EwsError("ErrorItemNotFound")
        owner = ctx.store.mailbox_display_name(uow, item.mailbox)
        built = attachments.build(ctx, new, mailbox=item.mailbox, owner=owner)
        root, stored = attachments.attach(ctx, uow, item, built)
        element = "FileAttachment" if isinstance(stored, FileAttachment) else "ItemAttachment"
        return Created(element, attachment_id(root.id, stored.key or b""), root.id, root.change_key)

    return with_retries(ctx, work)


OPERATION = PerElement(
    "CreateAttachment", "implemented",
    ("file attachments (content as bytes, up to --max-attachment-size) and item attachments of every stored "
     "item type, recursively; the parent's new ChangeKey in each AttachmentId; reference attachments (links) "
     "are not stored"),
    parse=wire.parse, element=_create_one, render=wire.render_success, container="Attachments")
