"""The stream hub: every open GetStreamingEvents connection of this process, served by one thread (D41).

An open stream must not hold a request thread: a client may keep one open for 30 minutes, and a process
holds hundreds. So the request thread only validates the request (operations/get_streaming_events.py) and
sends the response headers; then the connection is handed to this hub, and the thread goes back to serving
ordinary requests. The hub's one thread

- waits on the journal watcher (store/watcher.py) for new journal positions, whichever process wrote them;
- reads the new entries once for all streams (one query per wake-up, however many streams are open), and
  gives each stream's :class:`StreamSource` the ones past its position: the source turns them into
  notification envelopes, one complete SOAP envelope per batch (bounded, never one growing document);
- sends a keep-alive envelope (``ConnectionStatus`` OK) on a stream idle for ``keepalive`` seconds, after
  checking that its subscriptions still exist (an Unsubscribe through any worker ends the stream);
- ends a stream with the ``ConnectionStatus`` Closed envelope when its ConnectionTimeout expires, its
  subscription ends, or something fails (the envelope then carries the error);
- forgets a stream whose client went away.

Bytes reach the client through a :class:`Sink`: under waitress the channel's own thread-safe write machinery
(server/connections.py :class:`~.connections.ChannelSink`); anywhere else (an in-process WSGI call, a
server that gives no access to its connections) a :class:`QueueSink` whose WSGI iterable blocks the
request's thread, the one case where a stream costs a thread.
"""
from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, Sequence

from ..store.watcher import JournalWatcher

log = logging.getLogger("ewsemu.streaming")

#: journal entries read per query when a stream is far behind (a reconnect after a busy hour)
PAGE = 500
#: after a failed delivery round (the database away) the hub waits this long, times the failures in a row, up
#: to 5 s, instead of spinning; after this many in a row every open stream ends with the error and Closed
BACK_OFF_SECONDS = 0.5
FAILURES_BEFORE_CLOSING = 5


class Sink(Protocol):
    """Where one stream's bytes go. ``send`` is one envelope (False: the client is gone), ``end`` the last one
    and the end of the response, ``cut`` drops the connection without ending the response (a fault);
    ``on_gone``, set by the hub, is called when the client leaves, so the hub lets the stream go at once."""

    on_gone: Callable[[], None] | None

    @property
    def gone(self) -> bool: ...

    def send(self, data: bytes) -> bool: ...

    def end(self, data: bytes) -> None: ...

    def cut(self) -> None: ...


class StreamSource(Protocol):
    """What one stream delivers, in envelopes (the GetStreamingEvents operation's side of a stream).

    ``position`` is the journal position it has seen up to; :meth:`advance` takes the entries after it (up
    to ``upto``) and returns the notification envelopes they make (maybe none) and moves ``position``, and
    :meth:`delivered` (told how many of them were sent) hands those events out for good;
    :meth:`ended` returns the final envelope when the subscriptions ended, else None; :meth:`failed` the
    final envelope for an unexpected error."""

    position: int
    #: the subscriptions it serves: a subscription is served by one connection at a time
    subscription_ids: frozenset[str]
    #: a newer connection (maybe in another process) took its subscriptions over: seen by :meth:`advance` and
    #: :meth:`ended`, and the hub then ends this stream as it ends one replaced in this process
    superseded: bool

    def advance(self, entries: Sequence[Any], upto: int) -> list[bytes]: ...

    def taken_over(self) -> bool:
        """Whether a newer connection holds one of its subscriptions now (asked when two meet in this hub)."""
        ...

    def delivered(self, sent: int) -> None:
        """The first ``sent`` envelopes the last :meth:`advance` returned reached the connection: their events
        are handed out (not before, so a client that leaves in the middle gets the rest on its next
        connection, and nothing twice)."""
        ...

    def ended(self) -> bytes | None: ...

    def keepalive(self) -> bytes: ...

    def closing(self) -> bytes: ...

    def failed(self, error: BaseException) -> bytes: ...


@dataclass(eq=False)
class Stream:
    """One open connection: its source and sink, when it closes, when it next owes a keep-alive."""

    source: StreamSource
    sink: Sink
    #: ConnectionTimeout is up when either passes: real (monotonic) time, or the emulator's clock, so a test
    #: moving that clock forward (the control plane) brings it on, and a frozen clock does not hold it off
    deadline: float
    closes_at: dt.datetime
    #: monotonic seconds
    keepalive_at: float
    #: called once when the stream is over: how it ended ("closed", "ended", "gone", "failed", "cut") and the
    #: envelopes sent (the ledger entry and the request log line)
    on_end: Callable[[str, list[bytes]], None] | None = None
    sent: list[bytes] = field(default_factory=list)
    #: a fault armed on it: cut the connection after this many more envelopes (double/faults.py)
    cut_after: int | None = None


