"""The streaming transport (server/streaming.py, server/connections.py) on a real waitress server: a stream
handed to the hub leaves its request thread, so a server with 2 threads holds many open streams while
ordinary requests still answer; envelopes arrive as chunks as the journal moves; keep-alives while idle; the
last envelope when the timeout expires; a client that leaves is forgotten; a cut connection ends without the
terminating chunk. The GetStreamingEvents operation on top of it: tests/operations/test_get_streaming_events.py."""
from __future__ import annotations

import http.client
import socket
import threading
import time
from typing import Any, Iterator, Sequence

import pytest

from ewsemu.server.connections import HANDOFF_KEY, create_server
from ewsemu.server.streaming import QueueSink, StreamHub
from ewsemu.store.watcher import JournalWatcher


class Entry:
    def __init__(self, position: int) -> None:
        self.position = position


class Journal:
    """A stand-in journal: positions 1..head, every one an entry."""

    def __init__(self) -> None:
        self.head = 0
        self.watcher = JournalWatcher(lambda: self.head, None)

    def append(self) -> None:
        self.head += 1
        self.watcher.committed()

    def read(self, after: int, upto: int, limit: int) -> Sequence[Entry]:
        return [Entry(p) for p in range(after + 1, min(upto, after + limit) + 1)]


class Source:
    def __init__(self, position: int = 0) -> None:
        self.position = position
        self.subscription_ids = frozenset({object()})
        self.over = False
        self.superseded = False

    def taken_over(self) -> bool:
        return self.superseded

    def advance(self, entries: Sequence[Entry], upto: int) -> list[bytes]:
        self.position = upto
        return [b"<event %d/>" % e.position for e in entries]

    def delivered(self, sent: int) -> None:
        pass

    def ended(self) -> bytes | None:
        return b"<ended/>" if self.over else None

    def keepalive(self) -> bytes:
        return b"<ok/>"

    def closing(self) -> bytes:
        return b"<closed/>"

    def failed(self, error: BaseException) -> bytes:
        return b"<failed/>"


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, int, Journal, StreamHub, list]]:
    journal = Journal()
    hub = StreamHub(journal.watcher, journal.read, keepalive=getattr(request, "param", 1.0))
    sources: list[Source] = []
    endings: list[str] = []

    def app(environ: dict, start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/stream":
            source = Source()
            sources.append(source)
            timeout = float(environ.get("QUERY_STRING") or 30)
            cut = environ.get("HTTP_X_CUT")
            start_response("200 OK", [("Content-Type", "text/xml")])
            handoff = environ.get(HANDOFF_KEY)
            assert handoff is not None
            handoff(lambda sink: hub.open(source, sink, timeout, on_end=lambda how, sent: endings.append(how),
                                          cut_after=int(cut) if cut else None))
            return []
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.effective_port, journal, hub, endings
    finally:
        hub.stop()
        server.task_dispatcher.shutdown()
        server.close_all()
        thread.join(10)


def open_stream(host: str, port: int, query: str = "", headers: dict | None = None,
                timeout: float = 30) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn.request("POST", "/stream" + (f"?{query}" if query else ""), body=b"x", headers=headers or {})
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    return response


def read_chunk(response: http.client.HTTPResponse) -> bytes:
    """One chunk as sent (http.client's read1 returns what one chunk holds)."""
    return response.read1()


def wait_for(predicate: Any) -> None:
    for _ in range(500):
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition never became true")


def test_more_open_streams_than_threads_and_ordinary_requests_still_answer(served: tuple) -> None:
    host, port, journal, hub, _ = served
    streams = [open_stream(host, port) for _ in range(12)]  # the server has 2 request threads
    wait_for(lambda: hub.open_streams == 12)
    for _ in range(5):
        conn = http.client.HTTPConnection(host, port, timeout=5)
        conn.request("GET", "/plain")
        assert conn.getresponse().read() == b"ok"
        conn.close()
    journal.append()
    for response in streams:
        assert read_chunk(response) == b"<event 1/>"
    journal.append()
    journal.append()
    for response in streams:
        assert read_chunk(response) + read_chunk(response) == b"<event 2/><event 3/>"


@pytest.mark.parametrize("served", [30.0], indirect=True)
def test_a_stream_opened_while_the_hub_waits_gets_events_at_once(served: tuple) -> None:
    """The hub, waiting out a 30 s keep-alive for the first stream, takes in the second at once and gives it
    what is already waiting for it (a client reconnecting after events happened)."""
    host, port, journal, hub, _ = served
    first = open_stream(host, port)
    wait_for(lambda: hub.open_streams == 1)
    journal.append()
    assert read_chunk(first) == b"<event 1/>"
    second = open_stream(host, port, timeout=10)  # reading it fails if its event waits for the keep-alive
    assert read_chunk(second) == b"<event 1/>"


def test_keepalive_while_idle_and_closed_at_the_timeout(served: tuple) -> None:
    host, port, journal, hub, endings = served
    response = open_stream(host, port, query="2.5")
    assert read_chunk(response) == b"<ok/>"
    assert read_chunk(response) == b"<ok/>"
    assert read_chunk(response) == b"<closed/>"
    assert response.read() == b""  # the terminating chunk: the response ended properly
    assert response.isclosed()
    wait_for(lambda: endings == ["closed"])
    assert hub.open_streams == 0


def test_a_stream_whose_subscription_ended_closes(served: tuple) -> None:
    host, port, journal, hub, endings = served
    response = open_stream(host, port)
    wait_for(lambda: hub.open_streams == 1)
    hub._streams[0].source.over = True
    assert read_chunk(response) == b"<ended/>"
    assert response.read() == b""
    wait_for(lambda: endings == ["ended"])


def test_a_client_that_leaves_is_forgotten(served: tuple) -> None:
    host, port, journal, hub, endings = served
    sock = socket.create_connection((host, port))
    sock.sendall(b"POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
    assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK")
    wait_for(lambda: hub.open_streams == 1)
    sock.close()
    wait_for(lambda: endings == ["gone"])  # seen by the channel at once, forgotten at the next tick
    assert hub.open_streams == 0


def test_a_cut_stream_ends_without_the_last_chunk(served: tuple) -> None:
    host, port, journal, hub, endings = served
    response = open_stream(host, port, headers={"X-Cut": "1"})
    journal.append()
    assert read_chunk(response) == b"<event 1/>"
    journal.append()
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    wait_for(lambda: endings == ["cut"])


def test_queue_sink_serves_a_stream_from_the_request_thread() -> None:
    journal = Journal()
    hub = StreamHub(journal.watcher, journal.read, keepalive=1.0)
    sink = QueueSink()
    hub.open(Source(), sink, timeout=1.5)
    try:
        assert list(sink.chunks()) == [b"<ok/>", b"<closed/>"]
    finally:
        hub.stop()


@pytest.mark.parametrize("served", [30.0], indirect=True)
def test_a_stream_opened_after_the_hub_went_idle_gets_what_waits_at_once(served: tuple) -> None:
    """The hub, idle after its last stream left, serves a new stream's backlog without waiting for anything."""
    host, port, journal, hub, endings = served
    first = open_stream(host, port)
    wait_for(lambda: hub.open_streams == 1)
    first.close()
    wait_for(lambda: hub.open_streams == 0)
    journal.append()
    second = open_stream(host, port, timeout=10)  # reading it fails if its event waits for a keep-alive
    assert read_chunk(second) == b"<event 1/>"


def test_a_database_that_keeps_failing_ends_the_streams_with_the_error_after_backing_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed delivery round is not retried in a busy loop: the hub backs off, and after a few failures in a
    row every open stream ends with its error envelope (Closed)."""
    from ewsemu.server import streaming

    monkeypatch.setattr(streaming, "BACK_OFF_SECONDS", 0.05)
    journal = Journal()
    reads: list[float] = []

    def broken(after: int, upto: int, limit: int) -> Sequence[Entry]:
        reads.append(time.monotonic())
        raise RuntimeError("the database is away")

    hub = StreamHub(journal.watcher, broken, keepalive=30.0)
    sink = QueueSink()
    hub.open(Source(), sink, timeout=30)
    journal.append()
    try:
        assert list(sink.chunks()) == [b"<failed/>"]
    finally:
        hub.stop()
    assert len(reads) == streaming.FAILURES_BEFORE_CLOSING
    assert reads[-1] - reads[0] >= 0.05 * sum(range(1, streaming.FAILURES_BEFORE_CLOSING)) * 0.9


def test_of_two_connections_for_one_subscription_the_newer_claim_wins_whichever_reaches_the_hub_first() -> None:
    journal = Journal()
    hub = StreamHub(journal.watcher, journal.read, keepalive=30.0)
    try:
        newer, older = Source(), Source()
        older.subscription_ids = newer.subscription_ids
        older.superseded = True  # its claim was replaced by newer's before either reached the hub
        newer_sink, older_sink = QueueSink(), QueueSink()
        endings: list[str] = []
        hub.open(newer, newer_sink, 30.0)
        hub.open(older, older_sink, 30.0, on_end=lambda how, sent: endings.append(how))
        assert list(older_sink.chunks()) == [b"<closed/>"] and endings == ["replaced"]
        assert hub.open_streams == 1
        journal.append()
        assert next(newer_sink.chunks()) == b"<event 1/>"
    finally:
        hub.stop()
