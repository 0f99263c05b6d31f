"""The request ledger: every EWS and REST call the emulator answered, kept in memory for tests to inspect.

An entry holds when (the emulator's clock), who (the authenticated user and the acting mailbox), what (the
operation, the ItemIds in the request and the response), the answer (HTTP status, ResponseCodes), how long it
took and which injected faults fired, plus both bodies so a session can be exported and replayed
(:mod:`ewsemu.double.replay`). Credentials never enter it: the Authorization header is kept as its scheme alone.

The ledger is a ring buffer (``Settings.ledger_size``, ``--ledger-size``; 0 turns it off), so a long-running
server keeps the latest calls in bounded memory. The router fills it from the measurement the request log
already makes (:mod:`ewsemu.server.request_log`); the SOAP shell notes the mailbox and ItemIds in the environ
(:mod:`ewsemu.double.environ`).
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Protocol
from urllib.parse import quote

from lxml import etree

from ..core.errors import EwsError
from ..core.ids import classify_id
from ..protocol.namespaces import t
from .environ import CODES_KEY, FAULTS_KEY, INPUT_KEY, ITEM_IDS_KEY, MAILBOX_KEY, OPERATION_KEY, REQUEST_KEY, \
    auth_scheme
from .host import Host

#: the most of one message body an entry keeps: 1000 entries of EWS-sized messages stay far below a gigabyte
MAX_BODY = 1 << 20
#: request headers never worth keeping (hop-by-hop, or re-made by whoever re-sends the request)
_SKIPPED_HEADERS = frozenset({"HTTP_CONNECTION", "HTTP_HOST", "HTTP_CONTENT_LENGTH", "HTTP_ACCEPT_ENCODING",
                              "HTTP_KEEP_ALIVE", "HTTP_TE", "HTTP_TRANSFER_ENCODING", "HTTP_COOKIE",
                              "HTTP_PROXY_AUTHORIZATION", "HTTP_USER_AGENT"})
#: the elements naming an item: tag -> the attribute holding its id
_ITEM_ID_TAGS = {t("ItemId"): "Id", t("OccurrenceItemId"): "RecurringMasterId",
                 t("RecurringMasterItemId"): "OccurrenceId"}


@dataclass(frozen=True)
class Entry:
    seq: int
    time: dt.datetime
    face: str
    method: str
    path: str
    query: str
    #: the request target as sent (path and query, percent-encoding kept), for re-sending it
    uri: str
    user: str | None
    mailbox: str | None
    operation: str | None
    item_ids: tuple[str, ...]
    status: int
    codes: tuple[str, ...]
    duration_ms: float | None
    faults: tuple[dict[str, Any], ...]
    auth: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request: bytes = b""
    response_headers: dict[str, str] = field(default_factory=dict)
    response: bytes = b""
    #: a body was longer than :data:`MAX_BODY` and is kept cut (such a call cannot be replayed)
    truncated: bool = False

    @property
    def dropped(self) -> bool:
        """The connection was closed without an answer (an injected fault)."""
        return self.status == 0

    def summary(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "time": _iso(self.time), "face": self.face, "method": self.method,
            "path": self.path, "user": self.user, "mailbox": self.mailbox, "operation": self.operation,
            "item_ids": list(self.item_ids), "status": self.status, "codes": list(self.codes),
            "duration_ms": self.duration_ms, "faults": [dict(f) for f in self.faults], "auth": self.auth,
            "truncated": self.truncated,
        }

    def recording(self) -> dict[str, Any]:
        """The entry with both messages, as a recorded session holds it."""
        out = self.summary()
        out.update(query=self.query, uri=self.uri, request_headers=dict(self.request_headers),
                   response_headers=dict(self.response_headers))
        out.update(_body("request", self.request))
        out.update(_body("response", self.response))
        return out


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(name: str, data: bytes) -> dict[str, str]:
    """Text when it is UTF-8 (nearly always), else base64 (a UTF-16 request is kept byte for byte)."""
    try:
        return {name: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {f"{name}_base64": base64.b64encode(data).decode("ascii")}


def body_bytes(recorded: dict[str, Any], name: str) -> bytes:
    if f"{name}_base64" in recorded:
        return base64.b64decode(recorded[f"{name}_base64"])
    return str(recorded.get(name, "")).encode("utf-8")


class RequestLedger(Protocol):
    """The ledger as the router, the control plane and the dashboard use it (:class:`Ledger` in this process,
    :class:`ewsemu.double.shared.SharedLedger` in a shared database)."""

    size: int

    @property
    def enabled(self) -> bool: ...

    def add(self, **fields: Any) -> Entry | None: ...

    def clear(self) -> None: ...

    @property
    def evicted(self) -> int: ...

    def entries(self, *, operation: str | None = None, mailbox: str | None = None,
                since: int | dt.datetime | None = None, face: str | None = None) -> list[Entry]: ...


class Ledger:
    """A thread-safe ring buffer of :class:`Entry` in this process (in-memory SQLite; a shared database keeps
    the ledger in a table: :class:`ewsemu.double.shared.SharedLedger`); ``size`` 0 keeps nothing."""

    def __init__(self, size: int = 1000) -> None:
        if size < 0:
            raise ValueError("the ledger size cannot be negative")
        self.size = size
        self._entries: deque[Entry] = deque(maxlen=max(size, 1))
        self._seq = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def add(self, **fields: Any) -> Entry | None:
        if not self.enabled:
            return None
        with self._lock:
            self._seq += 1
            entry = Entry(seq=self._seq, **fields)
            self._entries.append(entry)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seq = 0

    @property
    def evicted(self) -> int:
        """How many entries the ring buffer has already dropped (the oldest ones)."""
        with self._lock:
            return self._entries[0].seq - 1 if self._entries else self._seq

    def entries(self, *, operation: str | None = None, mailbox: str | None = None,
                since: int | dt.datetime | None = None, face: str | None = None) -> list[Entry]:
        """Oldest first; see :func:`select_entries` for the filters."""
        with self._lock:
            found = list(self._entries)
        return select_entries(found, operation=operation, mailbox=mailbox, since=since, face=face)


def select_entries(found: Iterable[Entry], *, operation: str | None = None, mailbox: str | None = None,
                   since: int | dt.datetime | None = None, face: str | None = None) -> list[Entry]:
    """The entries that pass the filters, summarised (:func:`summarised`). ``since`` is a sequence number
    (entries after it) or an instant (entries at or after it); ``mailbox`` matches the authenticated user or
    the acting mailbox; ``operation`` is case-insensitive."""
    found = [summarised(e) for e in found]
    if operation:
        found = [e for e in found if (e.operation or "").lower() == operation.lower()]
    if mailbox:
        who = mailbox.lower()
        found = [e for e in found if who in ((e.user or "").lower(), (e.mailbox or "").lower())]
    if face:
        found = [e for e in found if e.face == face]
    if isinstance(since, dt.datetime):
        found = [e for e in found if e.time >= since]
    elif since is not None:
        found = [e for e in found if e.seq > since]
    return found


# ---- what the router and the shell note while a request runs ------------------------------------------------


def item_ids_in(element: etree._Element) -> list[str]:
    """Every ItemId (and occurrence/master id) in a request or response body, in document order, once."""
    found = (el.get(_ITEM_ID_TAGS[el.tag]) for el in element.iter(*_ITEM_ID_TAGS))
    return list(dict.fromkeys(v for v in found if v))


def note_item_ids(environ: dict, element: etree._Element) -> None:
    environ.setdefault(ITEM_IDS_KEY, []).extend(item_ids_in(element))


def request_headers(environ: dict) -> dict[str, str]:
    """The request's headers worth keeping, Authorization reduced to its scheme (``Basic [redacted]``)."""
    out: dict[str, str] = {}
    if environ.get("CONTENT_TYPE"):
        out["Content-Type"] = environ["CONTENT_TYPE"]
    for key, value in environ.items():
        if not key.startswith("HTTP_") or key in _SKIPPED_HEADERS or key == "HTTP_CONTENT_TYPE":
            continue
        name = "-".join(part.capitalize() for part in key[5:].split("_"))
        if key == "HTTP_AUTHORIZATION":
            scheme = str(value).partition(" ")[0]
            value = f"{scheme if scheme.isalpha() and len(scheme) <= 16 else 'other'} [redacted]"
        out[name] = str(value)
    return out