class StreamHub:
    """All open streams of one process (see the module docstring). ``read_entries(after, upto, limit)``
    reads journal entries; ``keepalive`` is the idle interval in seconds; ``clock`` the emulator's (when a
    stream's ConnectionTimeout is up)."""

    def __init__(self, watcher: JournalWatcher, read_entries: Callable[[int, int, int], Sequence[Any]],
                 keepalive: float, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.watcher = watcher
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.read_entries = read_entries
        self.keepalive = keepalive
        self._streams: list[Stream] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def open_streams(self) -> int:
        with self._lock:
            return len(self._streams)

    def open(self, source: StreamSource, sink: Sink, timeout: float,
             on_end: Callable[[str, list[bytes]], None] | None = None, cut_after: int | None = None) -> Stream:
        """Start serving a stream for ``timeout`` seconds (its ConnectionTimeout). A stream of this process
        already serving one of its subscriptions is closed first (ConnectionStatus Closed): a subscription has one
        connection at a time, and the newest wins (a client reconnecting before it noticed the old one die). The
        newest is the one whose claim is newest; one that reaches the hub after its successor ends at once."""
        sink.on_gone = self.watcher.poke
        with self._lock:
            taken = [s for s in self._streams if s.source.subscription_ids & source.subscription_ids]
        # which of them is the newest is the claim's order, not the order they reach the hub in (a client may open
        # the next connection before the hand-off of the last one is done): each side asks its own claim
        for old in taken:
            if old.source.taken_over():
                self._finish(old, "replaced", old.source.closing)
        if taken and source.taken_over():  # it came to the hub after the connection that replaced it
            last = source.closing()
            sink.end(last)
            if on_end is not None:
                on_end("replaced", [last])
            return Stream(source, sink, 0.0, self.clock(), 0.0, on_end, cut_after=cut_after)
        monotonic = time.monotonic()
        stream = Stream(source, sink, monotonic + timeout, self.clock() + dt.timedelta(seconds=timeout),
                        monotonic + self.keepalive, on_end, cut_after=cut_after)
        with self._lock:
            if self._stopping:
                raise RuntimeError("the server is shutting down")
            self._streams.append(stream)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ewsemu-streams", daemon=True)
                self._thread.start()
            self._idle.notify_all()
        self.watcher.poke()
        return stream

    def stop(self, timeout: float = 5.0) -> None:
        """Close every stream with ConnectionStatus Closed (clients reconnect, to another worker or after a
        restart) and end the thread."""
        with self._lock:
            self._stopping = True
            streams, self._streams = self._streams, []
            self._idle.notify_all()
        self.watcher.poke()
        for stream in streams:
            self._finish(stream, "closed", lambda s=stream: s.source.closing())
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    # ---- the hub's thread -------------------------------------------------------------------------------

    def _run(self) -> None:
        seen, failures = -1, 0
        while True:
            with self._lock:
                while not self._streams and not self._stopping:
                    self._idle.wait()  # no stream: nothing to poll
                if self._stopping:
                    return
                streams = list(self._streams)
            now, monotonic = self.clock(), time.monotonic()
            wait = min(min((s.closes_at - now).total_seconds(), s.deadline - monotonic, s.keepalive_at - monotonic)
                       for s in streams)
            if any(s.source.position < seen for s in streams):
                wait = 0  # a stream behind what is already known (just opened): serve it before waiting
            try:
                seen = self.watcher.wait(seen, wait)
                with self._lock:
                    streams = list(self._streams)  # with those opened while it waited (their poke woke it)
                self._deliver(streams, seen)
                failures = 0
            except Exception as err:  # a database error: back off, and after a few in a row end the streams
                failures += 1
                log.exception("delivering streamed notifications failed (%d in a row)", failures)
                seen = -1
                if failures >= FAILURES_BEFORE_CLOSING:
                    for stream in streams:
                        self._finish(stream, "failed", lambda s=stream, e=err: s.source.failed(e))
                    failures = 0
                with self._lock:
                    if not self._stopping:
                        self._idle.wait(min(BACK_OFF_SECONDS * failures, 5.0) or BACK_OFF_SECONDS)
            self._tend(streams)

    def _deliver(self, streams: list[Stream], head: int) -> None:
        lagging = [s for s in streams if s.source.position < head and not s.sink.gone]
        while lagging:
            low = min(s.source.position for s in lagging)
            entries = self.read_entries(low, head, PAGE)
            upto = entries[-1].position if len(entries) == PAGE else head
            for stream in lagging:
                if stream.source.position >= upto:
                    continue
                if stream.cut_after == 0:  # the fault cuts before events are handed out: a reconnect gets them
                    self._send(stream, b"")
                    continue
                position = stream.source.position
                try:
                    envelopes = stream.source.advance([e for e in entries if e.position > position], upto)
                except Exception as err:  # noqa: BLE001 - a fatal error ends this stream with Closed
                    log.exception("a stream's notifications failed")
                    self._finish(stream, "failed", lambda s=stream, e=err: s.source.failed(e))
                    continue
                if stream.source.superseded:
                    self._finish(stream, "replaced", stream.source.closing)
                    continue
                stream.source.position = max(stream.source.position, upto)  # a source that skipped still moves on
                sent = 0
                for envelope in envelopes:
                    if not self._send(stream, envelope):
                        break
                    sent += 1
                stream.source.delivered(sent)
            lagging = [s for s in lagging if s.source.position < head and self._is_open(s)]

    def _tend(self, streams: list[Stream]) -> None:
        """Keep-alives, timeouts, ended subscriptions, departed clients."""
        now, monotonic = self.clock(), time.monotonic()
        for stream in streams:
            if not self._is_open(stream):
                continue
            if stream.sink.gone:
                self._forget(stream, "gone")
            elif now >= stream.closes_at or monotonic >= stream.deadline:
                self._finish(stream, "closed", stream.source.closing)
            elif monotonic >= stream.keepalive_at:
                try:
                    ended = stream.source.ended()
                except Exception as err:  # noqa: BLE001
                    log.exception("checking a stream's subscriptions failed")
                    self._finish(stream, "failed", lambda s=stream, e=err: s.source.failed(e))
                    continue
                if ended is not None:
                    self._finish(stream, "ended", lambda e=ended: e)
                elif stream.source.superseded:
                    self._finish(stream, "replaced", stream.source.closing)
                else:
                    self._send(stream, stream.source.keepalive())

    def _is_open(self, stream: Stream) -> bool:
        with self._lock:
            return stream in self._streams

    def _send(self, stream: Stream, envelope: bytes) -> bool:
        if stream.cut_after is not None:
            if stream.cut_after <= 0:
                self._forget(stream, "cut")
                stream.sink.cut()
                return False
            stream.cut_after -= 1
        if not stream.sink.send(envelope):
            self._forget(stream, "gone")
            return False
        stream.sent.append(envelope)
        stream.keepalive_at = time.monotonic() + self.keepalive
        return True

    def _finish(self, stream: Stream, how: str, last: Callable[[], bytes]) -> None:
        """End the response with its last envelope (ConnectionStatus Closed)."""
        try:
            envelope = last()
        except Exception:  # noqa: BLE001 - the connection still ends, without the envelope it could not make
            log.exception("the last envelope of a stream failed")
            envelope = b""
        stream.sink.end(envelope)
        if envelope:
            stream.sent.append(envelope)
        self._forget(stream, how)

    def _forget(self, stream: Stream, how: str) -> None:
        with self._lock:
            if stream not in self._streams:
                if not self._stopping:
                    return
            else:
                self._streams.remove(stream)
        if stream.on_end is not None:
            try:
                stream.on_end(how, stream.sent)
            except Exception:  # noqa: BLE001 - the ledger failing must not stop the hub
                log.exception("recording a finished stream failed")


class QueueSink:
    """A sink for servers whose connections the hub cannot reach: the WSGI iterable (:meth:`chunks`) yields
    what the hub queues, so the request's thread is held for the stream's life."""

    _END = object()

    def __init__(self) -> None:
        self._queue: "queue.Queue[object]" = queue.Queue()
        self._gone = False
        self.on_gone: Callable[[], None] | None = None

    @property
    def gone(self) -> bool:
        return self._gone

    def send(self, data: bytes) -> bool:
        if self._gone:
            return False
        self._queue.put(data)
        return True

    def end(self, data: bytes) -> None:
        if data:
            self._queue.put(data)
        self._queue.put(self._END)

    def cut(self) -> None:
        self._queue.put(self._END)

    def chunks(self) -> Iterator[bytes]:
        try:
            while True:
                item = self._queue.get()
                if item is self._END:
                    return
                yield item  # type: ignore[misc]
        finally:  # the server stopped iterating: the client went away
            self._gone = True
            if self.on_gone is not None:
                self.on_gone()
