"""The reads SyncFolderItems and SyncFolderHierarchy make (D38, D39), each bounded by a page, never by the size
of the folder or of the journal window (migration 0008's indexes):

* :func:`items_after`: a folder's items by (DateTimeCreated, ItemId) after a keyset cursor, leaving out those
  that came into the folder after a journal position (the journal phase reports them) — the first sync's
  listing;
* :func:`folder_effects`: the journal entries seen in a folder after a position, as :class:`Effect` values
  (what each did to which item id), oldest first;
* :func:`item_effects`: all the effects, in a window, of a few items in a folder (their net change);
* :func:`items_by_id`: those items as stored now;
* :func:`folder_entries` and :func:`count_changes`: the hierarchy's window, its folder entries and, per folder,
  the last item change that changed its counts.
"""
from __future__ import annotations

import datetime as dt
from typing import Collection

from sqlalchemy import and_, bindparam, func, or_, select, tuple_

from ..core.item import Item
from ..core.sync_changes import CHANGED, IN, IS_READ, OUT, Effect
from . import codec
from .journal import COPIED, CREATED, DELETED, FOLDER, ITEM, MODIFIED, MOVED, JournalEntry, _entry
from .schema import change_journal, items
from .unit_of_work import Readable, connection_of

_J = change_journal.c
#: the entries by which an item comes into a folder under its id
_ARRIVALS = (CREATED, COPIED, MOVED)


def effect_in(entry: JournalEntry, folder_id: str) -> Effect | None:
    """What ``entry`` did in ``folder_id``: None if nothing (a copy out of it, a change elsewhere)."""
    here, came_from = entry.folder_id == folder_id, entry.old_folder_id == folder_id
    if entry.event in (CREATED, COPIED):
        return Effect(entry.position, entry.object_id, IN) if here else None
    if entry.event == MODIFIED:
        return Effect(entry.position, entry.object_id, CHANGED, frozenset(entry.changes)) if here else None
    if entry.event == DELETED:
        return Effect(entry.position, entry.object_id, OUT) if here else None
    if entry.event == MOVED:
        if here and came_from:  # in place: same folder (a new ChangeKey)
            return Effect(entry.position, entry.object_id, CHANGED)
        if here:
            return Effect(entry.position, entry.object_id, IN)
        if came_from:
            return Effect(entry.position, entry.old_object_id or entry.object_id, OUT)
    return None


#: the first sync lists a folder's items oldest first, as FindItem sorts them by default: by DateTimeCreated,
#: then ItemId (the ``(folder_id, date_time_created, id)`` index), so a replayed session lists them alike
_CREATED = items.c.date_time_created
_EPOCH = dt.datetime(1970, 1, 1)


def items_after(conn: Readable, folder_id: str, after: tuple[str, str], snapshot: int, limit: int,
                associated: bool) -> tuple[list[Item], tuple[str, str] | None, bool]:
    """The folder's items after the keyset cursor ``after`` (DateTimeCreated as ISO text, ItemId; ``("", "")``
    before the first), at most ``limit`` read, leaving out those that came into the folder after journal
    position ``snapshot`` (their arrival is looked up by id: the ``(object_id, position)`` index) and, unless
    ``associated``, its associated items. Returns the items kept, the cursor after the last one read and
    whether the folder has no more."""
    created = _CREATED  # set on every item when it is made (core/apply.py), so never NULL here
    conditions = [items.c.folder_id == folder_id]
    if after != ("", ""):
        conditions.append(tuple_(created, items.c.id) > tuple_(dt.datetime.fromisoformat(after[0]), after[1]))
    c = connection_of(conn)
    raw = list(c.execute(select(items, created.label("_created")).where(*conditions)
                         .order_by(created, items.c.id).limit(limit)))
    if not raw:
        return [], None, True
    rows = [codec.item_from_row(r) for r in raw]
    # an item came in after the snapshot if the first thing after it that took it into or out of this folder
    # was an arrival; one that went out and came back under its id was here at the snapshot, and is listed
    first_move: dict[str, bool] = {}
    for e in (_entry(r) for r in c.execute(
            select(change_journal).where(_J.object_id.in_([i.id for i in rows]), _J.position > snapshot)
            .order_by(_J.position))):
        if e.object_id in first_move:
            continue
        if e.folder_id == folder_id and e.event in _ARRIVALS:
            first_move[e.object_id] = True
        elif e.event == MOVED and e.old_folder_id == folder_id:
            first_move[e.object_id] = False
    kept = [i for i in rows if not first_move.get(i.id) and (associated or not i.values.get("item:IsAssociated"))]
    last = raw[-1]._mapping
    return kept, (_iso(last["_created"]), last["id"]), len(rows) < limit


