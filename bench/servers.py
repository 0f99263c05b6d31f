"""ewsemu servers for the HTTP benchmarks: the real ``ewsemu serve`` in a child process group, and
throw-away PostgreSQL databases (unique names, dropped afterwards, nothing else touched)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get("EWSEMU_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def serve(database: str, workers: int = 1, threads: int = 8) -> Iterator[str]:
    """Run ``ewsemu serve`` until the block ends; yields the EWS URL."""
    proc = subprocess.Popen([sys.executable, "-m", "ewsemu", "serve", "--port", "0", "--database", database,
                             "--workers", str(workers), "--threads", str(threads)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if m := re.search(r"ewsemu serving EWS at (\S+)", line):
                url = m.group(1)
                break
        else:
            raise RuntimeError("ewsemu serve exited before it was ready")
        time.sleep(1.0 if workers > 1 else 0.2)  # let every worker boot
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def postgres_unavailable() -> str | None:
    try:
        _admin("SELECT 1")
    except Exception as err:  # noqa: BLE001 - the reason is reported, the PostgreSQL figures skipped
        return str(err).splitlines()[0]
    return None


@contextmanager
def pg_database() -> Iterator[str]:
    name = f"ewsemu_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
