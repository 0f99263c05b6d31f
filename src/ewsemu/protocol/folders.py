"""Folder elements: rendered for a FolderShape (GetFolder, FindFolder, CreateFolder, …) in the registry's order
(core/fields.py, FOLDER_TYPES), and decoded from a folder element (CreateFolder, UpdateFolder).

The element name follows the folder class as Exchange does (``t:TasksFolder`` for IPF.Task, …;
core.folders.folder_type), and each element type has its own tail after the BaseFolderType children:
``t:CalendarFolder`` and ``t:ContactsFolder`` have no UnreadCount, and the calendar's PermissionSet is a
CalendarPermissionSet.

FindFolder restrictions are evaluated over the same :class:`FolderView` values: a mailbox has tens of
folders, so they are filtered in memory rather than in SQL.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from lxml import etree

from ..core import fields as F
from ..core.changes import Action, FieldChange, UNPARSED
from ..core.errors import EwsError
from ..core import query as Q
from ..core.folders import Folder, SearchParameters, is_folder_size
from ..core.paths import ExtendedFieldURI, FieldURI, Path
from ..core.permissions import default_set
from .field_uris import folder_field_uri
from .items import Shape, decode_extended, render_extended
from .namespaces import local, t
from .paths import parse_path, render_path
from .permissions_xml import parse_permission_set, render_permission_set
from .restrictions import parse_expression

_ID_ONLY = frozenset({"folder:FolderId"})
_DEFAULT = _ID_ONLY | {"folder:DisplayName", "folder:TotalCount", "folder:ChildFolderCount", "folder:UnreadCount"}
_ALL = _DEFAULT | {"folder:ParentFolderId", "folder:FolderClass", "folder:EffectiveRights", "folder:PermissionSet",
                   "folder:SearchParameters"}
_BASE_SHAPES = {"IdOnly": _ID_ONLY, "Default": _DEFAULT, "AllProperties": _ALL}

#: the owner's rights on every folder of the mailbox (there are no delegates or folder permissions yet)
_OWNER_RIGHTS = ("CreateAssociated", "CreateContents", "CreateHierarchy", "Delete", "Modify", "Read",
                 "ViewPrivateItems")


@dataclass(frozen=True)
class FolderView:
    """A folder with what the store counts for it; ``parent`` gives ParentFolderId its ChangeKey."""

    folder: Folder
    parent: Folder | None
    total_count: int
    child_folder_count: int
    unread_count: int = 0
    #: the bytes its items (associated ones included) take, when the shape asks for the folder's size
    size: int = 0


@dataclass(frozen=True)
class FolderProps:
    """What a FolderShape asks for: folder FieldURIs, and the extended properties by key (None: all of them)."""

    uris: frozenset[str]
    extended: frozenset[str] | None = frozenset()
    #: the computed MAPI properties asked for (the folder's size), answered from its items
    computed: tuple[ExtendedFieldURI, ...] = ()

    @property
    def wants_size(self) -> bool:
        return bool(self.computed)


def element_name(folder: Folder) -> str:
    return folder.folder_type


def wanted(shape: Shape) -> FolderProps:
    """The folder properties a shape asks for; paths folders do not have are ignored."""
    extra = {p.uri for p in shape.additional if isinstance(p, FieldURI)}
    computed = tuple(p for p in shape.additional if isinstance(p, ExtendedFieldURI) and is_folder_size(p))
    return FolderProps(_BASE_SHAPES.get(shape.base, _ID_ONLY) | extra, shape.extended_keys, computed)


def _folder_id(parent: etree._Element, tag: str, folder: Folder) -> None:
    etree.SubElement(parent, t(tag), Id=folder.id, ChangeKey=folder.change_key)


def _text(parent: etree._Element, tag: str, value: object) -> None:
    etree.SubElement(parent, t(tag)).text = str(value)


def _effective_rights(parent: etree._Element) -> None:
    rights = etree.SubElement(parent, t("EffectiveRights"))
    for name in _OWNER_RIGHTS:
        etree.SubElement(rights, t(name)).text = "true"


def _permission_set(el: etree._Element, view: FolderView, calendar: bool) -> None:
    render_permission_set(view.folder.permissions or default_set(calendar), calendar, el)


def _parent_folder_id(el: etree._Element, view: FolderView) -> None:
    if view.parent is not None:  # the root has no parent
        _folder_id(el, "ParentFolderId", view.parent)


def _folder_class(el: etree._Element, view: FolderView) -> None:
    if view.folder.folder_class is not None:  # the roots, msgfolderroot and the system folders have none
        _text(el, "FolderClass", view.folder.folder_class)


def _distinguished_id(el: etree._Element, view: FolderView) -> None:
    if view.folder.distinguished_id is not None:  # a system folder's key is no distinguished id
        _text(el, "DistinguishedFolderId", view.folder.distinguished_id)


def _search_parameters(el: etree._Element, view: FolderView) -> None:
    search = view.folder.search
    if search is None:
        return
    params = etree.SubElement(el, t("SearchParameters"), Traversal=search.traversal)
    params.append(_stored_restriction(search))
    base = etree.SubElement(params, t("BaseFolderIds"))
    for folder_id in search.base_folder_ids:
        etree.SubElement(base, t("FolderId"), Id=folder_id)


Renderer = Callable[[etree._Element, FolderView], None]
#: how each folder property is written; a property without one (ManagedFolderInformation, PolicyTag, …) is
#: one ewsemu's folders never have, and is left out as Exchange leaves out what a folder lacks
_RENDERERS: dict[str, Renderer] = {
    "folder:FolderId": lambda el, v: _folder_id(el, "FolderId", v.folder),
    "folder:ParentFolderId": _parent_folder_id,
    "folder:FolderClass": _folder_class,
    "folder:DisplayName": lambda el, v: _text(el, "DisplayName", v.folder.display_name),
    "folder:TotalCount": lambda el, v: _text(el, "TotalCount", v.total_count),
    "folder:ChildFolderCount": lambda el, v: _text(el, "ChildFolderCount", v.child_folder_count),
    "folder:EffectiveRights": lambda el, v: _effective_rights(el),
    "folder:DistinguishedFolderId": _distinguished_id,
    "folder:UnreadCount": lambda el, v: _text(el, "UnreadCount", v.unread_count),
    "folder:SharingEffectiveRights": lambda el, v: _text(el, "SharingEffectiveRights", "FullDetails"),
    "folder:SearchParameters": _search_parameters,
}
_BY_KIND: dict[str, Renderer] = {
    F.PERMISSION_SET: lambda el, v: _permission_set(el, v, calendar=False),
    F.CALENDAR_PERMISSION_SET: lambda el, v: _permission_set(el, v, calendar=True),
}


def render_folder(view: FolderView, props: FolderProps, parent: etree._Element) -> etree._Element:
    """Append the folder's element with the properties ``props`` names, in schema order, absent ones omitted."""
    folder = view.folder
    el = etree.SubElement(parent, t(folder.folder_type))
    for f in F.folder_fields_of(folder.folder_type):
        if f.uri in props.uris:
            render = _RENDERERS.get(f.uri) or _BY_KIND.get(f.kind)
            if render is not None:
                render(el, view)
        if f.uri == F.FOLDER_EXTENDED_AFTER:
            if folder.extended:
                render_extended(folder.extended, props.extended, el)
            for path in props.computed:
                prop = etree.SubElement(el, t("ExtendedProperty"))
                render_path(path, prop)
                etree.SubElement(prop, t("Value")).text = str(view.size)
    return el


