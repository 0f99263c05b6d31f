"""Pieces several operations share: item-id resolution, shapes, folder targets, write retries."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Protocol, TypeVar

from lxml import etree
from sqlalchemy.exc import OperationalError

from ..core import ids
from ..core.errors import EwsError
from ..protocol.items import Shape
from ..protocol.namespaces import t
from ..protocol.paths import PATH_TAGS, parse_path
from ..store.repository import Store
from .context import RequestContext

R = TypeVar("R")
WRITE_ATTEMPTS = 8


class LostRace(Exception):
    """A conditional write found the item at a newer version; the ItemChange is retried from a fresh read."""


class HasStore(Protocol):
    """A request context or the emulator itself: whatever reaches the store (the REST faces have no envelope)."""

    @property
    def store(self) -> Store: ...


def with_retries(ctx: HasStore, work: Callable[[object], R]) -> R:
    """Run ``work(conn)`` in a write transaction, retrying lost races and lock time-outs."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with ctx.store.write() as conn:
                return work(conn)
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


def parse_shape(el: etree._Element | None) -> Shape:
    if el is None:
        return Shape("IdOnly")
    additional = el.find(t("AdditionalProperties"))
    paths = tuple(parse_path(p) for p in additional if p.tag in PATH_TAGS) if additional is not None else ()
    return Shape(el.findtext(t("BaseShape")) or "IdOnly", paths, el.findtext(t("BodyType")))


@contextmanager
def reading(ctx: RequestContext) -> Iterator[object]:
    with ctx.store.read() as conn:
        yield conn
