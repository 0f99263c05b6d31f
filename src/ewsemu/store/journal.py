"""The change journal: one append-only table of every committed write, in commit order (issue 14; D38–D40).

Each store write (item created, modified, deleted, moved, copied; folder created, modified, deleted, moved)
records a :class:`JournalEntry` in its :class:`~.unit_of_work.UnitOfWork`; ``Store.write`` flushes them right
before the commit, in the same transaction, so the journal holds exactly the committed writes. Sync states,
notification watermarks and the ChangeKey history are all read from it.

Positions (the promise: a reader that has seen position N never later sees a new entry below N)
    SQLite: writers are serialised (BEGIN IMMEDIATE, store/engine.py), so the rowid a writer gets (max + 1)
    is in commit order; the entry costs one INSERT.
    PostgreSQL: a sequence or identity is *not* enough: values are handed out at INSERT time, so a writer
    can take N, another take N+1 and commit first, and a reader sees N+1 while N is still to come (it would
    skip it forever). Instead each entry takes its position from the one-row ``journal_head`` counter (an
    upsert in a CTE of the same INSERT: still one statement per entry). The row lock that upsert takes is
    held until commit, so the next writer waits for it at its flush and then reads the new value; and
    PostgreSQL makes a transaction visible before it releases its locks, so N is visible before N+1 can even
    be assigned. The price: commits are serialised for the duration of flush + COMMIT (synchronous_commit is
    off, store/engine.py, so that is one round trip plus a few µs), never for the rest of the transaction,
    because the counter is taken last. Positions are gapless on both databases (a rolled-back writer gives
    its counter increment or rowid back), which makes "the journal still holds everything after P" a
    comparison with the oldest retained position.

ChangeKey history (D3) lives here and only here: the entries of an item that carry a version are its
versions, with the diff that produced each one. There is no ``item_versions`` table any more (migration
0003 moves its rows in), so no second copy can disagree, and a write costs the same number of statements as
before (the journal INSERT replaces the version INSERT). Consequences, chosen deliberately:
    - HardDelete does not erase history (the journal is append-only; the entries age out with retention);
      an id used again (a fixture pinning ids) starts a new history at its new ``created`` entry.
    - Retention trims history too: a ChangeKey whose version has aged out is unknown, and UpdateItem then
      treats every property as changed since (ALL_CHANGED, operations/item_writes.py): conservative.

Retention (a setting: ``Store(url, journal_retention=N)``): every :attr:`Journal.trim_every` appends a writer
deletes the entries more than N below the newest, after its append in its own transaction (one indexed range
DELETE of about ``trim_every`` rows, so no write ever pays for a large trim). The table holds at most about N +
``trim_every`` entries per process. :func:`retains` tells whether a position is still fully covered.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy import Integer, and_, bindparam, cast, delete, func, insert, literal_column, null, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from . import codec
from .fastsql import Prepared, Step, execute_and_commit
from .schema import change_journal, journal_head
from .unit_of_work import Readable, UnitOfWork, connection_of

ITEM, FOLDER = "item", "folder"
CREATED, MODIFIED, DELETED, MOVED, COPIED = "created", "modified", "deleted", "moved", "copied"
EVENTS = (CREATED, MODIFIED, DELETED, MOVED, COPIED)
DEFAULT_RETENTION = 1_000_000
_UTC = dt.timezone.utc


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One committed change. ``folder_id`` is where the change is seen: an item's folder, a folder's parent
    (None for a mailbox's root); a moved or copied object also names where it came from (``old_folder_id``,
    and for a copy, or a move that gave the item a new ItemId, the old id in ``old_object_id``). ``version`` and ``change_key`` are the object's after the
    change (before it, for a deletion); ``changes`` maps each changed property to ``[old, new]`` (JSON
    values). ``position`` is 0 until the entry is flushed."""

    position: int
    at: dt.datetime
    mailbox: str
    folder_id: str | None
    object_id: str
    object_kind: str
    event: str
    old_folder_id: str | None = None
    old_object_id: str | None = None
    version: int | None = None
    change_key: str | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)


