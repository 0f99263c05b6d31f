"""m:GetFolder -> the folder ids and the shape, typed; the response messages' content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from .folders import FolderProps, FolderRef, FolderView, folder_refs, render_folder, wanted
from .items import parse_shape
from .namespaces import m


@dataclass(frozen=True)
class GetFolderRequest:
    #: the folder FieldURIs the FolderShape asks for
    props: FolderProps
    elements: list[FolderRef]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> GetFolderRequest:
    return GetFolderRequest(wanted(parse_shape(body.find(m("FolderShape")))), folder_refs(body.find(m("FolderIds"))))


def render_success(request: GetFolderRequest, view: FolderView, msg: etree._Element) -> None:
    render_folder(view, request.props, etree.SubElement(msg, m("Folders")))
