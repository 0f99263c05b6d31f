"""Streaming notifications (D41): many open GetStreamingEvents connections on one process, what they cost
ordinary requests, and how fast an event reaches its stream.

- ``open_streams``: ``STREAMS`` users each Subscribe (streaming, drafts) and open a GetStreamingEvents
  connection on one ``ewsemu serve`` process (8 request threads). GetItem p50 over one keep-alive connection is
  measured before the streams open, with them open, and after they closed; the ratio divides "with" by the mean
  of the two "without" runs (a busy machine slows all three alike).
- event delivery: with the streams open, CreateItem in a random user's drafts; the latency is from sending the
  CreateItem to the CreatedEvent's envelope arriving on that user's stream (an upper bound: it includes the
  CreateItem request itself). p50 and p99 over ``EVENTS`` writes, on one process (SQLite) and on
  ``--workers 2`` on PostgreSQL, where each write and each stream is a new connection the kernel spreads over
  the two workers (about half the deliveries cross from one worker to the other: the journal watcher's poll).
"""
from __future__ import annotations

import base64
import http.client
import random
import re
import selectors
import socket
import statistics
import threading
import time
from urllib.parse import urlsplit

from .servers import serve

QUICK = __import__("os").environ.get("BENCH_QUICK") == "1"
STREAMS = 50 if QUICK else 500
EVENTS = 30 if QUICK else 200
GETITEMS = 300 if QUICK else 2000
_NS = ('xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
       'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
       'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"')


def _envelope(body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><s:Envelope {_NS}><s:Header>'
            f'<t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body>{body}</s:Body></s:Envelope>').encode()


def _auth(user: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:x".encode()).decode()


def _headers(user: str, length: int) -> dict[str, str]:
    return {"Authorization": _auth(user), "Content-Type": "text/xml; charset=utf-8", "Content-Length": str(length)}


def _post(url: str, user: str, body: str) -> bytes:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    data = _envelope(body)
    conn.request("POST", parts.path, data, _headers(user, len(data)))
    out = conn.getresponse().read()
    conn.close()
    return out


def _create(user: str, subject: str) -> str:
    return ('<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/>'
            f'</m:SavedItemFolderId><m:Items><t:Message><t:Subject>{subject}</t:Subject></t:Message></m:Items>'
            '</m:CreateItem>')


_SUBSCRIBE = ('<m:Subscribe><m:StreamingSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="drafts"/>'
              '</t:FolderIds><t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes>'
              '</m:StreamingSubscriptionRequest></m:Subscribe>')


class Streams:
    """``n`` open GetStreamingEvents connections, read by one thread: when a CreatedEvent arrives on stream i,
    its arrival time is recorded."""

    def __init__(self, url: str, users: list[str], subscriptions: list[str]) -> None:
        parts = urlsplit(url)
        self.arrived: dict[int, float] = {}
        self._cond = threading.Condition()
        self._selector = selectors.DefaultSelector()
        self._socks: list[socket.socket] = []
        for i, (user, sid) in enumerate(zip(users, subscriptions)):
            data = _envelope(f"<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>{sid}</t:SubscriptionId>"
                             "</m:SubscriptionIds><m:ConnectionTimeout>30</m:ConnectionTimeout></m:GetStreamingEvents>")
            sock = socket.create_connection((parts.hostname, parts.port))
            head = "".join(f"{k}: {v}\r\n" for k, v in _headers(user, len(data)).items())
            sock.sendall(f"POST {parts.path} HTTP/1.1\r\nHost: {parts.hostname}\r\n{head}\r\n".encode() + data)
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ, i)
            self._socks.append(sock)
        self._buffers = [b""] * len(users)
        self._stop = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop:
            for key, _ in self._selector.select(0.2):
                try:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except BlockingIOError:
                    continue
                if not data:
                    self._selector.unregister(key.fileobj)
                    continue
                i = key.data
                self._buffers[i] += data
                if b"CreatedEvent" in self._buffers[i]:
                    with self._cond:
                        self.arrived[i] = time.perf_counter()
                        self._cond.notify_all()
                    self._buffers[i] = b""
                elif len(self._buffers[i]) > 1 << 16:
                    self._buffers[i] = self._buffers[i][-4096:]

    def wait(self, i: int, timeout: float = 10.0) -> float | None:
        deadline = time.perf_counter() + timeout
        with self._cond:
            while i not in self.arrived:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self._cond.wait(left)
            return self.arrived.pop(i)

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        for sock in self._socks:
            sock.close()


def _subscribe_all(url: str, users: list[str]) -> list[str]:
    out = []
    for user in users:
        _post(url, user, _create(user, "first"))  # the mailbox
        found = re.search(rb"<m:SubscriptionId>([^<]+)</m:SubscriptionId>", _post(url, user, _SUBSCRIBE))
        if not found:
            raise RuntimeError("Subscribe failed")
        out.append(found.group(1).decode())
    return out


def _get_item_p50(url: str, user: str, item_id: str, n: int) -> float:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    data = _envelope('<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ItemIds>'
                     f'<t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    times = []
    for _ in range(n):
        t = time.perf_counter()
        conn.request("POST", parts.path, data, _headers(user, len(data)))
        body = conn.getresponse().read()
        times.append(time.perf_counter() - t)
        assert b"NoError" in body
    conn.close()
    return statistics.median(times[n // 10:])


def _delivery(url: str, users: list[str], streams: Streams, n: int) -> dict:
    rng = random.Random(7)
    latencies, missed = [], 0
    for k in range(n):
        i = rng.randrange(len(users))
        t = time.perf_counter()
        _post(url, users[i], _create(users[i], f"event {k}"))
        arrived = streams.wait(i)
        if arrived is None:
            missed += 1
        else:
            latencies.append(arrived - t)
    latencies.sort()
    return {"events": n, "missed": missed, "p50_ms": statistics.median(latencies) * 1e3,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3}


def open_streams(database: str) -> dict:
    with serve(database, workers=1) as url:
        users = [f"stream{i}@example.com" for i in range(STREAMS)]
        subs = _subscribe_all(url, users)
        item = re.search(rb'<t:ItemId Id="([^"]+)"', _post(url, users[0], _create(users[0], "read me"))).group(1)
        item_id = item.decode()
        _get_item_p50(url, users[0], item_id, 200)  # warm up
        before = _get_item_p50(url, users[0], item_id, GETITEMS)
        streams = Streams(url, users, subs)
        time.sleep(2.0)  # every stream handed to the hub
        with_streams = _get_item_p50(url, users[0], item_id, GETITEMS)
        delivery = _delivery(url, users, streams, EVENTS)
        streams.close()
        time.sleep(1.0)
        after = _get_item_p50(url, users[0], item_id, GETITEMS)
    without = (before + after) / 2
    return {"streams": STREAMS, "getitem_without_ms": without * 1e3, "getitem_with_ms": with_streams * 1e3,
            "ratio": with_streams / without, "delivery": delivery}


def across_workers(database: str, streams_n: int = 50) -> dict:
    with serve(database, workers=2) as url:
        users = [f"cross{i}@example.com" for i in range(streams_n)]
        subs = _subscribe_all(url, users)
        streams = Streams(url, users, subs)
        time.sleep(2.0)
        delivery = _delivery(url, users, streams, EVENTS)
        streams.close()
    return {"streams": streams_n, "delivery": delivery}
