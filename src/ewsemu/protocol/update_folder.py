"""m:UpdateFolder -> typed FolderChanges (the target folder and its Set/Append/Delete changes, in document
order); a Success message holds the folder's element with its FolderId (same Id, new ChangeKey)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import UNPARSED, Action, FieldChange
from ..core.errors import EwsError
from ..core.folders import Folder
from .folders import FolderRef, decode_folder_property, folder_ref, render_folder_id
from .namespaces import local, m, t
from .paths import PATH_TAGS, parse_path

_ACTIONS = {t("SetFolderField"): Action.SET, t("AppendToFolderField"): Action.APPEND,
            t("DeleteFolderField"): Action.DELETE}


@dataclass(frozen=True)
class FolderChange:
    target: FolderRef
    #: the folder's ChangeKey as the client knows it (folders have no conflict resolution: it is checked only
    #: for its form)
    change_key: str | None
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class UpdateFolderRequest:
    #: one per FolderChange, in request order; a change whose values Exchange refuses is its EwsError
    elements: list[FolderChange | EwsError]


def _field_change(el: etree._Element) -> FieldChange:
    action = _ACTIONS[el.tag]
    children = [c for c in el if isinstance(c.tag, str)]
    path = parse_path(next(c for c in children if c.tag in PATH_TAGS))
    wrapper = next((c for c in children if c.tag not in PATH_TAGS), None)
    if action is Action.DELETE or wrapper is None:
        return FieldChange(action, path)
    props = [c for c in wrapper if isinstance(c.tag, str)]
    folder_type = local(wrapper.tag)
    if len(props) != 1:
        return FieldChange(action, path, UNPARSED, tuple(path for _ in props), folder_type)
    found, value = decode_folder_property(folder_type, props[0])
    return FieldChange(action, path, value, (found,), folder_type)


def _folder_change(el: etree._Element) -> FolderChange | EwsError:
    children = [c for c in el if isinstance(c.tag, str)]
    target = folder_ref(children[0])
    updates = el.find(t("Updates"))
    try:
        changes = tuple(_field_change(u) for u in updates if u.tag in _ACTIONS) if updates is not None else ()
    except EwsError as err:
        return err
    return FolderChange(target, children[0].get("ChangeKey"), changes)


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> UpdateFolderRequest:
    container = body.find(m("FolderChanges"))
    changes = [_folder_change(el) for el in container if el.tag == t("FolderChange")] if container is not None else []
    return UpdateFolderRequest(changes)


def render_success(request: UpdateFolderRequest, folder: Folder, msg: etree._Element) -> None:
    render_folder_id(folder, etree.SubElement(msg, m("Folders")))
