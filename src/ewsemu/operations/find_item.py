"""FindItem: restriction, sort order and paging run in SQL; items are projected exactly as GetItem would.

One ``m:FindItemResponseMessage`` per parent folder, in request order; the search itself is parsed once
(:mod:`ewsemu.protocol.find_item`), and a problem with it is every parent folder's in-band error.
"""
from __future__ import annotations

from dataclasses import replace

from ..core import aqs
from ..core import query as Q
from ..core.errors import EwsError
from ..core.folders import Folder
from ..core.item import Item
from ..protocol import find_item as wire
from ..protocol.find_item import ExpandedView, FindItemRequest, ItemPage
from ..protocol.folders import FolderRef
from ..store import views
from ..store.query import find_items
from .base import Batch, PerElement
from .folders import prepare_folder_mailboxes, resolve_folder, search_scope


def _expanded_items(conn, folder: Folder, expanded: ExpandedView) -> list[Item]:
    if expanded.element == "CalendarView":
        if not (folder.folder_class or "").startswith("IPF.Appointment"):
            raise EwsError("ErrorCalendarFolderIsInvalidForCalendarView")
        return views.calendar_view(conn, folder.mailbox, folder.id, expanded.start, expanded.end)
    return views.contacts_view(conn, folder.mailbox, folder.id, expanded.initial, expanded.final)


def _find_in(batch: Batch[FindItemRequest], ref: FolderRef) -> ItemPage:
    ctx, conn, search = batch.ctx, batch.conn, batch.request.search
    assert search is not None  # without a search every element is its error
    folder = resolve_folder(conn, ctx, ref)
    query = search.query
    if search.query_string is not None:  # the same restriction tree a m:Restriction gives, so the same SQL
        query = replace(query, restriction=aqs.to_restriction(search.query_string.query, aqs.Context(ctx.now,
                                                                                                     ctx.zone)))
    if search.expanded is not None:
        listed = _expanded_items(conn, folder, search.expanded)
        total, window = len(listed), Q.IndexedView(search.expanded.max_entries, 0).window(len(listed))
        found = listed[window.start:window.stop]
    elif folder.search is not None:  # a search folder: its restriction over the folders it searches
        scope, restriction = search_scope(ctx, conn, folder)
        both = restriction if query.restriction is None else Q.And((restriction, query.restriction))
        total, window, found = find_items(conn, folder.mailbox, scope, replace(query, restriction=both), search.view)
    else:
        total, window, found = find_items(conn, folder.mailbox, folder.id, query, search.view)
    return ItemPage(found, total, window, folder.change_key, batch.owner)


OPERATION = PerElement(
    "FindItem", "partial",
    ("restrictions and AQS query strings (QueryString, compiled to the same restrictions), sort order, "
     "indexed and fractional paging in SQL; search folders; no GroupBy or DistinguishedGroupBy; no highlight "
     "terms; CalendarView expands recurring series, "
     "ContactsView lists contacts by name"),
    parse=wire.parse, element=_find_in, render=wire.render_success, reads=True, prepare=prepare_folder_mailboxes)
