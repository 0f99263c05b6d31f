"""Autodiscover: how EWS clients find their server from an e-mail address. Not EWS, so not in the spyne
app: its own WSGI app behind the router, for both protocols.

* ``POST /autodiscover/autodiscover.xml``: POX (pox.py), the ``outlook`` and ``mobilesync`` schemas;
* ``POST /autodiscover/autodiscover.svc``: SOAP (soap.py), GetUserSettings and GetDomainSettings.

Callers authenticate as for EWS (Basic, NTLM, Negotiate, Bearer) and may ask about any mailbox, as in an
Exchange organisation. A mailbox is known when the users file lists it; in the open default every
well-formed address is (mailboxes are created on first use there). Every URL in an answer is ewsemu's own as
the client reached it (settings.py).
"""
from __future__ import annotations

from typing import Callable, Iterable

from ..emulator import Emulator
from ..server.auth import Authenticator
from ..server.limits import Rejected, read_body
from ..server.multiauth import challenge_for
from . import pox, soap
from .settings import MailboxInfo, Site, well_formed

POX_PATH = "/autodiscover/autodiscover.xml"
SOAP_PATH = "/autodiscover/autodiscover.svc"
PATHS = (POX_PATH, SOAP_PATH)
StartResponse = Callable[..., object]


class AutodiscoverApp:
    def __init__(self, emulator: Emulator, authenticator: Authenticator) -> None:
        self.emulator, self.authenticator = emulator, authenticator

    def lookup(self, address: str) -> MailboxInfo | None:
        """The mailbox an address names, or None when Autodiscover should not know it."""
        address = address.strip().lower()
        if not well_formed(address):
            return None
        users = self.emulator.settings.users
        user = users.get(address) if users is not None else None
        if users is not None and user is None:
            return None
        store = self.emulator.store
        with store.read() as conn:
            stored = store.mailbox_display_name(conn, address) if store.mailbox_exists(conn, address) else None
        name = (user.display_name if user is not None else None) or stored or address.partition("@")[0]
        return MailboxInfo(smtp=address, display_name=name)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "").lower()
        # authentication first, as IIS does: an NTLM client may open its handshake with a GET
        if self.authenticator.authenticate(environ) is None:
            return _respond(start_response, "401 Unauthorized", b"", "text/plain",
                            challenge_for(self.authenticator, environ))
        if environ.get("REQUEST_METHOD", "GET") != "POST":
            return _respond(start_response, "405 Method Not Allowed", b"POST Autodiscover requests to this URL\n",
                            "text/plain", [("Allow", "POST")])
        try:
            body = read_body(environ, self.emulator.settings.limits)
        except Rejected as err:
            return _respond(start_response, err.status, f"{err.message}\n".encode(), "text/plain; charset=utf-8")
        site, version = Site.from_environ(environ), self.emulator.settings.server_version
        if path == POX_PATH:
            return _respond(start_response, "200 OK", pox.answer(body, self.lookup, site, version),
                            "text/xml; charset=utf-8")
        status, data = soap.answer(body, self.lookup, self.emulator.settings.users, site, version)
        return _respond(start_response, status, data, "text/xml; charset=utf-8")


def _respond(start_response: StartResponse, status: str, body: bytes, content_type: str,
             extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))] + (extra or []))
    return [body]


def make_autodiscover_app(emulator: Emulator, authenticator: Authenticator) -> AutodiscoverApp:
    return AutodiscoverApp(emulator, authenticator)
