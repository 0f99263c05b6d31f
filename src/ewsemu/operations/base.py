"""What an operation module declares about itself, once: its EWS name, its handler and how completely it is
emulated. The dispatch table and COVERAGE.md are both derived from these declarations (:mod:`.`), so a new
operation is registered by writing its module and listing it in ``operations/__init__.py``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal, get_args

if TYPE_CHECKING:
    from lxml import etree

    from .context import RequestContext

Status = Literal["implemented", "partial"]
#: what an operation module's ``handle`` is: the request context in, the response body element out
Handler = Callable[["RequestContext"], "etree._Element"]


@dataclass(frozen=True)
class Operation:
    """One EWS operation: ``status`` is "implemented" (everything the operation does for the item types ewsemu
    stores) or "partial"; ``notes`` say what is missing or worth knowing (``ewsemu coverage``)."""
    name: str
    handle: Handler
    status: Status
    notes: str

    def __post_init__(self) -> None:
        if self.status not in get_args(Status):
            raise ValueError(f"{self.name}: coverage status {self.status!r} is not implemented or partial")
        if not self.notes.strip():
            raise ValueError(f"{self.name}: an operation says what it covers")
