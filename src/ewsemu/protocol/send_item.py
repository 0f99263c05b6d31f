"""m:SendItem -> the drafts to send and where their sent copies go; a Success message has no content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import ItemRef
from .folders import FolderRef, target_folder
from .items import item_refs
from .namespaces import m


@dataclass(frozen=True)
class SendItemRequest:
    #: SaveItemToFolder: keep a sent copy (in SavedItemFolderId, else Sent Items)
    save_copy: bool
    saved_item_folder: FolderRef | None
    #: one entry per response message, in request order
    elements: list[ItemRef]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> SendItemRequest:
    return SendItemRequest(body.get("SaveItemToFolder", "").strip() in ("true", "1"),
                           target_folder(body.find(m("SavedItemFolderId"))), item_refs(body.find(m("ItemIds"))))


def render_success(request: SendItemRequest, value: None, msg: etree._Element) -> None:
    """ResponseClass and ResponseCode say it all: a sent draft is gone, its copies have new ids."""
