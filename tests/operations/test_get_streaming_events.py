"""GetStreamingEvents through the real endpoint (a waitress server with 2 request threads): events stream as
writes happen, one envelope per batch; keep-alives while idle (--stream-keepalive 1); the stream ends with
ConnectionStatus Closed when its subscription ends; bad ids are refused with ErrorSubscriptionIds and Closed;
a reconnect with the same subscription continues where the last connection stopped; a drop_stream fault cuts
the connection without Closed. Every envelope is validated against our schema and Microsoft's."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import requests
from lxml import etree

from ewsemu.emulator import Settings
from ewsemu.server.http import ThreadedServer

from .. import ms_schema
from ..soap import envelope

M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
USER = "alice@example.com"
CREATE = ('<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/>'
          '</m:SavedItemFolderId><m:Items><t:Message><t:Subject>{0}</t:Subject></t:Message></m:Items></m:CreateItem>')


@pytest.fixture
def server():
    with ThreadedServer(settings=Settings(database="sqlite://", stream_keepalive=1), threads=2) as srv:
        yield srv


def post(server: ThreadedServer, body: str, **kwargs) -> requests.Response:
    return requests.post(server.url, data=envelope(body), auth=(USER, "x"),
                         headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=30, **kwargs)


def subscribe(server: ThreadedServer, user: str = USER) -> str:
    events = "".join(f"<t:EventType>{e}</t:EventType>" for e in ("CreatedEvent", "ModifiedEvent", "DeletedEvent"))
    r = requests.post(server.url, auth=(user, "x"), headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=30,
                      data=envelope('<m:Subscribe><m:StreamingSubscriptionRequest><t:FolderIds>'
                                    '<t:DistinguishedFolderId Id="drafts"/></t:FolderIds>'
                                    f'<t:EventTypes>{events}</t:EventTypes></m:StreamingSubscriptionRequest>'
                                    '</m:Subscribe>'))
    ms_schema.validate(r.content)
    return etree.fromstring(r.content).findtext(f".//{{{M}}}SubscriptionId")


def unsubscribe(server: ThreadedServer, sid: str) -> None:
    r = post(server, f"<m:Unsubscribe><m:SubscriptionId>{sid}</m:SubscriptionId></m:Unsubscribe>")
    assert b"NoError" in r.content


def stream_request(ids: list[str], minutes: int = 1) -> str:
    ids_xml = "".join(f"<t:SubscriptionId>{i}</t:SubscriptionId>" for i in ids)
    return (f"<m:GetStreamingEvents><m:SubscriptionIds>{ids_xml}</m:SubscriptionIds>"
            f"<m:ConnectionTimeout>{minutes}</m:ConnectionTimeout></m:GetStreamingEvents>")


def envelopes(response: requests.Response):
    """The stream split on the envelope's end tag, as evolution-ews does."""
    buffer = b""
    for chunk in response.iter_content(chunk_size=None):
        buffer += chunk
        while b"</s:Envelope>" in buffer:
            doc, buffer = buffer.split(b"</s:Envelope>", 1)
            yield validated(doc + b"</s:Envelope>")


def validated(data: bytes) -> etree._Element:
    """The envelope, checked against our schema and Microsoft's. Exchange writes ErrorSubscriptionIds' items as
    m:SubscriptionId, which exchangelib reads, though both schemas say t:SubscriptionId: ewsemu does as Exchange
    does, so that element is left out of the check and the rest of the envelope is checked."""
    doc = etree.fromstring(data)
    checked = etree.fromstring(data)
    for ids in checked.iter(f"{{{M}}}ErrorSubscriptionIds"):
        assert [e.tag for e in ids] == [f"{{{M}}}SubscriptionId"] * len(ids)
        ids.getparent().remove(ids)
    ms_schema.validate(etree.tostring(checked))
    return doc


def message(doc):
    return doc.find(f".//{{{M}}}GetStreamingEventsResponseMessage")


def first_event(docs):
    """The first envelope that carries notifications: keep-alives (every second here) may come before it on a
    busy machine."""
    for doc in docs:
        msg = message(doc)
        if msg.find(f"{{{M}}}Notifications") is not None or msg.findtext(f"{{{M}}}ConnectionStatus") == "Closed":
            return msg
    raise AssertionError("the stream ended without notifications")


