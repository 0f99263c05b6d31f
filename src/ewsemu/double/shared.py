"""The test double's state in a database several worker processes share (``ewsemu serve --workers N``, or
any file or server database): the clock, the fault rules and the ledger are the database's, so every worker
answers as one server would.

Every request starts with :meth:`SharedDouble.sync`: one SELECT of the state row, which brings this worker's
clock to the shared one, reloads the fault rules when their list changed, and drops the store's caches when
another worker reset the mailboxes. Firing a rule is one conditional UPDATE (:meth:`SharedState.spend_rule`);
recording a call is one INSERT. In-memory SQLite, which no other process can open, keeps all of it in
process memory instead (:class:`ewsemu.core.clock.Clock`, :class:`.faults.MemoryRules`, :class:`.ledger.Ledger`).
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any, Callable

from ..core.clock import Clock
from ..store.repository import Store
from ..store.shared_state import EntryRow, SharedState, Snapshot
from .faults import Fault, fault_from_spec, fault_spec
from .ledger import Entry, select_entries

#: the :class:`Entry` fields stored as the row's columns rather than in its JSON document
_COLUMNS = ("seq", "time", "request", "response")


class SharedClock(Clock):
    """The emulator's clock when the database is shared: every change is written to the state row, and each
    request starts from what the row says (:meth:`SharedDouble.sync`)."""

    def __init__(self, state: SharedState) -> None:
        super().__init__()
        self._state = state

    def _save(self) -> None:
        self._state.set_clock(*self.state())

    def freeze(self, at: dt.datetime) -> None:
        super().freeze(at)
        self._save()

    def offset(self, delta: dt.timedelta) -> None:
        super().offset(delta)
        self._save()

    def set(self, at: dt.datetime) -> None:
        super().set(at)
        self._save()

    def advance(self, delta: dt.timedelta) -> None:
        snap = self._state.advance_clock(delta)  # in the database, so two workers advancing both count
        self.restore(snap.clock_frozen, snap.clock_offset)

    def reset(self) -> None:
        super().reset()
        self._save()


class SharedRules:
    """The fault rules in the database (:class:`.faults.RuleBook`). Matching runs on a copy of the list,
    reloaded whenever its version in the state row moves; whether a rule still has budget is the database's
    call, one conditional UPDATE per firing."""

    def __init__(self, state: SharedState) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._cached: list[Fault] = []
        self._version: int | None = None

    def observe(self, version: int) -> None:
        """The version a request read: reload the rules if another worker (or this one) changed them."""
        if version != self._version:
            self._reload(version)

    def _reload(self, version: int | None) -> None:
        with self._lock:
            self._cached, self._version = self.listing(), version

    def add(self, build: Callable[[str], Fault]) -> Fault:
        number = self._state.next_rule_number()
        fault = build(f"f{number}")
        self._state.add_rule(fault.id, number, json.dumps(fault_spec(fault)), fault.count)
        self._reload(None)  # at once for this worker (the version is read again on its next request)
        return fault

    def rules(self) -> list[Fault]:
        return self._cached

    def listing(self) -> list[Fault]:
        return [fault_from_spec(r.id, json.loads(r.spec), r.fired) for r in self._state.rules()]

    def remove(self, fault_id: str) -> bool:
        removed = self._state.remove_rule(fault_id)
        self._reload(None)
        return removed

    def clear(self) -> None:
        self._state.clear_rules()
        self._reload(None)

    def spend(self, fault: Fault) -> Fault | None:
        fired = self._state.spend_rule(fault.id)
        # the copy learns the count too, so a spent rule stops being matched here without another query
        fault.fired = fired if fired is not None else (fault.count or fault.fired)
        return None if fired is None else fault_from_spec(fault.id, fault_spec(fault), fired)


class SharedLedger:
    """The request ledger as a bounded table (:class:`.ledger.RequestLedger`): one INSERT per call, the
    bodies as bytes and the rest as one JSON document, decoded and summarised only when someone reads."""

    def __init__(self, state: SharedState, size: int = 1000) -> None:
        if size < 0:
            raise ValueError("the ledger size cannot be negative")
        self.size = size
        self._state = state
        self._base = 0  # the ledger base as of the last request (numbers the entry :meth:`add` returns)

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def observe(self, base: int) -> None:
        self._base = base

    def add(self, **fields: Any) -> Entry | None:
        if not self.enabled:
            return None
        doc = {key: value for key, value in fields.items() if key not in _COLUMNS}
        entry_id = self._state.add_entry(json.dumps({"time": _micros(fields["time"]), **doc}),
                                         fields["request"], fields["response"], self.size)
        return Entry(seq=entry_id - self._base, **fields)

    def clear(self) -> None:
        self._state.clear_entries()

    def _read(self) -> tuple[int, list[Entry]]:
        base, newest, rows = self._state.entries(self.size)
        self._base = base
        entries = [_entry(row, base) for row in rows]
        evicted = entries[0].seq - 1 if entries else newest - base
        return evicted, entries

    @property
    def evicted(self) -> int:
        return self._read()[0]

    def entries(self, *, operation: str | None = None, mailbox: str | None = None,
                since: int | dt.datetime | None = None, face: str | None = None) -> list[Entry]:
        return select_entries(self._read()[1], operation=operation, mailbox=mailbox, since=since, face=face)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _micros(at: dt.datetime) -> int:
    return (at - _EPOCH) // dt.timedelta(microseconds=1)


def _entry(row: EntryRow, base: int) -> Entry:
    doc = json.loads(row.fields)
    time = _EPOCH + dt.timedelta(microseconds=doc.pop("time"))
    for key in ("item_ids", "codes"):
        doc[key] = tuple(doc[key])
    doc["faults"] = tuple(doc["faults"])
    return Entry(seq=row.id - base, time=time, request=row.request, response=row.response, **doc)


class SharedDouble:
    """What a shared database keeps for the double, and the once-per-request :meth:`sync` with it."""

    def __init__(self, store: Store, ledger_size: int, own_clock: bool) -> None:
        self.state = SharedState(store)
        self.store = store
        #: None when the emulator was handed a clock of its own (a test driving time in process)
        self.clock = SharedClock(self.state) if own_clock else None
        self.rules = SharedRules(self.state)
        self.ledger = SharedLedger(self.state, ledger_size)

    def close(self) -> None:
        self.state.close()

    def sync(self) -> Snapshot:
        """Bring this worker up to the shared state (one SELECT): a reset elsewhere empties the store's
        caches, the clock is the shared one, the rules are reloaded when their list changed."""
        snap = self.state.snapshot()
        self.store.observe_generation(snap.generation)
        if self.clock is not None:
            self.clock.restore(snap.clock_frozen, snap.clock_offset)
        self.rules.observe(snap.faults_version)
        self.ledger.observe(snap.ledger_base)
        return snap

