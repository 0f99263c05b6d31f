"""Engines per database URL: SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE for writes; PostgreSQL a
checked pool and asynchronous commit. Both are durable against a crash of ewsemu itself."""
from __future__ import annotations

import sqlite3
import time

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool


def is_memory(url: str) -> bool:
    """An in-memory SQLite database: one process's own, shared with nobody."""
    return url.split("?")[0] in ("sqlite://", "sqlite:///:memory:")


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return _server_engine(url)
    memory = is_memory(url)
    kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite's own handling is broken)
        if not memory:
            _enable_wal(dbapi_conn)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=NORMAL" if not memory else "PRAGMA synchronous=OFF")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # writers take the lock up front so a read-then-write transaction never fails to upgrade; straight
        # to the driver, since this runs once per transaction and SQLAlchemy's execute path costs more than it
        conn.connection.dbapi_connection.execute(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def _enable_wal(dbapi_conn: sqlite3.Connection, patience: float = 30.0) -> None:
    """Switch the file to WAL (a no-op once it is). The switch needs an exclusive lock and SQLite answers
    "database is locked" at once instead of waiting out the busy timeout, so several workers opening a fresh
    file together (tests/store/test_migrations.py) retry for as long as the busy timeout would have waited."""
    deadline = time.monotonic() + patience
    while True:
        try:
            dbapi_conn.execute("PRAGMA journal_mode=WAL").close()
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _server_engine(url: str) -> Engine:
    """PostgreSQL (or another server database): a pool checked on checkout, so a restarted server costs
    one failed ping rather than a failed request.

    Commits do not wait for the WAL flush (``synchronous_commit=off``), the same promise as SQLite's
    synchronous=NORMAL above: everything acknowledged survives a crash of ewsemu (tests/store/test_crash.py), and a
    crash of the database machine may lose the last fraction of a second. It saves ~190 µs per ItemChange.
    Ask for full durability in the URL: ``…?options=-csynchronous_commit%3Don``.
    """
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if engine.dialect.name == "postgresql" and "synchronous_commit" not in url:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("SET synchronous_commit = off")
            cur.close()
            dbapi_conn.commit()

    return engine
