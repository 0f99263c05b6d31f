"""pytest plugin (entry point ``pytest11``): an in-process ewsemu for your own test suite.

Two lines in a test are enough::

    def test_my_sync(ewsemu_account):
        account = ewsemu_account("alice@example.com")   # a ready exchangelib Account

Fixtures:

* ``ewsemu_server``: a session-scoped ThreadedServer on a free port; in-memory SQLite unless
  ``EWSEMU_DATABASE`` is set; ``EWSEMU_SEED`` (deterministic ids), ``EWSEMU_CLOCK`` (e.g.
  ``frozen:2026-01-13T09:00:00Z``) and ``EWSEMU_MAILBOX_LANGUAGE`` (e.g. ``da-DK``: the default folders' names)
  configure it, ``EWSEMU_HOST``/``EWSEMU_PORT`` where it listens;
* ``ewsemu``: the same server, reset before each test (no items, empty ledger, no fault rules, ids restarted,
  the clock as configured);
* ``ewsemu_url``: the EWS endpoint URL;
* ``ewsemu_control``: a :class:`ewsemu.control.ControlClient` for the control plane (seed, state, ledger,
  faults, clock, coverage);
* ``ewsemu_account``: a factory of exchangelib Accounts (needs exchangelib installed);
* ``ewsemu_tls_server`` / ``ewsemu_tls``: the same over HTTPS (a session-scoped server with a certificate from
  a throw-away CA; ``ewsemu_tls`` resets it before each test), ``ewsemu_ca``: that CA's PEM file, for
  ``REQUESTS_CA_BUNDLE`` or ``verify=``; ``ewsemu_tls_url``: its EWS endpoint URL.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from .control import ControlClient
from .emulator import Settings
from .server.http import ThreadedServer


def _settings_from_environment() -> Settings:
    seed = os.environ.get("EWSEMU_SEED")
    return Settings(database=os.environ.get("EWSEMU_DATABASE", "sqlite://"),
                    seed=int(seed) if seed else None, clock=os.environ.get("EWSEMU_CLOCK") or None,
                    mailbox_language=os.environ.get("EWSEMU_MAILBOX_LANGUAGE") or "en-US")


@pytest.fixture(scope="session")
def ewsemu_server() -> Iterator[ThreadedServer]:
    server = ThreadedServer(port=int(os.environ.get("EWSEMU_PORT", "0")),
                            host=os.environ.get("EWSEMU_HOST", "127.0.0.1"),
                            settings=_settings_from_environment())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ewsemu_tls_server() -> Iterator[ThreadedServer]:
    """Like ``ewsemu_server``, over HTTPS (its own server and database: the two run side by side)."""
    server = ThreadedServer(host=os.environ.get("EWSEMU_HOST", "127.0.0.1"),
                            settings=_settings_from_environment(), tls=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ewsemu_tls(ewsemu_tls_server: ThreadedServer) -> ThreadedServer:
    ewsemu_tls_server.emulator.reset_all()
    return ewsemu_tls_server


@pytest.fixture
def ewsemu_ca(ewsemu_tls_server: ThreadedServer) -> Path:
    """The CA certificate (PEM) that the HTTPS server's certificate chains to."""
    assert ewsemu_tls_server.ca_file is not None
    return ewsemu_tls_server.ca_file


@pytest.fixture
def ewsemu_tls_url(ewsemu_tls: ThreadedServer) -> str:
    return ewsemu_tls.url


@pytest.fixture
def ewsemu(ewsemu_server: ThreadedServer) -> ThreadedServer:
    ewsemu_server.emulator.reset_all()
    return ewsemu_server


@pytest.fixture
def ewsemu_control(ewsemu: ThreadedServer) -> ControlClient:
    """The control plane of the (freshly reset) server: ``seed()``, ``state()``, ``ledger()``, ``add_fault()``,
    ``clock_freeze()``, … (see :mod:`ewsemu.control`)."""
    return ControlClient(ewsemu.base_url)


@pytest.fixture
def ewsemu_url(ewsemu: ThreadedServer) -> str:
    return ewsemu.url


@pytest.fixture
def ewsemu_account(ewsemu: ThreadedServer) -> Iterator[Callable[..., Any]]:
    """``ewsemu_account(smtp, **account_kwargs)`` -> an exchangelib Account talking to this server."""
    from exchangelib import BASIC, DELEGATE, UTC, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import close_connections

    def make(smtp: str = "alice@example.com", **kwargs: Any) -> Any:
        config = Configuration(service_endpoint=ewsemu.url, credentials=Credentials(smtp, "ewsemu"),
                               auth_type=BASIC, version=Version(build=Build(15, 1, 2507, 6)))
        kwargs.setdefault("default_timezone", UTC)
        return Account(smtp, config=config, autodiscover=False, access_type=DELEGATE, **kwargs)

    yield make
    close_connections()
