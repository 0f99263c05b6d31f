"""m:UploadItems -> one typed upload per ``t:Item`` (its action, folder, optional item and Data); a Success
message names the created or updated item."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import ItemRef
from ..core.item import Item
from .folders import FolderRef, folder_ref
from .items import item_ref
from .namespaces import m, t

CREATE_NEW, UPDATE, UPDATE_OR_CREATE = "CreateNew", "Update", "UpdateOrCreate"


@dataclass(frozen=True)
class Upload:
    action: str
    parent: FolderRef
    item: ItemRef | None
    #: the Data text (base64), decoded and checked by the operation
    data: str
    #: IsAssociated, when the element says
    is_associated: bool | None


@dataclass(frozen=True)
class UploadItemsRequest:
    elements: list[Upload]


def _upload(el: etree._Element) -> Upload:
    item = el.find(t("ItemId"))
    associated = el.get("IsAssociated")
    return Upload(
        action=el.get("CreateAction", CREATE_NEW), parent=folder_ref(el.find(t("ParentFolderId"))),
        item=item_ref(item) if item is not None else None, data=el.findtext(t("Data")) or "",
        is_associated=None if associated is None else associated.strip() in ("true", "1"))


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> UploadItemsRequest:
    items = body.find(m("Items"))
    return UploadItemsRequest([_upload(el) for el in items if el.tag == t("Item")] if items is not None else [])


def render_success(request: UploadItemsRequest, item: Item, msg: etree._Element) -> None:
    etree.SubElement(msg, m("ItemId"), Id=item.id, ChangeKey=item.change_key)
