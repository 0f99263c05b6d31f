"""The TCP connection behind a request, and HTTPS under waitress.

NTLM authenticates a *connection*, not a request: Type 1, the 401 with the Type 2 challenge and Type 3 must
travel on one TCP connection, and later requests on it carry no Authorization at all. So a request needs to
know its connection. :func:`connection_of` gives every request a :class:`Connection`, one per TCP connection
and never shared between two: under waitress the channel makes it (our channel and task subclasses put it
in the environ), in the single process and in each ``--workers`` process alike (server/prefork.py). State kept on it (the NTLM handshake, the identity it established) lives exactly as long as the
connection: nothing to expire, nothing that a later connection from the same address and port could inherit.

Waitress has no TLS. :class:`TlsWSGIServer` terminates it in front of waitress's own HTTP machinery: the
accepted socket is handed to a thread that does the handshake and then relays bytes between the TLS socket
and one end of a socketpair, whose other end waitress serves as an ordinary channel (with the client's real
address). One relay thread per connection, no extra TCP hop; ``make bench`` measures the cost.

A streamed response (GetStreamingEvents, server/streaming.py) leaves its request thread: the application puts
a callable under :data:`HANDOFF_KEY` in the environ's place for it, and when the task has written the response
headers it hands the channel to the stream hub as a :class:`ChannelSink` instead of ending the response. The
task then neither writes the terminating chunk nor closes the connection; the hub writes the envelopes
through the channel's own thread-safe ``write_soon`` (and wakes the loop to flush them), and ends the
response itself. While a channel streams, whatever the client sends is discarded (nothing may be answered
before the stream ends, and the connection closes after it), and the client closing its end is seen at once.
"""
from __future__ import annotations

import itertools
import logging
import selectors
import socket
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from waitress.adjustments import Adjustments
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import TcpWSGIServer
from waitress import trigger, wasyncore
from waitress.task import ThreadedTaskDispatcher, WSGITask

#: WSGI environ key of the request's :class:`Connection`
CONNECTION_KEY = "ewsemu.connection"
#: WSGI environ key of ``hand_off(start)``: after the response headers, ``start(sink)`` is called with the
#: connection as a :class:`ChannelSink` instead of ending the response (server/streaming.py)
HANDOFF_KEY = "ewsemu.stream_handoff"
HANDSHAKE_TIMEOUT = 30.0
#: open connections a process accepts (waitress's own default is 100)
CONNECTION_LIMIT = 2000
#: a streaming client that reads nothing while this many bytes wait for it is cut off
MAX_BACKLOG = 4 * 1024 * 1024
log = logging.getLogger("ewsemu.tls")
_ids = itertools.count(1)


@dataclass(eq=False)
class Connection:
    """One client TCP connection. ``state`` is for per-connection protocol state (``ntlm``: see
    server/ntlm.py); a lock serialises the (rare) concurrent use of one connection by pipelined requests."""

    id: int = field(default_factory=lambda: next(_ids))
    state: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def connection_of(environ: dict) -> Connection | None:
    """The request's connection (our waitress channels, also in every ``--workers`` process); None for an
    in-process WSGI call."""
    return environ.get(CONNECTION_KEY)


class _Task(WSGITask):
    _stream_start: "Callable[[ChannelSink], None] | None" = None

    def get_environment(self) -> dict:
        environ = super().get_environment()
        environ[CONNECTION_KEY] = self.channel.connection
        environ[HANDOFF_KEY] = self._hand_off
        return environ

    def _hand_off(self, start: "Callable[[ChannelSink], None]") -> None:
        self._stream_start = start

    def finish(self) -> None:
        if self._stream_start is None:
            super().finish()
            return
        if not self.wrote_header:
            self.write(b"")  # the headers: no Content-Length, so chunked (HTTP/1.1) or until close (1.0)
        channel: ConnectionChannel = self.channel
        sink = ChannelSink(channel, chunked=self.chunked_response)
        with channel.requests_lock:
            channel.sink = sink
            del channel.requests[1:]  # pipelined behind a stream: never answered, the connection closes after it
        # the hub ends the response and closes the connection (server/streaming.py): not waitress, now
        self.close_on_finish = False
        channel.server.streams_io.adopt(channel)
        self._stream_start(sink)


