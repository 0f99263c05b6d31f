"""Fault injection: rules that make the next matching request fail the way a real Exchange server fails.

A rule has a kind, a match (operation, mailbox, item id, face; each optional) and a budget: ``count`` times
(default 1; null for every time) and/or a ``probability`` per matching request (seeded by ``--seed``, so a run
repeats). Kinds, each a failure EWS clients must survive:

========================  =====================================================================================
``server_busy``           SOAP fault ErrorServerBusy (HTTP 500) with ``MessageXml/t:Value Name="BackOffMilliseconds"``
                          (``back_off_ms``); a REST call gets 429 with Retry-After
``soap_fault``            a SOAP fault with any ResponseCode (``code``, optional ``message``); REST: 500 JSON
``http_status``           a bare HTTP ``status`` (500, 503, 401 with a challenge, …), no SOAP body
``drop_connection``       the connection is closed without a response (the client sees a reset)
``delay``                 the request is held ``delay_ms`` before it is answered normally
``bump_change_key``       before the request runs, ``item_id`` gets a new version (someone else edited it:
                          LastModifiedTime, or the properties in ``set``), recorded in its ChangeKey history
``conflict``              the next UpdateItem ItemChange on the item answers ErrorIrresolvableConflict in-band
``expired_subscription``  the next GetEvents or GetStreamingEvents on a subscription (``subscription_id``, or any)
                          finds it expired: ErrorExpiredSubscription, and the subscription ends
``drop_stream``           a GetStreamingEvents stream is cut after ``after`` envelopes (default 1): the client
                          sees the connection end without ConnectionStatus Closed (no terminating chunk); the
                          subscription lives on, so the client can reconnect with it
``invalid_sync_state``    SyncFolderItems / SyncFolderHierarchy on ``folder_id`` (any folder without one) answers
                          ErrorInvalidSyncStateData, whatever sync state it sends: the client must resync
``phantom_sync_item``     SyncFolderItems on ``folder_id`` (any) also reports ``items`` (default 1) created items
                          that do not exist, so GetItem on them answers ErrorItemNotFound (Office 365 does that)
========================  =====================================================================================

The router fires request faults once it has authenticated the caller and read the body; ``conflict`` fires
inside UpdateItem, per ItemChange, ``expired_subscription`` inside GetEvents and GetStreamingEvents,
``drop_stream`` when a stream opens (server/stream_endpoint.py), and the sync kinds inside the sync operations,
once they know the folder. Every fault that fires is listed on the request's ledger entry.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import random
import threading
import time
from dataclasses import dataclass, fields, replace
from http import HTTPStatus
from typing import Any, Callable, Iterable, Protocol

from lxml import etree
from ..core.apply import ApplyContext
from ..core.changes import ItemRef
from ..core.errors import EwsError, SchemaViolation
from ..core.ids import IdFactory
from ..core.item import Item
from ..core.timezones import UTC
from ..operations.item_writes import update_stored_item
from ..protocol import responses
from ..protocol.envelope import parse_envelope
from ..store import lookup
from ..store.repository import Store
from .environ import FAULTS_KEY, note
from .fixtures import FixtureError, properties
from .host import Host
from .ledger import item_ids_in

#: kinds that answer the request themselves (the first matching one wins) vs. those that let it run on
TERMINAL = ("server_busy", "soap_fault", "http_status", "drop_connection")
PASS_THROUGH = ("delay", "bump_change_key")
ITEM_KINDS = ("conflict",)
SUBSCRIPTION_KINDS = ("expired_subscription",)
STREAM_KINDS = ("drop_stream",)
SYNC_KINDS = ("invalid_sync_state", "phantom_sync_item")
KINDS = TERMINAL + PASS_THROUGH + ITEM_KINDS + SUBSCRIPTION_KINDS + STREAM_KINDS + SYNC_KINDS
FACES = ("ews", "rest")
MAX_DELAY_MS = 600_000


class FaultSpecError(ValueError):
    """A fault rule that cannot be honoured (unknown kind or key, a value out of range)."""


@dataclass
class Fault:
    id: str
    kind: str
    operation: str | None = None
    mailbox: str | None = None
    item_id: str | None = None
    face: str | None = None
    count: int | None = 1
    probability: float = 1.0
    back_off_ms: int = 5000
    code: str = "ErrorServerBusy"
    message: str | None = None
    status: int = 500
    delay_ms: int = 1000
    set: dict[str, Any] | None = None
    subscription_id: str | None = None
    #: drop_stream: envelopes sent before the cut
    after: int = 1
    #: the sync kinds: the folder (its FolderId) whose sync they answer; None for any
    folder_id: str | None = None
    #: phantom_sync_item: how many items that are not there a sync reports
    items: int = 1
    fired: int = 0
    created: str = ""

    @property
    def remaining(self) -> int | None:
        return None if self.count is None else max(self.count - self.fired, 0)

    @property
    def active(self) -> bool:
        return self.remaining is None or self.remaining > 0

    def matches(self, face: str, operation: str | None, mailboxes: Iterable[str], item_ids: Iterable[str],
                subscription_id: str | None = None) -> bool:
        if self.subscription_id is not None and self.subscription_id != subscription_id:
            return False
        if self.face is not None and self.face != face:
            return False
        if self.operation is not None and (operation or "").lower() != self.operation.lower():
            return False
        if self.mailbox is not None and self.mailbox.lower() not in {m.lower() for m in mailboxes if m}:
            return False
        return self.item_id is None or self.item_id in set(item_ids)

    def describe(self) -> dict[str, Any]:
        """The rule as the control plane lists it and the ledger records it (only the parameters its kind uses)."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind}
        for key in ("operation", "mailbox", "item_id", "folder_id", "face"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out.update({key: getattr(self, key) for key in _PARAMETERS[self.kind]
                    if getattr(self, key) is not None})
        out.update(count=self.count, probability=self.probability, fired=self.fired, remaining=self.remaining,
                   active=self.active, created=self.created)
        return out


_PARAMETERS: dict[str, tuple[str, ...]] = {
    "server_busy": ("back_off_ms",), "soap_fault": ("code", "message"), "http_status": ("status",),
    "drop_connection": (), "delay": ("delay_ms",), "bump_change_key": ("set",), "conflict": (),
    "expired_subscription": ("subscription_id",),
    "drop_stream": ("after",),
    "invalid_sync_state": (), "phantom_sync_item": ("items",),
}
_SETTABLE = {f.name for f in fields(Fault)} - {"id", "fired", "created"}


def _check(fault: Fault) -> None:
    def bad(message: str) -> FaultSpecError:
        return FaultSpecError(f"{fault.kind}: {message}")

    if fault.count is not None and (not isinstance(fault.count, int) or isinstance(fault.count, bool)
                                    or fault.count < 1):
        raise bad("count must be a positive integer, or null for every matching request")
    if not isinstance(fault.probability, (int, float)) or not 0 < fault.probability <= 1:
        raise bad("probability must be in (0, 1]")
    if fault.face is not None and fault.face not in FACES:
        raise bad(f"face must be one of {', '.join(FACES)}")
    for key in ("operation", "mailbox", "item_id", "folder_id", "message", "subscription_id"):
        if getattr(fault, key) is not None and not isinstance(getattr(fault, key), str):
            raise bad(f"{key} must be a string")
    if fault.kind == "server_busy" and (not isinstance(fault.back_off_ms, int) or fault.back_off_ms < 0):
        raise bad("back_off_ms must be a non-negative integer")
    if fault.kind == "soap_fault" and not (isinstance(fault.code, str) and fault.code.startswith("Error")):
        raise bad("code must be an EWS ResponseCode such as ErrorItemNotFound")
    if fault.kind == "http_status" and (not isinstance(fault.status, int) or not 400 <= fault.status <= 599):
        raise bad("status must be an HTTP error status (400-599)")
    if fault.kind == "delay" and (not isinstance(fault.delay_ms, int) or not 0 <= fault.delay_ms <= MAX_DELAY_MS):
        raise bad(f"delay_ms must be an integer from 0 to {MAX_DELAY_MS}")
    if fault.kind == "drop_stream" and (not isinstance(fault.after, int) or isinstance(fault.after, bool)
                                        or fault.after < 0):
        raise bad("after must be a non-negative integer (the envelopes sent before the cut)")
    if fault.kind == "phantom_sync_item" and (not isinstance(fault.items, int) or isinstance(fault.items, bool)
                                              or not 1 <= fault.items <= 512):
        raise bad("items must be an integer from 1 to 512")
    if fault.folder_id is not None and fault.kind not in SYNC_KINDS:
        raise bad("folder_id matches only the sync kinds")
    if fault.kind == "bump_change_key":
        if not fault.item_id:
            raise bad("item_id is required (the item someone else edits)")
        if fault.set is not None and not isinstance(fault.set, dict):
            raise bad("set must be an object of properties, as in a fixtures file")


class RuleBook(Protocol):
    """Where the rules live: this process's memory (:class:`MemoryRules`), or the database every worker
    shares (:class:`ewsemu.double.shared.SharedRules`)."""

    def add(self, build: Callable[[str], Fault]) -> Fault:
        """Number a new rule (``f1``, ``f2``, …), build it under that id and keep it."""

    def rules(self) -> list[Fault]:
        """The rules, oldest first, for matching (may be a cached copy: :meth:`spend` decides)."""

    def listing(self) -> list[Fault]:
        """The rules with their current counts, for the control plane."""

    def remove(self, fault_id: str) -> bool: ...

    def clear(self) -> None:
        """No rules, and numbering starts again."""

    def spend(self, fault: Fault) -> Fault | None:
        """Count one firing if the rule's budget allows, atomically: the rule as it fired, else None."""


class MemoryRules:
    """The rules in this process (in-memory SQLite: nobody else can reach them anyway); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next = 0

    def add(self, build: Callable[[str], Fault]) -> Fault:
        with self._lock:
            self._next += 1
            fault = build(f"f{self._next}")
            self._faults.append(fault)
        return fault

    def rules(self) -> list[Fault]:
        return self._faults

    def listing(self) -> list[Fault]:
        with self._lock:
            return [replace(f) for f in self._faults]

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            kept = [f for f in self._faults if f.id != fault_id]
            removed = len(kept) != len(self._faults)
            self._faults = kept
        return removed

    def clear(self) -> None:
        with self._lock:
            self._faults, self._next = [], 0

    def spend(self, fault: Fault) -> Fault | None:
        with self._lock:
            if not fault.active:
                return None
            fault.fired += 1
            return replace(fault)


class FaultEngine:
    """The fault rules of one emulator. ``fire`` picks and spends the rules a request matches."""

    def __init__(self, seed: int | None = None, now: Callable[[], dt.datetime] | None = None,
                 rules: RuleBook | None = None) -> None:
        self._seed = seed
        self._now = now
        self._rules: RuleBook = rules or MemoryRules()
        self._random = random.Random(seed)

    def reset(self) -> None:
        self._rules.clear()
        self._random = random.Random(self._seed)

    def add(self, spec: dict[str, Any]) -> Fault:
        if not isinstance(spec, dict):
            raise FaultSpecError("a fault rule is a JSON object with a 'kind'")
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultSpecError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        unknown = set(spec) - _SETTABLE
        if unknown:
            raise FaultSpecError(f"{kind}: unknown key(s) {', '.join(sorted(unknown))}")
        created = self._now().strftime("%Y-%m-%dT%H:%M:%SZ") if self._now else ""

        def build(fault_id: str) -> Fault:
            fault = Fault(id=fault_id, **spec)
            _check(fault)
            if fault.kind == "server_busy":
                fault.code = "ErrorServerBusy"
            fault.created = created
            return fault

        return self._rules.add(build)

    def list(self) -> list[Fault]:
        return self._rules.listing()

    @property
    def armed(self) -> bool:
        """Any rule that can still fire (the router skips all matching work otherwise)."""
        return any(f.active for f in self._rules.rules())

    def remove(self, fault_id: str) -> bool:
        return self._rules.remove(fault_id)

    def fire(self, kinds: Iterable[str], face: str, operation: str | None, mailboxes: Iterable[str],
             item_ids: Iterable[str], subscription_id: str | None = None,
             folder_id: str | None = None) -> list[Fault]:
        """Spend the matching rules of ``kinds``: every pass-through one, and the first terminal one (a sync
        kind's rule with a ``folder_id`` only for that folder)."""
        wanted, mailboxes, item_ids = set(kinds), list(mailboxes), list(item_ids)
        fired: list[Fault] = []
        terminal = False
        for fault in list(self._rules.rules()):
            if fault.kind not in wanted or not fault.active or (terminal and fault.kind in TERMINAL):
                continue
            if not fault.matches(face, operation, mailboxes, item_ids, subscription_id):
                continue
            if fault.folder_id is not None and fault.folder_id != folder_id:
                continue
            if fault.probability < 1 and self._random.random() >= fault.probability:
                continue
            spent = self._rules.spend(fault)
            if spent is None:
                continue  # another request (or worker) used up its budget first
            fired.append(spent)
            terminal = terminal or fault.kind in TERMINAL
        return fired


def fault_spec(fault: Fault) -> dict[str, Any]:
    """A rule's parameters as JSON-ready values (what :func:`fault_from_spec` rebuilds it from)."""
    return {f.name: getattr(fault, f.name) for f in fields(Fault) if f.name not in ("id", "fired")}


def fault_from_spec(fault_id: str, spec: dict[str, Any], fired: int) -> Fault:
    return Fault(id=fault_id, fired=fired, **spec)


# ---- what a fired fault does ----------------------------------------------------------------------------------


def record(environ: dict, fired: Iterable[Fault]) -> None:
    environ.setdefault(FAULTS_KEY, []).extend(f.describe() for f in fired)


class RequestFaults:
    """The operations' fault hook (:class:`ewsemu.operations.context.FaultHook`) for one request: a
    ``conflict`` rule matching an element answers it in-band, and every rule that fires is listed in ``fired``
    (the request's ledger entry)."""

    def __init__(self, engine: FaultEngine, fired: list[dict[str, Any]]) -> None:
        self.engine = engine
        self.fired = fired

    def element_fault(self, operation: str, mailbox: str, item_id: str) -> EwsError | None:
        if not self.engine.armed:
            return None
        fired = self.engine.fire(ITEM_KINDS, "ews", operation, [mailbox], [item_id])
        if not fired:
            return None
        self.fired.extend(f.describe() for f in fired)
        return EwsError("ErrorIrresolvableConflict")

    def subscription_expired(self, operation: str, mailbox: str, subscription_id: str) -> bool:
        if not self.engine.armed:
            return False
        fired = self.engine.fire(SUBSCRIPTION_KINDS, "ews", operation, [mailbox], [], subscription_id)
        self.fired.extend(f.describe() for f in fired)
        return bool(fired)

    def _sync(self, kind: str, operation: str, mailbox: str, folder_id: str) -> list[Fault]:
        if not self.engine.armed:
            return []
        fired = [f for f in self.engine.fire((kind,), "ews", operation, [mailbox], [], folder_id=folder_id)]
        self.fired.extend(f.describe() for f in fired)
        return fired

    def sync_state_fault(self, operation: str, mailbox: str, folder_id: str) -> EwsError | None:
        return EwsError("ErrorInvalidSyncStateData") if self._sync(
            "invalid_sync_state", operation, mailbox, folder_id) else None

    def phantom_items(self, operation: str, mailbox: str, folder_id: str) -> int:
        return sum(f.items for f in self._sync("phantom_sync_item", operation, mailbox, folder_id))


def pass_through(emulator: Host, fired: Iterable[Fault]) -> None:
    """Run the faults that let the request go on: hold it, or have someone else edit an item first."""
    for fault in fired:
        if fault.kind == "delay":
            time.sleep(fault.delay_ms / 1000)
        elif fault.kind == "bump_change_key" and fault.item_id:
            try:
                bump_item(emulator, fault.item_id, fault.set)
            except FaultSpecError:
                pass  # the item is gone: nothing to edit, the request answers as it would anyway


def bump_item(emulator: Host, item_id: str, props: dict[str, Any] | None = None) -> dict[str, Any]:
    """A concurrent edit by someone else: a real new version through the store (so the item's ChangeKey
    history shows it). Without ``props`` only LastModifiedTime changes; with them (fixture-style keys, e.g.
    ``{"subject": "edited elsewhere"}``) the apply engine sets them, as an UpdateItem would."""
    store = emulator.store
    now = emulator.clock.now()
    with store.read() as conn:
        before = lookup.item_anywhere(conn, [item_id])
    if before is None:
        raise FaultSpecError(f"bump_change_key: no item has the id {item_id!r}")
    mailbox = before.mailbox
    if props:
        try:
            changes = properties(before.item_type, dict(props))
        except FixtureError as err:
            raise FaultSpecError(f"bump_change_key: {err}") from None
        actx = ApplyContext(now=now, zone=UTC, new_item_id=emulator.ids.item_id)
        try:
            outcome = update_stored_item(emulator, mailbox, ItemRef(item_id), lambda stored: changes, actx)
        except EwsError as err:
            raise FaultSpecError(f"bump_change_key: the edit fails with {err.code}") from None
        after = outcome.item
    else:
        after = _touch(store, item_id, mailbox, now)
    return {"item_id": item_id, "mailbox": mailbox, "previous_change_key": before.change_key,
            "change_key": after.change_key, "version": after.version}


def _touch(store: Store, item_id: str, mailbox: str, now: dt.datetime) -> Item:
    """A new version whose only change is LastModifiedTime; retried if a request wins the race."""
    for _ in range(8):
        with store.write() as conn:
            stored = store.load_item(conn, item_id, mailbox)
            if stored is None:
                raise FaultSpecError(f"bump_change_key: no item has the id {item_id!r}")
            new = stored.copy()
            new.version += 1
            new.change_key = IdFactory.change_key(new.id, new.version)
            new.values["item:LastModifiedTime"] = now
            if store.update_item(conn, new, stored.version, now,
                                 {"item:LastModifiedTime": (stored.values.get("item:LastModifiedTime"), now)}):
                return new
    raise FaultSpecError("bump_change_key: the item kept changing; try again")


# ---- answering for a terminal fault --------------------------------------------------------------------------


class ConnectionDropped(Exception):
    """Raised out of the WSGI application to close the connection without any response."""


def _dropper() -> type[Exception]:
    """waitress (every ewsemu server process) closes the socket without a byte on its ClientDisconnected."""
    try:
        from waitress.channel import ClientDisconnected
    except ImportError:  # pragma: no cover - waitress is a dependency
        return ConnectionDropped
    return type("InjectedConnectionDrop", (ConnectionDropped, ClientDisconnected), {})


_DROP = _dropper()


def drop_connection(environ: dict) -> None:
    raise _DROP("ewsemu dropped the connection (an injected fault)")


Answer = tuple[str, list[tuple[str, str]], bytes]


def answer(fault: Fault, face: str, challenge: list[tuple[str, str]]) -> Answer:
    """Status line, headers and body for a terminal fault (``drop_connection`` is handled by the caller)."""
    if fault.kind in ("server_busy", "soap_fault"):
        values = (("BackOffMilliseconds", str(fault.back_off_ms)),) if fault.kind == "server_busy" else ()
        error = EwsError(fault.code, message=fault.message, values=values)
        if face == "ews":
            return "500 Internal Server Error", [("Content-Type", "text/xml; charset=utf-8")], responses.fault(error)
        body = json.dumps({"error": {"code": error.code, "message": error.message}}).encode()
        headers = [("Content-Type", "application/json; charset=utf-8")]
        if fault.kind == "server_busy":
            headers.append(("Retry-After", str(max(1, math.ceil(fault.back_off_ms / 1000)))))
            return "429 Too Many Requests", headers, body
        return "500 Internal Server Error", headers, body
    try:
        phrase = HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "Error"
    headers = [("Content-Type", "text/plain; charset=utf-8")]
    if fault.status == 401:
        headers += challenge
    if fault.status == 503:
        headers.append(("Retry-After", "1"))
    return f"{fault.status} {phrase}", headers, f"{phrase} (ewsemu injected fault {fault.id})\n".encode()



# ---- the router's side: what a request is about, and firing the rules it matches ----------------------------

REQUEST_KINDS = TERMINAL + PASS_THROUGH


def ews_target(body: bytes, lenient: bool) -> tuple[str | None, list[str], list[str]]:
    """The operation, the mailboxes it names (impersonation, delegate folders) and the ItemIds of a SOAP
    request; nothing when it does not even parse (the shell then answers with its own fault)."""
    try:
        envelope = parse_envelope(body, lenient_namespaces=lenient)
    except (SchemaViolation, EwsError, etree.LxmlError, ValueError):
        return None, [], []
    named: list[str] = []
    for element in [*envelope.headers, envelope.body]:
        named += [str(v) for v in element.xpath(
            ".//*[local-name()='PrimarySmtpAddress' or local-name()='SmtpAddress' or local-name()='EmailAddress']"
            "/text()")]
    return envelope.operation, named, item_ids_in(envelope.body)


def inject(emulator: Host, environ: dict, face: str, operation: str | None, mailboxes: list[str],
           item_ids: list[str], challenge: list[tuple[str, str]]) -> Answer | None:
    """Fire the request faults this call matches: run the pass-through ones, answer for a terminal one (or
    drop the connection). None when the request should run normally."""
    fired = emulator.faults.fire(REQUEST_KINDS, face, operation, mailboxes, item_ids)
    if not fired:
        return None
    record(environ, fired)
    pass_through(emulator, [f for f in fired if f.kind in PASS_THROUGH])
    terminal = next((f for f in fired if f.kind in TERMINAL), None)
    if terminal is None:
        return None
    if terminal.kind == "drop_connection":
        drop_connection(environ)
    if terminal.kind in ("server_busy", "soap_fault"):
        note(environ, codes=[terminal.code])
    return answer(terminal, face, challenge)
