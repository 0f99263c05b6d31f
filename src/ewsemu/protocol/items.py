"""Item elements: decode the properties inside ``t:Task`` (and friends), render items for a shape."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from lxml import etree

from ..core import fields as F
from ..core.changes import Action, FieldChange, UNPARSED
from ..core.item import Body, Item
from ..core.paths import ExtendedFieldURI, FieldURI, Path
from ..core.task_rules import STATUS_DESCRIPTIONS
from .codecs import parse_value, render_value
from .namespaces import local, t
from .paths import parse_path, render_path

_EXTENDED_PROPERTY = t("ExtendedProperty")


def _extended_value(el: etree._Element) -> tuple[ExtendedFieldURI, str | tuple[str, ...]]:
    path = parse_path(el.find(t("ExtendedFieldURI")))
    values = el.find(t("Values"))
    if values is not None:
        return path, tuple(v.text or "" for v in values if v.tag == t("Value"))
    return path, el.findtext(t("Value")) or ""


def decode_property(wrapper_type: str, el: etree._Element, zone: dt.tzinfo,
                    hint: Path | None = None) -> tuple[Path, Any]:
    """One property element inside an item wrapper -> (its path, its decoded value or UNPARSED).

    Elements our registry does not know (valid in the schema, e.g. ``t:IsRead`` in ``t:Message``) get the
    hinted path when the names agree, so the engine reports them as not valid for the item type.
    """
    if el.tag == _EXTENDED_PROPERTY:
        return _extended_value(el)
    name = local(el.tag)
    f = F.by_element(wrapper_type, name)
    if f is None:
        if hint is not None and isinstance(hint, FieldURI) and hint.uri.split(":")[-1] == name:
            return hint, UNPARSED
        return FieldURI(f"unknown:{name}"), UNPARSED
    if f.read_only or f.kind in (F.ITEMID, F.FOLDERID, F.EFFECTIVE_RIGHTS, F.OPAQUE):
        return FieldURI(f.uri), UNPARSED
    return FieldURI(f.uri), parse_value(f, el, zone)


def item_properties(wrapper: etree._Element, zone: dt.tzinfo) -> list[FieldChange]:
    """Every property of a CreateItem item element, in document order, as SET changes."""
    wrapper_type = local(wrapper.tag)
    out = []
    for el in wrapper:
        if not isinstance(el.tag, str):
            continue
        path, value = decode_property(wrapper_type, el, zone)
        out.append(FieldChange(Action.SET, path, value, (path,), wrapper_type))
    return out


# ---- rendering ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """Which properties to render: a base set plus AdditionalProperties (unknown URIs are ignored)."""

    base: str = "Default"
    additional: tuple[Path, ...] = ()
    body_type: str | None = None
    #: FindItem returns only the first 255 characters of a body (streamable properties are cut short there)
    body_limit: int | None = None

    def wants(self, uri: str, item_type: str) -> bool:
        if self.base == "AllProperties" or uri in self._extra_uris:
            return True
        if self.base == "Default":
            return uri in DEFAULT_SHAPE.get(item_type, DEFAULT_SHAPE["Item"])
        return uri == "item:ItemId"

    @property
    def _extra_uris(self) -> frozenset[str]:
        return frozenset(p.uri for p in self.additional if isinstance(p, FieldURI))

    @property
    def extended_keys(self) -> frozenset[str]:
        return frozenset(p.key for p in self.additional if isinstance(p, ExtendedFieldURI))


_ITEM_DEFAULT = {"item:ItemId", "item:ParentFolderId", "item:ItemClass", "item:Subject", "item:Sensitivity",
                 "item:Body", "item:Attachments", "item:DateTimeReceived", "item:Size", "item:Categories",
                 "item:Importance", "item:HasAttachments", "item:IsAssociated", "item:ResponseObjects",
                 "item:DateTimeCreated", "item:LastModifiedTime"}
DEFAULT_SHAPE: dict[str, frozenset[str]] = {
    "Item": frozenset(_ITEM_DEFAULT),
    "Task": frozenset(_ITEM_DEFAULT | {
        "task:DueDate", "task:PercentComplete", "task:StartDate", "task:Status", "task:IsComplete",
        "task:IsRecurring", "task:Recurrence", "task:ChangeCount", "task:CompleteDate", "task:Owner",
        "task:StatusDescription"}),
}

_EFFECTIVE_RIGHTS = (("CreateAssociated", False), ("CreateContents", False), ("CreateHierarchy", False),
                     ("Delete", True), ("Modify", True), ("Read", True), ("ViewPrivateItems", True))


def _text_body(item: Item) -> Any:
    body = item.values.get("item:Body")
    return body if body is not None and body.body_type == "Text" else None


#: values of read-only properties the server derives, by FieldURI
DERIVED: dict[str, Callable[[Item], Any]] = {
    "item:Size": lambda i: 256 + len((i.values.get("item:Subject") or "").encode())
    + len((getattr(i.values.get("item:Body"), "text", "") or "").encode()),
    "item:IsSubmitted": lambda i: False,
    "item:IsDraft": lambda i: i.item_type == "Task",
    "item:IsFromMe": lambda i: False,
    "item:IsResend": lambda i: False,
    "item:IsUnmodified": lambda i: False,
    "item:DateTimeSent": lambda i: i.values.get("item:DateTimeCreated"),
    "item:HasAttachments": lambda i: False,
    "item:TextBody": _text_body,
    "task:IsAssignmentEditable": lambda i: 0,
    "task:IsComplete": lambda i: i.values.get("task:Status") == "Completed",
    "task:IsRecurring": lambda i: i.values.get("task:Recurrence") is not None,
    "task:IsTeamTask": lambda i: False,
    "task:StatusDescription": lambda i: STATUS_DESCRIPTIONS.get(i.values.get("task:Status", "NotStarted")),
}


def _render_extended(item: Item, keys: frozenset[str] | None, parent: etree._Element) -> None:
    for key, ext in item.extended.items():
        if keys is not None and key not in keys:
            continue
        el = etree.SubElement(parent, _EXTENDED_PROPERTY)
        render_path(ext.path, el)
        if isinstance(ext.value, tuple):
            values = etree.SubElement(el, t("Values"))
            for v in ext.value:
                etree.SubElement(values, t("Value")).text = v
        else:
            etree.SubElement(el, t("Value")).text = ext.value


def render_item(item: Item, shape: Shape, parent: etree._Element, zone: dt.tzinfo,
                folder_change_key: str, last_modified_name: str) -> etree._Element:
    """Append ``t:<ItemType>`` with the shape's properties in schema order (absent ones omitted, D18)."""
    el = etree.SubElement(parent, t(item.item_type))
    ext_keys = None if shape.base == "AllProperties" else shape.extended_keys
    for f in F.fields_of(item.item_type):
        if f.uri == "item:ItemId":
            etree.SubElement(el, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
        elif shape.wants(f.uri, item.item_type):
            _render_field(item, f, el, zone, folder_change_key, last_modified_name, shape.body_limit)
        if f.uri == F.EXTENDED_AFTER and item.extended:
            _render_extended(item, ext_keys, el)
    return el


def _render_field(item: Item, f: F.FieldDef, el: etree._Element, zone: dt.tzinfo, folder_change_key: str,
                  last_modified_name: str, body_limit: int | None = None) -> None:
    if f.kind == F.FOLDERID:
        etree.SubElement(el, t("ParentFolderId"), Id=item.folder_id, ChangeKey=folder_change_key)
    elif f.kind == F.EFFECTIVE_RIGHTS:
        rights = etree.SubElement(el, t("EffectiveRights"))
        for name, value in _EFFECTIVE_RIGHTS:
            etree.SubElement(rights, t(name)).text = "true" if value else "false"
    elif f.uri == "item:LastModifiedName":
        etree.SubElement(el, t("LastModifiedName")).text = last_modified_name
    elif f.uri == "item:TextBody":
        body = _text_body(item)
        if body is not None:
            render_value(F.FIELDS["item:Body"], body, el, zone).tag = t("TextBody")
    elif f.kind != F.OPAQUE:
        value = DERIVED[f.uri](item) if f.uri in DERIVED else item.values.get(f.uri)
        if value is not None and body_limit is not None and f.kind == F.BODY:
            value = Body(value.text[:body_limit], value.body_type)
        if value is not None:
            render_value(f, value, el, zone)
