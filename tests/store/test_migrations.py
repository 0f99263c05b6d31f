"""Alembic migrations: head equals store/schema.py, start-up migrates once (even when racing), and the
revisions run both ways (on this run's engine: SQLite file or PostgreSQL)."""
from __future__ import annotations

import sqlite3
import threading
from typing import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from ewsemu.store import migrations
from ewsemu.store.engine import make_engine
from ewsemu.store.repository import Store
from ewsemu.store.schema import mailboxes, metadata

from .. import databases



@pytest.fixture
def url(tmp_path) -> Iterator[str]:  # noqa: ANN001
    with databases.shared_database(tmp_path) as u:
        yield u


def test_head_is_exactly_the_schema_module(url: str) -> None:
    store = Store(url)
    store.create_schema()
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        assert migrations.current(conn) == migrations.head()
    store.dispose()
    assert diffs == [], ("store/schema.py and the migrations disagree; add a revision with "
                         f'`make migration MESSAGE="…"`: {diffs}')


def test_a_database_at_head_is_left_alone_and_keeps_its_data(url: str) -> None:
    first = Store(url)
    first.create_schema()
    first.ensure_mailbox("alice@example.com")
    first.dispose()
    second = Store(url)
    with second.write() as uow:
        assert migrations.upgrade(uow.conn) is False  # the fast path: nothing to do
    second.create_schema()
    with second.read() as conn:
        assert conn.execute(select(mailboxes.c.smtp)).scalars().all() == ["alice@example.com"]
    second.dispose()


def test_revisions_downgrade_to_nothing_and_upgrade_again(url: str) -> None:
    store = Store(url)
    store.create_schema()
    cfg = migrations.config()
    with store.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")  # through env.py, as the alembic command line would
        conn.commit()
        assert set(inspect(conn).get_table_names()) <= {migrations.VERSION_TABLE}
        assert migrations.current(conn) is None
    store.create_schema()
    with store.engine.connect() as conn:
        assert {t.name for t in metadata.sorted_tables} <= set(inspect(conn).get_table_names())
    store.dispose()


def test_workers_starting_together_migrate_once(url: str) -> None:
    """Several processes sharing a fresh database all start (PostgreSQL: advisory lock; SQLite: BEGIN
    IMMEDIATE), and exactly one of them runs the revisions."""
    stores = [Store(url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    ran: list[bool] = []
    errors: list[BaseException] = []

    def start(store: Store) -> None:
        barrier.wait()
        try:
            with store.write() as uow:
                ran.append(migrations.upgrade(uow.conn))
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for s in stores:
        s.dispose()
    assert errors == []
    assert sorted(ran) == [False, False, False, True]


def test_a_fresh_sqlite_file_locked_by_another_process_is_waited_for(tmp_path) -> None:  # noqa: ANN001
    """Switching a new file to WAL needs an exclusive lock that SQLite does not wait for: a worker opening the
    file while another one holds it waits (up to the busy timeout) instead of failing 'database is locked'."""
    path = tmp_path / "fresh.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # still in rollback-journal mode, writing: SQLite's "locked" at once
    holder.execute("CREATE TABLE other_process (x)")
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        release.join()
        engine.dispose()
        holder.close()
