"""What Subscribe, GetEvents, Unsubscribe, push delivery and GetStreamingEvents share: watermarks, finding the
caller's subscription, and the next batch of a subscription's events read from the change journal (D40).

For the streaming side (GetStreamingEvents), the whole interface is:

- :func:`find` (``ctx``, the SubscriptionId, ``kinds=(STREAMING,)``, ``"GetStreamingEvents"``): the caller's
  subscription, or the EwsError Exchange answers (ErrorSubscriptionNotFound, ErrorSubscriptionAccessDenied,
  ErrorInvalidSubscription for a pull or push id, ErrorExpiredSubscription for an expired one, which it ends);
- :func:`next_batch` (store, connection, subscription, start position, now): a
  :class:`~ewsemu.core.notifications.Notification` of at most ``limit`` events after ``start`` (a StatusEvent
  when none), and the position it read through; hand it out with :func:`handed_out`, which moves the stored
  position and renews the subscription (its last activity);
- :func:`watermark_of` (store, mailbox) for ``protocol.notification_xml.render_notification``;
  (``find`` also asks the double's ``expired_subscription`` fault, ``ctx.faults.subscription_expired``).
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable

from ..core import notifications as N, watermarks
from ..core.errors import EwsError
from ..store import journal, subscriptions
from ..store.repository import Store
from .context import RequestContext

#: journal entries read per query while collecting a batch
_CHUNK = 500


def watermark_of(store: Store, mailbox: str) -> Callable[[int], str]:
    """Journal position -> the opaque signed Watermark of ``mailbox`` (core/watermarks.py)."""
    key = store.secret(watermarks.SECRET_NAME)
    return lambda position: watermarks.encode(key, mailbox, position)


def position_of(store: Store, conn, mailbox: str, token: str) -> int:
    """The journal position a client's Watermark names; ErrorInvalidWatermark if it is not ours, is another
    mailbox's, or is older than the journal's retention (D38)."""
    position = watermarks.decode(store.secret(watermarks.SECRET_NAME), mailbox, token)
    if not journal.retains(conn, position):
        raise EwsError("ErrorInvalidWatermark")
    return position


def find(ctx: RequestContext, subscription_id: str, kinds: Iterable[str], operation: str,
         wrong_kind: str = "ErrorInvalidSubscription") -> N.Subscription:
    """The caller's live subscription ``subscription_id`` of one of ``kinds``. Errors, in Exchange's order: no
    such subscription (or a malformed id) ErrorSubscriptionNotFound; someone else's
    ErrorSubscriptionAccessDenied; another kind ``wrong_kind``; expired (or the double's
    ``expired_subscription`` fault) ErrorExpiredSubscription, and the subscription ends (Unsubscribe: it is
    gone, ErrorSubscriptionNotFound)."""
    with ctx.store.read() as conn:
        sub = subscriptions.get(conn, subscription_id.strip())
    if sub is None:
        raise EwsError("ErrorSubscriptionNotFound")
    if sub.principal != ctx.principal.lower() or sub.mailbox != ctx.mailbox.lower():
        raise EwsError("ErrorSubscriptionAccessDenied")
    if sub.kind not in kinds:
        raise EwsError(wrong_kind)
    reading = operation != "Unsubscribe"
    if N.expired(sub, ctx.now) or (reading and ctx.faults.subscription_expired(operation, ctx.mailbox, sub.id)):
        with ctx.store.write() as uow:
            subscriptions.remove(uow, sub.id)
        raise EwsError("ErrorExpiredSubscription" if reading else "ErrorSubscriptionNotFound")
    return sub


def next_batch(store: Store, conn, sub: N.Subscription, start: int, now: dt.datetime,
               limit: int = N.EVENTS_PER_NOTIFICATION) -> tuple[N.Notification, int]:
    """The events ``sub`` sees after journal position ``start``, oldest first, at most about ``limit`` (whole
    journal entries), with MoreEvents when more are waiting; a StatusEvent when there are none. Also the
    position read through (the subscription's next start: past entries it does not see, too).
    ErrorMissedNotificationEvents when the journal no longer holds everything after ``start``."""
    head = journal.head(conn)
    if not journal.retains(conn, start):
        raise EwsError("ErrorMissedNotificationEvents")
    folders = {f.id: f for f in store.mailbox_folders(conn, sub.mailbox, soft_deleted=True)}
    events: list[N.Event] = []
    through, more = start, False
    while True:
        chunk = journal.entries_after(conn, through, mailbox=sub.mailbox, limit=_CHUNK)
        if not chunk:
            break
        selection = N.select(sub, chunk, folders, through, max(1, limit - len(events)))
        events += selection.events
        through = selection.through
        if not selection.complete:
            more = True
            break
        if len(chunk) < _CHUNK:
            break
        if len(events) >= limit:
            more = bool(journal.entries_after(conn, through, mailbox=sub.mailbox, limit=1))
            break
    if not more:
        through = max(through, head)  # everything of this mailbox up to the head was read
    if not events:
        return N.Notification(sub.id, start, False, (N.status_event(through, now),)), through
    unread = {folder_id: counts.unread for folder_id, counts in store.item_counts(
        conn, sorted({e.id for e in events if e.kind == N.FOLDER and e.type == N.MODIFIED})).items()}
    return N.Notification(sub.id, start, more, N.with_unread_counts(events, unread)), through


def handed_out(store: Store, sub: N.Subscription, through: int, now: dt.datetime) -> N.Subscription:
    """Record that ``sub``'s events up to ``through`` were handed out now (its Timeout starts again)."""
    done = N.renewed(sub, now, max(sub.position, through))
    with store.write() as uow:
        subscriptions.save(uow, done)
    return done


def subscription_id(ctx: RequestContext) -> str:
    """A new SubscriptionId (base64, as Exchange's are; seeded by ``--seed``)."""
    return ctx.ids.subscription_id()

