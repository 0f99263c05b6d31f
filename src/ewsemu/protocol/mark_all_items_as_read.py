"""m:MarkAllItemsAsRead -> the read state to set, whether read receipts are suppressed, and the folders (one
response message each); a success message has no content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from .folders import FolderRef, folder_refs
from .move_copy import parse_boolean
from .namespaces import m


@dataclass(frozen=True)
class MarkAllItemsAsReadRequest:
    read: bool
    suppress_read_receipts: bool
    #: one per response message, in request order
    elements: list[FolderRef]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> MarkAllItemsAsReadRequest:
    return MarkAllItemsAsReadRequest(parse_boolean(body.findtext(m("ReadFlag")), True),
                                     parse_boolean(body.findtext(m("SuppressReadReceipts")), True),
                                     folder_refs(body.find(m("FolderIds"))))


def render_success(request: MarkAllItemsAsReadRequest, value: None, msg: etree._Element) -> None:
    """ResponseClass and ResponseCode say it all."""
