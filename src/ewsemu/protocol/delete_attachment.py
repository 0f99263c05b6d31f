"""m:DeleteAttachment -> the attachment ids; each Success message names the root item and its new ChangeKey."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.attachments import AttachmentRef
from ..core.errors import EwsError
from .attachments_xml import attachment_refs
from .namespaces import m


@dataclass(frozen=True)
class DeleteAttachmentRequest:
    #: one entry per response message, in request order; an id that does not decode is its EwsError
    elements: list[AttachmentRef | EwsError]


@dataclass(frozen=True)
class RootItem:
    """The item an attachment was removed from, at its new version."""

    item_id: str
    change_key: str


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> DeleteAttachmentRequest:
    ids = body.find(m("AttachmentIds"))
    return DeleteAttachmentRequest(attachment_refs(ids))


def render_success(request: DeleteAttachmentRequest, root: RootItem, msg: etree._Element) -> None:
    etree.SubElement(msg, m("RootItemId"), RootItemId=root.item_id, RootItemChangeKey=root.change_key)