def render_folder_id(folder: Folder, parent: etree._Element) -> etree._Element:
    """The folder's element holding only its FolderId (what CreateFolder, UpdateFolder, … answer)."""
    el = etree.SubElement(parent, t(folder.folder_type))
    _folder_id(el, "FolderId", folder)
    return el


# ---- folder elements in requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRequest:
    """A SearchFolder's SearchParameters as sent: the base folders still to resolve (operations do), the
    restriction checked and kept as written."""

    traversal: str
    restriction: str
    base_folders: tuple["FolderRef", ...]


def _parse_search_parameters(el: etree._Element) -> SearchRequest:
    restriction = el.find(t("Restriction"))
    base = el.find(t("BaseFolderIds"))
    if restriction is None or base is None or not len(restriction):
        raise EwsError("ErrorInvalidRestriction")
    parse_expression(next(c for c in restriction if isinstance(c.tag, str)), dt.timezone.utc)  # its EwsError
    return SearchRequest(el.get("Traversal", "Shallow"), etree.tostring(restriction, encoding="unicode"),
                         tuple(folder_refs(base)))


def decode_folder_property(folder_type: str, el: etree._Element) -> tuple[Path, Any]:
    """One property element inside a folder element -> (its path, its decoded value or UNPARSED)."""
    if el.tag == t("ExtendedProperty"):
        return decode_extended(el)
    name = local(el.tag)
    f = F.folder_by_element(folder_type, name)
    if f is None:  # a property the registry does not store: the FieldURI the schema gives it (D35)
        uri = folder_field_uri(folder_type, name)
        return (FieldURI(uri) if uri is not None else None), UNPARSED
    if f.read_only:
        return FieldURI(f.uri), UNPARSED
    if f.kind == F.STRING:
        return FieldURI(f.uri), el.text or ""
    if f.kind in (F.PERMISSION_SET, F.CALENDAR_PERMISSION_SET):
        return FieldURI(f.uri), parse_permission_set(el, f.kind == F.CALENDAR_PERMISSION_SET)
    if f.kind == F.SEARCH_PARAMETERS:
        return FieldURI(f.uri), _parse_search_parameters(el)
    return FieldURI(f.uri), UNPARSED


