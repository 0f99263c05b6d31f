"""The operation contract: what an operation module declares once (``OPERATION``) and what the base runs for it.

EWS has two shapes of operation, and each is a declaration here:

* :class:`PerElement` (GetItem, CreateItem, UpdateItem, DeleteItem, FindItem, GetFolder, …): one response
  message per element of the request, in request order, each atomic and failing alone. The base owns the
  loop: it runs ``prepare`` before any transaction (creating the mailboxes the request names writes, and
  SQLite cannot nest that in another transaction), asks the fault hook about each element where the
  operation takes injected faults, runs the element's work (in one read transaction shared by all elements
  when the operation ``reads``; a writing element runs its own :func:`.common.with_retries`), and turns an
  :class:`EwsError` into that element's in-band Error message with the empty container the schema requires;
* :class:`WholeRequest`: one answer for the whole request.

Either way the three parts are typed: ``parse`` (a :mod:`ewsemu.protocol` function, body element -> request
dataclass; a whole-request error raises and becomes a SOAP fault, a per-element one is that element's
:class:`EwsError` in the request), the operation's work (request -> typed result) and ``render`` (protocol
again, result -> XML). So operation modules never touch lxml (an import-linter contract); the elements they
receive and return are only passed between protocol functions.

The dispatch table and COVERAGE.md are derived from these declarations (:mod:`.`): a new operation is
registered by writing its module.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Generic, Literal, Protocol, Sequence, TypeVar, get_args

from ..core.errors import EwsError
from ..protocol import responses
from .context import RequestContext

Status = Literal["implemented", "partial"]
#: an lxml element, opaque here: a request body comes in, a response body goes out
Element = Any
#: what the dispatcher calls: the request context and the body element in, the response body element out
Handler = Callable[[RequestContext, Element], Element]

Req = TypeVar("Req")
Res = TypeVar("Res")
E = TypeVar("E")
S = TypeVar("S")
T = TypeVar("T")
#: body element, the request's time zone (values in it are local to it) and the strict flag -> request
Parse = Callable[[Element, dt.tzinfo, bool], Req]


class ElementRequest(Protocol[E]):
    """A per-element request: its elements in request order, each parsed or the error parsing it gave."""

    @property
    def elements(self) -> Sequence[E | EwsError]: ...


@dataclass(frozen=True)
class Operation:
    """One EWS operation: ``status`` is "implemented" (everything the operation does for the item types ewsemu
    stores) or "partial"; ``notes`` say what is missing or worth knowing (``ewsemu coverage``)."""

    name: str
    status: Status
    notes: str

    def __post_init__(self) -> None:
        if self.status not in get_args(Status):
            raise ValueError(f"{self.name}: coverage status {self.status!r} is not implemented or partial")
        if not self.notes.strip():
            raise ValueError(f"{self.name}: an operation says what it covers")

    def handle(self, ctx: RequestContext, body: Element) -> Element:
        raise NotImplementedError


@dataclass(frozen=True)
class WholeRequest(Operation, Generic[Req, Res]):
    """An operation answering the request as a whole: ``run`` raises an EwsError to fault it."""

    parse: Parse[Req]
    run: Callable[[RequestContext, Req], Res]
    render: Callable[[Req, Res], Element]

    def handle(self, ctx: RequestContext, body: Element) -> Element:
        request = self.parse(body, ctx.zone, ctx.settings.strict)
        return self.render(request, self.run(ctx, request))


class Batch(Generic[Req]):
    """What the elements of one request share: the context, the parsed request and, for an operation that
    ``reads``, the read transaction (``conn``), and what its elements work out once for all of them
    (:meth:`once`)."""

    __slots__ = ("ctx", "request", "conn", "state", "_owner", "_memo")

    def __init__(self, ctx: RequestContext, request: Req, conn: object | None) -> None:
        self.ctx, self.request, self.conn = ctx, request, conn
        #: what one element leaves for the next, in request order (CreateFolderPath: the level just created)
        self.state: dict[str, Any] = {}
        self._owner: str | None = None
        self._memo: dict[object, Any] = {}

    def once(self, key: object, compute: Callable[[], T]) -> T:
        """``compute()``, run for the first element that asks for ``key`` and shared by the request's other
        elements: what costs a query per request instead of one per element (a mailbox's folders, the counts of
        every folder a GetFolder names). Only for an operation that ``reads``: its elements see one snapshot."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def owner(self) -> str:
        """The acting mailbox's display name (items are rendered with it as their owner), read once per request
        in its read transaction (an operation that ``reads``)."""
        if self._owner is None:
            self._owner = self.ctx.store.mailbox_display_name(self.conn, self.ctx.mailbox)
        return self._owner


@dataclass(frozen=True)
class PerElement(Operation, Generic[Req, E, S]):
    """An operation with one response message per request element (see the module docstring).

    ``element`` does one element's work and returns its success value, which ``render`` (protocol) writes
    into the Success message; ``container`` is the empty element an Error message carries (``Items``);
    ``fault_id`` names the item the fault hook is asked about, for the operations injected faults reach.
    """

    parse: Parse[Req]
    element: Callable[[Batch[Req], E], S]
    render: Callable[[Req, S, Element], None]
    container: str | None = None
    #: the elements share one read transaction (``Batch.conn``); otherwise each opens what it needs
    reads: bool = False
    #: runs before any transaction: create the mailboxes the request names
    prepare: Callable[[RequestContext, Req], None] | None = None
    fault_id: Callable[[E], str] | None = None

    def handle(self, ctx: RequestContext, body: Element) -> Element:
        request = self.parse(body, ctx.zone, ctx.settings.strict)
        return responses.element_responses(self.name, self.run(ctx, request), self.container,
                                           partial(self.render, request))

    def run(self, ctx: RequestContext, request: Req) -> list[S | EwsError]:
        """Every element's outcome, in request order: its success value or its error."""
        if self.prepare is not None:
            self.prepare(ctx, request)
        elements: Sequence[E | EwsError] = request.elements  # type: ignore[attr-defined]
        if not self.reads:
            return self._each(Batch(ctx, request, None), elements)
        with ctx.store.read() as conn:
            return self._each(Batch(ctx, request, conn), elements)

    def _each(self, batch: Batch[Req], elements: Sequence[E | EwsError]) -> list[S | EwsError]:
        ctx, work, fault_id = batch.ctx, self.element, self.fault_id
        outcomes: list[S | EwsError] = []
        for element in elements:
            if isinstance(element, EwsError):
                outcomes.append(element)
                continue
            try:
                if fault_id is not None:
                    injected = ctx.faults.element_fault(self.name, ctx.mailbox, fault_id(element))
                    if injected is not None:
                        raise injected
                outcomes.append(work(batch, element))
            except EwsError as err:
                outcomes.append(err)
        return outcomes