class TeeInput:
    """Wraps ``wsgi.input`` to keep what the application reads (the REST faces read their own bodies)."""

    def __init__(self, stream: Any, limit: int) -> None:
        self._stream, self._limit = stream, limit
        self.data = bytearray()

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size) if size is not None and size >= 0 else self._stream.read()
        if len(self.data) < self._limit:
            self.data += chunk[: self._limit - len(self.data)]
        return chunk

    def readline(self, size: int = -1) -> bytes:
        line = self._stream.readline(size)
        if len(self.data) < self._limit:
            self.data += line[: self._limit - len(self.data)]
        return line

    def __iter__(self):  # noqa: ANN204 - PEP 3333 asks input streams to iterate by line
        return iter(self.readline, b"")


# ---- one finished call -> one entry (the router calls this for EWS and REST) -------------------------------


def rest_target(method: str, path: str) -> tuple[str, list[str]]:
    """A REST call's operation name (``PATCH /beta/tasks/{id}``) and the EWS ItemIds its path names."""
    parts, ids = [], []
    for segment in path.split("/"):
        ews = segment.replace("-", "+").replace("_", "/")
        try:
            kind = classify_id(ews) if len(segment) > 20 else None
        except EwsError:
            kind = None
        if kind == "item":
            ids.append(ews)
            parts.append("{id}")
        else:
            parts.append(segment)
    return f"{method} {'/'.join(parts)}", ids


