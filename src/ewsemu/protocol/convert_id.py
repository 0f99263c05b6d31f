"""m:ConvertId -> the ids to convert and the destination format, typed; each converted ``t:AlternateId``."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from .namespaces import XSI, local, m


@dataclass(frozen=True)
class AlternateId:
    """A ``t:AlternateId``: an id in one of the six formats, and the mailbox it belongs to. ``kind`` is the
    source element's name: a public folder's ``AlternatePublicFolderId`` / ``AlternatePublicFolderItemId``
    has no Id or Mailbox."""

    format: str
    id: str
    mailbox: str
    is_archive: str | None = None
    kind: str = "AlternateId"


@dataclass(frozen=True)
class ConvertIdRequest:
    destination_format: str
    elements: list[AlternateId]


def _source(el: etree._Element) -> AlternateId:
    return AlternateId(el.get("Format", ""), el.get("Id", ""), el.get("Mailbox", ""), el.get("IsArchive"),
                       local(el.tag))


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> ConvertIdRequest:
    return ConvertIdRequest(body.get("DestinationFormat", "EwsId"),
                            [_source(el) for el in body.find(m("SourceIds")) if isinstance(el.tag, str)])


def render_success(request: ConvertIdRequest, converted: AlternateId, msg: etree._Element) -> None:
    alternate = etree.SubElement(msg, m("AlternateId"), nsmap={"xsi": XSI})
    alternate.set(f"{{{XSI}}}type", "t:AlternateIdType")
    alternate.set("Format", converted.format)
    alternate.set("Id", converted.id)
    alternate.set("Mailbox", converted.mailbox)
    if converted.is_archive is not None:
        alternate.set("IsArchive", converted.is_archive)
