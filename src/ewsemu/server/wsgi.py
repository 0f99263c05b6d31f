"""The WSGI router in front of spyne: static WSDL/XSD, health, auth, Autodiscover and the EWS endpoint."""
from __future__ import annotations

import json
from functools import partial
from typing import Callable, Iterable

from ..autodiscover import PATHS as AUTODISCOVER_PATHS, make_autodiscover_app
from ..core.users import User
from ..double import control_plane, environ as notes, faults, ledger
from ..double.control_plane import PREFIX as CONTROL_PREFIX
from ..emulator import Emulator
from ..protocol.validation import wsdl_dir
from ..rest import PREFIXES as REST_PREFIXES, make_rest_app
from ..store import journal
from ..store.journal import JournalEntry
from ..store.repository import Store
from . import request_log, stream_endpoint
from .auth import Authenticator, authenticator_for
from .limits import Rejected, check_content_type, read_body
from .multiauth import challenge_for, with_connect_schemes
from .soap import USER_KEY, build_wsgi
from .streaming import StreamHub
from .tls import CA_PATH

EWS_PATH = "/ews/exchange.asmx"
_STATIC = {"/ews/services.wsdl": "Services.wsdl", "/ews/messages.xsd": "messages.xsd",
           "/ews/types.xsd": "types.xsd", "/ews/xml.xsd": "xml.xsd"}
StartResponse = Callable[..., object]


def _respond(start_response: StartResponse, status: str, body: bytes, content_type: str,
             extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))] + (extra or []))
    return [body]


