"""Folder elements for a FolderShape (GetFolder, FindFolder), in the schema's element order.

The element name follows the folder class as Exchange does (``t:TasksFolder`` for IPF.Task, …), and each
element type has its own tail after the BaseFolderType children: ``t:CalendarFolder`` and
``t:ContactsFolder`` have no UnreadCount, and the calendar's PermissionSet is a CalendarPermissionSet.

FindFolder restrictions are evaluated over the same :class:`FolderView` values: a mailbox has tens of
folders, so they are filtered in memory rather than in SQL.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from lxml import etree

from ..core.errors import EwsError
from ..core.folders import Folder
from ..core.paths import FieldURI
from .items import Shape
from .namespaces import local, t
from .paths import parse_path

#: folder class -> element, matched on the class or a dotted sub-class (IPF.Task.Custom is still tasks)
_ELEMENT_BY_CLASS = (("IPF.Task", "TasksFolder"), ("IPF.Appointment", "CalendarFolder"),
                     ("IPF.Contact", "ContactsFolder"))

_ID_ONLY = frozenset({"folder:FolderId"})
_DEFAULT = _ID_ONLY | {"folder:DisplayName", "folder:TotalCount", "folder:ChildFolderCount", "folder:UnreadCount"}
_ALL = _DEFAULT | {"folder:ParentFolderId", "folder:FolderClass", "folder:EffectiveRights", "folder:PermissionSet"}
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


def element_name(folder: Folder) -> str:
    cls = folder.folder_class or ""
    for prefix, name in _ELEMENT_BY_CLASS:
        if cls == prefix or cls.startswith(prefix + "."):
            return name
    return "Folder"


def wanted(shape: Shape) -> frozenset[str]:
    """The folder FieldURIs a shape asks for; unknown and extended paths are ignored (folders have none)."""
    extra = {p.uri for p in shape.additional if isinstance(p, FieldURI)}
    return _BASE_SHAPES.get(shape.base, _ID_ONLY) | extra


def _folder_id(parent: etree._Element, tag: str, folder: Folder) -> None:
    etree.SubElement(parent, t(tag), Id=folder.id, ChangeKey=folder.change_key)


def _text(parent: etree._Element, tag: str, value: object) -> None:
    etree.SubElement(parent, t(tag)).text = str(value)


def _effective_rights(parent: etree._Element) -> None:
    rights = etree.SubElement(parent, t("EffectiveRights"))
    for name in _OWNER_RIGHTS:
        etree.SubElement(rights, t(name)).text = "true"


def _permission(parent: etree._Element, tag: str, user: str, read: str, level_tag: str, level: str) -> None:
    """One ACL entry granting nothing beyond ``read``: the Default and Anonymous entries of a new mailbox."""
    perm = etree.SubElement(parent, t(tag))
    etree.SubElement(etree.SubElement(perm, t("UserId")), t("DistinguishedUser")).text = user
    for flag in ("CanCreateItems", "CanCreateSubFolders", "IsFolderOwner", "IsFolderVisible", "IsFolderContact"):
        _text(perm, flag, "false")
    _text(perm, "EditItems", "None")
    _text(perm, "DeleteItems", "None")
    _text(perm, "ReadItems", read)
    _text(perm, level_tag, level)


def _permission_set(parent: etree._Element, calendar: bool) -> None:
    """Exchange's defaults: nobody else sees anything, except free/busy times of the calendar."""
    pset = etree.SubElement(parent, t("PermissionSet"))
    if calendar:
        perms = etree.SubElement(pset, t("CalendarPermissions"))
        _permission(perms, "CalendarPermission", "Default", "TimeOnly", "CalendarPermissionLevel", "FreeBusyTimeOnly")
        _permission(perms, "CalendarPermission", "Anonymous", "None", "CalendarPermissionLevel", "None")
    else:
        perms = etree.SubElement(pset, t("Permissions"))
        for user in ("Default", "Anonymous"):
            _permission(perms, "Permission", user, "None", "PermissionLevel", "None")


Renderer = Callable[[etree._Element, FolderView], None]


def _parent_folder_id(el: etree._Element, view: FolderView) -> None:
    if view.parent is not None:  # the root has no parent
        _folder_id(el, "ParentFolderId", view.parent)


def _folder_class(el: etree._Element, view: FolderView) -> None:
    if view.folder.folder_class is not None:  # root, msgfolderroot and the recoverable-items folders have none
        _text(el, "FolderClass", view.folder.folder_class)


def _distinguished_id(el: etree._Element, view: FolderView) -> None:
    if view.folder.distinguished is not None:
        _text(el, "DistinguishedFolderId", view.folder.distinguished)


_BASE: tuple[tuple[str, Renderer], ...] = (
    ("folder:FolderId", lambda el, v: _folder_id(el, "FolderId", v.folder)),
    ("folder:ParentFolderId", _parent_folder_id),
    ("folder:FolderClass", _folder_class),
    ("folder:DisplayName", lambda el, v: _text(el, "DisplayName", v.folder.display_name)),
    ("folder:TotalCount", lambda el, v: _text(el, "TotalCount", v.total_count)),
    ("folder:ChildFolderCount", lambda el, v: _text(el, "ChildFolderCount", v.child_folder_count)),
    ("folder:EffectiveRights", lambda el, v: _effective_rights(el)),
    ("folder:DistinguishedFolderId", _distinguished_id),
)
_SHARING_RIGHTS = ("folder:SharingEffectiveRights", lambda el, v: _text(el, "SharingEffectiveRights", "FullDetails"))
_TAILS: dict[str, tuple[tuple[str, Renderer], ...]] = {
    "Folder": (("folder:PermissionSet", lambda el, v: _permission_set(el, calendar=False)),
               ("folder:UnreadCount", lambda el, v: _text(el, "UnreadCount", v.unread_count))),
    "CalendarFolder": (_SHARING_RIGHTS, ("folder:PermissionSet", lambda el, v: _permission_set(el, calendar=True))),
    "ContactsFolder": (_SHARING_RIGHTS, ("folder:PermissionSet", lambda el, v: _permission_set(el, calendar=False))),
}
_TAILS["TasksFolder"] = _TAILS["Folder"]


def render_folder(view: FolderView, uris: frozenset[str], parent: etree._Element) -> etree._Element:
    """Append the folder's element with the properties in ``uris`` (see :func:`wanted`), absent ones omitted."""
    name = element_name(view.folder)
    el = etree.SubElement(parent, t(name))
    for uri, render in _BASE + _TAILS[name]:
        if uri in uris:
            render(el, view)
    return el


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

#: the folder properties a restriction may name, and how to read them from a view
_SEARCHABLE: dict[str, tuple[type, Callable[[FolderView], Value]]] = {
    "folder:DisplayName": (str, lambda v: v.folder.display_name),
    "folder:FolderClass": (str, lambda v: v.folder.folder_class),
    "folder:TotalCount": (int, lambda v: v.total_count),
    "folder:ChildFolderCount": (int, lambda v: v.child_folder_count),
    "folder:UnreadCount": (int, lambda v: v.unread_count),
}
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
