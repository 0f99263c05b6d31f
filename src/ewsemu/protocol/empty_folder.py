"""m:EmptyFolder -> the folder ids, how to delete their items and whether their subfolders go too; a success
message has no content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from .folders import FolderRef, folder_refs
from .namespaces import m


@dataclass(frozen=True)
class EmptyFolderRequest:
    delete_type: str  # HardDelete | SoftDelete | MoveToDeletedItems
    delete_sub_folders: bool
    elements: list[FolderRef]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> EmptyFolderRequest:
    return EmptyFolderRequest(body.get("DeleteType", "HardDelete"),
                              body.get("DeleteSubFolders", "false") in ("true", "1"),
                              folder_refs(body.find(m("FolderIds"))))


def render_success(request: EmptyFolderRequest, emptied: None, msg: etree._Element) -> None:
    """ResponseClass and ResponseCode say it all."""
