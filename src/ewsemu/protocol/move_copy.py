"""m:MoveItem and m:CopyItem (BaseMoveCopyItemType) -> the destination, the item ids and whether the new ids
come back; a Success message's content.

Both operations have one request shape: ``m:ToFolderId`` (a TargetFolderIdType), ``m:ItemIds`` and the optional
``m:ReturnNewItemIds`` (Exchange 2010 SP1). When it is absent the new ids are returned (exchangelib never sends
it and reads the new id from the answer); ``false`` leaves ``m:Items`` empty. A move or copy into another
mailbox returns no id either way, as the EWS reference says.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import ItemRef
from ..core.errors import SchemaViolation
from ..core.item import Item
from .folders import FolderRef, target_folder
from .items import item_refs
from .namespaces import m, t

_TRUE = frozenset({"true", "1"})


@dataclass(frozen=True)
class MoveCopyRequest:
    to_folder: FolderRef
    return_new_item_ids: bool
    #: one per response message, in request order
    elements: list[ItemRef]


def parse_boolean(text: str | None, default: bool) -> bool:
    """An xs:boolean element or attribute's value (the schema has checked it is one)."""
    return default if text is None else text.strip() in _TRUE


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> MoveCopyRequest:
    to_folder = target_folder(body.find(m("ToFolderId")))
    if to_folder is None:  # the schema requires one; this is for a caller that skipped validation
        raise SchemaViolation("m:ToFolderId names no folder.")
    return MoveCopyRequest(to_folder, parse_boolean(body.findtext(m("ReturnNewItemIds")), True),
                           item_refs(body.find(m("ItemIds"))))


def render_success(request: MoveCopyRequest, item: Item | None, msg: etree._Element) -> None:
    """``m:Items`` with the new item's ``t:ItemId`` in an element of its type, or empty: ReturnNewItemIds false,
    or an item that went to another mailbox (``item`` None)."""
    items = etree.SubElement(msg, m("Items"))
    if item is not None and request.return_new_item_ids:
        etree.SubElement(etree.SubElement(items, t(item.item_type)), t("ItemId"), Id=item.id,
                         ChangeKey=item.change_key)
