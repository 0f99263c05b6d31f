"""m:MoveFolder (and m:CopyFolder, the same request) -> the destination and the folder ids; a Success message
holds the moved (copied) folder's element with its FolderId."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.folders import Folder
from .folders import FolderRef, folder_refs, render_folder_id, target_folder
from .namespaces import m


@dataclass(frozen=True)
class MoveCopyFolderRequest:
    to_folder: FolderRef | None
    elements: list[FolderRef]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> MoveCopyFolderRequest:
    return MoveCopyFolderRequest(target_folder(body.find(m("ToFolderId"))), folder_refs(body.find(m("FolderIds"))))


def render_success(request: MoveCopyFolderRequest, folder: Folder, msg: etree._Element) -> None:
    render_folder_id(folder, etree.SubElement(msg, m("Folders")))