def _rest_outcome(status: int, headers: dict[str, str], body: bytes) -> tuple[list[str], list[str]]:
    """Error codes and ItemIds in a REST response (JSON ids are REST ids; the spawned one-off is a header)."""
    codes: list[str] = []
    ids: list[str] = []
    if headers.get("Content-Type", "").startswith("application/json") and body:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            error = data.get("error")
            if status >= 400 and isinstance(error, dict) and isinstance(error.get("code"), str):
                codes.append(error["code"])
            found = [data] + [v for v in data.get("value", []) if isinstance(v, dict)] \
                if isinstance(data.get("value", []), list) else [data]
            ids += [str(d["id"]).replace("-", "+").replace("_", "/") for d in found if isinstance(d.get("id"), str)]
    spawned = headers.get("Ewsemu-Spawned-Task-Id")
    if spawned:
        ids.append(spawned.replace("-", "+").replace("_", "/"))
    return codes, ids


def summarised(entry: Entry) -> Entry:
    """A REST entry is recorded as it went over the wire; its operation name, ItemIds and error codes are
    read out of the path and the response when the ledger is read, not on every call."""
    if entry.face != "rest" or entry.operation is not None:
        return entry
    operation, path_ids = rest_target(entry.method, entry.path)
    codes, ids = _rest_outcome(entry.status, entry.response_headers, entry.response)
    return replace(entry, operation=operation, item_ids=tuple(dict.fromkeys(path_ids + ids)), codes=tuple(codes))


def record_call(emulator: Host, environ: dict, face: str, user: str | None, status: str | None,
                headers: list[tuple[str, str]], body: bytes, duration_ms: float | None) -> Entry | None:
    """Add the entry for a finished call; ``status`` None means the connection was dropped unanswered."""
    ledger = emulator.ledger
    if not ledger.enabled:
        return None
    code = int(status.split(" ", 1)[0]) if status else 0
    operation = environ.get(OPERATION_KEY) if face != "rest" else None  # REST: summarised when read
    tee = environ.get(INPUT_KEY)
    request = environ.get(REQUEST_KEY) or (bytes(tee.data) if isinstance(tee, TeeInput) else b"")
    truncated = len(request) > MAX_BODY or len(body) > MAX_BODY
    path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
    uri = environ.get("REQUEST_URI") or environ.get("RAW_URI") or quote(path) + (f"?{query}" if query else "")
    return ledger.add(
        time=emulator.clock.now(), face=face, method=environ.get("REQUEST_METHOD", "GET"),
        path=path, query=query, uri=uri, user=user,
        mailbox=environ.get(MAILBOX_KEY) or user, operation=operation,
        item_ids=tuple(dict.fromkeys(environ.get(ITEM_IDS_KEY, ()))) if face != "rest" else (),
        status=code, codes=tuple(environ.get(CODES_KEY, ())) if face != "rest" else (), duration_ms=duration_ms,
        faults=tuple(environ.get(FAULTS_KEY, [])), auth=auth_scheme(environ),
        request_headers=request_headers(environ), request=request[:MAX_BODY],
        response_headers=dict(headers), response=body[:MAX_BODY], truncated=truncated)
