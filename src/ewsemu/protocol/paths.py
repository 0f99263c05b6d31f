"""``t:Path`` elements <-> core paths."""
from __future__ import annotations

from lxml import etree

from ..core.paths import ExtendedFieldURI, FieldURI, IndexedFieldURI, Path
from .namespaces import local, t

_EXT_ATTRS = (
    ("DistinguishedPropertySetId", "distinguished_property_set_id"),
    ("PropertySetId", "property_set_id"),
    ("PropertyTag", "property_tag"),
    ("PropertyName", "property_name"),
    ("PropertyId", "property_id"),
    ("PropertyType", "property_type"),
)
PATH_TAGS = frozenset({t("FieldURI"), t("IndexedFieldURI"), t("ExtendedFieldURI")})


def parse_path(el: etree._Element) -> Path:
    name = local(el.tag)
    if name == "FieldURI":
        return FieldURI(el.get("FieldURI", ""))
    if name == "IndexedFieldURI":
        return IndexedFieldURI(el.get("FieldURI", ""), el.get("FieldIndex", ""))
    return ExtendedFieldURI(**{py: el.get(xml) for xml, py in _EXT_ATTRS if el.get(xml) is not None})


def render_path(path: Path, parent: etree._Element) -> etree._Element:
    if isinstance(path, FieldURI):
        return etree.SubElement(parent, t("FieldURI"), FieldURI=path.uri)
    if isinstance(path, IndexedFieldURI):
        return etree.SubElement(parent, t("IndexedFieldURI"), FieldURI=path.uri, FieldIndex=path.index)
    el = etree.SubElement(parent, t("ExtendedFieldURI"))
    for xml, py in _EXT_ATTRS:
        value = getattr(path, py)
        if value is not None:
            el.set(xml, value)
    return el
