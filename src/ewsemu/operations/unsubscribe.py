"""Unsubscribe: end a pull or streaming subscription. A push subscription cannot be ended this way (its receiver
answers Unsubscribe to a notification instead): ErrorInvalidSubscription, as Exchange Online answers
exchangelib's test."""
from __future__ import annotations

from ..core import notifications as N
from ..core.errors import EwsError
from ..protocol import unsubscribe as wire
from ..protocol.unsubscribe import UnsubscribeRequest
from ..store import subscriptions
from .base import Batch, PerElement
from .notifications import find


def _unsubscribe(batch: Batch[UnsubscribeRequest], subscription_id: str) -> None:
    ctx = batch.ctx
    sub = find(ctx, subscription_id, (N.PULL, N.STREAMING), "Unsubscribe")
    with ctx.store.write() as uow:
        if not subscriptions.remove(uow, sub.id):
            raise EwsError("ErrorSubscriptionNotFound")


OPERATION = PerElement(
    "Unsubscribe", "implemented", "ends a pull or streaming subscription (a push one ends by its receiver's answer)",
    parse=wire.parse, element=_unsubscribe, render=wire.render_success)
