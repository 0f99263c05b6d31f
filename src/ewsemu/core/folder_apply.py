"""Folder properties applied: the folder CreateFolder makes and the changes UpdateFolder makes, on the
registry's rules (core/fields.py, the folder types) and with the item engine's error codes: a read-only
property cannot be set, a required one cannot be deleted, nothing is appendable, a Set carries exactly the one
property its path names. Any error leaves the folder as it was (the caller stores nothing).

What needs the folder's neighbours (a sibling with the same name, the base folders of a search folder) is the
operation's to check: this module sees one folder.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from . import fields as F
from .apply import check_conflicts, check_single_property
from .changes import ConflictResolution
from .changes import Action, FieldChange, UNPARSED
from .errors import EwsError
from .extended import check_path, check_value
from .folders import CLASS_OF_TYPE, Folder, SearchParameters, is_folder_size
from .item import ExtendedValue
from .paths import ExtendedFieldURI, FieldURI, Path


def _field(folder_type: str, path: Path) -> F.FieldDef:
    f = F.folder_field_of(folder_type, path.uri) if isinstance(path, FieldURI) else None
    if f is None:
        raise EwsError("ErrorInvalidPropertyRequest", path)
    return f


def _extended(extended: dict[str, Any], change: FieldChange) -> None:
    path = change.path
    assert isinstance(path, ExtendedFieldURI)
    check_path(path)
    if is_folder_size(path):  # computed from the folder's items, never set
        raise EwsError("ErrorInvalidPropertySet", path)
    if change.action is Action.DELETE:
        extended.pop(path.key, None)
        return
    if change.action is Action.APPEND:
        raise EwsError("ErrorInvalidPropertyAppend", path)
    check_value(path, change.value)
    extended[path.key] = ExtendedValue(path, change.value)


def _value(f: F.FieldDef, change: FieldChange) -> Any:
    if change.value is UNPARSED:
        raise EwsError("ErrorInvalidPropertySet", change.path)
    if f.uri == "folder:DisplayName" and not str(change.value).strip():
        raise EwsError("ErrorInvalidPropertySet", change.path, message="The folder name cannot be empty.")
    return change.value


def _search(value: Any, base_folder_ids: tuple[str, ...] | None) -> SearchParameters:
    """A search folder's parameters, with the base folders the operation resolved."""
    if base_folder_ids is None:
        raise EwsError("ErrorFolderNotFound")
    return SearchParameters(value.traversal, value.restriction, base_folder_ids)


def new_folder(folder_type: str, changes: Iterable[FieldChange], *, folder_id: str, mailbox: str, parent_id: str,
               base_folder_ids: tuple[str, ...] | None = None) -> Folder:
    """The folder a CreateFolder element describes. A typed folder (TasksFolder, CalendarFolder, …) gets its
    type's class and refuses another (ErrorNoFolderClassOverride); a generic Folder keeps the class it is
    given, or none. ``base_folder_ids`` are the resolved BaseFolderIds of a SearchFolder."""
    values: dict[str, Any] = {}
    extended: dict[str, Any] = {}
    for change in changes:
        if isinstance(change.path, ExtendedFieldURI):
            _extended(extended, change)
            continue
        f = _field(folder_type, change.path)
        if f.read_only:
            raise EwsError("ErrorInvalidPropertySet", change.path)
        if f.uri == "folder:FolderClass" and folder_type != "Folder":
            raise EwsError("ErrorNoFolderClassOverride", change.path)
        values[f.uri] = _value(f, change)
    name = values.get("folder:DisplayName")
    if name is None:
        raise EwsError("ErrorFolderSavePropertyError", FieldURI("folder:DisplayName"),
                       message="The folder save operation failed due to invalid property values.")
    search = None
    if folder_type == "SearchFolder":
        if "folder:SearchParameters" not in values:
            raise EwsError("ErrorInvalidRestriction", FieldURI("folder:SearchParameters"),
                           message="A search folder needs SearchParameters (a restriction and base folders).")
        search = _search(values["folder:SearchParameters"], base_folder_ids)
    folder_class = CLASS_OF_TYPE.get(folder_type) or values.get("folder:FolderClass")
    return Folder(folder_id, mailbox, parent_id, None, name, folder_class, 1,
                  values.get("folder:PermissionSet"), extended, search)


def apply_folder_changes(stored: Folder, changes: Iterable[FieldChange],
                         base_folder_ids: tuple[str, ...] | None = None,
                         changed_since: frozenset[str] | None = None) -> tuple[Folder, dict[str, tuple[Any, Any]]]:
    """UpdateFolder's changes, in document order, on a copy of ``stored``: the new folder (next version) and
    what changed (``{property: (old, new)}``, the journal's diff). FolderClass may be set only to the value it
    has (ErrorObjectTypeChanged); deleting the PermissionSet resets it to a new folder's. A stale ChangeKey
    follows the items' AutoResolve rule (D3; UpdateFolder has no ConflictResolution attribute): changing a
    property that changed since that key was current is ErrorIrresolvableConflict (``changed_since``: those
    properties, None for a current key)."""
    changes = list(changes)
    check_conflicts((c.path.key for c in changes), changed_since, ConflictResolution.AUTO_RESOLVE)
    folder_type = stored.folder_type
    values: dict[str, Any] = {"folder:DisplayName": stored.display_name, "folder:FolderClass": stored.folder_class,
                              "folder:PermissionSet": stored.permissions, "folder:SearchParameters": stored.search}
    extended = dict(stored.extended)
    for change in changes:
        if change.action is not Action.DELETE:
            check_single_property(change)
        if isinstance(change.path, ExtendedFieldURI):
            _extended(extended, change)
            continue
        f = _field(folder_type, change.path)
        if change.action is Action.APPEND:
            raise EwsError("ErrorInvalidPropertyAppend", change.path)
        if change.action is Action.DELETE:
            if not f.deletable:
                raise EwsError("ErrorInvalidPropertyDelete", change.path)
            values[f.uri] = None
            continue
        if f.read_only:
            raise EwsError("ErrorInvalidPropertySet", change.path)
        value = _value(f, change)
        if f.uri == "folder:FolderClass" and value != stored.folder_class:
            raise EwsError("ErrorObjectTypeChanged", change.path)
        if f.uri == "folder:SearchParameters":
            value = _search(value, base_folder_ids)
        values[f.uri] = value
    new = dataclasses.replace(stored, display_name=values["folder:DisplayName"], version=stored.version + 1,
                              permissions=values["folder:PermissionSet"], extended=extended,
                              search=values["folder:SearchParameters"])
    changed = {uri: (old, getattr(new, attr)) for uri, attr, old in (
        ("folder:DisplayName", "display_name", stored.display_name),
        ("folder:PermissionSet", "permissions", stored.permissions),
        ("folder:SearchParameters", "search", stored.search)) if old != getattr(new, attr)}
    changed.update({key: (stored.extended.get(key), extended.get(key))
                    for key in set(stored.extended) | set(extended) if stored.extended.get(key) != extended.get(key)})
    return new, changed