def diff(changes: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """``{key: (old, new)}`` as stored: ``{key: [old, new]}`` in JSON values; anything else records no diff
    (a creation has no "before")."""
    if not changes or not isinstance(next(iter(changes.values())), tuple):
        return {}
    return {k: [codec.json_value(old), codec.json_value(new)] for k, (old, new) in changes.items()}


def utc_naive(at: dt.datetime) -> dt.datetime:
    return at.astimezone(_UTC).replace(tzinfo=None)


# ---- writing ----------------------------------------------------------------------------------------------

_COLUMNS = ("at", "mailbox", "folder_id", "object_id", "object_kind", "event", "old_folder_id", "old_object_id",
            "version", "change_key", "changes")
#: SQLite: the position is the rowid (a NULL INTEGER PRIMARY KEY gets max + 1), under the writer lock
_APPEND_SQLITE = Prepared(insert(change_journal).values(position=null()).inline())


def _append_postgresql() -> Any:
    """``WITH head AS (INSERT INTO journal_head VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET position =
    journal_head.position + 1 RETURNING position) INSERT INTO change_journal SELECT head.position, …`` (the
    upsert also recreates the row after ``Store.reset``)."""
    one = literal_column("1", Integer)
    bump = (pg_insert(journal_head).values(id=one, position=one)
            .on_conflict_do_update(index_elements=[journal_head.c.id], set_={"position": journal_head.c.position + one})
            .returning(journal_head.c.position).cte("head"))
    values = [cast(bindparam(name), change_journal.c[name].type) for name in _COLUMNS]
    return insert(change_journal).from_select(["position", *_COLUMNS], select(bump.c.position, *values))


_APPEND_POSTGRESQL = Prepared(_append_postgresql())
_NEWEST = select(func.max(change_journal.c.position)).scalar_subquery()
_TRIM = Prepared(delete(change_journal).where(
    change_journal.c.position <= _NEWEST - bindparam("keep", type_=Integer)))


def _row(entry: JournalEntry) -> dict[str, Any]:
    return {"at": utc_naive(entry.at), "mailbox": entry.mailbox, "folder_id": entry.folder_id,
            "object_id": entry.object_id, "object_kind": entry.object_kind, "event": entry.event,
            "old_folder_id": entry.old_folder_id, "old_object_id": entry.old_object_id, "version": entry.version,
            "change_key": entry.change_key, "changes": json.dumps(entry.changes)}


class Journal:
    """The writing side: appends a unit of work's entries, and trims to ``retention`` entries now and then."""

    def __init__(self, retention: int = DEFAULT_RETENTION) -> None:
        if retention < 1:
            raise ValueError("journal retention must be at least one entry")
        self.retention = retention
        #: appends between trims: a trim deletes at most about this many rows
        self.trim_every = max(1, min(1000, retention // 100))
        self._since_trim = 0  # per process; a lost update under threads only delays a trim

    def flush(self, uow: UnitOfWork) -> None:
        """Append the entries ``uow`` recorded (called by Store.write just before COMMIT) and close it. On
        PostgreSQL the appends go out together with the COMMIT (one round trip), so the counter's row lock is
        held only while the server runs them."""
        uow.closed = True
        entries = uow.pending
        if not entries:
            return
        conn = uow.conn
        rows = [_row(e) for e in entries]
        self._since_trim += len(entries)
        trim = self._since_trim >= self.trim_every
        if trim:
            self._since_trim = 0
        if conn.dialect.name == "postgresql":
            steps: list[Step] = [(_APPEND_POSTGRESQL, rows, _COLUMNS)]
            if trim:
                steps.append((_TRIM, [{"keep": self.retention}], None))
            execute_and_commit(conn, steps)
            return
        if len(rows) == 1:
            _APPEND_SQLITE.execute(conn, rows[0], column_keys=_COLUMNS)
        else:
            _APPEND_SQLITE.execute_many(conn, rows, column_keys=_COLUMNS)
        if trim:
            _TRIM.execute(conn, {"keep": self.retention})


# ---- reading ----------------------------------------------------------------------------------------------


def _entry(row: Any) -> JournalEntry:
    m = row._mapping
    return JournalEntry(position=m["position"], at=m["at"].replace(tzinfo=_UTC), mailbox=m["mailbox"],
                        folder_id=m["folder_id"], object_id=m["object_id"], object_kind=m["object_kind"],
                        event=m["event"], old_folder_id=m["old_folder_id"], old_object_id=m["old_object_id"],
                        version=m["version"], change_key=m["change_key"], changes=json.loads(m["changes"]))


def entries_after(conn: Readable, position: int, *, mailbox: str | None = None, folder_id: str | None = None,
                  object_kind: str | None = None, limit: int = 1000) -> list[JournalEntry]:
    """The entries after ``position``, oldest first, at most ``limit``. ``folder_id`` keeps the changes seen
    in that folder: those whose folder it is, and moves out of it (their ``old_folder_id``)."""
    c = change_journal.c
    conditions = [c.position > position]
    if mailbox is not None:
        conditions.append(c.mailbox == mailbox.lower())
    if folder_id is not None:
        conditions.append(or_(c.folder_id == folder_id, c.old_folder_id == folder_id))
    if object_kind is not None:
        conditions.append(c.object_kind == object_kind)
    rows = connection_of(conn).execute(select(change_journal).where(and_(*conditions))
                                       .order_by(c.position).limit(limit))
    return [_entry(r) for r in rows]


def head(conn: Readable) -> int:
    """The newest committed position; 0 for an empty journal."""
    return connection_of(conn).execute(select(func.coalesce(func.max(change_journal.c.position), 0))).scalar_one()


def oldest_retained(conn: Readable) -> int | None:
    """The oldest position still held; None for an empty journal."""
    return connection_of(conn).execute(select(func.min(change_journal.c.position))).scalar_one()


def retains(conn: Readable, position: int) -> bool:
    """Whether every entry after ``position`` is still in the journal (positions are gapless), i.e. a sync
    state or watermark at ``position`` can still be answered (D38: else ``ErrorInvalidSyncStateData`` /
    ``ErrorInvalidWatermark``). A position beyond the newest (a journal reset since) is not retained."""
    oldest = oldest_retained(conn)
    if oldest is None:
        return position == 0
    return oldest - 1 <= position <= head(conn)


_OBJECT_ENTRIES = (select(change_journal).where(change_journal.c.object_id == bindparam("object_id"),
                                                change_journal.c.object_kind == bindparam("object_kind"))
                   .order_by(change_journal.c.position))


def object_entries(conn: Readable, object_id: str, object_kind: str = ITEM) -> list[JournalEntry]:
    """The retained entries of one item (or folder) since it last came to be (created, copied, or moved in
    under this new id), oldest first: an id used again does not inherit an earlier object's history."""
    entries = [_entry(r) for r in connection_of(conn).execute(
        _OBJECT_ENTRIES, {"object_id": object_id, "object_kind": object_kind})]
    for i in range(len(entries) - 1, -1, -1):
        if entries[i].event in (CREATED, COPIED) or (entries[i].event == MOVED and entries[i].old_object_id):
            return entries[i:]
    return entries
