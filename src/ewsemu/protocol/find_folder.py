"""m:FindFolder -> the parent folders, traversal, shape, restriction and paging, typed; each parent's page of
folders rendered in ``m:RootFolder``."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core import query as Q
from ..core.errors import EwsError
from .folders import FolderProps, FolderRef, FolderView, Predicate, folder_refs, folder_restriction, render_folder, wanted
from .items import parse_shape
from .namespaces import m, t


@dataclass(frozen=True)
class FindFolderRequest:
    traversal: str  # Shallow | Deep | SoftDeleted
    props: FolderProps
    paging: Q.View
    #: the Restriction's predicate, or the error parsing it gave (every parent folder's message reports it)
    restriction: Predicate | EwsError | None
    elements: list[FolderRef]


@dataclass(frozen=True)
class FolderPage:
    """One parent's answer: the folders on the page, where the page lies, and how many folders matched."""

    views: list[FolderView]
    position: dict[str, int | bool]
    total: int


def _int_attr(el: etree._Element, name: str) -> int | None:
    value = el.get(name)
    return None if value is None else int(value)


def _paging(body: etree._Element) -> Q.View:
    """The folder paging view, as FindItem's views (same semantics, other element names); none means all."""
    indexed = body.find(m("IndexedPageFolderView"))
    if indexed is not None:
        return Q.IndexedView(_int_attr(indexed, "MaxEntriesReturned"), int(indexed.get("Offset", "0")),
                             indexed.get("BasePoint") == "End")
    fractional = body.find(m("FractionalPageFolderView"))
    if fractional is not None:
        return Q.FractionalView(_int_attr(fractional, "MaxEntriesReturned"), int(fractional.get("Numerator", "0")),
                                int(fractional.get("Denominator", "0")))
    return Q.EVERYTHING


def _restriction(el: etree._Element | None) -> Predicate | EwsError | None:
    if el is None:
        return None
    try:
        return folder_restriction(el)
    except EwsError as err:
        return err


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> FindFolderRequest:
    return FindFolderRequest(body.get("Traversal", "Shallow"), wanted(parse_shape(body.find(m("FolderShape")))),
                             _paging(body), _restriction(body.find(m("Restriction"))),
                             folder_refs(body.find(m("ParentFolderIds"))))


def _attributes(position: dict[str, int | bool], total: int) -> dict[str, str]:
    out = {k: ("true" if v else "false") if isinstance(v, bool) else str(v) for k, v in position.items()}
    out["TotalItemsInView"] = str(total)
    return out


def render_success(request: FindFolderRequest, page: FolderPage, msg: etree._Element) -> None:
    folders = etree.SubElement(etree.SubElement(msg, m("RootFolder"), _attributes(page.position, page.total)),
                               t("Folders"))
    for view in page.views:
        render_folder(view, request.props, folders)
