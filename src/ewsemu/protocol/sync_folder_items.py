"""m:SyncFolderItems -> the typed request; a page of changes (or the error) -> m:SyncFolderItemsResponse.

The one response message carries SyncState, IncludesLastItemInRange and the Changes: ``t:Create`` /
``t:Update`` with the item in the requested shape (never its body or attachments: clients follow with GetItem,
as on Exchange), ``t:Delete`` with the ItemId, ``t:ReadFlagChange`` with the ItemId and IsRead. An Error
message keeps an empty SyncState and IncludesLastItemInRange (exchangelib reads both before the code).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from lxml import etree

from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..core.ids import IdFactory
from ..core.item import Item
from . import responses
from .folders import FolderRef, target_folder
from .items import Shape, item_refs, parse_shape, render_item
from .namespaces import m, t

NORMAL, WITH_ASSOCIATED = "NormalItems", "NormalAndAssociatedItems"
#: what SyncFolderItems never returns, whatever the shape (the reference: "cannot return … Body or Attachments")
_OMITTED = frozenset({"item:Body", "item:Attachments", "item:MimeContent", "item:UniqueBody", "item:NormalizedBody",
                      "item:TextBody"})


@dataclass(frozen=True)
class SyncFolderItemsRequest:
    shape: Shape
    zone: dt.tzinfo
    folder: FolderRef
    sync_state: str | None
    ignore: tuple[ItemRef, ...]
    max_changes: int
    scope: str


@dataclass(frozen=True)
class ItemChange:
    """One change: ``item`` for Create / Update (rendered in the shape), else the id (and IsRead)."""

    kind: str  # Create, Update, Delete, ReadFlagChange
    item_id: str
    change_key: str = ""
    item: Item | None = None
    is_read: bool = False


@dataclass(frozen=True)
class ItemsPage:
    sync_state: str
    last_in_range: bool
    changes: tuple[ItemChange, ...]
    owner: str


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> SyncFolderItemsRequest:
    folder = target_folder(body.find(m("SyncFolderId")))
    assert folder is not None  # the schema requires it
    shape = replace(parse_shape(body.find(m("ItemShape"))), omitted=_OMITTED)
    state = (body.findtext(m("SyncState")) or "").strip() or None
    return SyncFolderItemsRequest(shape, zone, folder, state, tuple(item_refs(body.find(m("Ignore")))),
                                  int(body.findtext(m("MaxChangesReturned")) or "0"),
                                  body.findtext(m("SyncScope")) or NORMAL)


def sync_message(operation: str, last_name: str, sync_state: str | None, last_in_range: bool,
                 error: EwsError | None) -> tuple[etree._Element, etree._Element | None]:
    """The response of a sync operation and its ``m:Changes`` (None for an error). An error message carries an
    empty SyncState and IncludesLast…InRange too: exchangelib reads them before the ResponseCode."""
    root, messages = responses.response_root(operation)
    msg = responses.error(messages, operation, error) if error is not None else responses.success(messages, operation)
    etree.SubElement(msg, m("SyncState")).text = sync_state
    etree.SubElement(msg, m(last_name)).text = "true" if last_in_range else "false"
    return root, (etree.SubElement(msg, m("Changes")) if error is None else None)


def render(request: SyncFolderItemsRequest, outcome: ItemsPage | EwsError) -> etree._Element:
    if isinstance(outcome, EwsError):
        return sync_message("SyncFolderItems", "IncludesLastItemInRange", None, True, outcome)[0]
    root, changes = sync_message("SyncFolderItems", "IncludesLastItemInRange", outcome.sync_state,
                                 outcome.last_in_range, None)
    for change in outcome.changes:
        el = etree.SubElement(changes, t(change.kind))
        if change.item is not None:
            render_item(change.item, request.shape, el, request.zone, IdFactory.change_key(change.item.folder_id, 1),
                        outcome.owner)
            continue
        item_id = etree.SubElement(el, t("ItemId"), Id=change.item_id)
        if change.change_key:
            item_id.set("ChangeKey", change.change_key)
        if change.kind == "ReadFlagChange":
            etree.SubElement(el, t("IsRead")).text = "true" if change.is_read else "false"
    return root
