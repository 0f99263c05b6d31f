"""m:FindItem -> the parent folders and the search (shape, restriction, sort order, view), typed; each parent's
matches rendered in ``m:RootFolder/t:Items`` (the types namespace), projected exactly as GetItem's.

A problem with the search itself (a bad restriction, paging view or shape, an option ewsemu does not
evaluate) is every parent folder's in-band error, as Exchange reports it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core import aqs
from ..core import query as Q
from ..core.errors import EwsError
from ..core.item import Item
from ..core.paths import FieldURI
from .codecs import parse_datetime
from .folders import FolderRef, folder_refs
from .items import Shape, parse_shape, render_item
from .namespaces import m, t
from .restrictions import parse_find_query, parse_view

#: the Default and AllProperties shapes of FindItem leave the body formats out
BODY_FORMATS = frozenset({"item:Body", "item:TextBody", "item:UniqueBody", "item:NormalizedBody",
                          "item:MimeContent"})
#: asking for these is ErrorInvalidPropertyForOperation; item:Body itself may be asked for and comes back cut
#: to its first 255 characters (exchangelib's test_text_field_settings reads it through FindItem)
NOT_IN_FIND = BODY_FORMATS - {"item:Body"}
BODY_LIMIT = 255
#: views and options ewsemu does not evaluate
_UNSUPPORTED = {
    "GroupBy": ("ErrorInvalidOperation", "ewsemu does not implement grouped FindItem results."),
    "DistinguishedGroupBy": ("ErrorInvalidOperation", "ewsemu does not implement grouped FindItem results."),
}
#: the longest CalendarView Exchange answers ("currently 2 years"; a leap day's slack)
MAX_CALENDAR_VIEW = dt.timedelta(days=731)


#: what FindItem returns only when AdditionalProperties names it: the body formats, and the response objects
#: (worked out per item for GetItem)
_ONLY_WHEN_NAMED = BODY_FORMATS | frozenset({"item:ResponseObjects"})


class FindShape(Shape):
    """GetItem's shape without the body formats and the response objects."""

    def wants(self, uri: str, item_type: str) -> bool:
        if uri in _ONLY_WHEN_NAMED and uri not in self._extra_uris:
            return False
        return super().wants(uri, item_type)


@dataclass(frozen=True)
class ExpandedView:
    """CalendarView (occurrences expanded, by start) or ContactsView (by name): no restriction, no sort
    order, no paging offset; MaxEntriesReturned cuts the list."""

    element: str
    max_entries: int | None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    initial: str | None = None
    final: str | None = None


@dataclass(frozen=True)
class QueryString:
    """``m:QueryString``, parsed (None: an empty query). ResetCache, ReturnHighlightTerms and
    ReturnDeletedItems are accepted and change nothing: ewsemu keeps no search cache, returns no highlight
    terms and searches the parent folders only."""

    query: aqs.Node | None


@dataclass(frozen=True)
class Search:
    """What to find in every parent folder and how to return it; a query string is compiled to the query's
    restriction when the search runs (its relative dates need the time)."""

    shape: FindShape
    query: Q.FindQuery
    expanded: ExpandedView | None
    view: Q.View
    query_string: QueryString | None = None


@dataclass(frozen=True)
class FindItemRequest:
    #: the request's time zone (TimeZoneContext): the items' times are rendered in it
    zone: dt.tzinfo
    #: None when the search could not be parsed: then every element is that error
    search: Search | None
    elements: list[FolderRef | EwsError]


@dataclass(frozen=True)
class ItemPage:
    """One parent's answer: the items on the page, how many matched, the page's window and what rendering the
    items needs (their folder's ChangeKey, the mailbox owner's name)."""

    items: list[Item]
    total: int
    window: Q.Window
    folder_change_key: str
    owner: str


def _shape(body: etree._Element) -> FindShape:
    el = body.find(m("ItemShape"))
    shape = parse_shape(el)
    for path in shape.additional:
        if isinstance(path, FieldURI) and path.uri in NOT_IN_FIND:
            raise EwsError("ErrorInvalidPropertyForOperation", path)  # IncludeMimeContent: item:MimeContent
    return FindShape(shape.base, shape.additional, shape.body_type, BODY_LIMIT)


def _check_supported(body: etree._Element) -> None:
    for name, (code, text) in _UNSUPPORTED.items():
        if body.find(m(name)) is not None:
            raise EwsError(code, message=text)


def _query_string(body: etree._Element, query: Q.FindQuery) -> QueryString | None:
    """A query string excludes a restriction (the reference: "The QueryString element excludes the use of EWS
    restrictions"): both is ErrorInvalidArgument."""
    el = body.find(m("QueryString"))
    if el is None:
        return None
    if query.restriction is not None:
        raise EwsError(aqs.INVALID, message="A QueryString cannot be combined with a Restriction.")
    return QueryString(aqs.parse(el.text or ""))


def _expanded_view(body: etree._Element, zone: dt.tzinfo, query: Q.FindQuery,
                   query_string: QueryString | None) -> ExpandedView | None:
    for name in ("CalendarView", "ContactsView"):
        el = body.find(m(name))
        if el is None:
            continue
        if query.restriction is not None or query_string is not None:
            raise EwsError("ErrorInvalidOperation", message=f"A {name} cannot be combined with a restriction.")
        text = el.get("MaxEntriesReturned")
        max_entries = int(text) if text is not None else None
        Q.IndexedView(max_entries, 0).check()
        if name == "ContactsView":
            return ExpandedView(name, max_entries, initial=el.get("InitialName"), final=el.get("FinalName"))
        start, end = parse_datetime(el.get("StartDate", ""), zone), parse_datetime(el.get("EndDate", ""), zone)
        if end - start > MAX_CALENDAR_VIEW:
            raise EwsError("ErrorCalendarViewRangeTooBig")
        return ExpandedView(name, max_entries, start, end)
    return None


def _search(body: etree._Element, zone: dt.tzinfo) -> Search:
    _check_supported(body)
    shape = _shape(body)
    query = parse_find_query(body, zone)
    query_string = _query_string(body, query)
    expanded = _expanded_view(body, zone, query, query_string)
    return Search(shape, query, expanded, parse_view(body), query_string)


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> FindItemRequest:
    parents: list[FolderRef | EwsError] = list(folder_refs(body.find(m("ParentFolderIds"))))
    try:
        return FindItemRequest(zone, _search(body, zone), parents)
    except EwsError as err:
        return FindItemRequest(zone, None, [err for _ in parents])


def _root_folder(msg: etree._Element, view: Q.View, total: int, window: Q.Window,
                 expanded: bool = False) -> etree._Element:
    """RootFolder's paging attributes (an expanded view has no offset to report)."""
    if expanded:
        return etree.SubElement(msg, m("RootFolder"), TotalItemsInView=str(total),
                                IncludesLastItemInRange="true" if window.stop >= total else "false")
    position = view.position(total, window)
    last = position.pop("IncludesLastItemInRange")
    attributes = {name: str(value) for name, value in position.items()}
    attributes["TotalItemsInView"] = str(total)
    attributes["IncludesLastItemInRange"] = "true" if last else "false"
    return etree.SubElement(msg, m("RootFolder"), attributes)


def render_success(request: FindItemRequest, page: ItemPage, msg: etree._Element) -> None:
    search = request.search
    assert search is not None  # a parent folder only succeeds when the search parsed
    container = etree.SubElement(_root_folder(msg, search.view, page.total, page.window,
                                              search.expanded is not None), t("Items"))
    for item in page.items:
        render_item(item, search.shape, container, request.zone, page.folder_change_key, page.owner)
