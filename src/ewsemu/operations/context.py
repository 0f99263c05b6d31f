"""What one request carries through the operations: the store, the id factory, the settings the operations
read, the acting mailbox, its time zone, the time, and the hook where injected faults reach an operation.

The composition root (:mod:`ewsemu.emulator`) builds it; operations see only these interfaces, never the
emulator or the test-double machinery behind them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Protocol

from ..core.errors import EwsError
from ..core.ids import IdFactory
from ..core.timezones import zone_for_windows_id
from ..core.users import UserDirectory
from ..protocol.headers import RequestHeaders
from ..store.repository import Store
from . import access


class OperationSettings(Protocol):
    """The settings an operation reads (:class:`ewsemu.emulator.Settings` has them)."""

    @property
    def strict(self) -> bool: ...  # D1/D2 strict variants (and D10)

    @property
    def users(self) -> UserDirectory | None: ...  # None: the open default (every mailbox)

    @property
    def max_subscriptions(self) -> int: ...  # per user (Exchange's EWSMaxSubscriptions throttling policy)

    @property
    def delivery_delay(self) -> float: ...  # seconds before sent mail reaches a local recipient's Inbox


class FaultHook(Protocol):
    """Where an injected fault reaches an operation: an in-band answer for one element of a request (the
    ``conflict`` rule on an UpdateItem ItemChange), a sync state refused, items a sync reports that are not
    there. The test double implements it; an operation only asks."""

    def element_fault(self, operation: str, mailbox: str, item_id: str) -> EwsError | None: ...

    def subscription_expired(self, operation: str, mailbox: str, subscription_id: str) -> bool:
        """Whether an injected fault makes this subscription answer as expired (GetEvents, GetStreamingEvents)."""
        ...

    def sync_state_fault(self, operation: str, mailbox: str, folder_id: str) -> EwsError | None:
        """SyncFolderItems / SyncFolderHierarchy on ``folder_id``: the error to answer its sync state with."""
        ...

    def phantom_items(self, operation: str, mailbox: str, folder_id: str) -> int:
        """SyncFolderItems on ``folder_id``: how many created items to report that do not exist (GetItem then
        answers ErrorItemNotFound for them, as Office 365 sometimes makes clients find)."""
        ...


class NoFaults:
    """The fault hook when nothing can fire (the REST faces, benchmarks, direct calls)."""

    def element_fault(self, operation: str, mailbox: str, item_id: str) -> EwsError | None:
        return None

    def subscription_expired(self, operation: str, mailbox: str, subscription_id: str) -> bool:
        return False

    def sync_state_fault(self, operation: str, mailbox: str, folder_id: str) -> EwsError | None:
        return None

    def phantom_items(self, operation: str, mailbox: str, folder_id: str) -> int:
        return 0


NO_FAULTS = NoFaults()


@dataclass
class RequestContext:
    store: Store
    ids: IdFactory
    settings: OperationSettings
    mailbox: str
    zone: dt.tzinfo
    now: dt.datetime
    #: the authenticated caller; ``mailbox`` differs from it under ExchangeImpersonation
    principal: str = ""
    faults: FaultHook = NO_FAULTS
    #: what the current write hands on once it commits (mail delivered after a delay, operations/delivery.py)
    outbox: list[Callable[[], None]] = field(default_factory=list)


def request_context(headers: RequestHeaders, user: str, *, store: Store, ids: IdFactory,
                    settings: OperationSettings, now: dt.datetime, faults: FaultHook = NO_FAULTS) -> RequestContext:
    """Resolve the acting mailbox and the request's time zone (D23) from the SOAP headers; the acting mailbox
    is created on its first request, named in that request's MailboxCulture (D42)."""
    zone = zone_for_windows_id(headers.time_zone_id)
    mailbox = user.lower()
    if not mailbox or "@" not in mailbox:
        raise EwsError("ErrorNonExistentMailbox", message="The user name must be an SMTP address.")
    principal = mailbox
    if headers.impersonation is not None:
        mailbox = access.impersonated_mailbox(settings.users, principal, headers.impersonation)
    store.ensure_mailbox(mailbox, now=now, culture=headers.mailbox_culture)
    return RequestContext(store, ids, settings, mailbox, zone, now, principal, faults)
