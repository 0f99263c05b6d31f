"""Event-notification subscriptions in the database (table ``subscriptions``, migration 0008).

Every worker of ``ewsemu serve --workers N`` reads and writes the same rows, so a subscription made through
one worker is served by every other, and its position (core.notifications.Subscription.position, a journal
position) moves forward wherever events are handed out. A reset of the mailboxes deletes the rows with the
mailboxes (they are mailbox data): every subscription then answers ErrorSubscriptionNotFound.

Push delivery is claimed with a lease (:func:`claim`): a worker takes the push subscriptions whose lease is
free or lapsed by one conditional UPDATE each, so exactly one worker delivers each of them, and a worker that
died lets its subscriptions go when the lease lapses.

The functions take what ``Store.write()`` / ``Store.read()`` yield (a UnitOfWork or a Connection); nothing here
is journaled, because a subscription is no mailbox content.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from ..core.notifications import PUSH, Subscription, expiry
from .schema import subscriptions
from .unit_of_work import Readable, connection_of

_UTC = dt.timezone.utc
_c = subscriptions.c


def _naive(at: dt.datetime | None) -> dt.datetime | None:
    return at.astimezone(_UTC).replace(tzinfo=None) if at is not None else None


def _aware(at: dt.datetime | None) -> dt.datetime | None:
    return at.replace(tzinfo=_UTC) if at is not None else None


def _row(sub: Subscription) -> dict[str, Any]:
    return {"id": sub.id, "mailbox": sub.mailbox.lower(), "principal": sub.principal.lower(), "kind": sub.kind,
            "folder_ids": json.dumps(sorted(sub.folder_ids)) if sub.folder_ids is not None else None,
            "event_types": json.dumps(sorted(sub.event_types)), "position": sub.position,
            "created": _naive(sub.created), "last_activity": _naive(sub.last_activity), "timeout": sub.timeout,
            "status_frequency": sub.status_frequency, "url": sub.url, "caller_data": sub.caller_data,
            "next_attempt": _naive(sub.next_attempt), "failing_since": _naive(sub.failing_since),
            "retries": sub.retries}


def _subscription(row: Any) -> Subscription:
    m = row._mapping
    folder_ids = m["folder_ids"]
    return Subscription(
        id=m["id"], mailbox=m["mailbox"], principal=m["principal"], kind=m["kind"],
        folder_ids=frozenset(json.loads(folder_ids)) if folder_ids is not None else None,
        event_types=frozenset(json.loads(m["event_types"])), position=m["position"],
        created=_aware(m["created"]), last_activity=_aware(m["last_activity"]), timeout=m["timeout"],
        status_frequency=m["status_frequency"], url=m["url"], caller_data=m["caller_data"],
        next_attempt=_aware(m["next_attempt"]), failing_since=_aware(m["failing_since"]), retries=m["retries"])


def insert_subscription(conn: Readable, sub: Subscription) -> None:
    connection_of(conn).execute(insert(subscriptions).values(**_row(sub), lease_owner=None, lease_until=None))


def get(conn: Readable, subscription_id: str) -> Subscription | None:
    row = connection_of(conn).execute(select(subscriptions).where(_c.id == subscription_id)).first()
    return _subscription(row) if row is not None else None


def remove(conn: Readable, subscription_id: str) -> bool:
    """End a subscription; False if there was none."""
    return connection_of(conn).execute(delete(subscriptions).where(_c.id == subscription_id)).rowcount == 1


def save(conn: Readable, sub: Subscription) -> bool:
    """Write what changed about ``sub`` (position, activity, push state); False if it is gone (ended meanwhile).
    The position never moves back: two workers answering the same subscription at once keep the further one."""
    row = _row(sub)
    for fixed in ("id", "mailbox", "principal", "kind", "folder_ids", "event_types", "created"):
        del row[fixed]
    done = connection_of(conn).execute(
        update(subscriptions).where(_c.id == sub.id, _c.position <= sub.position).values(**row))
    if done.rowcount == 1:
        return True
    return get(conn, sub.id) is not None  # it exists, further on already: nothing to write


def take_streams(conn: Readable, subscription_ids: list[str], token: str) -> None:
    """A new connection streams these subscriptions: whichever connection streamed them before (in any worker)
    sees its token gone (:func:`stream_tokens`) and ends. Kept apart from :func:`save`, which an older
    stream's hand-outs call too and must never give the subscription back to it."""
    connection_of(conn).execute(update(subscriptions).where(_c.id.in_(subscription_ids)).values(stream_token=token))


