"""The FieldURI of any property element the schema allows, read from our own ``wsdl/types.xsd`` (D35).

An error about a property ewsemu does not store (``t:BlockStatus`` in a Message, ``t:PostedTime`` in a Task)
still names it with a path the schema allows, so the response validates. The schema itself says which: each
item type declares its elements (``MessageType`` its own, ``ItemType`` the common ones), and the
``UnindexedFieldURIType`` enumeration has one ``prefix:Name`` per element. The prefix of a declaring type is the
ones its elements carry, commonest first (``message:`` for MessageType), so nothing here lists types or prefixes by hand,
and a property the registry does not know cannot be named wrongly by a second list.
"""
from __future__ import annotations

from collections import Counter
from functools import cache

from lxml import etree

from .validation import WSDL_DIR

_XS = "{http://www.w3.org/2001/XMLSchema}"
#: the choice of item elements a CreateItem's Items holds: element name (``Message``) -> its type
_ITEM_CHOICE = "NonEmptyArrayOfAllItemsType"
_FOLDER_CHOICE = "ArrayOfFoldersType"


@cache
def _schema() -> tuple[dict[str, etree._Element], frozenset[str]]:
    doc = etree.parse(str(WSDL_DIR / "types.xsd"))
    types = {ct.get("name"): ct for ct in doc.iterfind(f"{_XS}complexType")}
    uris = frozenset(e.get("value") for e in doc.iterfind(
        f"{_XS}simpleType[@name='UnindexedFieldURIType']//{_XS}enumeration"))
    return types, uris


def _own_elements(type_name: str) -> list[str]:
    types, _ = _schema()
    ct = types.get(type_name)
    if ct is None:
        return []
    return [e.get("name") for e in ct.iterfind(f".//{_XS}sequence/{_XS}element") if e.get("name")]


def _base(type_name: str) -> str | None:
    types, _ = _schema()
    ct = types.get(type_name)
    ext = ct.find(f".//{_XS}extension") if ct is not None else None
    return ext.get("base").split(":")[-1] if ext is not None else None


@cache
def _prefixes(type_name: str) -> tuple[str, ...]:
    """The FieldURI prefixes of the elements ``type_name`` declares itself, commonest first (PostItemType's
    are mostly ``message:``, its PostedTime ``postitem:``)."""
    _, uris = _schema()
    by_name: dict[str, list[str]] = {}
    for uri in uris:
        prefix, _, name = uri.partition(":")
        by_name.setdefault(name, []).append(prefix)
    votes = Counter(p for name in _own_elements(type_name) for p in by_name.get(name, ()))
    return tuple(prefix for prefix, _ in votes.most_common())


@cache
def _wrapper_types(choice: str) -> dict[str, str]:
    types, _ = _schema()
    ct = types[choice]
    return {e.get("name"): e.get("type").split(":")[-1] for e in ct.iterfind(f".//{_XS}choice/{_XS}element")}


@cache
def _uris_of(type_name: str) -> dict[str, str]:
    """Element name -> FieldURI for every element of ``type_name`` and its bases that has one."""
    _, uris = _schema()
    found: dict[str, str] = {}
    current: str | None = type_name
    while current is not None:
        prefixes = _prefixes(current)
        for name in _own_elements(current):
            uri = next((f"{p}:{name}" for p in prefixes if f"{p}:{name}" in uris), None)
            if uri is not None:
                found.setdefault(name, uri)
        current = _base(current)
    return found


def item_field_uri(wrapper: str, element: str) -> str | None:
    """The FieldURI of property element ``element`` inside item element ``wrapper`` (``Message``,
    ``CalendarItem``, ``Item`` …); None for an element no FieldURI names (``t:SearchKey``)."""
    type_name = _wrapper_types(_ITEM_CHOICE).get(wrapper, "ItemType")
    return _uris_of(type_name).get(element)


def folder_field_uri(wrapper: str, element: str) -> str | None:
    """The FieldURI of property element ``element`` inside folder element ``wrapper`` (``Folder``,
    ``CalendarFolder`` …); None for an element no FieldURI names."""
    type_name = _wrapper_types(_FOLDER_CHOICE).get(wrapper, "FolderType")
    return _uris_of(type_name).get(element)
