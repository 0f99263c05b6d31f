"""GetEvents: a pull subscription's events after its Watermark (at most 50, MoreEvents when more wait), read
from the change journal (D40); a StatusEvent when nothing happened. Each call renews the subscription's
Timeout. The events handed out are gone from the subscription's queue, as in Exchange: the next call starts
after them whatever Watermark it sends (an older one does not replay them; exchangelib re-sends its first
Watermark while MoreEvents is true)."""
from __future__ import annotations

from ..core import notifications as N
from ..protocol import get_events as wire
from ..protocol.get_events import Events, EventsRequest, GetEventsRequest
from .base import Batch, PerElement
from .notifications import find, handed_out, next_batch, position_of, watermark_of


def _get_events(batch: Batch[GetEventsRequest], req: EventsRequest) -> Events:
    ctx = batch.ctx
    sub = find(ctx, req.subscription_id, (N.PULL,), "GetEvents", wrong_kind="ErrorInvalidPullSubscriptionId")
    with ctx.store.read() as conn:
        start = max(position_of(ctx.store, conn, sub.mailbox, req.watermark), sub.position)
        notification, through = next_batch(ctx.store, conn, sub, start, ctx.now)
    handed_out(ctx.store, sub, through, ctx.now)
    return Events(notification, watermark_of(ctx.store, sub.mailbox))


OPERATION = PerElement(
    "GetEvents", "implemented",
    "a pull subscription's events from the change journal, 50 per call with MoreEvents, a StatusEvent when idle; "
    "renews the Timeout",
    parse=wire.parse, element=_get_events, render=wire.render_success)