class ChannelSink:
    """A streamed response's bytes, written from the hub's thread through the channel's ``write_soon``
    (which takes the channel's output lock), in HTTP/1.1 chunks; the loop is woken to flush them at once."""

    def __init__(self, channel: "ConnectionChannel", chunked: bool) -> None:
        self.channel = channel
        self.chunked = chunked
        self._gone = False
        #: the hub's wake-up, called when the channel closes (server/streaming.py Sink)
        self.on_gone: Callable[[], None] | None = None

    @property
    def gone(self) -> bool:
        return self._gone or not self.channel.connected

    def _frame(self, data: bytes) -> bytes:
        return b"%X\r\n%s\r\n" % (len(data), data) if self.chunked and data else data

    def _write(self, data: bytes) -> bool:
        channel = self.channel
        if self.gone or channel.total_outbufs_len > MAX_BACKLOG:  # a client that stopped reading is let go
            return False
        try:
            channel.write_soon(data)
            channel.server.streams_io.wake()
        except (ClientDisconnected, OSError):  # OSError: the server closed its loops (it is shutting down)
            return False
        return True

    def send(self, data: bytes) -> bool:
        if self._write(self._frame(data)):
            return True
        self.cut()
        return False

    def end(self, data: bytes) -> None:
        self._write(self._frame(data) + (b"0\r\n\r\n" if self.chunked else b""))
        channel = self.channel
        with channel.requests_lock:
            channel.close_when_flushed = True
        self._gone = True
        self._wake()

    def cut(self) -> None:
        """Drop the connection mid-response: the client sees it end without the last chunk."""
        self._gone = True
        self.channel.will_close = True
        self._wake()

    def _wake(self) -> None:
        try:
            self.channel.server.streams_io.wake()
        except OSError:  # the server is shutting down and has closed everything already
            pass

    def closed(self) -> None:
        """The channel closed (the client left, or the server): the hub forgets the stream."""
        self._gone = True
        if self.on_gone is not None:
            self.on_gone()


class ConnectionChannel(HTTPChannel):
    """A waitress channel that carries its :class:`Connection` into every request's environ, and serves a
    streamed response after its task returned (:class:`ChannelSink`)."""

    task_class = _Task
    #: the stream being served on this channel, if any
    sink: ChannelSink | None = None

    def __init__(self, server: Any, sock: socket.socket, addr: Any, adj: Adjustments, map: Any = None) -> None:
        self.connection = Connection()
        super().__init__(server, sock, addr, adj, map=map)

    def readable(self) -> bool:
        if self.sink is not None:  # keep reading while streaming, to see the client leave
            return not (self.will_close or self.close_when_flushed)
        return super().readable()

    def handle_write(self) -> None:
        if self.sink is None:
            super().handle_write()
            return
        # waitress flushes a channel with no request in progress without the output lock, since nobody else
        # writes to it then; a streaming channel's hub does, so the loop flushes under the lock (the hub holds
        # it only to append, or waits on it, which releases it)
        def flush(do_close: bool = True) -> bool:
            with self.outbuf_lock:
                flushed = self._flush_some(do_close=do_close)
                self.outbuf_lock.notify()
                return flushed

        self._flush_exception(flush)
        if self.close_when_flushed and not self.total_outbufs_len:
            self.close_when_flushed = False
            self.will_close = True
        if self.will_close:
            self.handle_close()

    def received(self, data: bytes) -> bool:
        if self.sink is not None:
            return False  # a client must not send while its stream is open; the connection closes after it
        return super().received(data)

    def handle_close(self) -> None:
        self.connection.state.clear()
        if self.sink is not None:
            self.sink.closed()
        super().handle_close()