def folder_properties(wrapper: etree._Element) -> tuple[str, list[FieldChange]]:
    """A folder element (``t:Folder``, ``t:TasksFolder``, …) -> its type and its properties as SET changes, in
    document order; a value Exchange refuses raises its EwsError."""
    folder_type = local(wrapper.tag)
    changes = []
    for el in wrapper:
        if isinstance(el.tag, str):
            path, value = decode_folder_property(folder_type, el)
            changes.append(FieldChange(Action.SET, path, value, (path,), folder_type))
    return folder_type, changes


# ---- folder ids in requests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FolderRef:
    """A ``t:FolderId`` (``distinguished`` False) or a ``t:DistinguishedFolderId``, which may name another
    mailbox in its ``t:Mailbox`` (delegate access)."""

    id: str
    distinguished: bool = False
    mailbox: str | None = None


def folder_ref(el: etree._Element) -> FolderRef:
    if local(el.tag) == "DistinguishedFolderId":
        return FolderRef(el.get("Id", ""), True, el.findtext(f"{t('Mailbox')}/{t('EmailAddress')}") or None)
    return FolderRef(el.get("Id", ""))


def folder_refs(container: etree._Element | None) -> list[FolderRef]:
    """The folder ids inside a NonEmptyArrayOfBaseFolderIdsType container (FolderIds, ParentFolderIds)."""
    return [folder_ref(el) for el in container if isinstance(el.tag, str)] if container is not None else []


def target_folder(container: etree._Element | None) -> FolderRef | None:
    """The single folder id inside a TargetFolderIdType container (SavedItemFolderId, ToFolderId)."""
    if container is None:
        return None
    el = next((c for c in container if isinstance(c.tag, str)), None)
    return folder_ref(el) if el is not None else None


# ---- FindFolder restrictions ------------------------------------------------------------------------------

Predicate = Callable[[FolderView], bool]
Value = str | int | None

#: how a restriction reads each searchable folder property from a view (which ones are searchable, and their
#: kinds, is the registry's: core/fields.py)
_READERS: dict[str, Callable[[FolderView], Value]] = {
    "folder:DisplayName": lambda v: v.folder.display_name,
    "folder:FolderClass": lambda v: v.folder.folder_class,
    "folder:TotalCount": lambda v: v.total_count,
    "folder:ChildFolderCount": lambda v: v.child_folder_count,
    "folder:UnreadCount": lambda v: v.unread_count,
}
_SEARCHABLE: dict[str, tuple[type, Callable[[FolderView], Value]]] = {
    uri: (int if F.FOLDER_FIELDS[uri].kind == F.INT else str, read) for uri, read in _READERS.items()
    if F.FOLDER_FIELDS[uri].searchable}
_COMPARE: dict[str, Callable[[object, object], bool]] = {
    "IsEqualTo": lambda a, b: a == b, "IsNotEqualTo": lambda a, b: a != b,
    "IsGreaterThan": lambda a, b: a > b, "IsGreaterThanOrEqualTo": lambda a, b: a >= b,
    "IsLessThan": lambda a, b: a < b, "IsLessThanOrEqualTo": lambda a, b: a <= b,
}


