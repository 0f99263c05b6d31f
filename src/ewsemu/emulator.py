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
from .double.faults import FaultEngine, RequestFaults
from .double.ledger import Ledger, RequestLedger
from .double.shared import SharedDouble
from .operations.context import RequestContext, request_context
from .operations.push import PushDeliverer
from .protocol.headers import RequestHeaders
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
    #: requests the ledger keeps (a ring buffer in memory, a bounded table in a shared database); 0 keeps none
    ledger_size: int = 1000
    #: change-journal entries kept (store/journal.py); sync states and watermarks older than that resync
    journal_retention: int = 1_000_000
    #: ``--mailbox-language``: the culture (``da-DK``) a new mailbox's default folders are named in when the
    #: request creating it sends no MailboxCulture, which exchangelib never does (D42; core/folder_names.py)
    mailbox_language: str = "en-US"
    #: ``--max-subscriptions``: live notification subscriptions per user (Exchange's EWSMaxSubscriptions
    #: throttling policy: 20 in Exchange Online); one more is ErrorExceededSubscriptionCount
    max_subscriptions: int = 20
    #: ``--delivery-delay``: seconds a sent message takes to reach a local recipient's Inbox (Exchange's
    #: transport delivers after the send returns; 0 delivers in the sending transaction)
    delivery_delay: float = 0.0
    #: ``--push-allow``: push-notification targets beyond the loopback addresses (host names, IP addresses or
    #: CIDR ranges); any other target is refused at delivery, so the emulator is no open relay
    push_allow: tuple[str, ...] = ()
    #: how often (real seconds) the push deliverer looks for due deliveries; deliveries and retries themselves
    #: follow the emulator's clock
    push_poll_seconds: float = 0.5
    #: seconds a push receiver has to answer before the delivery counts as failed
    push_timeout_seconds: float = 10.0
    #: ``--stream-keepalive``: seconds an idle GetStreamingEvents connection waits before it sends a
    #: ConnectionStatus OK envelope (D41: at most 30; as little as 1 for tests)
    stream_keepalive: float = 30.0
    #: seconds between reads of the journal head while streams wait, on a database other processes write to
    #: (store/watcher.py): bounds how late a write through another worker reaches a stream
    journal_poll: float = 0.02

    def __post_init__(self) -> None:
        if not 1 <= self.stream_keepalive <= 30:
            raise ValueError("the streaming keep-alive interval is between 1 and 30 seconds (D41)")


class Emulator:
    """One emulator instance: settings, store, clock, id factory, request ledger and fault rules shared by
    every request.

    On a database other processes can open (a SQLite file, PostgreSQL) the clock, the fault rules and the
    ledger live in it (:mod:`ewsemu.double.shared`), so the workers of ``ewsemu serve --workers N`` are one
    server; each request first calls :meth:`sync`. In-memory SQLite keeps them in this process. A clock handed
    in (``clock=``) stays the caller's, in process, whatever the database.

    A new emulator starts a run: the fault rules and the ledger a previous run left in a shared database are
    cleared and the clock set as ``--clock`` says. ``join=True`` attaches to a running server's state instead
    (its workers, ``ewsemu load-fixtures`` next to it).
    """

    def __init__(self, settings: Settings, clock: Clock | None = None, *, join: bool = False) -> None:
        self.settings = settings
        self.ids = IdFactory(settings.seed)
        self.store = Store(settings.database, self.ids, journal_retention=settings.journal_retention,
                           mailbox_language=settings.mailbox_language, journal_poll=settings.journal_poll)
        self.store.create_schema()
        self._own_clock = clock is None
        #: the push-notification deliverer, once a server started it (:meth:`start_push_delivery`)
        self.push: PushDeliverer | None = None
        self.shared = SharedDouble(self.store, settings.ledger_size, own_clock=self._own_clock) \
            if self.store.shared else None
        if self.shared is None:
            self.clock: Clock = clock or Clock()
            self.ledger: RequestLedger = Ledger(settings.ledger_size)
            self.faults = FaultEngine(settings.seed, now=self.clock.now)
        else:
            self.clock = clock or self.shared.clock  # type: ignore[assignment] - own_clock: a SharedClock
            self.ledger = self.shared.ledger
            self.faults = FaultEngine(settings.seed, now=self.clock.now, rules=self.shared.rules)
        if join and self.shared is not None:
            self.sync()
        else:
            self._start_clock()
            if self.shared is not None:
                self.ledger.clear()
                self.faults.reset()

    def _start_clock(self) -> None:
        """The clock as ``--clock`` configured it (real time without it, unless the caller owns the clock)."""
        if self.settings.clock:
            apply_spec(self.clock, self.settings.clock)
        elif self._own_clock:
            self.clock.reset()

    def sync(self) -> None:
        """Catch up with what other workers changed (a reset, the clock, the fault rules): one SELECT, run at
        the start of every request. Nothing to do when the state is this process's own."""
        if self.shared is not None:
            self.shared.sync()

    def reset(self) -> None:
        """Forget every mailbox, folder and item."""
        self.store.reset()

    def reset_all(self) -> None:
        """Back to the state at start-up (the control plane's reset, the pytest plugin's per-test isolation):
        no mailboxes or items, an empty ledger, no fault rules, the id sequence restarted (so ``--seed`` runs
        repeat their ids after every reset) and the clock as ``--clock`` configured it. In a shared database it
        is every worker's state that goes: they see the reset on their next request (:meth:`sync`)."""
        self.store.reset()
        self.ids = self.store.ids = IdFactory(self.settings.seed)
        self.ledger.clear()
        self.faults.reset()
        self._start_clock()

    def start_push_delivery(self) -> None:
        """Start delivering push notifications from this process (the servers call it; operations/push.py):
        every worker runs one, and a lease in the database gives each push subscription to exactly one."""
        if self.push is None:
            self.push = PushDeliverer(self.store, lambda: self.clock.now(), self.settings)
            self.push.start()

    def close(self) -> None:
        if self.push is not None:
            self.push.stop()
            self.push = None
        if self.shared is not None:
            self.shared.close()
        self.store.dispose()

    def request_context(self, headers: RequestHeaders, user: str,
                        fired: list[dict] | None = None) -> RequestContext:
        """What one EWS request runs with: the acting mailbox, its time zone, the time now, and the fault hook
        that records the faults firing inside the operation in ``fired`` (the request's ledger entry)."""
        faults = RequestFaults(self.faults, fired if fired is not None else [])
        return request_context(headers, user, store=self.store, ids=self.ids, settings=self.settings,
                               now=self.clock.now(), faults=faults)
