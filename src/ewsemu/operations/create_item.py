"""CreateItem: each item element becomes a stored item; one response message per item."""
from __future__ import annotations

from lxml import etree

from ..core.apply import ApplyContext, create_item
from ..core.errors import EwsError
from ..core.fields import ITEM_TYPES
from ..protocol import responses
from ..protocol.items import item_properties
from ..protocol.namespaces import local, m, t
from .common import folder_target, resolve_folder, with_retries
from .context import RequestContext
from .get_folder import ensure_named_mailboxes

#: where an item type goes when the request names no SavedItemFolderId
DEFAULT_FOLDER = {"Task": "tasks", "Item": "drafts"}


def _create_one(ctx: RequestContext, wrapper: etree._Element, target: etree._Element | None):
    item_type = local(wrapper.tag)
    if item_type not in ITEM_TYPES:
        raise EwsError("ErrorInvalidItemForOperationCreateItem",
                       message=f"ewsemu does not store {item_type} items yet.")
    props = item_properties(wrapper, ctx.zone)
    actx = ApplyContext(now=ctx.now, zone=ctx.zone, new_item_id=ctx.emulator.ids.item_id,
                        strict=ctx.settings.strict)

    def work(conn):
        if target is not None:
            folder = resolve_folder(conn, ctx, target)
        else:
            folder = ctx.store.distinguished_folder(conn, ctx.mailbox, DEFAULT_FOLDER[item_type])
        owner = ctx.store.mailbox_display_name(conn, folder.mailbox)
        item = create_item(item_type, props, actx, mailbox=folder.mailbox, folder_id=folder.id, owner=owner)
        ctx.store.insert_item(conn, item, ctx.now)
        return item

    return with_retries(ctx, work)


def handle(ctx: RequestContext) -> etree._Element:
    body = ctx.envelope.body
    target = folder_target(body.find(m("SavedItemFolderId")))
    if target is not None:
        ensure_named_mailboxes(ctx, [target])  # creating a mailbox writes: not inside the item's transaction
    items_el = body.find(m("Items"))
    root, messages = responses.response_root("CreateItem")
    for wrapper in items_el if items_el is not None else ():
        if not isinstance(wrapper.tag, str):
            continue
        try:
            item = _create_one(ctx, wrapper, target)
        except EwsError as err:
            responses.error(messages, "CreateItem", err, "Items")
            continue
        msg = responses.success(messages, "CreateItem")
        el = etree.SubElement(etree.SubElement(msg, m("Items")), t(item.item_type))
        etree.SubElement(el, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    return root
