"""GetItem: results in request order, ErrorItemNotFound in-band, shapes with AdditionalProperties."""
from __future__ import annotations

from lxml import etree

from ..core.errors import EwsError
from ..core.ids import IdFactory
from ..protocol import responses
from ..protocol.items import render_item
from ..protocol.namespaces import m, t
from ..protocol.update_item import item_ref
from .common import check_item_id, parse_shape, reading
from .base import unconverted
from .context import RequestContext
from .occurrences import locate, view


def handle(ctx: RequestContext, body: etree._Element) -> etree._Element:
    shape = parse_shape(body.find(m("ItemShape")))
    ids_el = body.find(m("ItemIds"))
    root, messages = responses.response_root("GetItem")
    with reading(ctx) as conn:
        owner = ctx.store.mailbox_display_name(conn, ctx.mailbox)
        for id_el in ids_el if ids_el is not None else ():
            if not isinstance(id_el.tag, str):
                continue
            try:
                ref = item_ref(id_el)
                check_item_id(ref.id)
                where = locate(ref)
                item = ctx.store.load_item(conn, where.item_id, ctx.mailbox)
                if item is None:
                    raise EwsError("ErrorItemNotFound")
                item = view(item, where)
            except EwsError as err:
                responses.error(messages, "GetItem", err, "Items")
                continue
            msg = responses.success(messages, "GetItem")
            render_item(item, shape, etree.SubElement(msg, m("Items")), ctx.zone,
                        IdFactory.change_key(item.folder_id, 1), owner)
    return root


OPERATION = unconverted("GetItem", handle, "implemented",
                      ("IdOnly/Default/AllProperties shapes with AdditionalProperties (indexed ones too), occurrence"
                       " and recurring-master ids; no MIME content or attachments (none are stored)"))
