"""GetStreamingEvents: streaming notifications on one long HTTP response (D40, D41).

The request thread runs :func:`open_stream`: it checks every subscription (the caller's own, streaming, alive:
operations/notifications.py ``find``) and answers either one error envelope (Exchange answers the whole request
with the error and ``ErrorSubscriptionIds`` when any id fails, even beside good ones: exchangelib's tests) or a
:class:`Subscriptions` source, which the server's stream hub (server/streaming.py) then serves without the
request's thread: each batch of journal entries that reach a subscription becomes one envelope of
notifications (at most :data:`~ewsemu.core.notifications.EVENTS_PER_NOTIFICATION` events per subscription per
envelope, so a backlog streams as several bounded envelopes), the stored position moves on once the hub has
sent them (:meth:`Subscriptions.delivered`: a client reconnecting with the same subscription misses nothing,
even when it left in the middle of a backlog, and sees nothing twice), an idle stream
renews its subscriptions at each keep-alive (a streaming subscription lives 30 minutes after its last
activity), and an Unsubscribe (through any worker) ends the stream with the subscription's error and Closed.

The subscription outlives its connection: a connection ends (ConnectionTimeout, a cut, the client leaving)
and the subscription stays until Unsubscribe or 30 idle minutes.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from ..core import notifications as N
from ..core.errors import EwsError
from ..core.ids import SUBSCRIPTION_HEADER, _b64decode
from ..protocol import get_streaming_events as P
from ..protocol.responses import ServerVersion
from ..store import subscriptions
from ..store.repository import Store
from . import notifications
from .base import Element, Operation
from .context import RequestContext

NAME = "GetStreamingEvents"
#: an open connection renews its subscriptions (30 idle minutes) at a keep-alive at most this often: a write per
#: subscription per keep-alive would be hundreds of writes a minute for hundreds of streams
RENEW_EVERY = dt.timedelta(minutes=5)


def _well_formed(subscription_id: str) -> bool:
    """An id ewsemu could have made (base64 with the subscription header): Exchange calls anything else invalid,
    not unknown."""
    raw = _b64decode(subscription_id)
    return raw is not None and raw.startswith(SUBSCRIPTION_HEADER)


@dataclass(frozen=True)
class Refused:
    """The request's one envelope: an error (ConnectionStatus Closed); the response ends there."""

    envelope: bytes


