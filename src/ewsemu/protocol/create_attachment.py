"""m:CreateAttachment -> the parent item and the attachments to add, one response message per attachment."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import ItemRef
from ..core.errors import EwsError
from .attachments_xml import NewAttachment, parse_attachment, render_id
from .items import item_properties, item_ref
from .namespaces import m, t


@dataclass(frozen=True)
class CreateAttachmentRequest:
    parent: ItemRef
    #: one entry per response message, in request order; an attachment that does not parse is its EwsError
    elements: list[NewAttachment | EwsError]


@dataclass(frozen=True)
class Created:
    """One attachment made: its kind (element name), id, and the root item's new ChangeKey."""

    element: str
    attachment_id: str
    root_item_id: str
    root_change_key: str


def _one(el: etree._Element, zone: dt.tzinfo) -> NewAttachment | EwsError:
    """A FileAttachment or ItemAttachment (the schema admits no other)."""
    try:
        return parse_attachment(el, zone, item_properties)
    except EwsError as err:
        return err


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> CreateAttachmentRequest:
    parent = body.find(m("ParentItemId"))
    container = body.find(m("Attachments"))
    elements = [_one(el, zone) for el in container if isinstance(el.tag, str)] if container is not None else []
    return CreateAttachmentRequest(item_ref(parent) if parent is not None else ItemRef(""), elements)


def render_success(request: CreateAttachmentRequest, created: Created, msg: etree._Element) -> None:
    el = etree.SubElement(etree.SubElement(msg, m("Attachments")), t(created.element))
    render_id(el, created.attachment_id, (created.root_item_id, created.root_change_key))
