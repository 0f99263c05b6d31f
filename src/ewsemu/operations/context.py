"""The composition root (:class:`Emulator`) and what one request carries through the operations."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..core.clock import Clock, apply_spec
from ..core.errors import EwsError
from ..core.ids import IdFactory
from ..core.timezones import zone_for_windows_id
from ..faults import FaultEngine
from ..ledger import Ledger
from ..limits import Limits
from ..protocol.envelope import Envelope
from ..protocol.namespaces import t
from ..protocol.responses import ServerVersion
from ..store.repository import Store
from ..users import UserDirectory
from . import access


@dataclass(frozen=True)
class Settings:
    database: str = "sqlite:///./ewsemu.db"
    lenient_namespaces: bool = False
    #: D1/D2 strict variants (and D10): missing ChangeKey / ConflictResolution are errors
    strict: bool = False
    server_version: ServerVersion = field(default_factory=ServerVersion)
    seed: int | None = None
    #: the users file (``--users``): None is the open default (any credentials, every mailbox)
    users: UserDirectory | None = field(default=None, compare=False)
    limits: Limits = field(default_factory=Limits)
    #: ``--clock``: ``frozen:2026-01-13T09:00:00Z``, ``offset:+3d``, ``frozen`` or ``real`` (None: real time)
    clock: str | None = None
    #: serve the test-double control plane and dashboard under ``/_ewsemu/`` (``--no-control-plane``)
    control_plane: bool = True
    #: requests the ledger keeps in memory (a ring buffer); 0 keeps none
    ledger_size: int = 1000


class Emulator:
    """One emulator instance: settings, store, clock, id factory, request ledger and fault rules shared by
    every request."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self._own_clock = clock is None
        self.clock = clock or Clock()
        if settings.clock:
            apply_spec(self.clock, settings.clock)
        self.ids = IdFactory(settings.seed)
        self.store = Store(settings.database, self.ids)
        self.store.create_schema()
        self.ledger = Ledger(settings.ledger_size)
        self.faults = FaultEngine(settings.seed, now=self.clock.now)

    def reset(self) -> None:
        """Forget every mailbox, folder and item."""
        self.store.reset()

    def reset_all(self) -> None:
        """Back to the state at start-up (the control plane's reset, the pytest plugin's per-test isolation):
        no mailboxes or items, an empty ledger, no fault rules, the id sequence restarted (so ``--seed`` runs
        repeat their ids after every reset) and the clock as ``--clock`` configured it."""
        self.store.reset()
        self.ids = self.store.ids = IdFactory(self.settings.seed)
        self.ledger.clear()
        self.faults.reset()
        if self.settings.clock:
            apply_spec(self.clock, self.settings.clock)
        elif self._own_clock:
            self.clock.reset()

    def close(self) -> None:
        self.store.dispose()


@dataclass
class RequestContext:
    emulator: Emulator
    envelope: Envelope
    mailbox: str
    zone: dt.tzinfo
    now: dt.datetime
    #: the authenticated caller; ``mailbox`` differs from it under ExchangeImpersonation
    principal: str = ""
    #: injected faults that fired inside the operation (the request's ledger entry lists them)
    fired_faults: list[dict] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return self.emulator.store

    @property
    def settings(self) -> Settings:
        return self.emulator.settings


def request_context(emulator: Emulator, envelope: Envelope, user: str) -> RequestContext:
    """Resolve the acting mailbox and the request's time zone (D23) from the SOAP headers."""
    tz_header = envelope.header("TimeZoneContext")
    windows_id = None
    if tz_header is not None:
        definition = tz_header.find(t("TimeZoneDefinition"))
        windows_id = definition.get("Id") if definition is not None else None
    zone = zone_for_windows_id(windows_id)
    mailbox = user.lower()
    if not mailbox or "@" not in mailbox:
        raise EwsError("ErrorNonExistentMailbox", message="The user name must be an SMTP address.")
    principal = mailbox
    impersonation = envelope.header("ExchangeImpersonation")
    if impersonation is not None:
        mailbox = access.impersonated_mailbox(emulator.settings.users, principal, impersonation)
    emulator.store.ensure_mailbox(mailbox, now=emulator.clock.now())
    return RequestContext(emulator, envelope, mailbox, zone, emulator.clock.now(), principal)
