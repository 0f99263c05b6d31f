"""m:DeleteFolder -> the folder ids and how to delete them; a success message has no content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from .folders import FolderRef, folder_refs
from .namespaces import m


@dataclass(frozen=True)
class DeleteFolderRequest:
    delete_type: str  # HardDelete | SoftDelete | MoveToDeletedItems
    elements: list[FolderRef]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> DeleteFolderRequest:
    return DeleteFolderRequest(body.get("DeleteType", "HardDelete"), folder_refs(body.find(m("FolderIds"))))


def render_success(request: DeleteFolderRequest, deleted: None, msg: etree._Element) -> None:
    """ResponseClass and ResponseCode say it all."""
