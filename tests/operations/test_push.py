"""Push notifications end to end: Subscribe (push) through the endpoint, then ewsemu's deliverer POSTs
SendNotification to a small HTTP receiver in this test, which answers as exchangelib's SendNotification service
does (OK or Unsubscribe) or fails. The deliverer's turns are run here (``run_once``), and time is the emulator's
clock, so retries and status pings need no sleeping; one test runs the real background thread of a served
emulator. Every request the receiver gets is validated against our schema and Microsoft's."""
from __future__ import annotations

import datetime as dt
import http.server
import threading
from typing import Iterator

import pytest
from exchangelib.services import SendNotification

from ewsemu.core import notifications as N
from ewsemu.emulator import Emulator, Settings
from ewsemu.operations.push import PushDeliverer
from ewsemu.server.http import ThreadedServer
from ewsemu.server.wsgi import make_app
from ewsemu.store import subscriptions

from ..harness import Ews, ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import Client, ews_validate
from .test_subscribe import draft, subscribe


class Receiver:
    """A push listener on 127.0.0.1: records each body, answers with ``answer`` ("OK", "Unsubscribe", or an HTTP
    status code as an int for a failure)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.answer: str | int = "OK"
        self.got = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.bodies.append(body)
                receiver.got.set()
                if isinstance(receiver.answer, int):
                    self.send_response(receiver.answer)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                service = SendNotification(protocol=None)
                payload = service.ok_payload() if receiver.answer == "OK" else service.unsubscribe_payload()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/listener"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def notifications(self, index: int = -1) -> list:
        """What exchangelib reads from one delivery (its Notification objects)."""
        return list(SendNotification(protocol=None).parse(self.bodies[index]))

    def event_names(self, index: int = -1) -> list[str]:
        return [type(e).__name__ for n in self.notifications(index) for e in n.events]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    ews_validate(*r.bodies)
    r.close()


@pytest.fixture
def deliverer(emulator: Emulator) -> PushDeliverer:
    return PushDeliverer(emulator.store, emulator.clock.now, emulator.settings)


def push(ews: Ews, url: str, frequency: int = 1, folder: str = "drafts") -> str:
    r = subscribe(ews, folder, kind="Push",
                  extra=f"<t:StatusFrequency>{frequency}</t:StatusFrequency><t:URL>{url}</t:URL>")
    assert r.codes() == ["NoError"], r.body
    return r.xpath("//m:SubscriptionId")[0].text


def stored(emulator: Emulator, sid: str) -> N.Subscription | None:
    with emulator.store.read() as conn:
        return subscriptions.get(conn, sid)


def test_events_are_pushed_and_ok_keeps_the_subscription(ews: Ews, emulator: Emulator, receiver: Receiver,
                                                         deliverer: PushDeliverer) -> None:
    sid = push(ews, receiver.url)
    assert deliverer.run_once() == 0  # nothing happened, and StatusFrequency has not passed
    item = draft(ews)
    assert deliverer.run_once() == 1
    [note] = receiver.notifications()
    assert note.subscription_id == sid
    created = [e for e in note.events if type(e).__name__ == "CreatedEvent"]
    assert [e.item_id.id for e in created] == [item]
    assert deliverer.run_once() == 0  # handed out: nothing again
    assert stored(emulator, sid) is not None


def test_a_status_event_every_status_frequency_when_idle(ews: Ews, emulator: Emulator, receiver: Receiver,
                                                         deliverer: PushDeliverer) -> None:
    push(ews, receiver.url, frequency=2)
    emulator.clock.advance(dt.timedelta(minutes=1))
    assert deliverer.run_once() == 0
    emulator.clock.advance(dt.timedelta(minutes=1))
    assert deliverer.run_once() == 1 and receiver.event_names() == ["StatusEvent"]
    emulator.clock.advance(dt.timedelta(minutes=1))
    assert deliverer.run_once() == 0
    emulator.clock.advance(dt.timedelta(minutes=1))
    assert deliverer.run_once() == 1 and receiver.event_names() == ["StatusEvent"]


def test_unsubscribe_ends_it(ews: Ews, emulator: Emulator, receiver: Receiver, deliverer: PushDeliverer) -> None:
    sid = push(ews, receiver.url)
    receiver.answer = "Unsubscribe"
    draft(ews)
    assert deliverer.run_once() == 1
    assert stored(emulator, sid) is None
    draft(ews)
    assert deliverer.run_once() == 0 and len(receiver.bodies) == 1


def test_failures_are_retried_from_30_seconds_doubling_then_it_ends(ews: Ews, emulator: Emulator,
                                                                    receiver: Receiver,
                                                                    deliverer: PushDeliverer) -> None:
    sid = push(ews, receiver.url, frequency=2)
    receiver.answer = 500
    draft(ews)
    assert deliverer.run_once() == 1  # the first attempt fails
    sent_at = []
    for _ in range(10):
        before = len(receiver.bodies)
        emulator.clock.advance(dt.timedelta(seconds=10))
        deliverer.run_once()
        if len(receiver.bodies) > before:
            sent_at.append(len(sent_at))
        if stored(emulator, sid) is None:
            break
    sub = stored(emulator, sid)
    # retries 30 s, 60 s and 120 s after the first failure; 240 s would pass StatusFrequency (2 minutes)
    assert sub is not None and sub.retries == 3 or sub is None
    while stored(emulator, sid) is not None:
        emulator.clock.advance(dt.timedelta(seconds=10))
        deliverer.run_once()
    assert len(receiver.bodies) == 4  # the first attempt and three retries, then the subscription ended


def test_a_retry_that_succeeds_delivers_the_same_events(ews: Ews, emulator: Emulator, receiver: Receiver,
                                                        deliverer: PushDeliverer) -> None:
    sid = push(ews, receiver.url)
    receiver.answer = 503
    item = draft(ews)
    deliverer.run_once()
    emulator.clock.advance(dt.timedelta(seconds=29))
    assert deliverer.run_once() == 0  # not yet: the first retry is 30 s after the failure
    receiver.answer = "OK"
    emulator.clock.advance(dt.timedelta(seconds=1))
    assert deliverer.run_once() == 1
    assert item in [getattr(e.item_id, "id", None) for n in receiver.notifications() for e in n.events]
    assert stored(emulator, sid).failing_since is None


def test_a_target_outside_loopback_is_refused_unless_allowed(ews: Ews, emulator: Emulator,
                                                             receiver: Receiver) -> None:
    sid = push(ews, "http://192.0.2.1:9/listener")  # TEST-NET-1: nothing is there, and nothing may be tried
    deliverer = PushDeliverer(emulator.store, emulator.clock.now, emulator.settings)
    draft(ews)
    assert deliverer.run_once() == 1  # an attempt, refused before any connection: a failed delivery
    assert stored(emulator, sid).retries == 1
    allowing = Settings(database=emulator.settings.database, push_allow=("192.0.2.0/24",), push_timeout_seconds=0.2)
    assert PushDeliverer(emulator.store, emulator.clock.now, allowing).run_once() == 0  # another worker: leased


def test_the_background_thread_delivers(database_url: str, receiver: Receiver) -> None:
    with ThreadedServer(settings=Settings(database=database_url, push_poll_seconds=0.05)) as server:
        server.emulator.reset()
        ews = Ews(Client(server.app))
        push(ews, receiver.url)
        draft(ews)
        assert receiver.got.wait(30), "the deliverer never POSTed"
        assert "CreatedEvent" in receiver.event_names(0)


def test_a_subscription_whose_events_aged_out_ends(database_url: str, receiver: Receiver) -> None:
    from ewsemu.core.clock import Clock

    emu = Emulator(Settings(database=database_url, seed=7, journal_retention=5), Clock())
    try:
        emu.reset()
        small = Ews(Client(make_app(emu)))
        sid = push(small, receiver.url)
        for i in range(300):  # far more than the journal keeps, before any delivery
            draft(small, f"n{i}")
        assert PushDeliverer(emu.store, emu.clock.now, emu.settings).run_once() == 0
        assert stored(emu, sid) is None and receiver.bodies == []
    finally:
        emu.close()


def test_the_control_plane_lists_subscriptions_and_their_positions(ews: Ews, emulator: Emulator,
                                                                   receiver: Receiver,
                                                                   deliverer: PushDeliverer) -> None:
    from ewsemu.double.control_plane import subscriptions_json

    sid = push(ews, receiver.url)
    draft(ews)
    listed = subscriptions_json(emulator)
    [entry] = listed["subscriptions"]
    assert (entry["id"], entry["kind"], entry["url"], entry["event_types"][0]) == (sid, "push", receiver.url,
                                                                                  "CopiedEvent")
    assert entry["pending"] > 0 and entry["position"] < listed["journal_head"]
    deliverer.run_once()
    [entry] = subscriptions_json(emulator)["subscriptions"]
    assert entry["pending"] == 0 and entry["delivered_by"] is None and entry["retries"] == 0