class StreamLoop:
    """The channels of streamed responses, served by a loop of their own (waitress's ``wasyncore.loop`` over a
    second socket map, in one thread started with the first stream).

    waitress's loop asks every channel of its map whether it wants to read or write on every turn, and every
    request takes a few turns: with hundreds of open streams in that map, each ordinary request paid for all of
    them (measured: GetItem's p50 1.6× with 500 streams open). A streaming channel moves here when its response
    headers are out, so waitress's map holds only the connections that serve requests; this loop turns only when
    a stream has something to write, its client leaves, or the hub wakes it. The channel stays in the server's
    ``active_channels`` (waitress's idle-connection sweep and the graceful drain still see it)."""

    def __init__(self) -> None:
        self.map: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._trigger: Any = None
        self._thread: threading.Thread | None = None

    def _started(self) -> Any:
        with self._lock:
            if self._trigger is None:
                self._trigger = trigger.trigger(self.map)
                self._thread = threading.Thread(target=self._run, name="ewsemu-stream-io", daemon=True)
                self._thread.start()
            return self._trigger

    def _run(self) -> None:
        wasyncore.loop(timeout=30.0, map=self.map, use_poll=True)  # until close() empties the map

    def adopt(self, channel: "ConnectionChannel") -> None:
        """Move ``channel`` from waitress's map to this loop's: out of the main loop in its own thread (a map
        must not change while its loop walks it), into this one in this loop's thread."""
        wake = self._started()

        def join() -> None:
            if channel.connected and channel._fileno is not None:
                channel._map = self.map  # where its own del_channel() (on close) removes it from
                self.map[channel._fileno] = channel

        def leave() -> None:  # not del_channel(): that forgets the descriptor too
            main = channel._map
            if channel._fileno is not None and main.get(channel._fileno) is channel:
                del main[channel._fileno]
                wake.pull_trigger(join)

        try:
            channel.server.trigger.pull_trigger(leave)
        except OSError:  # the server is shutting down: the stream ends with everything else
            pass

    def wake(self) -> None:
        """Something was written for a stream: flush it now."""
        self._started().pull_trigger()

    def close(self) -> None:
        """Flush what the streams' last envelopes left, close every streaming channel and end the thread."""
        with self._lock:
            wake, thread = self._trigger, self._thread
        if wake is None:
            return

        def close_all() -> None:
            for channel in list(self.map.values()):
                if channel is not wake and getattr(channel, "total_outbufs_len", 0):
                    try:
                        channel.handle_write()
                    except OSError:
                        pass
            wasyncore.close_all(self.map)

        try:
            wake.pull_trigger(close_all)
        except OSError:  # closed already
            return
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)


class ConnectionWSGIServer(TcpWSGIServer):
    channel_class = ConnectionChannel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.streams_io = StreamLoop()
        super().__init__(*args, **kwargs)

    def close_all(self) -> None:
        """From any thread: close every connection, the streaming ones too, which ends both loops."""
        self.streams_io.close()
        self.trigger.pull_trigger(lambda: wasyncore.close_all(self._map))


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
                  sock: socket.socket | None = None, **adjustments: Any) -> ConnectionWSGIServer:
    """waitress's ``create_server`` for one TCP listener, with connection-aware channels and optional TLS;
    ``sock``: an already bound socket to listen on (a worker's SO_REUSEPORT socket, server/prefork.py)."""
    # waitress stops accepting at 100 open connections by default; every open GetStreamingEvents is one, and a
    # process is to hold hundreds of them while it still accepts ordinary requests
    adjustments.setdefault("connection_limit", CONNECTION_LIMIT)
    # select() cannot watch a descriptor numbered 1024 or more, and a TLS connection takes three
    adjustments.setdefault("asyncore_use_poll", True)
    adj = Adjustments(host=host, port=port, threads=threads,
                      url_scheme="https" if tls_context is not None else "http", **adjustments)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    sockinfo = adj.listen[0]
    bind = sock is None
    if tls_context is not None:
        return TlsWSGIServer(app, {}, True, sock, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo,
                             bind_socket=bind, tls_context=tls_context)
    return ConnectionWSGIServer(app, {}, True, sock, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo,
                                bind_socket=bind)
