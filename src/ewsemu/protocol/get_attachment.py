"""m:GetAttachment -> the attachment ids and the AttachmentShape; each attachment whole in its response message
(a file with its content, an item attachment with its item rendered by the item renderer)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.attachments import AttachmentRef, FileAttachment, ItemAttachment
from ..core.errors import EwsError
from ..core.ids import IdFactory
from .attachments_xml import attachment_refs, render_file, render_item_attachment_head
from .items import Shape, render_item
from .namespaces import m, t
from .paths import PATH_TAGS, parse_path

_TRUE = {"true", "1"}


@dataclass(frozen=True)
class AttachmentShape:
    """AttachmentShape: how an attached item is shown (files are always shown whole)."""

    include_mime_content: bool = False
    body_type: str | None = None
    filter_html_content: bool = False
    item_shape: Shape = Shape("AllProperties")


@dataclass(frozen=True)
class GetAttachmentRequest:
    shape: AttachmentShape
    zone: dt.tzinfo
    #: one entry per response message, in request order; an id that does not decode is its EwsError
    elements: list[AttachmentRef | EwsError]


@dataclass(frozen=True)
class FoundAttachment:
    """An attachment and its root item's id (its AttachmentId is made from both); an attached item carries
    its own attachment list in ``item:Attachments``; ``owner``: the mailbox's display name."""

    root_item_id: str
    attachment: FileAttachment | ItemAttachment
    owner: str


def _shape(el: etree._Element | None) -> AttachmentShape:
    if el is None:
        return AttachmentShape()
    additional = el.find(t("AdditionalProperties"))
    paths = tuple(parse_path(p) for p in additional if p.tag in PATH_TAGS) if additional is not None else ()
    body_type = el.findtext(t("BodyType"))
    return AttachmentShape((el.findtext(t("IncludeMimeContent")) or "").strip() in _TRUE, body_type,
                           (el.findtext(t("FilterHtmlContent")) or "").strip() in _TRUE,
                           Shape("AllProperties", paths, body_type))


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> GetAttachmentRequest:
    ids = body.find(m("AttachmentIds"))
    return GetAttachmentRequest(_shape(body.find(m("AttachmentShape"))), zone,
                                attachment_refs(ids))


def render_success(request: GetAttachmentRequest, found: FoundAttachment, msg: etree._Element) -> None:
    container = etree.SubElement(msg, m("Attachments"))
    attachment = found.attachment
    if isinstance(attachment, FileAttachment):
        render_file(container, found.root_item_id, attachment, request.zone)
        return
    el = render_item_attachment_head(container, found.root_item_id, attachment.key or b"", attachment.meta,
                                     attachment.size, request.zone)
    item = attachment.item
    render_item(item, request.shape.item_shape, el, request.zone, IdFactory.change_key(item.folder_id or "-", 1),
                found.owner, embedded=True)