class Subscriptions:
    """The hub's :class:`~ewsemu.server.streaming.StreamSource` for one connection: its subscriptions' events."""

    def __init__(self, store: Store, now: Callable[[], dt.datetime], version: ServerVersion,
                 subs: Sequence[N.Subscription], position: int, token: str) -> None:
        self.store, self.now, self.version = store, now, version
        self.subs = list(subs)
        self.subscription_ids = frozenset(sub.id for sub in subs)
        self.position = position  # the journal position the hub has given this stream up to
        #: this connection's claim on its subscriptions (store/subscriptions.py take_streams); a newer connection
        #: for one of them, through any worker, replaces it: ``superseded``, and the hub ends it with Closed
        self.token = token
        self.superseded = False
        self.timeout_minutes = 0
        #: what the last :meth:`advance` handed out, saved by :meth:`delivered` once sent: per envelope, the
        #: subscriptions (by index) whose events it carries, with their position after it and the time; ``_free``
        #: the subscriptions that had no event (nothing to lose); ``_start`` the positions saved before
        self._marks: list[dict[int, tuple[int, dt.datetime]]] = []
        self._free: dict[int, tuple[int, dt.datetime]] = {}
        self._start: dict[int, int] = {}

    def advance(self, entries: Sequence[Any], upto: int) -> list[bytes]:
        mailboxes = {e.mailbox for e in entries}
        envelopes: list[bytes] = []
        pending = [i for i, sub in enumerate(self.subs) if sub.mailbox in mailboxes]
        self._marks, self._free = [], {}
        if pending and self._taken_over():
            return []  # the newer connection hands these events out, not this one
        self._start = {i: self.subs[i].position for i in pending}
        while pending:
            batch: list[N.Notification] = []
            still: list[int] = []
            carried: dict[int, tuple[int, dt.datetime]] = {}
            now = self.now()
            for i in pending:
                sub = self.subs[i]
                with self.store.read() as conn:
                    notification, through = notifications.next_batch(self.store, conn, sub, sub.position, now)
                self.subs[i] = replace(sub, position=max(sub.position, through))  # saved once sent (delivered)
                if notification.events and notification.events[0].type != N.STATUS:
                    batch.append(notification)
                    carried[i] = (self.subs[i].position, now)
                else:
                    self._free[i] = (self.subs[i].position, now)
                if notification.more:
                    still.append(i)
            if batch:
                watermark = notifications.watermark_of(self.store, self.subs[0].mailbox)
                envelopes.append(P.notifications(batch, watermark, self.version))
                self._marks.append(carried)
            pending = still
        self.position = upto
        return envelopes

    def delivered(self, sent: int) -> None:
        """The first ``sent`` envelopes :meth:`advance` built reached the connection: the events they carry are
        handed out (their subscriptions' positions saved); the rest stay for the next connection."""
        done = dict(self._free)
        for carried in self._marks[:sent]:
            done.update(carried)
        for i, start in self._start.items():
            if i in done:
                position, at = done[i]
                before = replace(self.subs[i], position=start)
                self.subs[i] = notifications.handed_out(self.store, before, position, at)
            else:
                self.subs[i] = replace(self.subs[i], position=start)
        self._marks, self._free, self._start = [], {}, {}

    def taken_over(self) -> bool:
        return self._taken_over()

    def _taken_over(self, conn=None) -> bool:  # noqa: ANN001 - a store read, or one of its own
        """Whether a newer connection streams one of these subscriptions now (sets ``superseded``)."""
        if conn is None:
            with self.store.read() as own:
                return self._taken_over(own)
        tokens = subscriptions.stream_tokens(conn, sorted(self.subscription_ids))
        self.superseded = any(token != self.token for token in tokens.values())
        return self.superseded

    def ended(self) -> bytes | None:
        """Renew the subscriptions (the connection is their activity); the error envelope if one has ended.
        None also when a newer connection took them over (``superseded``)."""
        now = self.now()
        gone: list[str] = []
        with self.store.read() as conn:
            if self._taken_over(conn):
                return None
            current = [subscriptions.get(conn, sub.id) for sub in self.subs]
        for i, sub in enumerate(current):
            if sub is None:
                gone.append(self.subs[i].id)
            elif now - sub.last_activity >= RENEW_EVERY:
                self.subs[i] = notifications.handed_out(self.store, sub, sub.position, now)
            else:
                self.subs[i] = sub
        if gone:
            return P.failure(EwsError("ErrorSubscriptionNotFound"), gone, self.version)
        return None

    def keepalive(self) -> bytes:
        return P.status(P.OK, self.version)

    def closing(self) -> bytes:
        return P.status(P.CLOSED, self.version)

    def failed(self, error: BaseException) -> bytes:
        code = error if isinstance(error, EwsError) else EwsError("ErrorInternalServerError")
        return P.failure(code, [], self.version)


def open_stream(ctx: RequestContext, body: Element,
                now: Callable[[], dt.datetime] | None = None) -> Refused | Subscriptions:
    """Check the request's subscriptions (see the module docstring); ``now`` is the clock the stream reads
    later (the emulator's), the request's own time by default."""
    request = P.parse(body, ctx.zone, ctx.settings.strict)
    version = ctx.settings.server_version
    failed: list[tuple[str, EwsError]] = []
    found: list[N.Subscription] = []
    for subscription_id in dict.fromkeys(request.subscription_ids):
        if not _well_formed(subscription_id):
            failed.append((subscription_id, EwsError("ErrorInvalidSubscription", message="Subscription is invalid.")))
            continue
        try:
            found.append(notifications.find(ctx, subscription_id, (N.STREAMING,), NAME))
        except EwsError as err:
            failed.append((subscription_id, err))
    if failed:
        return Refused(P.failure(failed[0][1], [sid for sid, _ in failed], version))
    token = secrets.token_hex(16)
    with ctx.store.write() as uow:  # the newest connection streams them (D41), in whichever worker it landed
        subscriptions.take_streams(uow, [sub.id for sub in found], token)
    source = Subscriptions(ctx.store, now or (lambda: ctx.now), version, found, min(sub.position for sub in found),
                           token)
    source.timeout_minutes = request.connection_timeout
    return source


@dataclass(frozen=True)
class Streamed(Operation):
    """An operation answered by a stream (server/stream_endpoint.py serves it, never the SOAP shell)."""

    open: Callable[..., Refused | Subscriptions] = open_stream

    def handle(self, ctx: RequestContext, body: Element) -> Element:
        raise EwsError("ErrorInvalidOperation", message="GetStreamingEvents is served as a stream")


OPERATION = Streamed(
    NAME, "implemented",
    "A chunked response of complete SOAP envelopes: each batch of events its own envelope, a keep-alive "
    "(ConnectionStatus OK) every 30 s while idle (--stream-keepalive), ConnectionStatus Closed when "
    "ConnectionTimeout expires or a subscription ends; several SubscriptionIds; served without holding a request "
    "thread (the stream hub); the subscription outlives its connection.")
