"""The TCP connection behind a request, and HTTPS under waitress.

NTLM authenticates a *connection*, not a request: Type 1, the 401 with the Type 2 challenge and Type 3 must
travel on one TCP connection, and later requests on it carry no Authorization at all. So a request needs to
know its connection. :func:`connection_of` gives every request a :class:`Connection`, one per TCP connection
and never shared between two: under waitress the channel makes it (our channel and task subclasses put it
in the environ), under gunicorn it is keyed by the connection's socket object (``gunicorn.socket``) in a weak
dictionary. State kept on it (the NTLM handshake, the identity it established) lives exactly as long as the
connection: nothing to expire, nothing that a later connection from the same address and port could inherit.

Waitress has no TLS. :class:`TlsWSGIServer` terminates it in front of waitress's own HTTP machinery: the
accepted socket is handed to a thread that does the handshake and then relays bytes between the TLS socket
and one end of a socketpair, whose other end waitress serves as an ordinary channel (with the client's real
address). One relay thread per connection, no extra TCP hop; ``make bench`` measures the cost.
"""
from __future__ import annotations

import itertools
import logging
import selectors
import socket
import ssl
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher, WSGITask

#: WSGI environ key of the request's :class:`Connection`
CONNECTION_KEY = "ewsemu.connection"
HANDSHAKE_TIMEOUT = 30.0
log = logging.getLogger("ewsemu.tls")
_ids = itertools.count(1)


@dataclass(eq=False)
class Connection:
    """One client TCP connection. ``state`` is for per-connection protocol state (``ntlm``: see
    server/ntlm.py); a lock serialises the (rare) concurrent use of one connection by pipelined requests."""

    id: int = field(default_factory=lambda: next(_ids))
    state: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_gunicorn_connections: "weakref.WeakKeyDictionary[Any, Connection]" = weakref.WeakKeyDictionary()
_gunicorn_lock = threading.Lock()


def connection_of(environ: dict) -> Connection | None:
    """The request's connection: waitress (our channels) or gunicorn; None for an in-process WSGI call."""
    conn = environ.get(CONNECTION_KEY)
    if conn is not None:
        return conn
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return None
    with _gunicorn_lock:
        conn = _gunicorn_connections.get(sock)
        if conn is None:
            conn = _gunicorn_connections[sock] = Connection()
        environ[CONNECTION_KEY] = conn
        return conn


class _Task(WSGITask):
    def get_environment(self) -> dict:
        environ = super().get_environment()
        environ[CONNECTION_KEY] = self.channel.connection
        return environ


class ConnectionChannel(HTTPChannel):
    """A waitress channel that carries its :class:`Connection` into every request's environ."""

    task_class = _Task

    def __init__(self, server: Any, sock: socket.socket, addr: Any, adj: Adjustments, map: Any = None) -> None:
        self.connection = Connection()
        super().__init__(server, sock, addr, adj, map=map)

    def handle_close(self) -> None:
        self.connection.state.clear()
        super().handle_close()


class ConnectionWSGIServer(TcpWSGIServer):
    channel_class = ConnectionChannel


class TlsWSGIServer(ConnectionWSGIServer):
    """waitress behind a TLS terminator of its own (see the module docstring)."""

    def __init__(self, *args: Any, tls_context: ssl.SSLContext, **kwargs: Any) -> None:
        self.tls_context = tls_context
        super().__init__(*args, **kwargs)

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
            self.set_socket_options(conn)
        except OSError:
            return
        addr = self.fix_addr(addr)
        threading.Thread(target=self._serve_tls, args=(conn, addr), name="ewsemu-tls", daemon=True).start()

    def _serve_tls(self, raw: socket.socket, addr: Any) -> None:
        raw.setblocking(True)
        raw.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.tls_context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError) as err:  # a plain-HTTP client, an untrusting one, a port scanner
            log.info("TLS handshake with %s failed: %s", addr[0] if addr else "?", err)
            raw.close()
            return
        tls.settimeout(None)
        inner, outer = socket.socketpair()
        # the channel must join waitress's socket map inside its loop thread, never concurrently with it
        try:
            self.trigger.pull_trigger(lambda: self.channel_class(self, inner, addr, self.adj, map=self._map))
        except OSError:  # the server is shutting down
            tls.close(), inner.close(), outer.close()
            return
        _relay(tls, outer)


def _relay(tls: ssl.SSLSocket, plain: socket.socket) -> None:
    """Copy bytes both ways until either side closes. One thread drives both directions because an SSL
    object must not be read and written from two threads at once."""
    selector = selectors.DefaultSelector()
    selector.register(tls, selectors.EVENT_READ)
    selector.register(plain, selectors.EVENT_READ)
    try:
        while True:
            ready = [key.fileobj for key, _ in selector.select()] if not tls.pending() else [tls]
            if tls in ready:
                data = tls.recv(65536)
                if not data:
                    break
                plain.sendall(data)
                while tls.pending():
                    plain.sendall(tls.recv(65536))
            if plain in ready:
                data = plain.recv(65536)
                if not data:
                    break
                tls.sendall(data)
    except (OSError, ValueError):  # a reset, a closed socket, a TLS alert: the connection is over either way
        pass
    finally:
        selector.close()
        for sock in (tls, plain):
            try:
                sock.close()
            except OSError:
                pass


def create_server(app: Any, *, host: str, port: int, threads: int, tls_context: ssl.SSLContext | None = None,
                  **adjustments: Any) -> ConnectionWSGIServer:
    """waitress's ``create_server`` for one TCP listener, with connection-aware channels and optional TLS."""
    adj = Adjustments(host=host, port=port, threads=threads,
                      url_scheme="https" if tls_context is not None else "http", **adjustments)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    sockinfo = adj.listen[0]
    if tls_context is not None:
        return TlsWSGIServer(app, {}, True, None, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo,
                             tls_context=tls_context)
    return ConnectionWSGIServer(app, {}, True, None, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
