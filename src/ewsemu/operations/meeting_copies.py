"""The attendee's calendar copy of a meeting: made tentative when the request is delivered, changed by the
updates and cancellations that follow and by the attendee's answer (Exchange keeps one calendar item per
meeting, found by its UID)."""
from __future__ import annotations

from ..core import calendar
from ..core.attachments import HAS_ATTACHMENTS
from ..core.ids import IdFactory
from ..core.item import Item
from ..store.lookup import items_in_folders
from .attachments import copy_attachments
from .common import LostRace
from .context import RequestContext


def calendar_copy(ctx: RequestContext, conn, mailbox: str, uid: str | None) -> Item | None:
    """The calendar item of meeting ``uid`` in ``mailbox``'s Calendar."""
    folder = ctx.store.distinguished_folder(conn, mailbox, "calendar")
    if uid is None or folder is None:
        return None
    return next((i for i in items_in_folders(conn, [folder.id], "CalendarItem")
                 if i.values.get(calendar.UID) == uid), None)


def save_changed(ctx: RequestContext, conn, stored: Item, w: Item) -> Item:
    """Write ``w``, the new state of ``stored``, as its next version (journaled with the diff)."""
    w.version = stored.version + 1
    w.change_key = IdFactory.change_key(w.id, w.version)
    w.values["item:LastModifiedTime"] = ctx.now
    changed = {k: (stored.values.get(k), w.values.get(k)) for k in stored.values.keys() | w.values.keys()
               if stored.values.get(k) != w.values.get(k)}
    if not ctx.store.update_item(conn, w, stored.version, ctx.now, changed):
        raise LostRace()
    return w


def tentative_copy(ctx: RequestContext, conn, request: Item) -> Item:
    """The attendee's calendar item for a meeting request: tentative until answered (delivery makes it), with
    the request's attachments."""
    folder = ctx.store.distinguished_folder(conn, request.mailbox, "calendar")
    item = calendar.attendee_copy(request, item_id=ctx.ids.item_id(), folder_id=folder.id, now=ctx.now)
    carries = bool(request.values.get(HAS_ATTACHMENTS))
    if carries:
        item.values[HAS_ATTACHMENTS] = True
    ctx.store.insert_item(conn, item, ctx.now)
    if carries:
        copy_attachments(conn, request.id, item.id)
    return item


def on_request_delivered(ctx: RequestContext, conn, request: Item) -> None:
    """A delivered meeting request puts its meeting in the attendee's calendar, tentatively; an update of a
    meeting already there changes that copy instead."""
    copy = calendar_copy(ctx, conn, request.mailbox, request.values.get(calendar.UID))
    if copy is None:
        tentative_copy(ctx, conn, request)
    else:
        save_changed(ctx, conn, copy, calendar.updated_copy(copy, request, ctx.now))