def test_events_stream_as_writes_happen_then_keepalive_then_closed_when_the_subscription_ends(server) -> None:
    sid = subscribe(server)
    response = post(server, stream_request([sid]), stream=True)
    assert response.status_code == 200 and response.headers["Transfer-Encoding"] == "chunked"
    docs = envelopes(response)
    post(server, CREATE.format("streamed"))
    msg = first_event(docs)
    assert msg.findtext(f"{{{M}}}ConnectionStatus") == "OK"
    notification = msg.find(f"{{{M}}}Notifications/{{{T}}}Notification")
    assert notification.findtext(f"{{{T}}}SubscriptionId") == sid
    assert notification.find(f"{{{T}}}CreatedEvent") is not None
    keepalive = message(next(docs))  # idle: a keep-alive within --stream-keepalive
    assert keepalive.findtext(f"{{{M}}}ConnectionStatus") == "OK"
    assert keepalive.find(f"{{{M}}}Notifications") is None
    unsubscribe(server, sid)
    last = message(next(docs))
    assert last.findtext(f"{{{M}}}ConnectionStatus") == "Closed"
    assert last.findtext(f"{{{M}}}ResponseCode") == "ErrorSubscriptionNotFound"
    assert list(docs) == []


def test_more_open_streams_than_request_threads(server) -> None:
    sids = [subscribe(server) for _ in range(6)]
    responses = [post(server, stream_request([sid]), stream=True) for sid in sids]  # the server has 2 threads
    assert post(server, "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
                        '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>').ok
    for response in responses:
        assert message(next(envelopes(response))).findtext(f"{{{M}}}ConnectionStatus") == "OK"
        response.close()


def test_a_second_connection_on_a_subscription_closes_the_first(server) -> None:
    sid = subscribe(server)
    first = post(server, stream_request([sid]), stream=True)
    docs = envelopes(first)
    second = post(server, stream_request([sid]), stream=True)
    assert message(next(docs)).findtext(f"{{{M}}}ConnectionStatus") == "Closed"
    assert list(docs) == []
    post(server, CREATE.format("for the second"))
    got = first_event(envelopes(second))
    assert got.find(f".//{{{T}}}CreatedEvent") is not None, etree.tostring(got)
    second.close()


def test_a_second_connection_through_another_worker_closes_the_first_before_it_hands_out_an_event(tmp_path) -> None:
    """Two servers on one database file stand for two workers: each has its own stream hub, so only the
    subscription's row tells the first stream that the second took over (D41: the newest connection wins)."""
    settings = Settings(database=f"sqlite:///{tmp_path / 'shared.db'}", stream_keepalive=30)
    with ThreadedServer(settings=settings, threads=2) as one, ThreadedServer(settings=settings, threads=2) as two:
        sid = subscribe(one)
        first = post(one, stream_request([sid]), stream=True)
        docs = envelopes(first)
        second = post(two, stream_request([sid]), stream=True)
        post(one, CREATE.format("written through the first worker"))
        last = message(next(docs))  # before the keep-alive (30 s): the event itself tells the first it is over
        assert last.findtext(f"{{{M}}}ConnectionStatus") == "Closed"
        assert last.find(f"{{{M}}}Notifications") is None
        assert list(docs) == []
        created = message(next(envelopes(second))).find(f".//{{{T}}}CreatedEvent")
        assert created is not None
        second.close()


def test_a_reconnect_with_the_same_subscription_misses_nothing(server) -> None:
    sid = subscribe(server)
    first = post(server, stream_request([sid]), stream=True)
    docs = envelopes(first)
    post(server, CREATE.format("one"))
    assert first_event(docs).find(f"{{{M}}}Notifications") is not None
    first.close()  # the connection ends; the subscription lives on
    post(server, CREATE.format("two"))  # while nobody listens
    second = post(server, stream_request([sid]), stream=True)
    msg = first_event(envelopes(second))
    created = msg.findall(f".//{{{T}}}CreatedEvent")
    assert len(created) == 1  # "two", not "one" again
    second.close()


@pytest.mark.parametrize("bad", ["AAA-", None])
def test_bad_subscription_ids_are_refused_with_closed(server, bad) -> None:
    sid = subscribe(server)
    ids = [bad] if bad else []
    if bad is None:
        unsubscribe(server, sid)
        ids = [sid]
    response = post(server, stream_request(ids))
    msg = message(validated(response.content))
    assert [e.text for e in msg.iter(f"{{{M}}}SubscriptionId")] == ids
    assert msg.get("ResponseClass") == "Error"
    assert msg.findtext(f"{{{M}}}ResponseCode") == ("ErrorInvalidSubscription" if bad else "ErrorSubscriptionNotFound")
    assert msg.findtext(f"{{{M}}}ConnectionStatus") == "Closed"


def test_a_dropped_stream_ends_without_closed_and_the_subscription_lives_on(server) -> None:
    sid = subscribe(server)
    server.emulator.faults.add({"kind": "drop_stream", "after": 0})
    response = post(server, stream_request([sid]), stream=True)
    post(server, CREATE.format("lost connection"))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        list(envelopes(response))
    again = post(server, stream_request([sid]), stream=True)
    assert first_event(envelopes(again)).find(f".//{{{T}}}CreatedEvent") is not None
    again.close()


