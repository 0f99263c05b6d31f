"""The repository: every read and write the operations need, as SQLAlchemy Core statements.

Each ItemChange runs in its own write transaction (:meth:`Store.write`, a :class:`UnitOfWork`); an item's
UPDATE is conditional on the version that was read (``WHERE version = :read``), so two concurrent writers can
never both succeed from the same version. Every write records its change-journal entry in the unit of work,
and the entries are appended just before the commit (store/journal.py), so the journal holds every committed
write exactly once and nothing that rolled back. The ChangeKey history (``changed_since``, ``history``) is
read from the journal.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from contextlib import contextmanager, nullcontext
from typing import Any, Iterator

from sqlalchemy import and_, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..core.fields import MESSAGE_TYPES, STRINGS, stored_fields
from ..core.folder_names import ENGLISH, language_of
from ..core.folders import Folder, new_mailbox_folders
from ..core.ids import IdFactory
from ..core.item import Item
from ..core.notifications import DELIVERED
from . import attachments as attachment_rows
from . import codec, journal, migrations, secrets
from .codec import folder_from_row, folder_to_row
from .engine import is_memory, make_engine
from .fastsql import Prepared
from .journal import (
    COPIED, CREATED, DELETED, FOLDER, ITEM, MODIFIED, MOVED, DEFAULT_RETENTION, Journal, JournalEntry, diff,
)
from .schema import SHARED_TABLES, folders, item_values, items, mailboxes, metadata, shared_state
from .unit_of_work import Readable, UnitOfWork, connection_of, unit_of_work
from .watcher import DEFAULT_POLL, JournalWatcher

_MULTI = frozenset(f.uri for f in stored_fields() if f.kind == STRINGS)

#: folders every view shows (not soft-deleted)
_LIVE = folders.c.soft_deleted.is_(False)


@dataclasses.dataclass(frozen=True, slots=True)
class ItemCounts:
    """What a folder holds: TotalCount, and UnreadCount (its messages whose IsRead is false)."""

    total: int
    unread: int


def _folder(row: Any) -> Folder:
    return folder_from_row(row._mapping)


# The statements every ItemChange runs: compiled once per dialect, executed on the driver's cursor (fastsql).
_LOAD = select(items).where(items.c.id == bindparam("item_id"), items.c.mailbox == bindparam("mailbox"))
_LOAD_ITEM = Prepared(_LOAD)
_LOAD_FOR_UPDATE = Prepared(_LOAD.with_for_update())
_INSERT_ITEM = Prepared(insert(items))
_UPDATE_ITEM = Prepared(update(items).where(items.c.id == bindparam("_id"), items.c.version == bindparam("_read")))
_PLACE_COLUMNS = (items.c.mailbox, items.c.folder_id, items.c.version, items.c.change_key)
_DELETE_ITEM = Prepared(delete(items).where(items.c.id == bindparam("item_id")).returning(*_PLACE_COLUMNS))
# Less frequent ones stay plain Core, built once.
_MAILBOX_FOLDERS_AND_DELETED = select(folders).where(folders.c.mailbox == bindparam("mailbox"))
_MAILBOX_FOLDERS = _MAILBOX_FOLDERS_AND_DELETED.where(_LIVE)
_ITEM_COUNTS = (select(items.c.folder_id, func.count(), func.sum(case((items.c.message_is_read.is_(False), 1), else_=0)))
                .where(items.c.folder_id.in_(bindparam("folder_ids", expanding=True))).group_by(items.c.folder_id))
_DELETE_VALUES = delete(item_values).where(item_values.c.item_id == bindparam("item_id"))
_INSERT_VALUES = insert(item_values)


def _item_entry(event: str, item: Item, at: dt.datetime, changes: dict[str, Any] | None = None, *,
                old_folder_id: str | None = None, old_object_id: str | None = None) -> JournalEntry:
    return JournalEntry(0, at, item.mailbox, item.folder_id, item.id, ITEM, event, old_folder_id, old_object_id,
                        item.version, item.change_key, diff(changes))


def _folder_entry(event: str, folder: Folder, at: dt.datetime, changes: dict[str, Any] | None = None, *,
                  old_folder_id: str | None = None) -> JournalEntry:
    return JournalEntry(0, at, folder.mailbox, folder.parent_id, folder.id, FOLDER, event, old_folder_id, None,
                        folder.version, folder.change_key, diff(changes))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Store:
    """``journal_retention``: how many change-journal entries are kept (older sync states and watermarks then
    answer "resync"; store/journal.py). ``mailbox_language``: the culture (``da-DK``) new mailboxes are named
    in when the request creating one names none (D42); English if ewsemu has no names for it."""

    def __init__(self, url: str, ids: IdFactory | None = None,
                 journal_retention: int = DEFAULT_RETENTION, mailbox_language: str | None = None,
                 journal_poll: float = DEFAULT_POLL) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.ids = ids or IdFactory()
        self.journal = Journal(journal_retention)
        #: wakes the stream hub on new journal positions: this process's writes at once, other processes'
        #: within ``journal_poll`` seconds (store/watcher.py)
        self.watcher = JournalWatcher(self.journal_head, journal_poll if self.shared else None)
        self.mailbox_language = language_of(mailbox_language) or ENGLISH
        self._known_mailboxes: set[str] = set()
        self._mailbox_lock = threading.Lock()
        #: the reset generation the caches above belong to (:meth:`observe_generation`)
        self._generation: int | None = None
        #: the signing keys read so far (:meth:`secret`), dropped with the mailbox caches
        self._secrets: dict[str, bytes] = {}
        #: in-memory SQLite is one connection shared by every thread (StaticPool): its transactions take turns
        #: (a server's request threads, its push deliverer and stream hub), one thread may nest them
        self._serial = threading.RLock() if is_memory(url) else None

    @property
    def shared(self) -> bool:
        """Other processes may use this database too (a file or a server, not in-memory SQLite)."""
        return not is_memory(self.url)

    def create_schema(self) -> None:
        """Run the Alembic migrations to head (one query when the database is already there)."""
        with self.write() as uow:
            migrations.upgrade(uow.conn)

    def dispose(self) -> None:
        self.engine.dispose()

    def reset(self) -> None:
        """Forget every mailbox, folder and item and the journal (its positions start again at 1; the test
        double's tables are the double's to clear), and bump the reset generation so every other process drops
        what it cached about them."""
        with self._mailbox_lock, self.write() as uow:
            for table in reversed(metadata.sorted_tables):
                if table.name not in SHARED_TABLES:
                    uow.conn.execute(delete(table))
            uow.conn.execute(update(shared_state).values(generation=shared_state.c.generation + 1))
            self._known_mailboxes.clear()
            self._secrets.clear()

    def observe_generation(self, generation: int) -> None:
        """Called with the reset generation a request read: after a reset by any process, the mailboxes this
        one knew may be gone, so it forgets them."""
        if generation != self._generation:
            with self._mailbox_lock:
                self._known_mailboxes.clear()
                self._secrets.clear()
                self._generation = generation

    def secret(self, name: str) -> bytes:
        """The signing key called ``name`` (sync states, watermarks: D38), the same in every process and new
        after every reset, so no token from before a reset verifies (store/secrets.py)."""
        key = self._secrets.get(name)
        if key is None:
            with self.write() as uow:
                key = self._secrets[name] = secrets.secret(uow, name)
        return key

    @contextmanager
    def write(self) -> Iterator[UnitOfWork]:
        """A write transaction; its journal entries are appended just before it commits, and an exception out
        of the block rolls back the writes and their entries alike."""
        with self._transaction() as conn:
            uow = UnitOfWork(conn)
            try:
                yield uow
            except BaseException:
                uow.closed = True
                raise
            self.journal.flush(uow)
        if uow.pending:
            self.watcher.committed()

    def journal_head(self) -> int:
        """The newest committed journal position (0 for an empty journal), in a read of its own."""
        with self.read() as conn:
            return journal.head(conn)

    @contextmanager
    def state_transaction(self) -> Iterator[Connection]:
        """A write transaction on the test double's own tables (:mod:`.shared_state`: fault rules, clock, ledger).
        They are no mailbox data, so nothing there is journaled; mailbox writes go through :meth:`write`."""
        with self._transaction() as conn:
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._turn(), self.engine.connect().execution_options(write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._turn(), self.engine.connect() as conn, conn.begin():
            yield conn

    def _turn(self) -> threading.RLock | nullcontext[None]:
        return self._serial if self._serial is not None else nullcontext()

    # ---- mailboxes and folders -------------------------------------------------------------------------

    def ensure_mailbox(self, smtp: str, display_name: str | None = None, now: dt.datetime | None = None,
                       culture: str | None = None) -> None:
        """Create the mailbox and its default folders on first use (once, even across processes). The folders
        are named in ``culture``'s language (the creating request's MailboxCulture) if ewsemu has names for
        it, else in :attr:`mailbox_language`; an existing mailbox keeps its names (D42)."""
        smtp = smtp.lower()
        if smtp in self._known_mailboxes:
            return
        with self._mailbox_lock:
            try:
                with self.write() as uow:
                    if uow.conn.execute(select(mailboxes.c.smtp).where(mailboxes.c.smtp == smtp)).first() is None:
                        self._create_mailbox(uow, smtp, display_name, now, language_of(culture))
            except IntegrityError:
                pass  # another process created it between our look and our insert (PostgreSQL)
            self._known_mailboxes.add(smtp)

    def _create_mailbox(self, uow: UnitOfWork, smtp: str, display_name: str | None,
                        now: dt.datetime | None, language: str | None) -> None:
        """The mailbox and its default folders (core.folder_tree, about ninety with the archive), each
        journaled as a created folder (hierarchy sync starts from them): one multi-row INSERT, and the journal
        entries go out together at the commit."""
        at = now or _now()
        uow.conn.execute(insert(mailboxes).values(smtp=smtp, display_name=display_name or smtp.split("@")[0],
                                                  created=at.replace(tzinfo=None)))
        self.insert_folders(uow, new_mailbox_folders(smtp, language or self.mailbox_language, self.ids.folder_id),
                            at)

    def insert_folder(self, uow: UnitOfWork, folder: Folder, at: dt.datetime) -> None:
        self.insert_folders(uow, [folder], at)

    def insert_folders(self, uow: UnitOfWork, new: list[Folder], at: dt.datetime) -> None:
        """Store new folders in one statement (the driver's executemany) and journal each as created."""
        if not new:
            return
        unit_of_work(uow).conn.execute(insert(folders), [folder_to_row(f) for f in new])
        for folder in new:
            uow.record(_folder_entry(CREATED, folder, at))

    def update_folder(self, uow: UnitOfWork, folder: Folder, read_version: int, at: dt.datetime,
                      changes: dict[str, tuple[Any, Any]]) -> bool:
        """Write the folder's properties and version if the stored version is still ``read_version``; False
        if someone else won. ``changes`` is what changed, for the journal (``{property: (old, new)}``)."""
        row = folder_to_row(folder)
        for fixed in ("id", "mailbox", "parent_id", "distinguished"):
            del row[fixed]
        done = unit_of_work(uow).conn.execute(
            update(folders).where(folders.c.id == folder.id, folders.c.version == read_version).values(**row))
        if done.rowcount != 1:
            return False
        uow.record(_folder_entry(MODIFIED, folder, at, changes))
        return True

    def move_folder(self, uow: UnitOfWork, folder_id: str, mailbox: str, parent_id: str,
                    at: dt.datetime) -> Folder | None:
        """The folder under its new parent, same Id, next version (a new ChangeKey, as Exchange gives a moved
        folder); None if there is no such folder."""
        old = self.folder(unit_of_work(uow), folder_id, mailbox)
        if old is None:
            return None
        moved = dataclasses.replace(old, parent_id=parent_id, version=old.version + 1)
        done = uow.conn.execute(update(folders).where(folders.c.id == folder_id, folders.c.version == old.version)
                                .values(parent_id=parent_id, version=moved.version))
        if done.rowcount != 1:  # another writer changed it since it was read
            return None
        uow.record(_folder_entry(MOVED, moved, at, old_folder_id=old.parent_id))
        return moved

    def delete_folder(self, uow: UnitOfWork, folder_id: str, mailbox: str, at: dt.datetime) -> bool:
        """Remove an empty folder (its items and subfolders must be gone first: the foreign keys say so); a
        soft-deleted one too."""
        row = unit_of_work(uow).conn.execute(select(folders).where(
            folders.c.id == folder_id, folders.c.mailbox == mailbox.lower())).first()
        if row is None:
            return False
        old = _folder(row)
        uow.conn.execute(delete(folders).where(folders.c.id == folder_id))
        uow.record(_folder_entry(DELETED, old, at))
        return True

    def soft_delete_folder(self, uow: UnitOfWork, folder: Folder, at: dt.datetime) -> None:
        """Hide the folder from every view but FindFolder's SoftDeleted traversal; journaled as its deletion
        (for a sync client it is gone)."""
        unit_of_work(uow).conn.execute(update(folders).where(folders.c.id == folder.id).values(soft_deleted=True))
        uow.record(_folder_entry(DELETED, folder, at))

    def subtree(self, conn: Readable, folder: Folder) -> list[Folder]:
        """``folder`` and every folder below it (soft-deleted ones too), each parent before its children."""
        rows = connection_of(conn).execute(select(folders).where(folders.c.mailbox == folder.mailbox))
        children: dict[str, list[Folder]] = {}
        for f in (_folder(r) for r in rows):
            if f.parent_id is not None:
                children.setdefault(f.parent_id, []).append(f)
        found, i = [folder], 0
        while i < len(found):
            found.extend(sorted(children.get(found[i].id, []), key=lambda f: f.id))
            i += 1
        return found

    def item_ids_in(self, conn: Readable, folder_ids: list[str]) -> list[str]:
        """The ids of every item in these folders."""
        if not folder_ids:
            return []
        return list(connection_of(conn).execute(
            select(items.c.id).where(items.c.folder_id.in_(folder_ids)).order_by(items.c.id)).scalars())

    def mailbox_display_name(self, conn: Readable, smtp: str) -> str:
        row = connection_of(conn).execute(
            select(mailboxes.c.display_name).where(mailboxes.c.smtp == smtp.lower())).first()
        return row[0] if row else smtp

    def mailbox_exists(self, conn: Readable, smtp: str) -> bool:
        return connection_of(conn).execute(
            select(mailboxes.c.smtp).where(mailboxes.c.smtp == smtp.lower())).first() is not None

    def distinguished_folder(self, conn: Readable, mailbox: str, name: str) -> Folder | None:
        row = connection_of(conn).execute(select(folders).where(and_(
            folders.c.mailbox == mailbox.lower(), folders.c.distinguished == name, _LIVE))).first()
        return _folder(row) if row else None

    def folder(self, conn: Readable, folder_id: str, mailbox: str) -> Folder | None:
        row = connection_of(conn).execute(select(folders).where(and_(
            folders.c.id == folder_id, folders.c.mailbox == mailbox.lower(), _LIVE))).first()
        return _folder(row) if row else None

    def lock_folder(self, uow: UnitOfWork, folder_id: str) -> Folder | None:
        """The folder, its row locked until the unit of work ends (PostgreSQL ``FOR UPDATE``; SQLite's writer
        lock already serialises writers): what changes its children (their names must stay unique) takes it."""
        row = unit_of_work(uow).conn.execute(
            select(folders).where(folders.c.id == folder_id).with_for_update()).first()
        return _folder(row) if row else None

    def child_folders(self, conn: Readable, parent_id: str) -> list[Folder]:
        rows = connection_of(conn).execute(select(folders).where(folders.c.parent_id == parent_id, _LIVE))
        return [_folder(r) for r in rows]

    # ---- items --------------------------------------------------------------------------------------------

    def load_item(self, conn: Readable, item_id: str, mailbox: str) -> Item | None:
        """In a write transaction the row is locked (PostgreSQL ``FOR UPDATE``; SQLite's BEGIN IMMEDIATE
        already serialises writers), so concurrent ItemChanges on one item queue instead of losing races."""
        if isinstance(conn, UnitOfWork):
            conn, query = conn.conn, _LOAD_FOR_UPDATE
        else:
            query = _LOAD_FOR_UPDATE if conn.get_execution_options().get("write") else _LOAD_ITEM
        row = query.first(conn, {"item_id": item_id, "mailbox": mailbox.lower()})
        return codec.item_from_mapping(row) if row else None

    def insert_item(self, uow: UnitOfWork, item: Item, at: dt.datetime,
                    changes: dict[str, Any] | None = None) -> None:
        self._insert_row(unit_of_work(uow).conn, item)
        uow.record(_item_entry(CREATED, item, at, changes))

    def deliver_item(self, uow: UnitOfWork, item: Item, at: dt.datetime) -> None:
        """Store a message that arrived by mail (operations/delivery.py): journaled as created and marked
        delivered (core.notifications.DELIVERED), so subscriptions get a NewMailEvent for it."""
        self._insert_row(unit_of_work(uow).conn, item)
        uow.record(_item_entry(CREATED, item, at, {DELIVERED: (None, True)}))

    def update_item(self, uow: UnitOfWork, item: Item, read_version: int, at: dt.datetime,
                    changes: dict[str, tuple[Any, Any]]) -> bool:
        """Write the new state if the stored version is still ``read_version``; False if someone else won.

        ``changes`` is the complete diff from the version read (every property the apply engine changed),
        so only those columns are written, and the journal entry records it as the new version's diff; the
        item's place (folder, mailbox, type) moves only through :meth:`relocate_item`."""
        conn = unit_of_work(uow).conn
        row = codec.changed_columns(item, changes)
        row.update(version=item.version, change_key=item.change_key)
        columns = tuple(sorted(row))  # SET lists exactly these (one compiled form per set of columns)
        row.update(_id=item.id, _read=read_version)
        if _UPDATE_ITEM.execute(conn, row, column_keys=columns) != 1:
            return False
        if any(k.startswith(("ext:", "tag:")) or k in _MULTI for k in changes):
            self._write_values(conn, item, replace=True)
        uow.record(_item_entry(MODIFIED, item, at, changes))
        return True

    def delete_item(self, uow: UnitOfWork, item_id: str, at: dt.datetime | None = None) -> None:
        """HardDelete. The item's journal history stays (it ages out with retention; store/journal.py)."""
        conn = unit_of_work(uow).conn
        conn.execute(_DELETE_VALUES, {"item_id": item_id})
        attachment_rows.delete_all(uow, item_id)
        gone = _DELETE_ITEM.first(conn, {"item_id": item_id})
        if gone is not None:
            uow.record(JournalEntry(0, at or _now(), gone["mailbox"], gone["folder_id"], item_id, ITEM, DELETED,
                                    version=gone["version"], change_key=gone["change_key"]))

    def relocate_item(self, uow: UnitOfWork, item: Item, moved: Item, at: dt.datetime) -> bool:
        """Put ``item`` (as read) where ``moved`` says: its folder in the same mailbox and, for MoveItem, a new
        ItemId, with ``moved``'s version and ChangeKey. One UPDATE conditional on the version read (False if
        someone else won), the multi-value rows follow a new id, and one MOVED entry names the old folder and,
        for a new id, the old id (a sync reads it as the old item gone and the new one arrived)."""
        if moved.mailbox != item.mailbox:
            raise ValueError("relocate_item moves inside one mailbox; across mailboxes it is a copy and a delete")
        conn = unit_of_work(uow).conn
        done = conn.execute(update(items).where(items.c.id == item.id, items.c.version == item.version).values(
            id=moved.id, folder_id=moved.folder_id, version=moved.version, change_key=moved.change_key))
        if done.rowcount != 1:
            return False
        rekeyed = moved.id != item.id
        if rekeyed:
            conn.execute(update(item_values).where(item_values.c.item_id == item.id).values(item_id=moved.id))
            attachment_rows.rekey(uow, item.id, moved.id)
        uow.record(_item_entry(MOVED, moved, at, old_folder_id=item.folder_id,
                               old_object_id=item.id if rekeyed else None))
        return True

    def copy_item(self, uow: UnitOfWork, source: Item, copy: Item, at: dt.datetime) -> None:
        """Store ``copy`` (a new id, built by the caller from ``source``) with a copy of its attachments, and
        journal it as copied from it."""
        self._insert_row(unit_of_work(uow).conn, copy)
        attachment_rows.copy_all(uow, source.id, copy.id)
        uow.record(_item_entry(COPIED, copy, at, old_folder_id=source.folder_id, old_object_id=source.id))

    def messages_to_mark(self, uow: UnitOfWork, folder_id: str, read: bool) -> list[Item]:
        """The messages of a folder whose IsRead is not ``read`` (MarkAllItemsAsRead changes only those;
        associated items are the folder's own, not its contents), locked for the write on PostgreSQL."""
        conn = unit_of_work(uow).conn
        query = (select(items).where(items.c.folder_id == folder_id, items.c.item_type.in_(sorted(MESSAGE_TYPES)),
                                     items.c.message_is_read.isnot(read),
                                     or_(items.c.is_associated.is_(None), items.c.is_associated.is_(False)))
                 .order_by(items.c.id))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return [codec.item_from_row(r) for r in conn.execute(query)]

    def changed_since(self, conn: Readable, item_id: str, change_key: str, *,
                      object_kind: str = ITEM) -> frozenset[str] | None:
        """Keys changed after the version ``change_key`` names; None if this item never had that key, or that
        version has aged out of the journal (the caller then assumes everything changed)."""
        entries = journal.object_entries(conn, item_id, object_kind)
        base = next((e.version for e in entries if e.change_key == change_key and e.version is not None), None)
        if base is None:
            return None
        keys: set[str] = set()
        for entry in entries:
            if entry.version is not None and entry.version > base:
                keys.update(entry.changes)
        return frozenset(keys)

    def folder_changed_since(self, conn: Readable, folder_id: str, change_key: str) -> frozenset[str] | None:
        """:meth:`changed_since` for a folder (UpdateFolder's stale ChangeKeys)."""
        return self.changed_since(conn, folder_id, change_key, object_kind=FOLDER)

    def history(self, conn: Readable, item_id: str) -> list[dict[str, Any]]:
        """The item's versions, oldest first: its journal entries that made one (created, modified, copied, and
        a move that gave it a new ChangeKey; a move that kept it, as DeleteItem's, is no version)."""
        out: list[dict[str, Any]] = []
        last = 0
        for e in journal.object_entries(conn, item_id):
            if e.version is None or (e.event == MOVED and e.version <= last):
                continue
            if e.event in (CREATED, MODIFIED, COPIED, MOVED):
                out.append({"version": e.version, "change_key": e.change_key,
                            "at": e.at.strftime("%Y-%m-%dT%H:%M:%SZ"), "changes": dict(e.changes)})
                last = e.version
        return out

    def _insert_row(self, conn: Connection, item: Item) -> None:
        row = codec.item_to_row(item)
        _INSERT_ITEM.execute(conn, row, column_keys=tuple(row))
        self._write_values(conn, item, replace=False)

    def _write_values(self, conn: Connection, item: Item, replace: bool) -> None:
        if replace:
            conn.execute(_DELETE_VALUES, {"item_id": item.id})
        rows = codec.multi_values(item)
        if rows:
            conn.execute(_INSERT_VALUES, rows)

    # ---- folder hierarchy and counts (GetFolder, FindFolder) ----------------------------------------------

    def mailbox_folders(self, conn: Readable, mailbox: str, soft_deleted: bool = False) -> list[Folder]:
        """Every folder of a mailbox (with ``soft_deleted``, the soft-deleted ones too): a hierarchy has tens
        of folders, so FindFolder walks it in memory."""
        query = _MAILBOX_FOLDERS_AND_DELETED if soft_deleted else _MAILBOX_FOLDERS
        rows = connection_of(conn).execute(query, {"mailbox": mailbox.lower()})
        return [_folder(r) for r in rows]

    def item_counts(self, conn: Readable, folder_ids: list[str]) -> dict[str, ItemCounts]:
        """TotalCount and UnreadCount (messages whose IsRead is false) per folder, in one query however many
        folders (those holding no items are absent from the result). ChildFolderCount needs no query: the
        caller has the mailbox's folders (:meth:`mailbox_folders`)."""
        if not folder_ids:
            return {}
        rows = connection_of(conn).execute(_ITEM_COUNTS, {"folder_ids": folder_ids})
        return {folder_id: ItemCounts(total, int(unread or 0)) for folder_id, total, unread in rows}
