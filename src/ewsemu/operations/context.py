"""The composition root (:class:`Emulator`) and what one request carries through the operations."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..core.clock import Clock
from ..core.errors import EwsError
from ..core.ids import IdFactory
from ..core.timezones import zone_for_windows_id
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


class Emulator:
    """One emulator instance: settings, store, clock and id factory shared by every request."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self.ids = IdFactory(settings.seed)
        self.store = Store(settings.database, self.ids)
        self.store.create_schema()

    def reset(self) -> None:
        """Forget every mailbox, folder and item (the plugin's per-test isolation)."""
        self.store.reset()

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
