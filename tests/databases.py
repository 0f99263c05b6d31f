"""Throw-away databases for tests: the PostgreSQL server at 127.0.0.1:5432 (trust auth) and SQLite files.

``EWSEMU_TEST_DATABASE`` (``sqlite``, the default, or ``postgresql``) says which engine this pytest run
covers; ``make test`` runs the suite once per engine, so tests that need a database shared by several
processes take it from :func:`shared_database` and run on each engine once.

Each PostgreSQL database gets a unique name (``ewsemu_test_<pid>_<random>``) and is dropped by whoever made
it; nothing else on the server is touched. Outside CI a missing server skips the tests that need it, with
the reason; in CI (``CI=true``) it is an error, so a broken service can never pass as green.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

KIND = os.environ.get("EWSEMU_TEST_DATABASE", "sqlite")
#: the maintenance database we connect to in order to create and drop test databases
PG_ADMIN_URL = os.environ.get("EWSEMU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_unavailable() -> str | None:
    """None when the server answers; else why not."""
    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as err:  # noqa: BLE001 - any failure to connect is the reason we report
        return f"PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string(hide_password=True)} unreachable: " \
               f"{str(err).splitlines()[0]}"
    finally:
        engine.dispose()
    return None


def require_postgres() -> None:
    """Skip (or, in CI, fail) the calling test when the server is unreachable."""
    reason = postgres_unavailable()
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)", pytrace=False)
    pytest.skip(reason)


def _admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def create_pg_database() -> str:
    """A new empty database; returns its SQLAlchemy URL."""
    name = f"ewsemu_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    assert name and name.startswith("ewsemu_test_"), f"refusing to drop {name!r}: not a test database"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for the ``with`` block (skips or fails when the server is down)."""
    require_postgres()
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@contextmanager
def shared_database(directory: Path) -> Iterator[str]:
    """A fresh database of this run's engine that several processes can share: a SQLite file (WAL) in
    ``directory``, or a throw-away PostgreSQL database."""
    if KIND == "sqlite":
        yield f"sqlite:///{directory / 'ewsemu.db'}"
    else:
        with pg_database() as url:
            yield url
