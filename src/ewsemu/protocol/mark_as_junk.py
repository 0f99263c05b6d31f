"""m:MarkAsJunk -> IsJunk, MoveItem and the item ids (one response message each); a Success message carries
``m:MovedItemId`` (directly in the message: MarkAsJunk has no container) when the item moved."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import ItemRef
from ..core.item import Item
from .items import item_refs
from .move_copy import parse_boolean
from .namespaces import m


@dataclass(frozen=True)
class MarkAsJunkRequest:
    is_junk: bool
    move_item: bool
    #: one per response message, in request order
    elements: list[ItemRef]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> MarkAsJunkRequest:
    return MarkAsJunkRequest(parse_boolean(body.get("IsJunk"), True), parse_boolean(body.get("MoveItem"), True),
                             item_refs(body.find(m("ItemIds"))))


def render_success(request: MarkAsJunkRequest, moved: Item | None, msg: etree._Element) -> None:
    if moved is not None:
        etree.SubElement(msg, m("MovedItemId"), Id=moved.id, ChangeKey=moved.change_key)
