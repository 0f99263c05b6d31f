"""The test-double control plane under ``/_ewsemu/``: drive the emulator from a test, as moto's ``/moto-api/``.

JSON in, JSON out. Same authentication as EWS: with a users file (``--users``) every call needs valid Basic or
Bearer credentials (else 401); in the open default it is open, like everything else. The server's router
authenticates the caller and supplies the body reader (its request limits), then hands the call to
:meth:`ControlPlane.handle`, so this module knows nothing of the server above it. POSTs must say
``Content-Type: application/json`` (a cross-site form cannot, so a web page cannot reset a local emulator).
``--no-control-plane`` turns the whole prefix off (404).

==========================  ================================================================================
``POST reset``              empty store, ledger and fault rules; ids restarted; the clock as ``--clock`` set it
                            (for every worker of ``--workers N``: :mod:`ewsemu.double.shared`)
``POST seed``               load fixtures: a JSON body in the fixtures format, or ``{"path": "fixtures.yaml"}``
                            (a task with ``"assigned_to": "bob@example.com"`` is one Outlook assigned)
``GET state``               mailboxes, folders, items with their ChangeKey history (``?mailbox=``)
``GET state/items/{id}``    one item and its history
``GET ledger``              calls, oldest first (``?operation=&mailbox=&since=&face=&bodies=1``); DELETE clears
``GET ledger/fixtures``     the touched items' current state as a fixtures file
``GET ledger/session``      the calls with requests and responses, for ``ewsemu replay``
``GET/POST/DELETE faults``  fault rules (:mod:`ewsemu.double.faults`); ``DELETE faults/{id}`` removes one;
                            ``{"kind": "bump_change_key", "item_id": …, "now": true}`` edits the item at once
``GET/POST clock``          ``{"freeze": iso|null}``, ``{"set": iso}``, ``{"offset": "+3d"}``,
                            ``{"advance": "1h"}``, ``{"real": true}``
``GET subscriptions``       notification subscriptions (``?mailbox=``): kind, folders, event types, journal
                            position (and how far behind the journal's head), expiry, push delivery state
``GET coverage``            every EWS operation: implemented / partial / missing
``GET ui``                  the dashboard (:mod:`ewsemu.double.dashboard`)   
==========================  ================================================================================
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl

from ..core import notifications
from ..core.clock import parse_duration, parse_instant
from ..core.folders import Folder
from ..store import codec, journal, lookup
from ..store import subscriptions as store_subscriptions
from . import coverage, dashboard, fixtures
from .environ import auth_scheme
from .faults import FaultSpecError, bump_item
from .host import Host
from .ledger import Entry, request_headers

PREFIX = "/_ewsemu/"
SESSION_FORMAT = "ewsemu-session/1"
#: environ key: the JSON body a POST carried (kept for its ledger entry)
BODY_KEY = "ewsemu.control.body"
StartResponse = Callable[..., object]
#: reads the request body within the server's limits (raises :class:`ControlError` when it is refused)
BodyReader = Callable[[], bytes]
_READER_KEY = "ewsemu.control.read_body"


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Reply:
    status: int
    body: Any
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()

    def wsgi(self, start_response: StartResponse) -> list[bytes]:
        data = self.body if isinstance(self.body, bytes) else (
            self.body.encode("utf-8") if isinstance(self.body, str) else json.dumps(self.body).encode("utf-8"))
        start_response(f"{self.status} {HTTPStatus(self.status).phrase}",
                       [("Content-Type", self.content_type), ("Content-Length", str(len(data))),
                        ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"), *self.headers])
        return [data]


# ---- state: mailboxes, folders, items, histories ---------------------------------------------------------------


def item_json(item: Any, folder: Folder | None, history: list[dict[str, Any]]) -> dict[str, Any]:
    """An item as the control plane shows it: stored properties by FieldURI (plain JSON values), extended
    properties, and every ChangeKey it has had with the diff that produced it."""
    return {
        "id": item.id, "change_key": item.change_key, "version": item.version, "item_type": item.item_type,
        "mailbox": item.mailbox, "folder_id": item.folder_id,
        # an assigned task whose request was sent (fixtures' ``assigned_to``): UpdateItem refuses it
        "task_request_sent": item.task_request_sent,
        "folder": folder.distinguished or folder.display_name if folder else None,
        "properties": {uri: codec.json_value(value) for uri, value in item.values.items()},
        "extended": [{"path": {k: v for k, v in vars(ext.path).items() if v is not None},
                      "value": list(ext.value) if isinstance(ext.value, tuple) else ext.value}
                     for ext in item.extended.values()],
        "history": history,
    }


def _folder_json(folder: Folder, total: int) -> dict[str, Any]:
    return {"id": folder.id, "change_key": folder.change_key, "distinguished": folder.distinguished,
            "display_name": folder.display_name, "folder_class": folder.folder_class,
            "parent_id": folder.parent_id, "total_count": total}


def state(emulator: Host, mailbox: str | None = None, with_history: bool = True) -> dict[str, Any]:
    store = emulator.store
    out = []
    with store.read() as conn:
        for box in lookup.stored_mailboxes(conn, mailbox):
            folders = store.mailbox_folders(conn, box.smtp)
            by_id = {f.id: f for f in folders}
            counts = store.item_counts(conn, list(by_id))
            out.append({
                "smtp": box.smtp, "display_name": box.display_name,
                "created": box.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "folders": [_folder_json(f, counts[f.id].total if f.id in counts else 0) for f in folders],
                "items": [item_json(i, by_id.get(i.folder_id), store.history(conn, i.id) if with_history else [])
                          for i in lookup.mailbox_items(conn, box.smtp)],
            })
    return {"mailboxes": out}


def one_item(emulator: Host, item_id: str) -> dict[str, Any]:
    store = emulator.store
    with store.read() as conn:
        # the EWS spelling, or the REST faces' URL-safe one
        item = lookup.item_anywhere(conn, {item_id, item_id.replace("-", "+").replace("_", "/")})
        if item is None:
            raise ControlError(404, "ItemNotFound", f"No item has the id {item_id!r}.")
        return item_json(item, store.folder(conn, item.folder_id, item.mailbox), store.history(conn, item.id))


# ---- ledger exports ----------------------------------------------------------------------------------------------


def session(emulator: Host, entries: Iterable[Entry]) -> dict[str, Any]:
    """A recorded session: every EWS, REST and control-plane call with its request and response (``ewsemu
    replay`` input)."""
    return {"format": SESSION_FORMAT, "seed": emulator.settings.seed, "clock": emulator.clock.describe(),
            "evicted": emulator.ledger.evicted,
            "entries": [e.recording() for e in entries]}


def fixtures_of(emulator: Host, entries: Iterable[Entry]) -> dict[str, Any]:
    """The current state of every item the calls touched, as a fixtures file (``ewsemu serve --fixtures``).
    Items that are gone (deleted) or of a type fixtures cannot hold are listed under ``skipped``."""
    entries = list(entries)
    ids = list(dict.fromkeys(i for e in entries for i in e.item_ids))
    store = emulator.store
    boxes: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, str]] = []
    with store.read() as conn:
        for smtp in dict.fromkeys(m for e in entries for m in (e.mailbox, e.user) if m):
            if store.mailbox_exists(conn, smtp):
                boxes[smtp] = {"smtp": smtp, "display_name": store.mailbox_display_name(conn, smtp), "tasks": []}
        for item_id in ids:
            item = lookup.item_anywhere(conn, [item_id])
            if item is None:
                skipped.append({"id": item_id, "reason": "no longer in the store"})
                continue
            if item.item_type != "Task":
                skipped.append({"id": item_id, "reason": f"fixtures hold tasks, not {item.item_type} items"})
                continue
            folder = store.folder(conn, item.folder_id, item.mailbox)
            box = boxes.setdefault(item.mailbox, {"smtp": item.mailbox, "tasks": [],
                                                  "display_name": store.mailbox_display_name(conn, item.mailbox)})
            box["tasks"].append(fixtures.item_spec(item, folder.distinguished if folder else None))
    out: dict[str, Any] = {"mailboxes": list(boxes.values())}
    if skipped:
        out["skipped"] = skipped
    return out


def _stamp(at: Any) -> str | None:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at is not None else None


def subscriptions_json(emulator: Host, mailbox: str | None = None) -> dict[str, Any]:
    """Every notification subscription with its journal position: what a test checks a client's subscriptions
    against (``pending``: journal entries after its position, of any mailbox)."""
    with emulator.store.read() as conn:
        head = journal.head(conn)
        subs = store_subscriptions.listing(conn, mailbox)
        leases = {s.id: store_subscriptions.lease_of(conn, s.id) for s in subs if s.kind == notifications.PUSH}
    now = emulator.clock.now()
    out = []
    for sub in subs:
        entry = {"id": sub.id, "kind": sub.kind, "mailbox": sub.mailbox, "principal": sub.principal,
                 "folder_ids": sorted(sub.folder_ids) if sub.folder_ids is not None else None,
                 "all_folders": sub.folder_ids is None, "event_types": sorted(sub.event_types),
                 "position": sub.position, "pending": max(head - sub.position, 0),
                 "created": _stamp(sub.created), "last_activity": _stamp(sub.last_activity),
                 "expires": _stamp(notifications.expiry(sub)), "expired": notifications.expired(sub, now)}
        if sub.kind == notifications.PULL:
            entry["timeout_minutes"] = sub.timeout
        if sub.kind == notifications.PUSH:
            owner, until = leases.get(sub.id, (None, None))
            entry.update(url=sub.url, caller_data=sub.caller_data, status_frequency_minutes=sub.status_frequency,
                         next_attempt=_stamp(sub.next_attempt), failing_since=_stamp(sub.failing_since),
                         retries=sub.retries, delivered_by=owner, lease_until=_stamp(until))
        out.append(entry)
    return {"journal_head": head, "subscriptions": out}


def _html(page: str) -> Reply:
    return Reply(200, page, "text/html; charset=utf-8", dashboard.HEADERS)


# ---- the WSGI app ------------------------------------------------------------------------------------------------


def _query(environ: dict) -> dict[str, str]:
    return dict(parse_qsl(environ.get("QUERY_STRING", "")))


def ledger_filters(query: dict[str, str]) -> dict[str, Any]:
    since_text = query.get("since")
    since: Any = None
    if since_text:
        try:
            since = int(since_text) if since_text.isdigit() else parse_instant(since_text)
        except ValueError as err:
            raise ControlError(400, "InvalidFilter", f"since: {err}") from None
    return {"operation": query.get("operation") or None, "mailbox": query.get("mailbox") or None,
            "since": since, "face": query.get("face") or None}


class ControlPlane:
    """Everything under :data:`PREFIX`, for a caller the server has already authenticated."""

    def __init__(self, emulator: Host) -> None:
        self.emulator = emulator
        self.dashboard = dashboard.Dashboard(emulator)
        routes: list[tuple[str, str, Callable[..., Reply]]] = [
            ("GET", "", self.index),
            ("POST", "reset", self.reset),
            ("POST", "seed", self.seed),
            ("GET", "state", self.state),
            ("GET", r"state/items/(?P<item_id>.+)", self.item),  # ids may hold "/" (PATH_INFO is decoded)
            ("GET", "ledger", self.ledger),
            ("DELETE", "ledger", self.clear_ledger),
            ("GET", "ledger/fixtures", self.ledger_fixtures),
            ("GET", "ledger/session", self.ledger_session),
            ("GET", "faults", self.faults),
            ("POST", "faults", self.add_faults),
            ("DELETE", "faults", self.clear_faults),
            ("DELETE", r"faults/(?P<fault_id>[^/]+)", self.remove_fault),
            ("GET", "clock", self.clock),
            ("POST", "clock", self.set_clock),
            ("GET", "subscriptions", self.subscriptions),
            ("GET", "coverage", self.coverage),
            ("GET", "ui", lambda environ: _html(self.dashboard.page(state(emulator, with_history=False)))),
            ("GET", "ui/ledger", lambda environ: _html(self.dashboard.ledger_fragment())),
            ("GET", r"ui/items/(?P<item_id>.+)",
             lambda environ, item_id: _html(self.dashboard.item_page(one_item(emulator, item_id)))),
            ("GET", "ui/app.js", lambda environ: Reply(200, dashboard.SCRIPT, "text/javascript; charset=utf-8")),
            ("GET", "ui/style.css", lambda environ: Reply(200, dashboard.STYLE, "text/css; charset=utf-8")),
            ("GET", "ui/favicon.svg", lambda environ: Reply(200, dashboard.FAVICON, "image/svg+xml")),
        ]
        self.routes = [(method, re.compile(pattern), handler) for method, pattern, handler in routes]

    def handle(self, environ: dict, user: str | None, read_body: BodyReader) -> Reply:
        """Answer one call: ``user`` is the authenticated caller (None in the open default), ``read_body``
        reads the request body within the server's limits."""
        try:
            reply = self._dispatch(environ, read_body)
        except ControlError as err:
            reply = error_reply(err)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method in ("POST", "DELETE") and reply.status < 400 and not self._is_ledger_path(environ):
            self._record(environ, user, reply)
        return reply

    @staticmethod
    def _is_ledger_path(environ: dict) -> bool:
        return environ.get("PATH_INFO", "")[len(PREFIX):].strip("/") == "ledger"

    def _record(self, environ: dict, user: str | None, reply: Reply) -> None:
        """A change made through the control plane is a ledger entry too (face ``control``): the dashboard shows
        it, and ``ewsemu replay`` re-sends it (a clock move, a fault rule, a seed) so the session replays as it
        ran. A reset clears the ledger, then records itself: a session can start from it."""
        if not self.emulator.ledger.enabled:
            return
        path = environ.get("PATH_INFO", "")
        data = reply.body if isinstance(reply.body, dict) else {}
        bumped = data.get("bumped", [])
        self.emulator.ledger.add(
            time=self.emulator.clock.now(), face="control", method=environ.get("REQUEST_METHOD", "POST").upper(),
            path=path, query=environ.get("QUERY_STRING", ""), uri=environ.get("REQUEST_URI") or path,
            user=user,
            mailbox=bumped[0]["mailbox"] if bumped else None,
            operation=f"{environ.get('REQUEST_METHOD', 'POST').upper()} {path}",
            item_ids=tuple(b["item_id"] for b in bumped), status=reply.status, codes=(), duration_ms=None,
            faults=tuple({"kind": "bump_change_key", "item_id": b["item_id"], "now": True} for b in bumped),
            auth=auth_scheme(environ), request_headers=request_headers(environ),
            request=environ.get(BODY_KEY, b""), response_headers={"Content-Type": reply.content_type},
            response=json.dumps(reply.body).encode() if isinstance(reply.body, dict) else b"")

    def _dispatch(self, environ: dict, read_body: BodyReader) -> Reply:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        rest = environ.get("PATH_INFO", "")[len(PREFIX):].strip("/")
        allowed = []
        for route_method, pattern, handler in self.routes:
            match = pattern.fullmatch(rest)
            if match is None:
                continue
            if route_method != method and not (method == "HEAD" and route_method == "GET"):
                allowed.append(route_method)
                continue
            if method == "POST":
                self._check_json(environ)
                environ[_READER_KEY] = read_body
            return handler(environ, **match.groupdict())
        if allowed:
            raise ControlError(405, "MethodNotAllowed", f"{method} is not supported here; use {', '.join(allowed)}.")
        raise ControlError(404, "NotFound", f"No control-plane endpoint at {PREFIX}{rest}; GET {PREFIX} lists them.")

    @staticmethod
    def _check_json(environ: dict) -> None:
        mime = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if mime != "application/json":
            raise ControlError(415, "UnsupportedMediaType", "Control-plane POSTs need Content-Type: application/json.")

    def _json(self, environ: dict, default: Any = None) -> Any:
        raw = environ[_READER_KEY]()
        environ[BODY_KEY] = raw
        if not raw.strip():
            return default
        try:
            return json.loads(raw)
        except ValueError as err:
            raise ControlError(400, "BadBody", f"The body is not valid JSON: {err}") from None

    # -- endpoints ---------------------------------------------------------------------------------------------

    def index(self, environ: dict) -> Reply:
        return Reply(200, {"endpoints": sorted({f"{m} {PREFIX}{p.pattern}" for m, p, _ in self.routes}),
                           "dashboard": f"{PREFIX}ui"})

    def reset(self, environ: dict) -> Reply:
        self.emulator.reset_all()
        return Reply(200, {"reset": True, "clock": self.emulator.clock.describe()})

    def seed(self, environ: dict) -> Reply:
        data = self._json(environ)
        try:
            if isinstance(data, dict) and set(data) == {"path"}:
                data = fixtures.read(Path(str(data["path"])))
            if not isinstance(data, dict) or "mailboxes" not in data:
                raise fixtures.FixtureError("expected a fixtures mapping with a 'mailboxes' list, or {\"path\": …}")
            loaded = fixtures.load(self.emulator, data)
        except fixtures.FixtureError as err:
            raise ControlError(400, "BadFixtures", str(err)) from None
        return Reply(200, {"loaded": loaded})

    def state(self, environ: dict) -> Reply:
        query = _query(environ)
        return Reply(200, state(self.emulator, query.get("mailbox") or None, query.get("history") != "0"))

    def item(self, environ: dict, item_id: str) -> Reply:
        return Reply(200, one_item(self.emulator, item_id))

    def _entries(self, environ: dict) -> list[Entry]:
        return self.emulator.ledger.entries(**ledger_filters(_query(environ)))

    def ledger(self, environ: dict) -> Reply:
        bodies = _query(environ).get("bodies") in ("1", "true")
        entries = self._entries(environ)
        return Reply(200, {"size": self.emulator.ledger.size, "evicted": self.emulator.ledger.evicted,
                           "entries": [e.recording() if bodies else e.summary() for e in entries]})

    def clear_ledger(self, environ: dict) -> Reply:
        self.emulator.ledger.clear()
        return Reply(200, {"cleared": True})

    def ledger_fixtures(self, environ: dict) -> Reply:
        return Reply(200, fixtures_of(self.emulator, self._entries(environ)))

    def ledger_session(self, environ: dict) -> Reply:
        return Reply(200, session(self.emulator, self._entries(environ)))

    def faults(self, environ: dict) -> Reply:
        return Reply(200, {"faults": [f.describe() for f in self.emulator.faults.list()]})

    def add_faults(self, environ: dict) -> Reply:
        data = self._json(environ)
        specs = data.get("faults") if isinstance(data, dict) and "faults" in data else data
        specs = specs if isinstance(specs, list) else [specs]
        added, bumped = [], []
        try:
            for spec in specs:
                if isinstance(spec, dict) and spec.get("kind") == "bump_change_key" and spec.get("now"):
                    bumped.append(self._bump_now(self.emulator, spec))
                    continue
                added.append(self.emulator.faults.add(spec).describe())
        except FaultSpecError as err:
            raise ControlError(400, "InvalidFault", str(err)) from None
        return Reply(201 if added else 200, {"faults": added, **({"bumped": bumped} if bumped else {})})

    @staticmethod
    def _bump_now(emulator: Host, spec: dict[str, Any]) -> dict[str, Any]:
        """``now``: someone else edits the item immediately (the call's ledger entry lists the bump)."""
        unknown = set(spec) - {"kind", "item_id", "set", "now"}
        if unknown:
            raise FaultSpecError(f"bump_change_key now: unknown key(s) {', '.join(sorted(unknown))}")
        if not isinstance(spec.get("item_id"), str):
            raise FaultSpecError("bump_change_key: item_id is required (the item someone else edits)")
        return bump_item(emulator, spec["item_id"], spec.get("set"))

    def clear_faults(self, environ: dict) -> Reply:
        self.emulator.faults.reset()
        return Reply(200, {"faults": []})

    def remove_fault(self, environ: dict, fault_id: str) -> Reply:
        if not self.emulator.faults.remove(fault_id):
            raise ControlError(404, "FaultNotFound", f"No fault rule {fault_id!r}.")
        return Reply(200, {"removed": fault_id})

    def clock(self, environ: dict) -> Reply:
        return Reply(200, self.emulator.clock.describe())

    def set_clock(self, environ: dict) -> Reply:
        data = self._json(environ, {})
        clock = self.emulator.clock
        if not isinstance(data, dict) or len(data) != 1:
            raise ControlError(400, "InvalidClock", 'Send one of {"freeze": iso|null}, {"set": iso}, '
                                                    '{"offset": "+3d"}, {"advance": "1h"}, {"real": true}.')
        (action, value), = data.items()
        try:
            if action == "freeze":
                clock.freeze(parse_instant(value) if value else clock.now())
            elif action == "set":
                clock.set(parse_instant(str(value)))
            elif action == "offset":
                clock.offset(parse_duration(str(value)))
            elif action == "advance":
                clock.advance(parse_duration(str(value)))
            elif action == "real" and value is True:
                clock.reset()
            else:
                raise ValueError(f"unknown clock action {action!r}")
        except ValueError as err:
            raise ControlError(400, "InvalidClock", str(err)) from None
        return Reply(200, clock.describe())

    def coverage(self, environ: dict) -> Reply:
        return Reply(200, coverage.as_json())

    def subscriptions(self, environ: dict) -> Reply:
        return Reply(200, subscriptions_json(self.emulator, _query(environ).get("mailbox") or None))


def error_reply(err: ControlError, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(err.status, {"error": {"code": err.code, "message": err.message}}, headers=headers)


def unauthorized(challenge: Iterable[tuple[str, str]]) -> Reply:
    """The answer to a call without valid credentials when a users file is in force."""
    return error_reply(ControlError(401, "Unauthorized", "The control plane needs the same credentials as EWS "
                                                         "(a user of the users file)."), tuple(challenge))

