"""ExportItems: each item as an opaque, signed blob of every stored property and attachment
(core.export_data), which UploadItems turns back into the item; one response message per ItemId, in request
order, errors in-band."""
from __future__ import annotations

from ..core import export_data
from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..protocol import export_items as wire
from ..protocol.export_items import Exported, ExportItemsRequest
from ..store import attachments as attachment_rows, codec
from .base import Batch, PerElement
from .common import check_item_id
from .context import RequestContext
from .occurrences import locate


def _key(ctx: RequestContext, request: object = None) -> bytes:
    """The export key (made, a write, before the read transaction; cached afterwards)."""
    return ctx.store.secret(export_data.SECRET_NAME)


def _export_one(batch: Batch[ExportItemsRequest], ref: ItemRef) -> Exported:
    check_item_id(ref.id)
    where = locate(ref)
    if where.index is not None:
        raise EwsError("ErrorInvalidOperation", message="An occurrence cannot be exported; export its series.")
    item = batch.ctx.store.load_item(batch.conn, where.item_id, batch.ctx.mailbox)
    if item is None:
        raise EwsError("ErrorItemNotFound")
    attached = attachment_rows.to_data(attachment_rows.tree(batch.conn, item.id))
    return Exported(item.id, item.change_key,
                    export_data.encode(codec.item_to_data(item), _key(batch.ctx), attached))


OPERATION = PerElement(
    "ExportItems", "implemented",
    ("items of every type, every stored property and every attachment (files byte for byte, attached items"
     " with theirs), as a signed blob only this server's UploadItems reads"),
    parse=wire.parse, element=_export_one, render=wire.render_success, reads=True, prepare=_key)
