"""Reads across folders of several mailboxes: the JSON task API sees the Tasks folders of a whole team, and the
test double's control plane sees everything.

EWS always reads inside the caller's mailbox (:meth:`Store.load_item`); a team-wide REST face needs "this id,
in any of these folders" and "every task in these folders" instead, the control plane "every mailbox", "every
item of a mailbox" and "this id, wherever it is".
"""
from __future__ import annotations

from typing import Collection

from sqlalchemy import and_, select

from ..core.folders import StoredMailbox
from ..core.item import Item
from . import codec
from .schema import items, mailboxes
from .unit_of_work import Readable, connection_of


def item_in_folders(conn: Readable, item_id: str, folder_ids: Collection[str]) -> Item | None:
    row = connection_of(conn).execute(select(items).where(and_(items.c.id == item_id,
                                                items.c.folder_id.in_(list(folder_ids))))).first()
    return codec.item_from_row(row) if row else None


def items_in_folders(conn: Readable, folder_ids: Collection[str], item_type: str) -> list[Item]:
    """Items of one type, oldest first (creation time, then id, so the order is stable)."""
    rows = connection_of(conn).execute(select(items).where(and_(items.c.folder_id.in_(list(folder_ids)),
                                                 items.c.item_type == item_type))
                        .order_by(items.c.date_time_created, items.c.id))
    return [codec.item_from_row(r) for r in rows]


def stored_mailboxes(conn: Connection, smtp: str | None = None) -> list[StoredMailbox]:
    """Every mailbox (or the one ``smtp`` names), by address."""
    query = select(mailboxes).order_by(mailboxes.c.smtp)
    if smtp:
        query = query.where(mailboxes.c.smtp == smtp.lower())
    return [StoredMailbox(r.smtp, r.display_name, r.created) for r in conn.execute(query)]


def mailbox_items(conn: Connection, smtp: str) -> list[Item]:
    """Every item of a mailbox, whatever its folder, in id order."""
    rows = conn.execute(select(items).where(items.c.mailbox == smtp.lower()).order_by(items.c.id))
    return [codec.item_from_row(r) for r in rows]


def item_anywhere(conn: Connection, item_ids: Collection[str]) -> Item | None:
    """The item one of ``item_ids`` names (spellings of one id), in whichever mailbox holds it."""
    row = conn.execute(select(items).where(items.c.id.in_(list(item_ids)))).first()
    return codec.item_from_row(row) if row else None
