"""m:ExportItems -> the item ids; a Success message holds the item's id and its opaque Data."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import ItemRef
from .items import item_refs
from .namespaces import m


@dataclass(frozen=True)
class ExportItemsRequest:
    elements: list[ItemRef]


@dataclass(frozen=True)
class Exported:
    """One exported item: its id as it is now, and the blob (base64 text)."""

    item_id: str
    change_key: str
    data: str


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> ExportItemsRequest:
    return ExportItemsRequest(item_refs(body.find(m("ItemIds"))))


def render_success(request: ExportItemsRequest, value: Exported, msg: etree._Element) -> None:
    etree.SubElement(msg, m("ItemId"), Id=value.item_id, ChangeKey=value.change_key)
    etree.SubElement(msg, m("Data")).text = value.data
