"""Subscribe: a pull, push or streaming subscription to some of the caller's folders (FolderIds) or all of them
(SubscribeToAllFolders), for the event types it lists; it starts at the Watermark given (events after it are
delivered; one the journal no longer covers is ErrorInvalidWatermark) or else now.

Folders of another mailbox (delegate access) are ErrorSubscriptionDelegateAccessNotSupported, as in Exchange
(impersonation is fine: the subscription is the impersonated mailbox's). More than ``--max-subscriptions`` live
subscriptions of one user is ErrorExceededSubscriptionCount (Exchange's EWSMaxSubscriptions). A push
subscription's URL may be any http(s) URL: whether ewsemu may deliver to it is decided at delivery
(operations/push.py, ``--push-allow``)."""
from __future__ import annotations

from ..core import notifications as N
from ..core.errors import EwsError
from ..protocol import subscribe as wire
from ..protocol.subscribe import SubscribeRequest, Subscribed, SubscriptionRequest
from ..store import journal, subscriptions
from .base import Batch, PerElement
from .folders import resolve_folder
from .notifications import position_of, watermark_of


def _subscribe(batch: Batch[SubscribeRequest], req: SubscriptionRequest) -> Subscribed:
    ctx = batch.ctx
    store, mailbox = ctx.store, ctx.mailbox
    for ref in req.folders or ():
        if ref.mailbox is not None and ref.mailbox.strip().lower() != mailbox:
            raise EwsError("ErrorSubscriptionDelegateAccessNotSupported")
    with store.read() as conn:
        folder_ids = None if req.folders is None else frozenset(
            resolve_folder(conn, ctx, ref).id for ref in req.folders)
        position = position_of(store, conn, mailbox, req.watermark) if req.watermark else journal.head(conn)
        if subscriptions.live_count(conn, ctx.principal, ctx.now) >= ctx.settings.max_subscriptions:
            raise EwsError("ErrorExceededSubscriptionCount")
    sub = N.Subscription(
        ctx.ids.subscription_id(), mailbox, ctx.principal, req.kind, folder_ids, frozenset(req.event_types),
        position, ctx.now, ctx.now, timeout=req.timeout,
        status_frequency=req.status_frequency if req.kind == N.PUSH else None, url=req.url,
        caller_data=req.caller_data,
        # a push subscription's first StatusEvent is due after StatusFrequency (events go out as they come)
        next_attempt=ctx.now + N.status_interval_minutes(req.status_frequency) if req.kind == N.PUSH else None)
    with store.write() as uow:
        subscriptions.insert_subscription(uow, sub)
    watermark = watermark_of(store, mailbox)(position) if req.kind != N.STREAMING else None
    return Subscribed(sub.id, watermark)


OPERATION = PerElement(
    "Subscribe", "implemented",
    "pull, push and streaming subscriptions to folders or all folders, every event type, from a Watermark or now; "
    "subscriptions live in the database (every worker serves them) and end with a reset",
    parse=wire.parse, element=_subscribe, render=wire.render_success)