def cursor_of(item: Item) -> tuple[str, str]:
    """The keyset cursor just after ``item`` (its DateTimeCreated and ItemId)."""
    created = item.values.get("item:DateTimeCreated")
    return (_iso(created.astimezone(dt.timezone.utc).replace(tzinfo=None)) if created else _iso(_EPOCH), item.id)


def _iso(value: object) -> str:
    if not isinstance(value, dt.datetime):
        value = _EPOCH
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


_HERE = select(change_journal).where(_J.folder_id == bindparam("folder_id"), _J.position > bindparam("after"),
                                     _J.position <= bindparam("upto"), _J.object_kind == ITEM)
_CAME_FROM = select(change_journal).where(_J.old_folder_id == bindparam("folder_id"),
                                          _J.position > bindparam("after"), _J.position <= bindparam("upto"),
                                          _J.object_kind == ITEM, _J.event == MOVED)


def folder_effects(conn: Readable, folder_id: str, after: int, upto: int, limit: int) -> list[Effect]:
    """The first ``limit`` effects in the folder in (``after``, ``upto``], oldest first: two index range
    scans, ``(folder_id, position)`` and ``(old_folder_id, position)``, merged."""
    c = connection_of(conn)
    params = {"folder_id": folder_id, "after": after, "upto": upto}
    rows = [*c.execute(_HERE.order_by(_J.position).limit(limit), params),
            *c.execute(_CAME_FROM.order_by(_J.position).limit(limit), params)]
    entries = sorted((_entry(r) for r in rows), key=lambda e: e.position)
    return [e for e in (effect_in(entry, folder_id) for entry in entries) if e is not None][:limit]


def item_effects(conn: Readable, folder_id: str, item_ids: Collection[str], after: int,
                 upto: int) -> dict[str, list[Effect]]:
    """Every effect in the folder in (``after``, ``upto``] of each of ``item_ids``, oldest first (the
    ``object_id`` and ``old_object_id`` indexes: a few rows per item)."""
    if not item_ids:
        return {}
    ids = sorted(set(item_ids))
    # by id only: the folder is checked on each row (effect_in), so the planner takes the id indexes; a folder
    # condition here would let it scan the folder's whole window instead
    window = and_(_J.position > after, _J.position <= upto, _J.object_kind == ITEM)
    c = connection_of(conn)
    rows = [*c.execute(select(change_journal).where(_J.object_id.in_(ids), window)),
            *c.execute(select(change_journal).where(_J.old_object_id.in_(ids), window))]
    out: dict[str, list[Effect]] = {}
    seen: set[int] = set()
    for entry in sorted((_entry(r) for r in rows), key=lambda e: e.position):
        if entry.position in seen:
            continue
        seen.add(entry.position)
        effect = effect_in(entry, folder_id)
        if effect is not None and effect.item_id in item_ids:
            out.setdefault(effect.item_id, []).append(effect)
    return out


def items_by_id(conn: Readable, item_ids: Collection[str]) -> dict[str, Item]:
    if not item_ids:
        return {}
    rows = connection_of(conn).execute(select(items).where(items.c.id.in_(sorted(set(item_ids)))))
    return {r._mapping["id"]: codec.item_from_row(r) for r in rows}


def folder_entries(conn: Readable, mailbox: str, after: int, upto: int) -> list[JournalEntry]:
    """The mailbox's folder entries in (``after``, ``upto``], oldest first (the hierarchy's window)."""
    rows = connection_of(conn).execute(
        select(change_journal).where(_J.mailbox == mailbox.lower(), _J.position > after, _J.position <= upto,
                                     _J.object_kind == FOLDER).order_by(_J.position))
    return [_entry(r) for r in rows]


def count_changes(conn: Readable, mailbox: str, after: int, upto: int) -> dict[str, int]:
    """Folder id -> the position of the last item entry in (``after``, ``upto``] that changed its TotalCount
    or UnreadCount: an item created, copied, deleted or moved in or out, or its IsRead changed. Grouped in the
    database: a window of many item changes is not read row by row."""
    window = and_(_J.mailbox == mailbox.lower(), _J.position > after, _J.position <= upto, _J.object_kind == ITEM)
    counted = or_(_J.event != MODIFIED, _J.changes.like(f'%"{IS_READ}"%'))
    c = connection_of(conn)
    last: dict[str, int] = {}
    for column, condition in ((_J.folder_id, counted), (_J.old_folder_id, _J.event == MOVED)):
        for folder_id, position in c.execute(select(column, func.max(_J.position)).where(window, condition,
                                                                                         column.isnot(None))
                                             .group_by(column)):
            last[folder_id] = max(position, last.get(folder_id, 0))
    return last
