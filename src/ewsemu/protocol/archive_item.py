"""m:ArchiveItem -> the source folder and the item ids; a Success message holds the archived item's new ItemId
(exchangelib reads exactly one item back)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import ItemRef
from ..core.item import Item
from .folders import FolderRef, target_folder
from .items import item_refs
from .namespaces import m, t


@dataclass(frozen=True)
class ArchiveItemRequest:
    source: FolderRef | None
    elements: list[ItemRef]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> ArchiveItemRequest:
    return ArchiveItemRequest(target_folder(body.find(m("ArchiveSourceFolderId"))), item_refs(body.find(m("ItemIds"))))


def render_success(request: ArchiveItemRequest, item: Item, msg: etree._Element) -> None:
    items = etree.SubElement(msg, m("Items"))
    etree.SubElement(etree.SubElement(items, t(item.item_type)), t("ItemId"), Id=item.id, ChangeKey=item.change_key)
