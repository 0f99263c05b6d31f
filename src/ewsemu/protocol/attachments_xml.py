"""``t:FileAttachment`` / ``t:ItemAttachment``: parsed into what the operations attach, rendered from what the
store holds (an item's attachment list, or one attachment whole for GetAttachment).

A file's ``t:Content`` is decoded straight from the parsed text into bytes (``binascii.a2b_base64`` reads the
str; no intermediate copy), and encoded back the same way.
"""
from __future__ import annotations

import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Callable, Sequence, Union

from lxml import etree

from ..core.attachments import (
    AttachmentInfo, AttachmentMeta, AttachmentRef, FileAttachment, attachment_id, parse_attachment_id,
)
from ..core.changes import FieldChange
from ..core.errors import EwsError, SchemaViolation
from .codecs import format_datetime
from .namespaces import local, t

_TRUE = {"true", "1"}
_ATTACHMENT_TAGS = frozenset({t("FileAttachment"), t("ItemAttachment")})
_META_ELEMENTS = ("Name", "ContentType", "ContentId", "ContentLocation")


@dataclass(frozen=True)
class NewItemAttachment:
    """An item attachment as the request gives it: the item's type and properties (built into an item by the
    operation, with CreateItem's engine) and the item's own attachments."""

    meta: AttachmentMeta
    item_type: str | None
    properties: Sequence[FieldChange]
    attachments: tuple["NewAttachment", ...]


NewAttachment = Union[FileAttachment, NewItemAttachment]


def _flag(el: etree._Element, name: str) -> bool:
    return (el.findtext(t(name)) or "").strip() in _TRUE


def _meta(el: etree._Element) -> AttachmentMeta:
    values = {name: el.findtext(t(name)) for name in _META_ELEMENTS}
    return AttachmentMeta(values["Name"], values["ContentType"], values["ContentId"], values["ContentLocation"],
                          None, _flag(el, "IsInline"))


def decode_content(text: str | None) -> bytes:
    """``t:Content``'s base64 as bytes (whitespace allowed, as xs:base64Binary allows it)."""
    if not text:
        return b""
    try:
        return binascii.a2b_base64(text)
    except (binascii.Error, ValueError):
        raise SchemaViolation("The value of t:Content is not valid base64.") from None


ItemParser = Callable[[etree._Element, dt.tzinfo], Sequence[FieldChange]]


def parse_attachment(el: etree._Element, zone: dt.tzinfo, item_properties: ItemParser) -> NewAttachment:
    """One ``t:FileAttachment`` or ``t:ItemAttachment`` of a request; ``item_properties`` decodes an attached
    item's properties (protocol.items, passed in so the two modules do not import each other)."""
    meta = _meta(el)
    if el.tag == t("FileAttachment"):
        return FileAttachment(meta, decode_content(el.findtext(t("Content"))), _flag(el, "IsContactPhoto"))
    wrapper = next((c for c in el if isinstance(c.tag, str) and local(c.tag) not in _ATTACHMENT_ELEMENTS), None)
    if wrapper is None:
        return NewItemAttachment(meta, None, (), ())
    inner = wrapper.find(t("Attachments"))
    nested = parse_attachments(inner, zone, item_properties) if inner is not None else ()
    if inner is not None:
        wrapper.remove(inner)  # the engine knows no item:Attachments value: they are attached, not set
    return NewItemAttachment(meta, local(wrapper.tag), item_properties(wrapper, zone), nested)


_ATTACHMENT_ELEMENTS = frozenset({"AttachmentId", "Name", "ContentType", "ContentId", "ContentLocation",
                                  "AttachmentOriginalUrl", "Size", "LastModifiedTime", "IsInline"})


def parse_attachments(container: etree._Element | None, zone: dt.tzinfo,
                      item_properties: ItemParser) -> tuple[NewAttachment, ...]:
    """The attachments inside a ``t:Attachments`` container, in document order (our schema admits file and item
    attachments only)."""
    if container is None:
        return ()
    return tuple(parse_attachment(el, zone, item_properties) for el in container if el.tag in _ATTACHMENT_TAGS)


