"""The repository: every read and write the operations need, as SQLAlchemy Core statements.

Each ItemChange runs in its own write transaction; an item's UPDATE is conditional on the version that was
read (``WHERE version = :read``), so two concurrent writers can never both succeed from the same version.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..core.fields import STRINGS, stored_fields
from ..core.folders import DISTINGUISHED, Folder
from ..core.ids import IdFactory
from ..core.item import Item
from . import codec, migrations
from .engine import is_memory, make_engine
from .fastsql import Prepared
from .schema import SHARED_TABLES, folders, item_values, item_versions, items, mailboxes, metadata, shared_state

_MULTI = frozenset(f.uri for f in stored_fields() if f.kind == STRINGS)

def _folder(row: Any) -> Folder:
    m = row._mapping
    return Folder(m["id"], m["mailbox"], m["parent_id"], m["distinguished"], m["display_name"],
                  m["folder_class"], m["version"])


# The statements every ItemChange runs: compiled once per dialect, executed on the driver's cursor (fastsql).
_LOAD = select(items).where(items.c.id == bindparam("item_id"), items.c.mailbox == bindparam("mailbox"))
_LOAD_ITEM = Prepared(_LOAD)
_LOAD_FOR_UPDATE = Prepared(_LOAD.with_for_update())
_INSERT_ITEM = Prepared(insert(items))
_UPDATE_ITEM = Prepared(update(items).where(items.c.id == bindparam("_id"), items.c.version == bindparam("_read")))
_INSERT_VERSION = Prepared(insert(item_versions))
_VERSION_COLUMNS = ("item_id", "version", "change_key", "at", "changes")
# Less frequent ones stay plain Core, built once.
_VERSION_OF_KEY = select(item_versions.c.version).where(item_versions.c.item_id == bindparam("item_id"),
                                                        item_versions.c.change_key == bindparam("change_key"))
_CHANGES_AFTER = select(item_versions.c.changes).where(item_versions.c.item_id == bindparam("item_id"),
                                                       item_versions.c.version > bindparam("version"))
_DELETE_VALUES = delete(item_values).where(item_values.c.item_id == bindparam("item_id"))
_INSERT_VALUES = insert(item_values)


class Store:
    def __init__(self, url: str, ids: IdFactory | None = None) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.ids = ids or IdFactory()
        self._known_mailboxes: set[str] = set()
        self._mailbox_lock = threading.Lock()
        #: the reset generation the caches above belong to (:meth:`observe_generation`)
        self._generation: int | None = None

    @property
    def shared(self) -> bool:
        """Other processes may use this database too (a file or a server, not in-memory SQLite)."""
        return not is_memory(self.url)

    def create_schema(self) -> None:
        """Run the Alembic migrations to head (one query when the database is already there)."""
        with self.write() as conn:
            migrations.upgrade(conn)

    def dispose(self) -> None:
        self.engine.dispose()

    def reset(self) -> None:
        """Forget every mailbox, folder and item (the test double's tables are the double's to clear), and
        bump the reset generation so every other process drops what it cached about them."""
        with self._mailbox_lock, self.write() as conn:
            for table in reversed(metadata.sorted_tables):
                if table.name not in SHARED_TABLES:
                    conn.execute(delete(table))
            conn.execute(update(shared_state).values(generation=shared_state.c.generation + 1))
            self._known_mailboxes.clear()

    def observe_generation(self, generation: int) -> None:
        """Called with the reset generation a request read: after a reset by any process, the mailboxes this
        one knew may be gone, so it forgets them."""
        if generation != self._generation:
            with self._mailbox_lock:
                self._known_mailboxes.clear()
                self._generation = generation

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    # ---- mailboxes and folders -------------------------------------------------------------------------

    def ensure_mailbox(self, smtp: str, display_name: str | None = None, now: dt.datetime | None = None) -> None:
        """Create the mailbox and its distinguished folders on first use (once, even across processes)."""
        smtp = smtp.lower()
        if smtp in self._known_mailboxes:
            return
        with self._mailbox_lock:
            try:
                with self.write() as conn:
                    if conn.execute(select(mailboxes.c.smtp).where(mailboxes.c.smtp == smtp)).first() is None:
                        self._create_mailbox(conn, smtp, display_name, now)
            except IntegrityError:
                pass  # another process created it between our look and our insert (PostgreSQL)
            self._known_mailboxes.add(smtp)

    def _create_mailbox(self, conn: Connection, smtp: str, display_name: str | None,
                        now: dt.datetime | None) -> None:
        now = (now or dt.datetime.now(dt.timezone.utc)).replace(tzinfo=None)
        conn.execute(insert(mailboxes).values(smtp=smtp, display_name=display_name or smtp.split("@")[0],
                                              created=now))
        ids: dict[str, str] = {}
        for name, (display, cls, parent) in DISTINGUISHED.items():
            ids[name] = self.ids.folder_id()
            conn.execute(insert(folders).values(
                id=ids[name], mailbox=smtp, parent_id=ids.get(parent) if parent else None,
                distinguished=name, display_name=display, folder_class=cls, version=1))

    def mailbox_display_name(self, conn: Connection, smtp: str) -> str:
        row = conn.execute(select(mailboxes.c.display_name).where(mailboxes.c.smtp == smtp.lower())).first()
        return row[0] if row else smtp

    def mailbox_exists(self, conn: Connection, smtp: str) -> bool:
        return conn.execute(select(mailboxes.c.smtp).where(mailboxes.c.smtp == smtp.lower())).first() is not None

    def distinguished_folder(self, conn: Connection, mailbox: str, name: str) -> Folder | None:
        row = conn.execute(select(folders).where(and_(folders.c.mailbox == mailbox.lower(),
                                                      folders.c.distinguished == name))).first()
        return _folder(row) if row else None

    def folder(self, conn: Connection, folder_id: str, mailbox: str) -> Folder | None:
        row = conn.execute(select(folders).where(and_(folders.c.id == folder_id,
                                                      folders.c.mailbox == mailbox.lower()))).first()
        return _folder(row) if row else None

    def child_folders(self, conn: Connection, parent_id: str) -> list[Folder]:
        return [_folder(r) for r in conn.execute(select(folders).where(folders.c.parent_id == parent_id))]

    # ---- items --------------------------------------------------------------------------------------------

    def load_item(self, conn: Connection, item_id: str, mailbox: str) -> Item | None:
        """In a write transaction the row is locked (PostgreSQL ``FOR UPDATE``; SQLite's BEGIN IMMEDIATE
        already serialises writers), so concurrent ItemChanges on one item queue instead of losing races."""
        query = _LOAD_FOR_UPDATE if conn.get_execution_options().get("write") else _LOAD_ITEM
        row = query.first(conn, {"item_id": item_id, "mailbox": mailbox.lower()})
        return codec.item_from_mapping(row) if row else None

    def insert_item(self, conn: Connection, item: Item, at: dt.datetime, changes: dict[str, Any] | None = None) -> None:
        row = codec.item_to_row(item)
        _INSERT_ITEM.execute(conn, row, column_keys=tuple(row))
        self._record_version(conn, item, at, changes or {})
        self._write_values(conn, item, replace=False)

    def update_item(self, conn: Connection, item: Item, read_version: int, at: dt.datetime,
                    changes: dict[str, tuple[Any, Any]]) -> bool:
        """Write the new state if the stored version is still ``read_version``; False if someone else won.

        ``changes`` is the complete diff from the version read (every property the apply engine changed),
        so only those columns are written; the item's place (folder, mailbox, type) moves only through
        :meth:`move_item`."""
        row = codec.changed_columns(item, changes)
        row.update(version=item.version, change_key=item.change_key)
        columns = tuple(sorted(row))  # SET lists exactly these (one compiled form per set of columns)
        row.update(_id=item.id, _read=read_version)
        if _UPDATE_ITEM.execute(conn, row, column_keys=columns) != 1:
            return False
        self._record_version(conn, item, at, changes)
        if any(k.startswith(("ext:", "tag:")) or k in _MULTI for k in changes):
            self._write_values(conn, item, replace=True)
        return True

    def delete_item(self, conn: Connection, item_id: str) -> None:
        conn.execute(delete(item_values).where(item_values.c.item_id == item_id))
        conn.execute(delete(item_versions).where(item_versions.c.item_id == item_id))
        conn.execute(delete(items).where(items.c.id == item_id))

    def move_item(self, conn: Connection, item_id: str, folder_id: str) -> None:
        conn.execute(update(items).where(items.c.id == item_id).values(folder_id=folder_id))

    def changed_since(self, conn: Connection, item_id: str, change_key: str) -> frozenset[str] | None:
        """Keys changed after the version ``change_key`` names; None if this item never had that key."""
        row = conn.execute(_VERSION_OF_KEY, {"item_id": item_id, "change_key": change_key}).first()
        if row is None:
            return None
        keys: set[str] = set()
        for (text,) in conn.execute(_CHANGES_AFTER, {"item_id": item_id, "version": row[0]}):
            keys.update(json.loads(text))
        return frozenset(keys)

    def history(self, conn: Connection, item_id: str) -> list[dict[str, Any]]:
        rows = conn.execute(select(item_versions).where(item_versions.c.item_id == item_id)
                            .order_by(item_versions.c.version))
        return [{"version": r.version, "change_key": r.change_key,
                 "at": r.at.strftime("%Y-%m-%dT%H:%M:%SZ"), "changes": json.loads(r.changes)} for r in rows]

    def _record_version(self, conn: Connection, item: Item, at: dt.datetime, changes: dict[str, Any]) -> None:
        diff = {k: [codec.json_value(old), codec.json_value(new)] for k, (old, new) in changes.items()} \
            if changes and isinstance(next(iter(changes.values())), tuple) else {}
        _INSERT_VERSION.execute(conn, {"item_id": item.id, "version": item.version, "change_key": item.change_key,
                                       "at": at.astimezone(dt.timezone.utc).replace(tzinfo=None),
                                       "changes": json.dumps(diff)}, column_keys=_VERSION_COLUMNS)

    def _write_values(self, conn: Connection, item: Item, replace: bool) -> None:
        if replace:
            conn.execute(_DELETE_VALUES, {"item_id": item.id})
        rows = codec.multi_values(item)
        if rows:
            conn.execute(_INSERT_VALUES, rows)

    # ---- folder hierarchy and counts (GetFolder, FindFolder) ----------------------------------------------

    def mailbox_folders(self, conn: Connection, mailbox: str) -> list[Folder]:
        """Every folder of a mailbox: a hierarchy has tens of folders, so FindFolder walks it in memory."""
        return [_folder(r) for r in conn.execute(select(folders).where(folders.c.mailbox == mailbox.lower()))]

    def item_counts(self, conn: Connection, folder_ids: list[str]) -> dict[str, int]:
        """TotalCount per folder (folders holding no items are absent from the result)."""
        if not folder_ids:
            return {}
        rows = conn.execute(select(items.c.folder_id, func.count()).where(items.c.folder_id.in_(folder_ids))
                            .group_by(items.c.folder_id))
        return {folder_id: count for folder_id, count in rows}

    def unread_counts(self, conn: Connection, folder_ids: list[str]) -> dict[str, int]:
        """UnreadCount per folder: its messages whose IsRead is false (folders without any are absent)."""
        if not folder_ids:
            return {}
        rows = conn.execute(select(items.c.folder_id, func.count()).where(
            items.c.folder_id.in_(folder_ids), items.c.message_is_read.is_(False)).group_by(items.c.folder_id))
        return {folder_id: count for folder_id, count in rows}

    def child_folder_counts(self, conn: Connection, folder_ids: list[str]) -> dict[str, int]:
        """ChildFolderCount per folder (folders without children are absent from the result)."""
        if not folder_ids:
            return {}
        rows = conn.execute(select(folders.c.parent_id, func.count()).where(folders.c.parent_id.in_(folder_ids))
                            .group_by(folders.c.parent_id))
        return {parent_id: count for parent_id, count in rows}
