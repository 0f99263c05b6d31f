"""PostgreSQL specifics (the ``make test-postgresql`` run): row locks for writers, first start of the CLI.

Everything else about PostgreSQL is the whole suite, which that run repeats on a PostgreSQL database.
"""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import inspect

from ewsemu.core.item import Item
from ewsemu.store import migrations
from ewsemu.store.repository import Store

from .. import databases
from ..servers import EwsHttp, ServerProcess

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(databases.KIND != "postgresql",
                                 reason="PostgreSQL run only (EWSEMU_TEST_DATABASE=postgresql; make test runs it)")]


def test_a_writer_reading_an_item_locks_it_until_commit() -> None:
    """READ COMMITTED alone would let two writers read the same version and one lose at the conditional
    UPDATE (a retry); ``load_item`` in a write transaction takes the row lock, so the second one waits."""
    with databases.pg_database() as url:
        store = Store(url)
        store.create_schema()
        store.ensure_mailbox("alice@example.com")
        with store.read() as conn:
            folder = store.distinguished_folder(conn, "alice@example.com", "tasks")
        item = Item(id="AAMkAQ==", mailbox="alice@example.com", folder_id=folder.id, item_type="Task",
                    version=1, change_key="EwAAAA==")
        with store.write() as conn:
            store.insert_item(conn, item, at=dt.datetime(2026, 1, 13, 9, tzinfo=dt.timezone.utc))
        second_read_at: list[float] = []

        def second_writer() -> None:
            with store.write() as conn:
                store.load_item(conn, item.id, "alice@example.com")
                second_read_at.append(time.monotonic())

        with store.write() as conn:
            store.load_item(conn, item.id, "alice@example.com")
            other = threading.Thread(target=second_writer)
            other.start()
            time.sleep(0.3)
            assert second_read_at == []  # blocked on our row lock
            committed_at = time.monotonic()
        other.join(timeout=30)
        store.dispose()
    assert second_read_at and second_read_at[0] >= committed_at


def test_the_cli_creates_the_schema_on_first_start() -> None:
    with databases.pg_database() as url:
        with ServerProcess(url) as server:
            client = EwsHttp(server.url)
            assert client.create_task().id
            client.close()
        store = Store(url)
        with store.read() as conn:
            assert migrations.current(conn) == migrations.head()
            assert {"items", "folders", "mailboxes", "change_journal", "item_values"} <= set(
                inspect(conn).get_table_names())
        store.dispose()


def test_commits_are_asynchronous_unless_the_url_asks_otherwise() -> None:
    """synchronous_commit=off (durable against an ewsemu crash, as SQLite's synchronous=NORMAL; test_crash.py)
    unless the URL sets it."""
    with databases.pg_database() as url:
        settings = {}
        for name, u in (("default", url), ("asked", url + "?options=-csynchronous_commit%3Don")):
            store = Store(u)
            with store.read() as conn:
                settings[name] = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
            store.dispose()
    assert settings == {"default": "off", "asked": "on"}
