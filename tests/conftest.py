"""Shared fixtures: an emulator on a fresh database, its WSGI app, and a SOAP caller.

The suite runs on two databases (``make test`` runs it twice): by default every test gets its own in-memory
SQLite database; with ``EWSEMU_TEST_DATABASE=postgresql`` one throw-away PostgreSQL database is created for
the session (migrated once, dropped at the end) and emptied before each test that uses ``emulator``.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Callable, Iterator

import pytest

from ewsemu.control import ControlClient
from ewsemu.core.clock import Clock
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.http import ThreadedServer
from ewsemu.server.wsgi import make_app

from . import databases, ms_schema
from .servers import ServerProcess
from .soap import Client

TEST_DATABASE = databases.KIND
if TEST_DATABASE not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"EWSEMU_TEST_DATABASE={TEST_DATABASE!r}: use sqlite or postgresql")


def pytest_configure(config: pytest.Config) -> None:
    ms_schema.folder()  # an EWSEMU_MS_SCHEMA without Microsoft's files stops the run here, before any test


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failing test shows the log of every ``ewsemu serve`` subprocess still running (worker tracebacks
    would otherwise stay in the subprocess's stderr file)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in list(ServerProcess.running):
            report.sections.append((f"ewsemu server log ({server.database}, {server.workers} workers)",
                                    server.log() or "(empty)"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"ewsemu test database: {TEST_DATABASE}", ms_schema.report_header()]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say which checks against Microsoft's schema were left out (tests/ms_schema.py)."""
    lines = ms_schema.summary()
    if lines:
        terminalreporter.write_sep("-", "Microsoft's EWS schema")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """The URL the ``settings`` fixture uses: in-memory SQLite, or this session's PostgreSQL database."""
    if TEST_DATABASE == "sqlite":
        yield "sqlite://"
        return
    with databases.pg_database() as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    c = Clock()
    c.freeze(dt.datetime(2026, 1, 13, 9, 0, tzinfo=dt.timezone.utc))
    return c


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database=database_url, seed=7)


@pytest.fixture
def emulator(settings: Settings, clock: Clock, database_url: str):
    emu = Emulator(settings, clock)
    if settings.database == database_url != "sqlite://":
        emu.reset()  # the session's shared database: start every test empty
    yield emu
    emu.close()


@pytest.fixture
def client(emulator: Emulator) -> Client:
    return Client(make_app(emulator))


@pytest.fixture
def server(emulator: Emulator) -> Iterator[ThreadedServer]:
    """The test's emulator served over real HTTP on a free port."""
    with ThreadedServer(emulator=emulator) as srv:
        yield srv


@pytest.fixture
def exchangelib_account(server: ThreadedServer) -> Iterator[Callable[[str], object]]:
    """exchangelib 5.6.0 Accounts on the test's server (the emulator the raw-SOAP ``client`` reaches too), as
    a user's integration connects: Basic credentials, delegate access, ewsemu's build."""
    from exchangelib import BASIC, DELEGATE, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import close_connections

    logging.getLogger("exchangelib").setLevel(logging.WARNING)

    def account(smtp: str) -> object:
        config = Configuration(service_endpoint=server.url, credentials=Credentials(smtp, "secret"),
                               auth_type=BASIC, version=Version(build=Build(15, 1, 2507, 6)))
        return Account(smtp, config=config, autodiscover=False, access_type=DELEGATE)

    try:
        yield account
    finally:
        close_connections()


@pytest.fixture
def control(server: ThreadedServer) -> ControlClient:
    return ControlClient(server.base_url)


@pytest.fixture(scope="module")
def tls_server(database_url: str) -> Iterator[ThreadedServer]:
    """ewsemu over HTTPS (``--tls``: a certificate from its own CA, ``ca_file``), in process, open default."""
    with ThreadedServer(settings=Settings(database=database_url), tls=True) as server:
        server.emulator.reset()
        yield server
