"""Alembic migrations for the store, run in-process at start-up on the caller's connection.

``Store.create_schema()`` calls :func:`upgrade` inside its write transaction: a database already at head
costs one query (the fast path every worker and every test takes), an empty or older one is brought to head
by the revisions in ``versions/``. No ``alembic.ini`` and no subprocess are involved, so an installed ewsemu
migrates its own database.

Adding a stored field to the registry (or any change to ``store/schema.py``) needs a new revision:
``make migration MESSAGE="add task:Foo"`` (``python -m ewsemu.store.migrations revision "…"``) autogenerates
it by comparing a database at head with ``schema.metadata``; review it, keep it, and
``tests/store/test_migrations.py`` checks that head and the metadata agree on SQLite and PostgreSQL.
"""
from __future__ import annotations

import functools
from pathlib import Path

from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from ..schema import metadata

LOCATION = Path(__file__).resolve().parent
VERSION_TABLE = "alembic_version"
#: pg_advisory_xact_lock key serialising concurrent start-ups (several workers, several CI jobs)
_PG_LOCK_KEY = 0x65_77_73_65_6D_75  # "ewsemu"


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(LOCATION))
    return cfg


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    revision = _script().get_current_head()
    assert revision is not None, "no migrations in ewsemu/store/migrations/versions"
    return revision


def current(conn: Connection) -> str | None:
    """The revision the database is at; None for an empty database."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(conn: Connection) -> bool:
    """Bring the database to head in the caller's transaction; False when it already was."""
    if current(conn) == head():
        return False
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        if current(conn) == head():  # another process migrated while we waited for the lock
            return False
    script = _script()
    context = MigrationContext.configure(conn, opts={
        "target_metadata": metadata, "render_as_batch": True,
        "fn": lambda rev, _ctx: script._upgrade_revs("head", rev)})
    with Operations.context(context):
        context.run_migrations()
    return True
