"""Shared fixtures: an emulator on a fresh in-memory database, its WSGI app, and a SOAP caller."""
from __future__ import annotations

import datetime as dt

import pytest

from ewsemu.core.clock import Clock
from ewsemu.operations.context import Emulator, Settings
from ewsemu.server.wsgi import make_app

from .soap import Client


@pytest.fixture
def clock() -> Clock:
    c = Clock()
    c.freeze(dt.datetime(2026, 1, 13, 9, 0, tzinfo=dt.timezone.utc))
    return c


@pytest.fixture
def settings() -> Settings:
    return Settings(database="sqlite://", seed=7)


@pytest.fixture
def emulator(settings: Settings, clock: Clock):
    emu = Emulator(settings, clock)
    yield emu
    emu.close()


@pytest.fixture
def client(emulator: Emulator) -> Client:
    return Client(make_app(emulator))
