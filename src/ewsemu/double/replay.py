"""``ewsemu replay SESSION --url URL``: re-send a recorded session and diff the answers.

A session is what ``GET /_ewsemu/ledger/session`` exports: every EWS, REST and control-plane call with its
request and its response. Replaying it against a server (a fresh ewsemu, or the same one after a code change)
sends the requests in order and compares each answer with the recorded one. Control-plane calls (reset, seed,
clock moves, fault rules) are re-sent too, so a session that froze and advanced the clock, or injected a fault,
replays as it ran; their answers are compared by status only.

Server-made values differ between runs, so both sides are normalised the same way before comparing:

* ItemIds, FolderIds and ChangeKeys (recognised by their binary header, in EWS or URL-safe base64, in a body or
  in the ETag/Location headers) become ``<ItemId#n>``, ``<FolderId#n>``, ``<ChangeKey#n>``, numbered by first
  appearance on each side, so "the id CreateItem returned is the one UpdateItem answered" is still checked;
* sync states (SyncFolderItems, SyncFolderHierarchy: opaque tokens signed with a key of each database) become
  ``<SyncState#n>`` the same way, and a later request's recorded state is sent as the live one;
* the server's timestamps (DateTimeCreated, DateTimeReceived, DateTimeSent, LastModifiedTime and their REST
  names, a MimeContent's Date header) become ``<time>``, unless ``--strict-times`` (both servers on the same
  frozen ``--clock``); a MimeContent is compared as its decoded text, its multipart boundary (made from the
  ChangeKey) set aside.

Ids the live server hands out are learned as the answers arrive (recorded value -> live value, by placeholder)
and substituted into later requests, so an UpdateItem of a task created earlier in the session names the task
the live server created. A call answered by an injected fault is replayed only when the session also holds the
control call that created the rule; otherwise it is skipped (the fault, not the emulator, answered it).
Exit status 0 when every answer matches, 1 with a readable diff otherwise.
"""
from __future__ import annotations

import base64
import binascii
import difflib
import json
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, unquote

from lxml import etree

from ..core.ids import CHANGEKEY_HEADER, FOLDER_HEADER, ITEM_HEADER
from ..core.users import load_users
from ..protocol.envelope import new_parser
from .ledger import body_bytes

SESSION_FORMAT = "ewsemu-session/1"
#: response headers compared (and mined for ids) besides the status and the body
COMPARED_HEADERS = ("etag", "location", "ewsemu-spawned-task-id", "retry-after", "www-authenticate")
_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_KINDS = ((ITEM_HEADER, "ItemId"), (FOLDER_HEADER, "FolderId"), (CHANGEKEY_HEADER, "ChangeKey"))
_TIME_ELEMENTS = re.compile(
    r"(<(?:\w+:)?(?:DateTimeCreated|DateTimeReceived|DateTimeSent|LastModifiedTime|ReminderNextTime)>)[^<]*(<)")
_TIME_MEMBERS = re.compile(r'("(?:createdDateTime|lastModifiedDateTime|createdAt|updatedAt)"\s*:\s*)"[^"]*"')
_PATH_SAFE = "=+-_.~!$&'()*,;:@"
#: MIME content (base64 of an Internet message): compared as its text, its server-made values aside
_MIME_CONTENT = re.compile(r"(<(?:\w+:)?MimeContent\b[^>]*>)\s*([A-Za-z0-9+/=\s]+?)\s*(<)")
_MIME_DATE = re.compile(r"^Date: .*$", re.M)
_MIME_BOUNDARY = re.compile(r"_ewsemu_[0-9a-f]+_")
#: a sync state, in a request or an answer (``<m:SyncState>H4sI…</m:SyncState>``)
_SYNC_STATE = re.compile(r"(<(?:\w+:)?SyncState>)\s*([A-Za-z0-9+/=]+)\s*(<)")

Credentials = Callable[[str | None, str], str | None]
Transport = Callable[[str, str, dict[str, str], bytes], "Answer"]


class SessionError(ValueError):
    """The file is not a recorded session."""


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SessionError(f"{path}: cannot read it: {err.strerror or err}") from None
    except ValueError as err:
        raise SessionError(f"{path}: not JSON: {err}") from None
    if not isinstance(data, dict) or data.get("format") != SESSION_FORMAT or not isinstance(data.get("entries"), list):
        raise SessionError(f"{path}: not an ewsemu session (GET /_ewsemu/ledger/session exports one)")
    return data


# ---- ids in text --------------------------------------------------------------------------------------------------


def _canonical_id(token: str) -> tuple[str, str] | None:
    """(kind, EWS spelling) when ``token`` is an ewsemu ItemId / FolderId / ChangeKey in either alphabet."""
    ews = token.replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(ews, validate=True)
    except (binascii.Error, ValueError):
        return None
    for header, kind in _KINDS:
        if raw.startswith(header) and len(raw) > len(header):
            return kind, ews
    return None