class Router:
    def __init__(self, emulator: Emulator, authenticator: Authenticator | None = None,
                 ca_pem: bytes | None = None) -> None:
        self.emulator = emulator
        self.authenticator = authenticator or authenticator_for(emulator.settings.users)
        # EWS and Autodiscover also take NTLM, Negotiate and bearer JWTs (server/multiauth.py)
        self.connect_auth = with_connect_schemes(self.authenticator, emulator.settings.users, emulator.store)
        #: the CA of ``--tls`` (server/tls.py), served at /_ewsemu/ca.pem
        self.ca_pem = ca_pem
        # Autodiscover (POX and SOAP) is not EWS: its own WSGI app (autodiscover/)
        self.autodiscover = make_autodiscover_app(emulator, self.connect_auth)
        self.soap = build_wsgi(emulator)
        # the REST faces (issue 8): /beta/… and /v1/… over the same store, the same authenticator
        self.rest = make_rest_app(emulator, self.authenticator)
        self._static = {path: (wsdl_dir() / name).read_bytes() for path, name in _STATIC.items()
                        if (wsdl_dir() / name).exists()}
        # the test-double control plane and dashboard (issue 9): /_ewsemu/…, same authentication as EWS
        self.control = control_plane.ControlPlane(emulator) if emulator.settings.control_plane else None
        #: this process's open GetStreamingEvents connections (server/streaming.py)
        self.streams = StreamHub(emulator.store.watcher, partial(_journal_entries, emulator.store),
                                 emulator.settings.stream_keepalive, emulator.clock.now)

    def close(self) -> None:
        """End the open streams (ConnectionStatus Closed) and close the emulator's store."""
        self.streams.stop()
        self.emulator.close()

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "").lower()
        method = environ.get("REQUEST_METHOD", "GET")
        query = environ.get("QUERY_STRING", "").lower()
        if path == CA_PATH and method == "GET" and self.ca_pem is not None:
            return _respond(start_response, "200 OK", self.ca_pem, "application/x-pem-file")
        if path in AUTODISCOVER_PATHS:
            self.emulator.sync()
            return self.autodiscover(environ, start_response)
        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            if self.control is not None:
                return self._control(environ, start_response)
            return _respond(start_response, "404 Not Found", b"Not found (the control plane is disabled)\n",
                            "text/plain")
        if path.startswith(REST_PREFIXES):
            return self._recorded(environ, start_response, "rest", self._rest)
        if method == "GET":
            if path == "/health":
                return _respond(start_response, "200 OK", json.dumps({"status": "ok"}).encode(), "application/json")
            if path == EWS_PATH and query == "wsdl":
                path = "/ews/services.wsdl"
            if path in self._static:
                return _respond(start_response, "200 OK", self._static[path], "text/xml; charset=utf-8")
        if path == EWS_PATH:
            if method != "POST":
                # an NTLM client may open its handshake with a GET (@ewsjs/xhr does): answer the challenge
                if environ.get("HTTP_AUTHORIZATION", "").partition(" ")[0].lower() in ("ntlm", "negotiate") \
                        and self.connect_auth.authenticate(environ) is None:
                    return _respond(start_response, "401 Unauthorized", b"", "text/plain",
                                    challenge_for(self.connect_auth, environ))
                return _respond(start_response, "405 Method Not Allowed", b"POST SOAP requests to this URL\n",
                                "text/plain", [("Allow", "POST")])
            return self._recorded(environ, start_response, "ews", self._ews)
        return _respond(start_response, "404 Not Found", b"Not found\n", "text/plain")

    def _recorded(self, environ: dict, start_response: StartResponse, face: str,
                  answer: Callable[[dict, StartResponse], Iterable[bytes]]) -> Iterable[bytes]:
        """Run ``answer`` timed; then the request log line (EWS) and the ledger entry (EWS and REST)."""
        request_log.start(environ)
        self.emulator.sync()  # the shared clock, fault rules and resets of other workers (ewsemu.double.shared)
        captured: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list, exc_info: object = None) -> object:
            captured.append((status, list(headers)))
            return start_response(status, headers) if exc_info is None else start_response(status, headers, exc_info)

        try:
            result = answer(environ, capture)
        except faults.ConnectionDropped:
            ms = request_log.elapsed_ms(environ)
            if face == "ews":
                request_log.emit(environ, "0 Dropped", environ.get(USER_KEY), ms)
            ledger.record_call(self.emulator, environ, face, environ.get(USER_KEY), None, [], b"", ms)
            raise
        if not self.emulator.ledger.enabled and face != "ews" or environ.get(stream_endpoint.STREAMING_KEY):
            return result  # a stream is logged and recorded when it ends (server/stream_endpoint.py)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured[-1] if captured else ("500 Internal Server Error", [])
        ms = request_log.elapsed_ms(environ)
        if face == "ews":
            request_log.emit(environ, status, environ.get(USER_KEY), ms)
        ledger.record_call(self.emulator, environ, face, environ.get(USER_KEY), status, headers, body, ms)
        return [body]

    def _control(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """The control plane, behind the same authentication as EWS (when a users file is in force) and the
        same body limits."""
        assert self.control is not None
        self.emulator.sync()
        user = None
        if self.emulator.settings.users is not None:
            user = self.authenticator.authenticate(environ)
            if user is None:
                return control_plane.unauthorized(self.authenticator.challenge()).wsgi(start_response)
            environ[USER_KEY] = user

        def body() -> bytes:
            try:
                return read_body(environ, self.emulator.settings.limits)
            except Rejected as err:
                raise control_plane.ControlError(int(err.status.split()[0]), "BadBody", err.message) from None

        return self.control.handle(environ, user, body).wsgi(start_response)

    def _ews(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """Authenticate, check Content-Type and body size (server/limits.py), fire injected faults, run the
        SOAP shell."""
        if environ.get("HTTP_X_PREFERSERVERAFFINITY", "").lower() == "true":
            start_response = _with_affinity(start_response)
        user = self.connect_auth.authenticate(environ)
        if user is None:
            return _respond(start_response, "401 Unauthorized", b"", "text/plain",
                            challenge_for(self.connect_auth, environ))
        environ[USER_KEY] = user
        try:
            check_content_type(environ)
            body = read_body(environ, self.emulator.settings.limits)
        except Rejected as err:
            return _respond(start_response, err.status, f"{err.message}\n".encode(), "text/plain; charset=utf-8")
        environ[notes.REQUEST_KEY] = body
        if self.emulator.faults.armed:
            operation, mailboxes, item_ids = faults.ews_target(body, self.emulator.settings.lenient_namespaces)
            request_log.note(environ, operation=operation)
            injected = faults.inject(self.emulator, environ, "ews", operation, [user, *mailboxes], item_ids,
                                     self.connect_auth.challenge())
            if injected is not None:
                status, headers, data = injected
                start_response(status, headers + [("Content-Length", str(len(data)))])
                return [data]
        if stream_endpoint.is_streaming(body):
            streamed = stream_endpoint.serve(self.emulator, self.streams, environ, start_response, body)
            if streamed is not None:
                return streamed
        return self.soap(environ, start_response)

    def _rest(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """The REST faces, with the request body kept for the ledger and injected faults fired first."""
        if self.emulator.ledger.enabled:
            tee = ledger.TeeInput(environ.get("wsgi.input"), ledger.MAX_BODY + 1)
            environ["wsgi.input"] = environ[notes.INPUT_KEY] = tee
        caller = self.rest.caller(environ)
        user = caller if isinstance(caller, User) else None
        if user is not None:
            environ[USER_KEY] = user.smtp
        if self.emulator.faults.armed:
            operation, item_ids = ledger.rest_target(environ.get("REQUEST_METHOD", "GET"),
                                                     environ.get("PATH_INFO", ""))
            injected = faults.inject(self.emulator, environ, "rest", operation, [user.smtp] if user else [],
                                     item_ids, self.authenticator.rest_challenge(environ))
            if injected is not None:
                status, headers, data = injected
                start_response(status, headers + [("Content-Length", str(len(data)))])
                return [data]
        return self.rest(environ, start_response)


#: the backend Exchange names in X-BackEndOverrideCookie; ewsemu is one backend, however many workers it has
AFFINITY_COOKIE = "X-BackEndOverrideCookie=EWSEMU.localdomain~1; path=/; HttpOnly"


def _with_affinity(start_response: StartResponse) -> StartResponse:
    """A request asking for server affinity (``X-PreferServerAffinity: True``: Subscribe and GetStreamingEvents
    from clients that group subscriptions, exchangelib among them) gets the backend's cookie, as Exchange answers
    it ("How to: Maintain affinity between a group of subscriptions and the Mailbox server")."""
    def respond(status: str, headers: list, exc_info: object = None) -> object:
        headers = list(headers) + [("Set-Cookie", AFFINITY_COOKIE)]
        return start_response(status, headers) if exc_info is None else start_response(status, headers, exc_info)

    return respond


def _journal_entries(store: Store, after: int, upto: int, limit: int) -> list[JournalEntry]:
    with store.read() as conn:
        return [e for e in journal.entries_after(conn, after, limit=limit) if e.position <= upto]


def make_app(emulator: Emulator, authenticator: Authenticator | None = None, ca_pem: bytes | None = None) -> Router:
    return Router(emulator, authenticator, ca_pem)



