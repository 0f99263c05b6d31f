"""The composition root: :class:`Settings` (what ``ewsemu serve`` was started with) and :class:`Emulator`, which
builds the store, the clock, the id factory and the test-double machinery (ledger, fault rules) and hands each
request what the operations need (:meth:`Emulator.request_context`). It sits above the operations; nothing below
imports it."""
from __future__ import annotations

from dataclasses import dataclass, field

from .core.clock import Clock, apply_spec
from .core.ids import IdFactory
from .core.limits import Limits
from .core.users import UserDirectory
from .faults import FaultEngine, RequestFaults
from .ledger import Ledger
from .operations.context import RequestContext, request_context
from .protocol.envelope import Envelope
from .protocol.responses import ServerVersion
from .store.repository import Store


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
    #: change-journal entries kept (store/journal.py); sync states and watermarks older than that resync
    journal_retention: int = 1_000_000


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
        self.store = Store(settings.database, self.ids, journal_retention=settings.journal_retention)
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

    def request_context(self, envelope: Envelope, user: str, fired: list[dict] | None = None) -> RequestContext:
        """What one EWS request runs with: the acting mailbox, its time zone, the time now, and the fault hook
        that records the faults firing inside the operation in ``fired`` (the request's ledger entry)."""
        faults = RequestFaults(self.faults, fired if fired is not None else [])
        return request_context(envelope, user, store=self.store, ids=self.ids, settings=self.settings,
                               now=self.clock.now(), faults=faults)
