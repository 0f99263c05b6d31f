"""HTTP plumbing both REST faces share: requests, JSON responses, routing, 401s, REST ids, ETags.

The faces differ only in their routes, their error bodies and their JSON models; everything they change goes
through :mod:`ewsemu.operations.item_writes`, the write path EWS UpdateItem uses.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Callable
from urllib.parse import parse_qsl

from ..core.item import Item
from ..core.paths import ExtendedFieldURI
from ..core.timezones import UTC
from ..core.limits import Limits
from ..server.auth import Refusal
from ..server.limits import Rejected, read_body
from ..core.users import User

log = logging.getLogger("ewsemu.rest")
#: names the completed one-off a PATCH spawned from a recurring task (EWS returns its ItemId)
SPAWNED_HEADER = "Ewsemu-Spawned-Task-Id"


# ---- requests and responses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    environ: dict
    limits: Limits

    @classmethod
    def from_environ(cls, environ: dict, limits: Limits) -> "Request":
        return cls(environ.get("REQUEST_METHOD", "GET").upper(), environ.get("PATH_INFO", ""),
                   dict(parse_qsl(environ.get("QUERY_STRING", ""))), environ, limits)

    def header(self, name: str) -> str | None:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))

    def body(self) -> bytes:
        """The body within the server's size limit (``--max-request-size``, as for EWS)."""
        try:
            return read_body(self.environ, self.limits)
        except Rejected as err:
            raise BadBody(err.message, status=int(err.status.split()[0])) from None

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object (key order kept: changes apply in the order the client wrote them)."""
        raw = self.body()
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadBody(f"The request body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadBody("The request body must be a JSON object.")
        return data


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


class BadBody(Exception):
    """The body is not a JSON object or is truncated (400), or is too large (413)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class Response:
    status: int
    body: Any = None
    headers: list[tuple[str, str]] = field(default_factory=list)

    def wsgi(self, start_response: Callable[..., object]) -> list[bytes]:
        phrase = HTTPStatus(self.status).phrase
        if self.body is None:  # 204: no body and no Content-Length (RFC 9110 §8.6)
            start_response(f"{self.status} {phrase}", list(self.headers))
            return []
        data = json.dumps(self.body, ensure_ascii=False).encode("utf-8")
        start_response(f"{self.status} {phrase}", [("Content-Type", "application/json; charset=utf-8"),
                                                   ("Content-Length", str(len(data)))] + self.headers)
        return [data]


class HttpError(Exception):
    """A finished error response (each face builds its own error body)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


# ---- routing and authentication ----------------------------------------------------------------------------


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    #: served without a bearer token (the OpenAPI document)
    public: bool = False


def route(method: str, pattern: str, handler: Handler, public: bool = False) -> Route:
    """``pattern`` is a regular expression over the path; its named groups become handler arguments.
    The literal parts match case-insensitively, as Graph's do; captured ids keep their case."""
    return Route(method, re.compile(pattern, re.IGNORECASE), handler, public)


class Face:
    """One REST face: routes and its error body shape. Who is calling is decided before, by the server's one
    authenticator (:meth:`ewsemu.server.auth.Authenticator.rest_caller`); the face only words a refusal.

    A face sets ``codes``, its error code for each plumbing failure (400 body is not JSON, 401, 404 no such
    route, 405, 413), and implements :meth:`error`.
    """

    codes: dict[int, str] = {}

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def error(self, status: int, code: str, message: str, **extra: Any) -> Response:
        raise NotImplementedError

    def fail(self, status: int, code: str, message: str, **extra: Any) -> HttpError:
        return HttpError(self.error(status, code, message, **extra))

    def _plumbing(self, status: int, message: str) -> Response:
        return self.error(status, self.codes[status], message)

    def authenticated(self, caller: User | Refusal) -> User:
        """The caller, or a 401 in this face's error format with the authenticator's message and challenge."""
        if isinstance(caller, User):
            return caller
        response = self._plumbing(401, caller.message)
        response.headers.extend(caller.challenge)
        raise HttpError(response)

    def handle(self, request: Request, caller: User | Refusal) -> Response:
        allowed: list[str] = []
        for r in self.routes:
            match = r.pattern.fullmatch(request.path)
            if match is None:
                continue
            if r.method != request.method:
                allowed.append(r.method)
                continue
            try:
                if r.public:
                    return r.handler(request, **match.groupdict())
                return r.handler(request, self.authenticated(caller), **match.groupdict())
            except HttpError as err:
                return err.response
            except BadBody as err:
                return self._plumbing(err.status, err.message)
            except Exception:  # a bug: answer in the face's JSON shape, and log it
                log.exception("internal error on %s %s", request.method, request.path)
                return self._plumbing(500, "An internal server error occurred.")
        if allowed:
            response = self._plumbing(405, f"{request.method} is not supported on {request.path}.")
            response.headers.append(("Allow", ", ".join(allowed)))
            return response
        return self._plumbing(404, f"No resource at {request.path}.")


# ---- ids, ETags, dates, named properties -------------------------------------------------------------------


def rest_id(ews_id: str) -> str:
    """The REST form of an EWS ItemId: URL-safe base64 (RFC 4648 §5), like Graph's restId, so it fits a path
    segment. The two alphabets differ only in ``+/`` vs ``-_``, so the mapping is one-to-one."""
    return ews_id.replace("+", "-").replace("/", "_")


def ews_id(any_id: str) -> str:
    """The EWS ItemId for a REST id (an EWS id sent percent-encoded is accepted as it is)."""
    return any_id.replace("-", "+").replace("_", "/")


def etag(change_key: str, weak: bool = True) -> str:
    return f'{"W/" if weak else ""}"{change_key}"'


def if_match(request: Request) -> str | None:
    """The entity tag in If-Match without ``W/`` and quotes; None when absent or ``*`` (unconditional)."""
    value = (request.header("If-Match") or "").strip()
    if not value or value == "*":
        return None
    if value.startswith("W/"):
        value = value[2:]
    return value.strip().strip('"')


def format_utc(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_date(day: dt.date) -> str:
    """A task date (StartDate, DueDate, CompleteDate) as the midnight UTC date-time the REST faces show."""
    return f"{day.isoformat()}T00:00:00Z"


def named_property(name: str, property_type: str = "String") -> ExtendedFieldURI:
    """A PublicStrings named property: how the REST-only attributes are stored, visible to EWS clients."""
    return ExtendedFieldURI(property_type=property_type, distinguished_property_set_id="PublicStrings",
                            property_name=name)


def extended(item: Item, path: ExtendedFieldURI) -> str | None:
    found = item.extended.get(path.key)
    return found.value if found is not None and isinstance(found.value, str) else None
