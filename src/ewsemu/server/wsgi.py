"""The WSGI router in front of spyne: static WSDL/XSD, health, auth, and the EWS endpoint."""
from __future__ import annotations

import json

from typing import Callable, Iterable

from ..operations.context import Emulator
from ..protocol.validation import wsdl_dir
from ..rest import PREFIXES as REST_PREFIXES, make_rest_app
from . import request_log
from .auth import Authenticator, authenticator_for
from .limits import Rejected, check_content_type, read_body
from .soap import USER_KEY, build_wsgi

EWS_PATH = "/ews/exchange.asmx"
_STATIC = {"/ews/services.wsdl": "Services.wsdl", "/ews/messages.xsd": "messages.xsd",
           "/ews/types.xsd": "types.xsd", "/ews/xml.xsd": "xml.xsd"}
StartResponse = Callable[..., object]


def _respond(start_response: StartResponse, status: str, body: bytes, content_type: str,
             extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))] + (extra or []))
    return [body]


class Router:
    def __init__(self, emulator: Emulator, authenticator: Authenticator | None = None) -> None:
        self.emulator = emulator
        self.authenticator = authenticator or authenticator_for(emulator.settings.users)
        self.soap = build_wsgi(emulator)
        # the REST faces (issue 8): /beta/… and /v1/… over the same store, bearer tokens from the users file
        self.rest = make_rest_app(emulator, emulator.settings.users)
        self._static = {path: (wsdl_dir() / name).read_bytes() for path, name in _STATIC.items()
                        if (wsdl_dir() / name).exists()}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "").lower()
        method = environ.get("REQUEST_METHOD", "GET")
        query = environ.get("QUERY_STRING", "").lower()
        if path.startswith(REST_PREFIXES):
            return self.rest(environ, start_response)
        if method == "GET":
            if path == "/health":
                return _respond(start_response, "200 OK", json.dumps({"status": "ok"}).encode(), "application/json")
            if path == EWS_PATH and query == "wsdl":
                path = "/ews/services.wsdl"
            if path in self._static:
                return _respond(start_response, "200 OK", self._static[path], "text/xml; charset=utf-8")
        if path == EWS_PATH:
            if method != "POST":
                return _respond(start_response, "405 Method Not Allowed", b"POST SOAP requests to this URL\n",
                                "text/plain", [("Allow", "POST")])
            return self._ews(environ, start_response)
        return _respond(start_response, "404 Not Found", b"Not found\n", "text/plain")

    def _ews(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """Authenticate, check Content-Type and body size (server/limits.py), run the SOAP shell, log one line."""
        request_log.start(environ)
        user = self.authenticator.authenticate(environ)
        if user is None:
            request_log.emit(environ, "401 Unauthorized", None)
            return _respond(start_response, "401 Unauthorized", b"", "text/plain", self.authenticator.challenge())
        try:
            check_content_type(environ)
            read_body(environ, self.emulator.settings.limits)
        except Rejected as err:
            request_log.emit(environ, err.status, user)
            return _respond(start_response, err.status, f"{err.message}\n".encode(), "text/plain; charset=utf-8")
        environ[USER_KEY] = user
        statuses: list[str] = []

        def recording(status: str, headers: list, exc_info: object = None) -> object:
            statuses.append(status)
            return start_response(status, headers) if exc_info is None else start_response(status, headers, exc_info)

        result = self.soap(environ, recording)
        request_log.emit(environ, statuses[-1] if statuses else "500", user)
        return result


def make_app(emulator: Emulator, authenticator: Authenticator | None = None) -> Router:
    return Router(emulator, authenticator)



