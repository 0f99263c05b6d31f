"""Push notifications: the background deliverer that POSTs ``SendNotification`` to push subscriptions' URLs.

One :class:`PushDeliverer` thread runs in every server process (started with the server, stopped with the
emulator: ``Emulator.start_push_delivery``). Each turn it claims, with a lease in the database, the push
subscriptions no other worker holds (store/subscriptions.py), so exactly one process delivers each, and for each:

- events waiting after its position, and no failure pending: POST them now (at most 50 per request, MoreEvents
  when more wait: the next one goes out on the next turn);
- otherwise, when its ``next_attempt`` has come: POST a StatusEvent (StatusFrequency after the last delivery)
  or, after a failure, the retry;
- the receiver answers ``SendNotificationResult/SubscriptionStatus``: OK keeps the subscription (events handed
  out), Unsubscribe ends it; anything else (no answer within ``--push-timeout``, an HTTP error, a body that is
  no such answer, a redirect, a target ``--push-allow`` does not allow) is a failed delivery, retried 30 s after
  the first failure and then twice as long after it each time, until the next retry would fall beyond
  StatusFrequency after the first failure: then the subscription ends (core.notifications.after_failure).

Times follow the emulator's clock (so a test advances the clock instead of sleeping); the thread itself wakes
every ``push_poll_seconds`` of real time. Once a minute it also forgets pull and streaming subscriptions that
expired more than an hour ago (:meth:`PushDeliverer.sweep`).

Targets: only loopback addresses unless ``--push-allow`` allows more
(core/push_targets.py); proxies from the environment are not used and redirects are not followed, so a
delivery goes exactly where it was checked to go.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import Callable, Protocol
from urllib.parse import urlsplit

from ..core import notifications as N
from ..core.errors import EwsError
from ..core.push_targets import permitted
from ..protocol.notification_xml import send_notification, subscription_status
from ..protocol.responses import ServerVersion
from ..store import subscriptions
from ..store.repository import Store
from .notifications import next_batch, watermark_of

log = logging.getLogger("ewsemu.push")
#: how long a worker holds a claimed subscription at most (longer than any delivery can take)
LEASE = dt.timedelta(minutes=2)
#: real seconds between sweeps of long-expired pull and streaming subscriptions
SWEEP_SECONDS = 60.0


class PushSettings(Protocol):
    @property
    def push_allow(self) -> tuple[str, ...]: ...

    @property
    def push_poll_seconds(self) -> float: ...

    @property
    def push_timeout_seconds(self) -> float: ...

    @property
    def server_version(self) -> ServerVersion: ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - urllib's signature
        return None  # a redirect is answered as the error it then is: a failed delivery


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def _addresses(host: str, port: int) -> list[str]:
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError):
        return []


class PushDeliverer:
    """Delivers the push subscriptions of one store. :meth:`run_once` is one turn (tests call it directly);
    :meth:`start` runs turns in a daemon thread until :meth:`stop`."""

    def __init__(self, store: Store, now: Callable[[], dt.datetime], settings: PushSettings) -> None:
        self.store, self.now, self.settings = store, now, settings
        # at most 41 characters (the lease_owner column holds 64): a long host name (a pod's) is cut short
        self.worker = f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._swept = 0.0

    # ---- the thread ---------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="ewsemu-push", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.push_timeout_seconds + 5)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.push_poll_seconds):
            try:
                self.run_once()
                if time.monotonic() - self._swept >= SWEEP_SECONDS:
                    self.sweep()
            except Exception:  # noqa: BLE001 - a bad turn (a database hiccup) must not end deliveries for good
                log.exception("push delivery turn failed")

    def sweep(self) -> int:
        """Forget the pull and streaming subscriptions expired for longer than core's EXPIRED_KEPT, so the table
        does not grow with the ones clients abandoned; how many went."""
        self._swept = time.monotonic()
        with self.store.read() as conn:
            gone = subscriptions.long_expired(conn, self.now(), N.EXPIRED_KEPT)
        if not gone:
            return 0
        with self.store.write() as uow:
            return subscriptions.remove_all(uow, gone)

    # ---- one turn -----------------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim this worker's share of the push subscriptions and deliver what is due; the number of POSTs."""
        now = self.now()
        with self.store.read() as conn:
            if not subscriptions.any_push(conn):
                return 0  # no write transaction (a writer lock on SQLite) for nothing
        # no more than can be delivered one after another within the lease, even if every POST times out:
        # a lease that lapsed mid-turn would let another worker deliver the same events again
        share = max(1, int(LEASE.total_seconds() // (2 * max(self.settings.push_timeout_seconds, 1.0))))
        with self.store.write() as uow:
            claimed = subscriptions.claim(uow, self.worker, now, LEASE, limit=share)
        return sum(self._deliver(sub, now) for sub in claimed)

    def _deliver(self, sub: N.Subscription, now: dt.datetime) -> int:
        marks = watermark_of(self.store, sub.mailbox)  # the key, read before the read transaction
        try:
            with self.store.read() as conn:
                notification, through = next_batch(self.store, conn, sub, sub.position, now)
        except EwsError:  # ErrorMissedNotificationEvents: its events are gone from the journal
            self._end(sub, "its events aged out of the change journal")
            return 0
        events_waiting = notification.events[0].type != N.STATUS
        due = sub.next_attempt is not None and sub.next_attempt <= now
        if not due and not (events_waiting and sub.failing_since is None):
            with self.store.write() as uow:
                subscriptions.release(uow, sub, self.worker)
            return 0
        status = self._post(sub, send_notification(notification, marks, self.settings.server_version))
        if status == "Unsubscribe":
            self._end(sub, "the receiver answered Unsubscribe")
        elif status == "OK":
            with self.store.write() as uow:
                subscriptions.release(uow, N.after_success(sub, now, through, notification.more), self.worker)
        else:
            retry = N.after_failure(sub, now)
            if retry is None:
                self._end(sub, "its deliveries kept failing past StatusFrequency")
            else:
                with self.store.write() as uow:
                    subscriptions.release(uow, retry, self.worker)
        return 1

    def _end(self, sub: N.Subscription, why: str) -> None:
        log.info("push subscription %s ended: %s", sub.id, why)
        with self.store.write() as uow:
            subscriptions.remove_leased(uow, sub.id, self.worker)

    def _post(self, sub: N.Subscription, body: bytes) -> str | None:
        """POST one SendNotification; the receiver's SubscriptionStatus, or None for a failed delivery."""
        url = sub.url or ""
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return None
        if not permitted(host, _addresses(host, port), self.settings.push_allow):
            log.warning("push subscription %s: %s is not a loopback address and --push-allow does not allow it; "
                        "delivery refused", sub.id, host)
            return None
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "text/xml; charset=utf-8",
                                                  "User-Agent": "ewsemu push notifications"})
        try:
            with _OPENER.open(request, timeout=self.settings.push_timeout_seconds) as response:
                answer = response.read(1 << 20)
        except (urllib.error.URLError, OSError, ValueError) as err:
            log.info("push subscription %s: delivery to %s failed: %s", sub.id, url, err)
            return None
        return subscription_status(answer)
