"""Pieces several operations (and the REST faces) share: the item-id checks and write retries."""
from __future__ import annotations

from typing import Callable, Protocol, TypeVar

from sqlalchemy.exc import OperationalError

from ..core import ids
from ..core.errors import EwsError
from ..store.repository import Store

R = TypeVar("R")
WRITE_ATTEMPTS = 8


class LostRace(Exception):
    """A conditional write found the item at a newer version; the ItemChange is retried from a fresh read."""


class HasStore(Protocol):
    """A request context or the emulator itself: whatever reaches the store (the REST faces, fault injection)."""

    @property
    def store(self) -> Store: ...


def with_retries(ctx: HasStore, work: Callable[[object], R]) -> R:
    """Run ``work(conn)`` in a write transaction, retrying lost races and lock time-outs. What the work left
    in the context's ``outbox`` (mail to deliver later, operations/delivery.py) is handed on only once the
    transaction committed; a failed or retried attempt's is dropped."""
    outbox: list | None = getattr(ctx, "outbox", None)
    for attempt in range(WRITE_ATTEMPTS):
        try:
            if outbox is not None:
                outbox.clear()
            with ctx.store.write() as conn:
                result = work(conn)
            if outbox:
                for later in list(outbox):
                    later()
                outbox.clear()
            return result
        except LostRace:
            continue
        except OperationalError:
            if attempt == WRITE_ATTEMPTS - 1:
                raise EwsError("ErrorServerBusy") from None
    raise EwsError("ErrorIrresolvableConflict")


def check_item_id(value: str) -> None:
    """Spec §2.3 Id checks: empty, malformed, too long, or a folder's Id."""
    if ids.classify_id(value) == "folder":
        raise EwsError("ErrorCannotUseFolderIdForItemId")
