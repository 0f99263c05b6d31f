"""FindItem's CalendarView and ContactsView: the candidate rows in SQL, then the view's own rules.

A CalendarView lists single calendar items and the occurrences of recurring ones that overlap
[StartDate, EndDate): SQL selects the single items in range and every master, :mod:`ewsemu.core.calendar`
expands the masters. A ContactsView lists contacts by display name (FileAs, else DisplayName) between
InitialName (inclusive) and FinalName (exclusive).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select

from ..core import calendar
from ..core.item import Item
from . import codec
from .schema import items
from .unit_of_work import Readable, connection_of

_UTC = dt.timezone.utc


def _naive(when: dt.datetime) -> dt.datetime:
    return when.astimezone(_UTC).replace(tzinfo=None)


def calendar_view(conn: Readable, mailbox: str, folder_id: str, start: dt.datetime,
                  end: dt.datetime) -> list[Item]:
    """Single items and occurrences overlapping the range, by start (an item ending exactly at ``start``
    counts, as in Exchange)."""
    rows = connection_of(conn).execute(select(items).where(
        items.c.mailbox == mailbox.lower(), items.c.folder_id == folder_id, items.c.item_type == "CalendarItem",
        or_(items.c.calendar_recurrence.is_not(None),
            and_(items.c.calendar_start < _naive(end), items.c.calendar_end >= _naive(start)))))
    found: list[Item] = []
    for row in rows:
        item = codec.item_from_row(row)
        if calendar.is_master(item):
            found.extend(calendar.occurrences_between(item, start, end))
        else:
            found.append(item)
    return sorted(found, key=lambda i: (i.values[calendar.START], i.values[calendar.END], i.id))


def _name(item: Item) -> str:
    return (item.values.get("contacts:FileAs") or item.values.get("contacts:DisplayName") or "").casefold()


def contacts_view(conn: Readable, mailbox: str, folder_id: str, initial: str | None,
                  final: str | None) -> list[Item]:
    rows = connection_of(conn).execute(select(items).where(items.c.mailbox == mailbox.lower(), items.c.folder_id == folder_id,
                                            items.c.item_type == "Contact"))
    found = [codec.item_from_row(row) for row in rows]
    low, high = (initial or "").casefold(), final.casefold() if final is not None else None
    return sorted((i for i in found if _name(i) >= low and (high is None or _name(i) < high)),
                  key=lambda i: (_name(i), i.id))
