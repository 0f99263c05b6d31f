"""GetItem: results in request order, ErrorItemNotFound in-band, shapes with AdditionalProperties."""
from __future__ import annotations

from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..protocol import get_item as wire
from ..protocol.get_item import FoundItem, GetItemRequest
from .attachments import with_listing, with_mime
from .base import Batch, PerElement
from .common import check_item_id
from .occurrences import locate, view


def _get_one(batch: Batch[GetItemRequest], ref: ItemRef) -> FoundItem:
    check_item_id(ref.id)
    where = locate(ref)
    item = batch.ctx.store.load_item(batch.conn, where.item_id, batch.ctx.mailbox)
    if item is None:
        raise EwsError("ErrorItemNotFound")
    if batch.request.shape.wants("item:Attachments", item.item_type):
        item = with_listing(batch.conn, item)
    if batch.request.shape.wants("item:MimeContent", item.item_type):
        item = with_mime(batch.conn, item)
    return FoundItem(view(item, where), batch.owner)


OPERATION = PerElement(
    "GetItem", "implemented",
    ("IdOnly/Default/AllProperties shapes with AdditionalProperties (indexed ones too), occurrence"
     " and recurring-master ids, item:Attachments listed without content, MIME content of messages, generic"
     " items and tasks (IncludeMimeContent, with their attachments); no MIME content of calendar items and"
     " contacts"),
    parse=wire.parse, element=_get_one, render=wire.render_success, container="Items", reads=True)