def test_closed_when_the_connection_timeout_expires(server) -> None:
    sid = subscribe(server)
    response = post(server, stream_request([sid], minutes=1), stream=True)
    docs = envelopes(response)
    assert message(next(docs)).findtext(f"{{{M}}}ConnectionStatus") == "OK"  # a keep-alive: still open
    server.emulator.clock.advance(dt.timedelta(minutes=1))  # ConnectionTimeout follows the emulator's clock too
    last = message(next(docs))
    assert last.findtext(f"{{{M}}}ConnectionStatus") == "Closed"
    assert last.findtext(f"{{{M}}}ResponseCode") == "NoError"
    assert list(docs) == []


def test_a_managed_api_style_loop_reconnects_on_closed_and_misses_nothing(server) -> None:
    """The EWS Managed API's StreamingSubscriptionConnection: OnNotificationEvent for each event, OnDisconnect
    (ConnectionStatus Closed) -> Open() again with the same subscription, while writes go on all the time."""
    sid = subscribe(server)
    subjects = [f"loop {i}" for i in range(12)]
    seen: list[str] = []
    connections = 0

    def writer() -> None:  # three bursts of four writes, each after the last burst reached the client
        for burst in range(3):
            while len(seen) < 4 * burst:
                threading.Event().wait(0.02)
            for subject in subjects[4 * burst:4 * burst + 4]:
                post(server, CREATE.format(subject))

    thread = threading.Thread(target=writer)
    thread.start()
    while len(seen) < len(subjects) and connections < 20:
        connections += 1
        response = post(server, stream_request([sid], minutes=1), stream=True)
        for doc in envelopes(response):
            msg = message(doc)
            before = len(seen) // 4
            seen.extend(e.find(f"{{{T}}}ItemId").get("Id") for e in msg.iter(f"{{{T}}}CreatedEvent"))
            if msg.findtext(f"{{{M}}}ConnectionStatus") == "Closed":
                break  # OnDisconnect: open again
            if len(seen) >= len(subjects):
                response.close()  # the application is done
                break
            if len(seen) // 4 > before:  # a burst is in: a minute passes, this connection's ConnectionTimeout ends
                server.emulator.clock.advance(dt.timedelta(minutes=1))
    thread.join()
    assert connections > 1  # it did reconnect
    assert len(seen) == len(set(seen)) == len(subjects)  # every event once: nothing missed, nothing twice


def test_a_stream_is_in_the_ledger_when_it_ends_with_its_envelopes_and_faults(server) -> None:
    sid = subscribe(server)
    server.emulator.faults.add({"kind": "drop_stream", "after": 1})
    response = post(server, stream_request([sid]), stream=True)
    docs = envelopes(response)
    assert message(next(docs)).findtext(f"{{{M}}}ConnectionStatus") == "OK"  # one keep-alive, then the cut
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        list(docs)
    for _ in range(100):  # the hub records the stream as it lets it go
        entries = server.emulator.ledger.entries(operation="GetStreamingEvents")
        if entries:
            break
        threading.Event().wait(0.05)
    [entry] = entries
    assert entry.status == 200 and entry.mailbox == USER
    assert [f["kind"] for f in entry.faults] == ["drop_stream"]
    assert entry.response.count(b"<m:ConnectionStatus>OK</m:ConnectionStatus>") == 1
    assert b"GetStreamingEvents" in entry.request


def test_a_stream_cut_in_the_middle_of_a_backlog_leaves_the_rest_for_the_next_connection(server) -> None:
    """Events count as handed out only once their envelope was sent: a cut after the first envelope of a long
    backlog loses none of the others, and none comes twice."""
    sid = subscribe(server)
    created = []
    for n in range(60):  # 120 events (each create also modifies Drafts): three envelopes of at most 50
        r = post(server, CREATE.format(f"backlog {n}"))
        created.append(etree.fromstring(r.content).find(f".//{{{T}}}ItemId").get("Id"))
    server.emulator.faults.add({"kind": "drop_stream", "after": 1})

    def created_ids(doc) -> list[str]:
        return [e.find(f"{{{T}}}ItemId").get("Id") for e in doc.iter(f"{{{T}}}CreatedEvent")]

    first: list[str] = []
    response = post(server, stream_request([sid]), stream=True)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for doc in envelopes(response):
            first += created_ids(doc)
    assert 0 < len(first) < len(created)
    second: list[str] = []
    again = post(server, stream_request([sid]), stream=True)
    for doc in envelopes(again):
        if message(doc).find(f"{{{M}}}Notifications") is None:
            break  # the keep-alive: the backlog is through
        second += created_ids(doc)
    again.close()
    assert sorted(first + second) == sorted(created) and not set(first) & set(second)