def _map_ids(text: str, replace: Callable[[str, str, str], str]) -> str:
    """Apply ``replace(kind, ews_spelling, token)`` to every id in ``text``. A run of base64 characters that
    is no id may be a URL path holding URL-safe ids (``/beta/tasks/AAMk…``): its segments are tried too."""
    def one(token: str) -> str:
        found = _canonical_id(token)
        return replace(found[0], found[1], token) if found else token

    def run(match: re.Match[str]) -> str:
        token = match.group(0)
        if _canonical_id(token) is None and "/" in token:
            return "/".join(one(part) for part in token.split("/"))
        return one(token)

    return _TOKEN.sub(run, text)


def _spelled(kind: str, ews: str, token: str, live: str, url_safe: bool) -> str:
    """The live id in the recorded token's alphabet. A token without any of ``+/-_`` reads the same in both:
    then item and folder ids follow ``url_safe`` (REST paths and bodies), ChangeKeys are always EWS base64."""
    if token != ews:
        return live.replace("+", "-").replace("/", "_")
    if "+" in token or "/" in token or kind == "ChangeKey" or not url_safe:
        return live
    return live.replace("+", "-").replace("/", "_")


def substitute(text: str, ids: dict[str, str], url_safe: bool = False) -> str:
    """Recorded ids (and sync states) -> the live server's, in the spelling the text used."""
    text = _SYNC_STATE.sub(lambda m: m.group(1) + ids.get(m.group(2), m.group(2)) + m.group(3), text)
    return _map_ids(text, lambda kind, ews, token: _spelled(kind, ews, token, ids[ews], url_safe)
                    if ews in ids else token)


def substitute_uri(uri: str, ids: dict[str, str]) -> str:
    """A request target with recorded ids swapped, segment by segment (an EWS id's ``/`` is ``%2F`` there)."""
    path, sep, query = uri.partition("?")
    segments = [quote(substitute(unquote(seg), ids, url_safe=True), safe=_PATH_SAFE) for seg in path.split("/")]
    return "/".join(segments) + sep + substitute(query, ids, url_safe=True)


