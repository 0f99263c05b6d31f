"""m:GetItem -> the item ids and the shape, typed; the response messages' content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import ItemRef
from ..core.ids import IdFactory
from ..core.item import Item
from .items import Shape, item_refs, parse_shape, render_item
from .namespaces import m


@dataclass(frozen=True)
class GetItemRequest:
    shape: Shape
    #: the request's time zone (TimeZoneContext): the items' times are rendered in it
    zone: dt.tzinfo
    elements: list[ItemRef]


@dataclass(frozen=True)
class FoundItem:
    """An item as its id names it, and the display name of the mailbox it is read in (its owner)."""

    item: Item
    owner: str


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> GetItemRequest:
    return GetItemRequest(parse_shape(body.find(m("ItemShape"))), zone, item_refs(body.find(m("ItemIds"))))


def render_success(request: GetItemRequest, found: FoundItem, msg: etree._Element) -> None:
    item = found.item
    render_item(item, request.shape, etree.SubElement(msg, m("Items")), request.zone,
                IdFactory.change_key(item.folder_id, 1), found.owner)
