"""m:SyncFolderHierarchy -> the typed request; a page of folder changes (or the error) ->
m:SyncFolderHierarchyResponse: SyncState, IncludesLastFolderInRange and Changes of ``t:Create`` / ``t:Update``
(the folder in the requested shape) and ``t:Delete`` (its FolderId). An Error message keeps an empty SyncState
and IncludesLastFolderInRange, which clients read before the code."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.errors import EwsError
from .folders import FolderProps, FolderRef, FolderView, render_folder, target_folder, wanted
from .items import parse_shape
from .namespaces import m, t
from .sync_folder_items import sync_message


@dataclass(frozen=True)
class SyncFolderHierarchyRequest:
    props: FolderProps
    #: None: the mailbox's root of folders (msgfolderroot)
    folder: FolderRef | None
    sync_state: str | None


@dataclass(frozen=True)
class FolderChange:
    kind: str  # Create, Update, Delete
    folder_id: str
    change_key: str = ""
    view: FolderView | None = None


@dataclass(frozen=True)
class FoldersPage:
    sync_state: str
    last_in_range: bool
    changes: tuple[FolderChange, ...]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> SyncFolderHierarchyRequest:
    state = (body.findtext(m("SyncState")) or "").strip() or None
    return SyncFolderHierarchyRequest(wanted(parse_shape(body.find(m("FolderShape")))),
                                      target_folder(body.find(m("SyncFolderId"))), state)


def render(request: SyncFolderHierarchyRequest, outcome: FoldersPage | EwsError) -> etree._Element:
    if isinstance(outcome, EwsError):
        return sync_message("SyncFolderHierarchy", "IncludesLastFolderInRange", None, True, outcome)[0]
    root, changes = sync_message("SyncFolderHierarchy", "IncludesLastFolderInRange", outcome.sync_state,
                                 outcome.last_in_range, None)
    for change in outcome.changes:
        el = etree.SubElement(changes, t(change.kind))
        if change.view is not None:
            render_folder(change.view, request.props, el)
            continue
        folder_id = etree.SubElement(el, t("FolderId"), Id=change.folder_id)
        if change.change_key:
            folder_id.set("ChangeKey", change.change_key)
    return root