class Normaliser:
    """Placeholders for one side's server-made values, numbered by first appearance over the whole session."""

    def __init__(self, strict_times: bool = False) -> None:
        self.strict_times = strict_times
        self.names: dict[str, str] = {}  # EWS spelling -> placeholder
        self._counts: dict[str, int] = {}

    def _name(self, kind: str, ews: str) -> str:
        if ews not in self.names:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self.names[ews] = f"<{kind}#{self._counts[kind]}>"
        return self.names[ews]

    def _mime(self, encoded: str) -> str:
        """The message's text; its Date (the item's time) and its part boundary (made from the ChangeKey) are
        the server's, so they are set aside as the timestamps and ids elsewhere are."""
        try:
            raw = base64.b64decode("".join(encoded.split()), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return encoded
        raw = _MIME_BOUNDARY.sub("_ewsemu_<boundary>_", raw.replace("\r\n", "\n"))
        return raw if self.strict_times else _MIME_DATE.sub("Date: <time>", raw)

    def __call__(self, text: str) -> str:
        text = _MIME_CONTENT.sub(lambda m: m.group(1) + self._mime(m.group(2)) + m.group(3), text)
        text = _SYNC_STATE.sub(lambda m: m.group(1) + self._name("SyncState", m.group(2)) + m.group(3), text)
        text = _map_ids(text, lambda kind, ews, token: self._name(kind, ews))
        if not self.strict_times:
            text = _TIME_ELEMENTS.sub(r"\1<time>\2", text)
            text = _TIME_MEMBERS.sub(r'\1"<time>"', text)
        return text


# ---- answers --------------------------------------------------------------------------------------------------------


def readable(body: bytes, content_type: str) -> str:
    """The body pretty-printed, one element or member per line, so a diff points at the difference."""
    if not body:
        return ""
    if "json" in content_type:
        try:
            return json.dumps(json.loads(body), indent=2, sort_keys=True, ensure_ascii=False)
        except ValueError:
            pass
    elif "xml" in content_type:
        try:
            return etree.tostring(etree.fromstring(body, new_parser()), pretty_print=True, encoding="unicode")
        except etree.XMLSyntaxError:
            pass
    return body.decode("utf-8", "replace")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def __post_init__(self) -> None:
        self.headers = {name.lower(): value for name, value in self.headers.items()}

    def text(self, normalise: Normaliser, status_only: bool = False) -> str:
        """What is compared; the body is normalised even when only the status counts (numbering stays aligned)."""
        lines = [f"HTTP {self.status}"]
        lines += [f"{name}: {self.headers[name]}" for name in COMPARED_HEADERS if name in self.headers]
        body = normalise("\n".join(lines[1:]) + "\n" + readable(self.body, self.headers.get("content-type", "")))
        return f"HTTP {self.status}\n" if status_only else f"HTTP {self.status}\n{body}"


def send(url: str, method: str, headers: dict[str, str], body: bytes, timeout: float = 60) -> Answer:
    data = body if body or method in ("POST", "PATCH", "PUT") else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as err:
        return Answer(err.code, dict(err.headers.items()), err.read())


# ---- the replay ------------------------------------------------------------------------------------------------------


@dataclass
class Difference:
    index: int
    title: str
    diff: str


@dataclass
class Report:
    replayed: int = 0
    skipped: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def render(self) -> str:
        out = [d.title + "\n" + d.diff for d in self.differences]
        out += [f"skipped: {s}" for s in self.skipped]
        out.append(f"{self.replayed} calls replayed, {len(self.differences)} with differences"
                   + (f", {len(self.skipped)} skipped" if self.skipped else ""))
        return "\n".join(out) + "\n"


def _rules_created(entry: dict[str, Any]) -> set[str]:
    """The ids of the fault rules a recorded ``POST /_ewsemu/faults`` created."""
    try:
        return {str(f["id"]) for f in json.loads(body_bytes(entry, "response")).get("faults", [])}
    except (ValueError, AttributeError, TypeError, KeyError):
        return set()


def replay(session: dict[str, Any], base_url: str, credentials: Credentials, strict_times: bool = False,
           transport: Transport = send) -> Report:
    base = base_url.rstrip("/")
    if base.lower().endswith("/ews/exchange.asmx"):
        base = base[: -len("/ews/exchange.asmx")]
    recorded_side, live_side = Normaliser(strict_times), Normaliser(strict_times)
    ids: dict[str, str] = {}  # recorded EWS spelling -> live EWS spelling
    rules: set[str] = set()  # fault rules the replay has re-created
    report = Report()
    for index, entry in enumerate(session["entries"], start=1):
        face = str(entry.get("face", "ews"))
        title = f"#{index} {entry.get('method')} {entry.get('path')}" + (
            f" {entry['operation']}" if face == "ews" and entry.get("operation") else "")
        if entry.get("truncated"):
            report.skipped.append(f"{title}: a body was longer than the ledger keeps")
            continue
        orphans = [f for f in entry.get("faults") or [] if not f.get("now") and str(f.get("id")) not in rules]
        if orphans:
            report.skipped.append(f"{title}: answered by an injected fault whose rule is not in the session "
                                  f"({', '.join(str(f.get('kind')) for f in orphans)})")
            continue
        url_safe = face == "rest"
        headers = {k: substitute(v, ids, url_safe) for k, v in (entry.get("request_headers") or {}).items()
                   if k.lower() != "authorization"}
        authorization = credentials(entry.get("user"), str(entry.get("auth", "-")))
        if authorization:
            headers["Authorization"] = authorization
        body = body_bytes(entry, "request")
        try:
            body = substitute(body.decode("utf-8"), ids, url_safe).encode("utf-8")
        except UnicodeDecodeError:
            pass  # a UTF-16 request: sent as recorded
        query = f"?{entry['query']}" if entry.get("query") else ""
        uri = entry.get("uri") or quote(str(entry.get("path", ""))) + query
        live = transport(base + substitute_uri(str(uri), ids), str(entry.get("method", "POST")), headers, body)
        recorded = Answer(int(entry.get("status", 0)), dict(entry.get("response_headers") or {}),
                          body_bytes(entry, "response"))
        expected = recorded.text(recorded_side, status_only=face == "control")
        actual = live.text(live_side, status_only=face == "control")
        by_name = {name: value for value, name in live_side.names.items()}
        ids.update({value: by_name[name] for value, name in recorded_side.names.items() if name in by_name})
        if face == "control" and entry.get("method") == "POST" and str(entry.get("path", "")).endswith("/faults"):
            rules |= _rules_created(entry)
        report.replayed += 1
        if expected != actual:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                "recorded", "replayed", n=2))
            report.differences.append(Difference(index, f"{title}: the answer differs", diff))
    return report


def credentials_for(users_file: Path | None, password: str) -> Credentials:
    """Authorization for a recorded user: from the users file (its password, or its first token for a Bearer
    call), else Basic ``user:password`` (any password works on an open server)."""
    directory = load_users(users_file) if users_file is not None else None

    def make(user: str | None, scheme: str) -> str | None:
        if not user:
            return None
        found = directory.get(user) if directory is not None else None
        if scheme == "Bearer" and found is not None and found.tokens:
            return f"Bearer {found.tokens[0]}"
        secret = found.password if found is not None and found.password else password
        return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()

    return make


def main(path: Path, url: str, users_file: Path | None, password: str, strict_times: bool,
         out: Any = None) -> int:
    report = replay(load(path), url, credentials_for(users_file, password), strict_times)
    (out or sys.stdout).write(report.render())
    return 0 if report.ok else 1