def _property(path_el: etree._Element) -> tuple[type, Callable[[FolderView], Value]]:
    path = parse_path(path_el)
    if not isinstance(path, FieldURI) or path.uri not in _SEARCHABLE:
        raise EwsError("ErrorUnsupportedPathForQuery", path)
    return _SEARCHABLE[path.uri]


def _comparable(value: Value) -> Value:
    """Exchange compares strings case-insensitively in property restrictions."""
    return value.casefold() if isinstance(value, str) else value


def _constant(kind: type, text: str, path_el: etree._Element) -> Value:
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise EwsError("ErrorInvalidValueForProperty", parse_path(path_el)) from None
    return text


def _fold(text: str, comparison: str) -> str:
    if "NonSpac" in comparison:  # IgnoreNonSpacingCharacters, LooseAndIgnoreNonSpace, …
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    if "IgnoreCase" in comparison or comparison.startswith("Loose"):
        text = text.casefold()
    return text


def _contains(el: etree._Element, operands: list[etree._Element]) -> Predicate:
    kind, read = _property(operands[0])
    if kind is not str:
        raise EwsError("ErrorInvalidRestriction", parse_path(operands[0]))
    mode = el.get("ContainmentMode", "Substring")
    comparison = el.get("ContainmentComparison", "Exact")
    needle = _fold(operands[1].get("Value", ""), comparison)
    word = re.compile(rf"(?<!\w){re.escape(needle)}")
    phrase = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)")
    match: Callable[[str], bool] = {
        "FullString": lambda s: s == needle, "Prefixed": lambda s: s.startswith(needle),
        "Substring": lambda s: needle in s, "PrefixOnWords": lambda s: word.search(s) is not None,
        "ExactPhrase": lambda s: phrase.search(s) is not None,
    }[mode]
    return lambda v: (value := read(v)) is not None and match(_fold(value, comparison))


def _comparison(name: str, operands: list[etree._Element]) -> Predicate:
    kind, read = _property(operands[0])
    other = next(c for c in operands[1] if isinstance(c.tag, str))
    if local(other.tag) == "Constant":
        constant = _comparable(_constant(kind, other.get("Value", ""), operands[0]))
        right: Callable[[FolderView], Value] = lambda v: constant
    else:
        _, read_other = _property(other)
        right = lambda v: _comparable(read_other(v))
    compare = _COMPARE[name]

    def predicate(v: FolderView) -> bool:
        left, value = _comparable(read(v)), right(v)
        # a property the folder lacks matches no comparison at all (MAPI semantics)
        return left is not None and value is not None and type(left) is type(value) and compare(left, value)
    return predicate


def folder_restriction(restriction: etree._Element) -> Predicate:
    """``m:Restriction`` -> a predicate over folders; raises EwsError for paths folders cannot be searched by."""
    return _expression(next(c for c in restriction if isinstance(c.tag, str)))


def _expression(el: etree._Element) -> Predicate:
    name = local(el.tag)
    operands = [c for c in el if isinstance(c.tag, str)]
    if name in ("And", "Or"):
        parts = [_expression(c) for c in operands]
        combine = all if name == "And" else any
        return lambda v: combine(p(v) for p in parts)
    if name == "Not":
        inner = _expression(operands[0])
        return lambda v: not inner(v)
    if name == "Exists":
        _, read = _property(operands[0])
        return lambda v: read(v) is not None
    if name == "Excludes":
        kind, read = _property(operands[0])
        if kind is not int:
            raise EwsError("ErrorInvalidRestriction", parse_path(operands[0]))
        text = operands[1].get("Value", "")
        mask = int(text[2:] or "0", 16) if text[:2].lower() == "0x" else int(text or "0")
        return lambda v: (value := read(v)) is not None and not value & mask
    if name == "Contains":
        return _contains(el, operands)
    return _comparison(name, operands)


def _stored_restriction(search: SearchParameters) -> etree._Element:
    """A search folder's ``t:Restriction`` as it was stored (serialised from a checked request), parsed without
    entities or network access all the same."""
    return etree.fromstring(search.restriction, etree.XMLParser(resolve_entities=False, no_network=True))


def search_restriction(search: SearchParameters, zone: dt.tzinfo) -> Q.Restriction:
    """A search folder's stored ``t:Restriction``, as FindItem evaluates it (it was checked when it was set)."""
    el = _stored_restriction(search)
    return parse_expression(next(c for c in el if isinstance(c.tag, str)), zone)
