"""Two worker processes are one notification server: ``ewsemu serve --workers 2`` on this run's shared database
(a SQLite file, or a throw-away PostgreSQL database: ``make test`` runs both), every request on a connection of
its own, so the kernel spreads them over both workers (as tests/double/test_shared_state.py argues, 30
requests all landing on one worker would take odds of 2^-29). A subscription made through one worker answers
through the other and gets the events of writes made through either; each push event is delivered exactly once
(the lease), whichever worker's deliverer claims it. Against per-process subscriptions these fail
(ErrorSubscriptionNotFound on about half the calls, or each event pushed twice)."""
from __future__ import annotations

import time
from typing import Iterator

import pytest
import requests
from exchangelib.services import SendNotification

from .. import databases
from ..servers import ServerProcess
from ..soap import Response, envelope
from .test_push import Receiver

ALICE = "alice@example.com"
WRITES = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with databases.shared_database(tmp_path_factory.mktemp("db")) as url:
        with ServerProcess(url, workers=2, threads=4) as srv:
            yield srv


def call(server: ServerProcess, body: str) -> Response:
    r = requests.post(server.url, data=envelope(body), auth=(ALICE, "secret"), timeout=60,
                      headers={"Content-Type": "text/xml; charset=utf-8", "Connection": "close"})
    return Response(r.status_code, dict(r.headers), r.content)


def subscribe(server: ServerProcess, request: str) -> Response:
    r = call(server, f'<m:Subscribe>{request}</m:Subscribe>')
    assert r.codes() == ["NoError"], server.log_on_failure(r.body)
    return r


def create(server: ServerProcess, n: int) -> str:
    r = call(server, f'<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId '
                     f'Id="drafts"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>w{n}</t:Subject></t:Message>'
                     '</m:Items></m:CreateItem>')
    assert r.codes() == ["NoError"], server.log_on_failure(r.body)
    return r.xpath("//t:Message/t:ItemId/@Id")[0]


def test_a_pull_subscription_sees_the_writes_of_every_worker(server: ServerProcess) -> None:
    r = subscribe(server, '<m:PullSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="drafts"/>'
                          '</t:FolderIds><t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes>'
                          '<t:Timeout>10</t:Timeout></m:PullSubscriptionRequest>')
    sid, mark = r.xpath("//m:SubscriptionId")[0].text, r.xpath("//m:Watermark")[0].text
    made = [create(server, n) for n in range(WRITES)]
    seen: list[str] = []
    for _ in range(WRITES):  # each GetEvents on a new connection: some through each worker
        r = call(server, f"<m:GetEvents><m:SubscriptionId>{sid}</m:SubscriptionId><m:Watermark>{mark}</m:Watermark>"
                         "</m:GetEvents>")
        assert r.codes() == ["NoError"], server.log_on_failure(r.body)
        seen += r.xpath("//t:CreatedEvent/t:ItemId/@Id")
        mark = r.xpath("//m:Notification/*/t:Watermark")[-1].text
    assert seen == made


def test_each_push_event_is_delivered_once(server: ServerProcess) -> None:
    receiver = Receiver()
    try:
        subscribe(server, f'<m:PushSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="drafts"/>'
                          f'</t:FolderIds><t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes>'
                          f'<t:StatusFrequency>30</t:StatusFrequency><t:URL>{receiver.url}</t:URL>'
                          '</m:PushSubscriptionRequest>')
        made = [create(server, n) for n in range(WRITES)]
        deadline = time.monotonic() + 60
        pushed: list[str] = []
        while time.monotonic() < deadline:
            pushed = [e.item_id.id for body in list(receiver.bodies)
                      for n in SendNotification(protocol=None).parse(body) for e in n.events
                      if type(e).__name__ == "CreatedEvent"]
            if len(pushed) >= WRITES:
                break
            time.sleep(0.2)
        time.sleep(1.5)  # a duplicate delivery by the other worker would arrive within its next turns
        pushed = [e.item_id.id for body in list(receiver.bodies)
                  for n in SendNotification(protocol=None).parse(body) for e in n.events
                  if type(e).__name__ == "CreatedEvent"]
        assert pushed == made, server.log_on_failure(b"")
    finally:
        receiver.close()
