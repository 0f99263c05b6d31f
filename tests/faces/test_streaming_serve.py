"""GetStreamingEvents on ``ewsemu serve`` itself: over HTTPS (the TLS terminator in front of waitress), and with
``--workers 2`` on PostgreSQL, where a stream served by one worker gets the events of writes through the other
(the journal watcher's poll) and more streams than the workers have threads stay open while ordinary requests
answer."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
from lxml import etree

from .. import databases, ms_schema
from ..servers import ServerProcess
from ..soap import envelope

M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
CREATE = ('<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/>'
          '</m:SavedItemFolderId><m:Items><t:Message><t:Subject>{0}</t:Subject></t:Message></m:Items></m:CreateItem>')
SUBSCRIBE = ('<m:Subscribe><m:StreamingSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="drafts"/>'
             '</t:FolderIds><t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes>'
             '</m:StreamingSubscriptionRequest></m:Subscribe>')


def post(url: str, user: str, body: str, verify: str | bool = True, **kwargs) -> requests.Response:
    """On a connection of its own (``Connection: close``), so the kernel picks a worker each time."""
    return requests.post(url, data=envelope(body), auth=(user, "x"), verify=verify, timeout=60,
                         headers={"Content-Type": "text/xml; charset=utf-8", "Connection": "close"}, **kwargs)


def subscribe(url: str, user: str, verify: str | bool = True) -> str:
    post(url, user, CREATE.format("mailbox"), verify)
    return etree.fromstring(post(url, user, SUBSCRIBE, verify).content).findtext(f".//{{{M}}}SubscriptionId")


def open_stream(url: str, user: str, sid: str, verify: str | bool = True) -> requests.Response:
    body = (f"<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>{sid}</t:SubscriptionId></m:SubscriptionIds>"
            "<m:ConnectionTimeout>5</m:ConnectionTimeout></m:GetStreamingEvents>")
    response = post(url, user, body, verify, stream=True)
    assert response.status_code == 200 and response.headers.get("Transfer-Encoding") == "chunked"
    return response


def next_envelope(response: requests.Response, buffer: list) -> etree._Element:
    if len(buffer) == 1:
        buffer.append(response.iter_content(chunk_size=None))
    while b"</s:Envelope>" not in buffer[0]:
        buffer[0] += next(buffer[1])
    doc, buffer[0] = buffer[0].split(b"</s:Envelope>", 1)
    ms_schema.validate(doc + b"</s:Envelope>")
    return etree.fromstring(doc + b"</s:Envelope>")


def created_events(response: requests.Response, buffer: list[bytes]) -> list[str]:
    """The CreatedEvents of the next envelope that has events (keep-alives skipped)."""
    for _ in range(60):  # keep-alives come every second: a minute, on a loaded machine
        doc = next_envelope(response, buffer)
        events = doc.findall(f".//{{{T}}}CreatedEvent")
        if events:
            return [e.find(f"{{{T}}}ItemId").get("Id") for e in events]
    raise AssertionError("no events came")


def test_streaming_over_https(tmp_path: Path) -> None:
    ca = tmp_path / "ewsemu-ca.pem"
    with ServerProcess(f"sqlite:///{tmp_path}/ews.db", args=("--tls", "--stream-keepalive", "1"),
                       verify=str(ca)) as server:
        user = "alice@example.com"
        sid = subscribe(server.url, user, str(ca))
        response = open_stream(server.url, user, sid, str(ca))
        buffer = [b""]
        assert next_envelope(response, buffer).findtext(f".//{{{M}}}ConnectionStatus") == "OK"  # a keep-alive
        item = etree.fromstring(post(server.url, user, CREATE.format("over tls"), str(ca)).content)
        assert created_events(response, buffer) == [item.find(f".//{{{T}}}ItemId").get("Id")]
        response.close()


def test_workers_on_postgresql_stream_the_writes_of_any_worker(tmp_path: Path) -> None:
    databases.require_postgres()
    with databases.pg_database() as url, \
            ServerProcess(url, workers=2, threads=2, args=("--stream-keepalive", "1")) as server:
        users = [f"user{i}@example.com" for i in range(8)]  # 8 streams: more than the workers' 2 threads each
        streams = []
        for user in users:
            sid = subscribe(server.url, user)
            streams.append((open_stream(server.url, user, sid), [b""]))
        # ordinary requests still answer while every stream is open
        assert b"NoError" in post(server.url, "nostream@example.com", CREATE.format("ordinary")).content
        # each write goes out on a new connection, and so does each stream: the kernel spreads them over the two
        # workers, so a stream and the write it reports are on different workers about half the time (all 8 on
        # the same worker as their stream: odds of 1 in 256)
        for (response, buffer), user in zip(streams, users):
            item = etree.fromstring(post(server.url, user, CREATE.format(f"for {user}")).content)
            assert created_events(response, buffer) == [item.find(f".//{{{T}}}ItemId").get("Id")]
        for response, _ in streams:
            response.close()
