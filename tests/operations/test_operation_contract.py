"""The operation contract (issue 14): what the per-element base does for every operation declared on it, shown
on a made-up operation so the rules are stated once, independently of any real one."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from lxml import etree

from ewsemu.core.errors import EwsError
from ewsemu.operations.base import Batch, PerElement, WholeRequest
from ewsemu.protocol.namespaces import m

UTC = dt.timezone.utc


@dataclass
class Echo:
    """A request of three elements: two parsed, one whose parsing failed."""

    elements: list[Any] = field(default_factory=lambda: ["a", EwsError("ErrorInvalidIdMalformed"), "b"])


class Store:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    def read(self):  # noqa: ANN201
        events = self.events

        class Transaction:
            def __enter__(self) -> str:
                events.append("begin")
                return "conn"

            def __exit__(self, *exc: object) -> None:
                events.append("end")

        return Transaction()

    def mailbox_display_name(self, conn: str, mailbox: str) -> str:
        self.events.append(f"owner of {mailbox} on {conn}")
        return "Alice"


class Faults:
    def __init__(self, events: list[str], refuse: str) -> None:
        self.events, self.refuse = events, refuse

    def element_fault(self, operation: str, mailbox: str, item_id: str) -> EwsError | None:
        self.events.append(f"fault? {operation} {item_id}")
        return EwsError("ErrorIrresolvableConflict") if item_id == self.refuse else None


def _context(events: list[str], refuse: str = "") -> Any:
    return SimpleNamespace(store=Store(events), faults=Faults(events, refuse), mailbox="alice@example.com",
                           zone=UTC, settings=SimpleNamespace(strict=False))


def _echo(events: list[str], **declared: Any) -> PerElement:
    def work(batch: Batch[Echo], element: str) -> str:
        events.append(f"work {element} on {batch.conn}")
        if element == "b":
            raise EwsError("ErrorItemNotFound")
        return f"{element} as {batch.owner}"

    def render(request: Echo, value: str, msg: etree._Element) -> None:
        etree.SubElement(msg, m("Echo")).text = value

    return PerElement("GetItem", "partial", "an echo", parse=lambda body, zone, strict: Echo(), element=work,
                      render=render, **declared)


def test_elements_run_in_order_each_failing_alone_inside_one_read_transaction_after_prepare() -> None:
    events: list[str] = []
    op = _echo(events, reads=True, container="Items", prepare=lambda ctx, req: events.append("prepare"))
    outcomes = op.run(_context(events), Echo())
    assert [o if isinstance(o, str) else o.code for o in outcomes] == \
        ["a as Alice", "ErrorInvalidIdMalformed", "ErrorItemNotFound"]
    assert events == ["prepare", "begin", "work a on conn", "owner of alice@example.com on conn", "work b on conn",
                      "end"]


def test_the_fault_hook_is_asked_only_for_parsed_elements_of_operations_that_name_them() -> None:
    events: list[str] = []
    assert [o if isinstance(o, str) else o.code for o in _echo(events).run(_context(events), Echo())][1:] == \
        ["ErrorInvalidIdMalformed", "ErrorItemNotFound"]
    assert not any(e.startswith("fault?") for e in events)
    events.clear()
    outcomes = _echo(events, fault_id=lambda element: element).run(_context(events, refuse="a"), Echo())
    assert [o.code for o in outcomes] == ["ErrorIrresolvableConflict", "ErrorInvalidIdMalformed", "ErrorItemNotFound"]
    assert events == ["fault? GetItem a", "fault? GetItem b", "work b on None"]


def test_the_response_has_one_message_per_element_and_errors_carry_the_empty_container() -> None:
    root = _echo([], reads=True, container="Items").handle(_context([]), None)
    messages = root.find(m("ResponseMessages"))
    assert [(msg.tag, msg.get("ResponseClass"), msg.findtext(m("ResponseCode"))) for msg in messages] == [
        (m("GetItemResponseMessage"), "Success", "NoError"),
        (m("GetItemResponseMessage"), "Error", "ErrorInvalidIdMalformed"),
        (m("GetItemResponseMessage"), "Error", "ErrorItemNotFound")]
    assert messages[0].findtext(m("Echo")) == "a as Alice"
    assert [len(msg.findall(m("Items"))) for msg in messages] == [0, 1, 1]


def test_a_whole_request_operation_parses_runs_and_renders_once() -> None:
    op = WholeRequest("GetServerTimeZones", "partial", "a made-up one",
                      parse=lambda body, zone, strict: (body, zone), run=lambda ctx, request: [request, ctx.mailbox],
                      render=lambda request, result: {"request": request, "result": result})
    assert op.handle(_context([]), "body") == {"request": ("body", UTC), "result": [("body", UTC), "alice@example.com"]}