def attachment_refs(container: etree._Element | None) -> list[AttachmentRef | EwsError]:
    """The ids of an ``m:AttachmentIds`` container (GetAttachment, DeleteAttachment), in request order; an id
    that does not decode is its element's error."""
    refs: list[AttachmentRef | EwsError] = []
    for el in container if container is not None else ():
        if isinstance(el.tag, str):
            try:
                refs.append(parse_attachment_id(el.get("Id", "")))
            except EwsError as err:
                refs.append(err)
    return refs


# ---- rendering ---------------------------------------------------------------------------------------------


def render_id(parent: etree._Element, attachment_id_: str, root: tuple[str, str] | None = None) -> None:
    """``t:AttachmentId``; ``root`` (RootItemId, RootItemChangeKey) as CreateAttachment answers it."""
    el = etree.SubElement(parent, t("AttachmentId"), Id=attachment_id_)
    if root is not None:
        el.set("RootItemId", root[0])
        el.set("RootItemChangeKey", root[1])


def _render_meta(el: etree._Element, meta: AttachmentMeta, size: int, zone: dt.tzinfo) -> None:
    for name, value in zip(_META_ELEMENTS, (meta.name, meta.content_type, meta.content_id,
                                            meta.content_location)):
        if value is not None:
            etree.SubElement(el, t(name)).text = value
    etree.SubElement(el, t("Size")).text = str(size)
    if meta.last_modified_time is not None:
        etree.SubElement(el, t("LastModifiedTime")).text = format_datetime(meta.last_modified_time, zone)
    etree.SubElement(el, t("IsInline")).text = "true" if meta.is_inline else "false"


def render_info(parent: etree._Element, info: AttachmentInfo, zone: dt.tzinfo,
                ids_only: bool = False) -> etree._Element:
    """An attachment as ``item:Attachments`` lists it: its properties, no content and no item (``ids_only``:
    just its id, as CreateItem answers)."""
    el = etree.SubElement(parent, t("FileAttachment" if info.kind == "file" else "ItemAttachment"))
    render_id(el, info.attachment_id)
    if ids_only:
        return el
    _render_meta(el, info.meta, info.size, zone)
    if info.kind == "file":
        etree.SubElement(el, t("IsContactPhoto")).text = "true" if info.is_contact_photo else "false"
    return el


def render_infos(parent: etree._Element, infos: Sequence[AttachmentInfo], zone: dt.tzinfo,
                 ids_only: bool = False) -> None:
    """``t:Attachments`` with the list (nothing when there is none: the schema's array may not be empty)."""
    if infos:
        container = etree.SubElement(parent, t("Attachments"))
        for info in infos:
            render_info(container, info, zone, ids_only)


def render_file(parent: etree._Element, root_item_id: str, attachment: FileAttachment,
                zone: dt.tzinfo) -> etree._Element:
    """GetAttachment's ``t:FileAttachment``, with its content."""
    el = etree.SubElement(parent, t("FileAttachment"))
    render_id(el, attachment_id(root_item_id, attachment.key or b""))
    _render_meta(el, attachment.meta, attachment.size, zone)
    etree.SubElement(el, t("IsContactPhoto")).text = "true" if attachment.is_contact_photo else "false"
    # bytes straight into lxml (ASCII): no str copy of the encoded content
    etree.SubElement(el, t("Content")).text = binascii.b2a_base64(attachment.content, newline=False)
    return el


def render_item_attachment_head(parent: etree._Element, root_item_id: str, key: bytes, meta: AttachmentMeta,
                                size: int, zone: dt.tzinfo) -> etree._Element:
    """GetAttachment's ``t:ItemAttachment`` up to its item (the caller renders the item inside)."""
    el = etree.SubElement(parent, t("ItemAttachment"))
    render_id(el, attachment_id(root_item_id, key))
    _render_meta(el, meta, size, zone)
    return el
