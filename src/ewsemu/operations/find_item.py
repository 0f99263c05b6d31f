"""FindItem: restriction, sort order and paging run in SQL; items are projected exactly as GetItem would.

One ``m:FindItemResponseMessage`` per parent folder, in request order; the matches sit in
``m:RootFolder/t:Items`` (the types namespace). A problem with the request itself (a bad restriction,
paging view or shape) is reported in-band for every parent folder, as Exchange does.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core import query as Q
from ..core.errors import EwsError
from ..core.folders import Folder
from ..core.ids import IdFactory
from ..core.item import Item
from ..core.paths import FieldURI
from ..protocol import responses
from ..protocol.codecs import parse_datetime
from ..protocol.folders import folder_refs
from ..protocol.items import Shape, render_item
from ..protocol.namespaces import m, t
from ..protocol.restrictions import parse_find_query, parse_view
from ..store import views
from ..store.query import find_items
from .common import parse_shape, reading
from .base import unconverted
from .context import RequestContext
from .folders import ensure_named_mailboxes, resolve_folder

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
    "QueryString": ("ErrorUnsupportedQueryFilter", "ewsemu does not evaluate AQS query strings; use a Restriction."),
}


class FindShape(Shape):
    """GetItem's shape without the body formats."""

    def wants(self, uri: str, item_type: str) -> bool:
        if uri in BODY_FORMATS and uri not in self._extra_uris:
            return False
        return super().wants(uri, item_type)


def _shape(body: etree._Element) -> FindShape:
    el = body.find(m("ItemShape"))
    shape = parse_shape(el)
    for path in shape.additional:
        if isinstance(path, FieldURI) and path.uri in NOT_IN_FIND:
            raise EwsError("ErrorInvalidPropertyForOperation", path)
    if el is not None and el.findtext(t("IncludeMimeContent")) in ("true", "1"):
        raise EwsError("ErrorInvalidPropertyForOperation", FieldURI("item:MimeContent"))
    return FindShape(shape.base, shape.additional, shape.body_type, BODY_LIMIT)


def _check_supported(body: etree._Element) -> None:
    for name, (code, text) in _UNSUPPORTED.items():
        if body.find(m(name)) is not None:
            raise EwsError(code, message=text)


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


#: the longest CalendarView Exchange answers ("currently 2 years"; a leap day's slack)
MAX_CALENDAR_VIEW = dt.timedelta(days=731)


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

    def items(self, conn, folder: Folder) -> list[Item]:
        if self.element == "CalendarView":
            if not (folder.folder_class or "").startswith("IPF.Appointment"):
                raise EwsError("ErrorCalendarFolderIsInvalidForCalendarView")
            return views.calendar_view(conn, folder.mailbox, folder.id, self.start, self.end)
        return views.contacts_view(conn, folder.mailbox, folder.id, self.initial, self.final)


def _expanded_view(body: etree._Element, zone: dt.tzinfo, query: Q.FindQuery) -> ExpandedView | None:
    for name in ("CalendarView", "ContactsView"):
        el = body.find(m(name))
        if el is None:
            continue
        if query.restriction is not None:
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


def handle(ctx: RequestContext, body: etree._Element) -> etree._Element:
    parents = folder_refs(body.find(m("ParentFolderIds")))
    root, messages = responses.response_root("FindItem")
    try:
        _check_supported(body)
        shape = _shape(body)
        query = parse_find_query(body, ctx.zone)
        expanded = _expanded_view(body, ctx.zone, query)
        view = parse_view(body)
    except EwsError as err:
        for _ in parents:
            responses.error(messages, "FindItem", err)
        return root
    ensure_named_mailboxes(ctx, parents)
    with reading(ctx) as conn:
        owner = ctx.store.mailbox_display_name(conn, ctx.mailbox)
        for el in parents:
            try:
                folder = resolve_folder(conn, ctx, el)
                if expanded is not None:
                    listed = expanded.items(conn, folder)
                    total, window = len(listed), Q.IndexedView(expanded.max_entries, 0).window(len(listed))
                    found = listed[window.start:window.stop]
                else:
                    total, window, found = find_items(conn, folder.mailbox, folder.id, query, view)
            except EwsError as err:
                responses.error(messages, "FindItem", err)
                continue
            msg = responses.success(messages, "FindItem")
            container = etree.SubElement(_root_folder(msg, view, total, window, expanded is not None), t("Items"))
            folder_change_key = IdFactory.change_key(folder.id, 1)
            for item in found:
                render_item(item, shape, container, ctx.zone, folder_change_key, owner)
    return root


OPERATION = unconverted("FindItem", handle, "partial",
                      ("restrictions, sort order, indexed and fractional paging in SQL; no GroupBy, "
                       "DistinguishedGroupBy or QueryString (AQS); CalendarView expands recurring series, "
                       "ContactsView lists contacts by name"))
