"""The unit of work: what :meth:`Store.write` yields, a write transaction and the journal entries it owes.

Why an object and not the bare Connection: every write the store offers (``Store.insert_item``,
``update_item``, ``delete_item``, ``move_item``, ``copy_item`` and the folder writes) takes a UnitOfWork and
refuses a plain Connection, and each one records its journal entry here as it writes. The entries are flushed
by ``Store.write`` right before the commit (one statement per entry, see store/journal.py), so:

- a write cannot happen without its entry (the only way to write is through the store with a UnitOfWork);
- a rolled-back transaction (an exception out of the ``with`` block, a lost race, a failed ItemChange) leaves
  no entry, because the entries were never flushed and the transaction's own rows go with it;
- on PostgreSQL the position counter is locked only for the last moment of the transaction (flush + commit),
  never while the operation still waits for item row locks, so no deadlock can form around it.

Reads inside a write transaction take the UnitOfWork as well (the store's read methods accept either, through
:func:`connection_of`); ``uow.conn`` is the connection itself for store code and tests that need it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Union

from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from .journal import JournalEntry


class UnitOfWork:
    """One write transaction: its connection and the journal entries its writes recorded so far."""

    __slots__ = ("conn", "pending", "closed")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        #: entries in the order the writes happened; their positions are given at flush time
        self.pending: list[JournalEntry] = []
        self.closed = False

    def record(self, entry: JournalEntry) -> None:
        if self.closed:
            raise RuntimeError("this unit of work has already been committed or rolled back")
        self.pending.append(entry)


#: what the store's read methods accept: inside a write transaction the UnitOfWork, else a read Connection
Readable = Union[Connection, UnitOfWork]


def connection_of(conn: Readable) -> Connection:
    """The connection to read on."""
    return conn.conn if isinstance(conn, UnitOfWork) else conn


def unit_of_work(uow: object) -> UnitOfWork:
    """``uow`` itself, checked: a write given a bare Connection would skip the journal, so it is refused."""
    if not isinstance(uow, UnitOfWork):
        raise TypeError("store writes need the UnitOfWork that Store.write() yields, not "
                        f"{type(uow).__name__}: a write outside it would not be journaled")
    if uow.closed:
        raise RuntimeError("this unit of work has already been committed or rolled back")
    return uow