def stream_tokens(conn: Readable, subscription_ids: list[str]) -> dict[str, str | None]:
    """The token of the connection that streams each of these subscriptions (absent: the subscription ended)."""
    rows = connection_of(conn).execute(select(_c.id, _c.stream_token).where(_c.id.in_(subscription_ids)))
    return {row[0]: row[1] for row in rows}


def live_count(conn: Readable, principal: str, now: dt.datetime) -> int:
    """The user's subscriptions that still count against the limit (EWSMaxSubscriptions): all but expired ones."""
    rows = connection_of(conn).execute(select(subscriptions).where(_c.principal == principal.lower()))
    count = 0
    for sub in map(_subscription, rows):
        end = expiry(sub)
        if end is None or end > now:
            count += 1
    return count


def listing(conn: Readable, mailbox: str | None = None) -> list[Subscription]:
    """Every subscription (of one mailbox), oldest first: the control plane's list."""
    query = select(subscriptions).order_by(_c.created, _c.id)
    if mailbox is not None:
        query = query.where(_c.mailbox == mailbox.lower())
    return [_subscription(r) for r in connection_of(conn).execute(query)]


def lease_of(conn: Readable, subscription_id: str) -> tuple[str | None, dt.datetime | None]:
    row = connection_of(conn).execute(select(_c.lease_owner, _c.lease_until).where(_c.id == subscription_id)).first()
    return (row[0], _aware(row[1])) if row is not None else (None, None)


def any_push(conn: Readable) -> bool:
    """Whether there is any push subscription at all (the deliverer's cheap look before it claims in a write)."""
    return connection_of(conn).execute(select(_c.id).where(_c.kind == PUSH).limit(1)).first() is not None


def claim(conn: Readable, worker: str, now: dt.datetime, lease: dt.timedelta,
          limit: int = 50) -> list[Subscription]:
    """The push subscriptions no other worker holds (those due first), each now leased to ``worker`` until
    ``now + lease``: the deliverer then sees whether events or a StatusEvent are due."""
    c = connection_of(conn)
    free = or_(_c.lease_until.is_(None), _c.lease_until < _naive(now), _c.lease_owner == worker)
    push = _c.kind == PUSH
    candidates = c.execute(select(_c.id).where(push, free).order_by(_c.next_attempt, _c.id).limit(limit)
                           ).scalars().all()
    claimed: list[Subscription] = []
    for subscription_id in candidates:
        done = c.execute(update(subscriptions).where(_c.id == subscription_id, push, free)
                         .values(lease_owner=worker, lease_until=_naive(now + lease)))
        if done.rowcount == 1:
            sub = get(c, subscription_id)
            if sub is not None:
                claimed.append(sub)
    return claimed


def release(conn: Readable, sub: Subscription, worker: str) -> bool:
    """Save a delivered (or failed) push subscription's state and give its lease back; False if the subscription
    is gone or another worker holds it now (its lease lapsed)."""
    row = _row(sub)
    for fixed in ("id", "mailbox", "principal", "kind", "folder_ids", "event_types", "created"):
        del row[fixed]
    done = connection_of(conn).execute(update(subscriptions).where(_c.id == sub.id, _c.lease_owner == worker)
                                       .values(**row, lease_owner=None, lease_until=None))
    return done.rowcount == 1


def remove_leased(conn: Readable, subscription_id: str, worker: str) -> bool:
    """End a push subscription this worker delivers (the receiver said Unsubscribe, or the retries ran out)."""
    return connection_of(conn).execute(delete(subscriptions).where(
        _c.id == subscription_id, _c.lease_owner == worker)).rowcount == 1


def long_expired(conn: Readable, now: dt.datetime, grace: dt.timedelta) -> list[str]:
    """The pull and streaming subscriptions expired for longer than ``grace`` (a GetEvents within it still
    answers ErrorExpiredSubscription; after it, ErrorSubscriptionNotFound)."""
    rows = connection_of(conn).execute(select(subscriptions).where(_c.kind != PUSH))
    return [s.id for s in map(_subscription, rows) if (end := expiry(s)) is not None and end + grace <= now]


def remove_all(conn: Readable, subscription_ids: list[str]) -> int:
    if not subscription_ids:
        return 0
    return connection_of(conn).execute(delete(subscriptions).where(_c.id.in_(subscription_ids))).rowcount
