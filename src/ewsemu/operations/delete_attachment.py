"""DeleteAttachment: each attachment (with everything inside an item attachment) removed from its root item in
its own transaction, the item's next version reported as Exchange reports it (RootItemId, RootItemChangeKey).
An attachment the item does not have is ErrorInvalidAttachmentId; an item that is gone, ErrorItemNotFound."""
from __future__ import annotations

from ..core.attachments import AttachmentRef
from ..core.errors import EwsError
from ..protocol import delete_attachment as wire
from ..protocol.delete_attachment import DeleteAttachmentRequest, RootItem
from . import attachments
from .base import Batch, PerElement
from .common import with_retries


def _delete_one(batch: Batch[DeleteAttachmentRequest], ref: AttachmentRef) -> RootItem:
    ctx = batch.ctx

    def work(uow) -> RootItem:
        item = ctx.store.load_item(uow, ref.root_item_id, ctx.mailbox)
        if item is None:
            raise EwsError("ErrorItemNotFound")
        root = attachments.detach(ctx, uow, item, ref.key)
        return RootItem(root.id, root.change_key)

    return with_retries(ctx, work)


OPERATION = PerElement(
    "DeleteAttachment", "implemented",
    "file and item attachments at any nesting level; the root item's new ChangeKey in RootItemId",
    parse=wire.parse, element=_delete_one, render=wire.render_success)
