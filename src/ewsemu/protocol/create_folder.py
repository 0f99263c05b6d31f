"""m:CreateFolder -> the parent folder and one typed folder per element; a Success message holds the new
folder's element with its FolderId (Id and ChangeKey: exchangelib reads both)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import FieldChange
from ..core.errors import EwsError
from ..core.folders import Folder
from .folders import FolderRef, folder_properties, render_folder_id, target_folder
from .namespaces import m


@dataclass(frozen=True)
class NewFolder:
    """One element of m:Folders: its type (the element name) and its properties, in document order."""

    folder_type: str
    properties: list[FieldChange]


@dataclass(frozen=True)
class CreateFolderRequest:
    parent: FolderRef | None
    #: one per response message, in request order; an element whose values Exchange refuses is its EwsError
    elements: list[NewFolder | EwsError]


def new_folder(el: etree._Element) -> NewFolder | EwsError:
    """One folder element, or the error its values give (that element's in-band error)."""
    try:
        return NewFolder(*folder_properties(el))
    except EwsError as err:
        return err


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> CreateFolderRequest:
    folders = body.find(m("Folders"))
    elements = [new_folder(el) for el in folders if isinstance(el.tag, str)] if folders is not None else []
    return CreateFolderRequest(target_folder(body.find(m("ParentFolderId"))), elements)


def render_success(request: CreateFolderRequest, folder: Folder, msg: etree._Element) -> None:
    render_folder_id(folder, etree.SubElement(msg, m("Folders")))
