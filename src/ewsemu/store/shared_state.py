"""The test double's state in the database, so that N worker processes on one database behave as one server.

Three tables (store/schema.py): ``shared_state``, one row every worker reads once per request (the reset
generation, the version of the fault-rule list, the clock, the ledger base); ``fault_rules``, whose ``fired``
counts are spent by a conditional UPDATE, so a rule with count N fires exactly N times whichever workers
match it; and ``ledger_entries``, one INSERT per request, kept to the newest ``keep`` rows by a DELETE every
:data:`TRIM_EVERY` inserts.

Values in and out are plain (JSON text, bytes, datetimes, counts): what a rule or an entry means is the test
double's business (:mod:`ewsemu.double.shared`); this module only keeps them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, case, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from .fastsql import Prepared
from .repository import Store
from .schema import fault_rules, ledger_entries, shared_state

#: the ledger deletes what fell out of its window once every this many inserts (the table holds at most
#: ``keep + TRIM_EVERY`` rows; readers never see more than ``keep``)
TRIM_EVERY = 64
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_ROW = shared_state.c.id == 1

_SNAPSHOT = Prepared(select(shared_state.c.generation, shared_state.c.faults_version,
                            shared_state.c.clock_frozen_us, shared_state.c.clock_offset_us,
                            shared_state.c.ledger_base).where(shared_state.c.id == bindparam("row")))
_ADD_ENTRY = insert(ledger_entries).returning(ledger_entries.c.id)
_SPEND = (update(fault_rules)
          .where(fault_rules.c.id == bindparam("rule_id"),
                 (fault_rules.c.count.is_(None)) | (fault_rules.c.fired < fault_rules.c.count))
          .values(fired=fault_rules.c.fired + 1).returning(fault_rules.c.fired))


@dataclass(frozen=True)
class Snapshot:
    """The state row as one request sees it."""

    generation: int
    faults_version: int
    clock_frozen: dt.datetime | None
    clock_offset: dt.timedelta
    ledger_base: int


@dataclass(frozen=True)
class RuleRow:
    id: str
    spec: str
    fired: int


@dataclass(frozen=True)
class EntryRow:
    id: int
    fields: str
    request: bytes
    response: bytes


def _us(value: dt.timedelta) -> int:
    return value // dt.timedelta(microseconds=1)


def _instant_us(at: dt.datetime) -> int:
    return _us(at.astimezone(dt.timezone.utc) - _EPOCH)


class SharedState:
    """The double's tables, through the store's engine and transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- the state row: read once per request ----------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self.store.read() as conn:
            row = _SNAPSHOT.first(conn, {"row": 1})
        if row is None:  # pragma: no cover - the migration inserts the row and nothing deletes it
            return Snapshot(0, 0, None, dt.timedelta(), 0)
        frozen = row["clock_frozen_us"]
        return Snapshot(row["generation"], row["faults_version"],
                        None if frozen is None else _EPOCH + dt.timedelta(microseconds=frozen),
                        dt.timedelta(microseconds=row["clock_offset_us"]), row["ledger_base"])

    # ---- the clock ---------------------------------------------------------------------------------------

    def set_clock(self, frozen: dt.datetime | None, offset: dt.timedelta) -> None:
        with self.store.write() as conn:
            conn.execute(update(shared_state).where(_ROW).values(
                clock_frozen_us=None if frozen is None else _instant_us(frozen), clock_offset_us=_us(offset)))

    def advance_clock(self, delta: dt.timedelta) -> Snapshot:
        """Move the clock on by ``delta`` in one statement (two workers advancing at once both count)."""
        frozen, offset, step = shared_state.c.clock_frozen_us, shared_state.c.clock_offset_us, _us(delta)
        with self.store.write() as conn:
            conn.execute(update(shared_state).where(_ROW).values(
                clock_frozen_us=frozen + step,  # NULL stays NULL: a running clock moves by its offset instead
                clock_offset_us=case((frozen.is_(None), offset + step), else_=offset)))
        return self.snapshot()

    # ---- fault rules -------------------------------------------------------------------------------------

    def next_rule_number(self) -> int:
        with self.store.write() as conn:
            return conn.execute(update(shared_state).where(_ROW).values(
                fault_serial=shared_state.c.fault_serial + 1).returning(shared_state.c.fault_serial)).scalar_one()

    def add_rule(self, rule_id: str, position: int, spec: str, count: int | None) -> None:
        with self.store.write() as conn:
            conn.execute(insert(fault_rules).values(id=rule_id, position=position, spec=spec, count=count, fired=0))
            _bump_faults(conn)

    def rules(self) -> list[RuleRow]:
        with self.store.read() as conn:
            rows = conn.execute(select(fault_rules.c.id, fault_rules.c.spec, fault_rules.c.fired)
                                .order_by(fault_rules.c.position))
            return [RuleRow(r.id, r.spec, r.fired) for r in rows]

    def spend_rule(self, rule_id: str) -> int | None:
        """Count one firing of the rule if its budget allows: its new ``fired``, or None when it is spent (or
        gone). The check and the increment are one statement, so concurrent workers cannot overspend."""
        with self.store.write() as conn:
            return conn.execute(_SPEND, {"rule_id": rule_id}).scalar()

    def remove_rule(self, rule_id: str) -> bool:
        with self.store.write() as conn:
            removed = conn.execute(delete(fault_rules).where(fault_rules.c.id == rule_id)).rowcount == 1
            if removed:
                _bump_faults(conn)
        return removed

    def clear_rules(self) -> None:
        """No rules, and numbering starts again at f1."""
        with self.store.write() as conn:
            conn.execute(delete(fault_rules))
            conn.execute(update(shared_state).where(_ROW).values(fault_serial=0))
            _bump_faults(conn)

    # ---- the ledger --------------------------------------------------------------------------------------

    def add_entry(self, fields: str, request: bytes, response: bytes, keep: int) -> int:
        """Append one entry; its id. Every :data:`TRIM_EVERY` ids, the rows older than the newest ``keep`` go."""
        with self.store.write() as conn:
            entry_id = conn.execute(_ADD_ENTRY, {"fields": fields, "request": request,
                                                 "response": response}).scalar_one()
            if entry_id % TRIM_EVERY == 0:
                conn.execute(delete(ledger_entries).where(ledger_entries.c.id <= entry_id - keep))
        return entry_id

    def entries(self, keep: int) -> tuple[int, int, list[EntryRow]]:
        """The ledger base, the newest id and the newest ``keep`` entries after the base, oldest first."""
        with self.store.read() as conn:
            base = conn.execute(select(shared_state.c.ledger_base).where(_ROW)).scalar_one()
            newest = conn.execute(select(func.max(ledger_entries.c.id))).scalar() or 0
            rows = conn.execute(select(ledger_entries).where(
                ledger_entries.c.id > max(base, newest - keep)).order_by(ledger_entries.c.id))
            return base, max(newest, base), [EntryRow(r.id, r.fields, bytes(r.request), bytes(r.response))
                                             for r in rows]

    def clear_entries(self) -> None:
        """Forget every entry: the base moves to the newest id, so numbering starts again at 1."""
        with self.store.write() as conn:
            base = conn.execute(select(shared_state.c.ledger_base).where(_ROW).with_for_update()).scalar_one()
            newest = max(base, conn.execute(select(func.max(ledger_entries.c.id))).scalar() or 0)
            conn.execute(update(shared_state).where(_ROW).values(ledger_base=newest))
            conn.execute(delete(ledger_entries).where(ledger_entries.c.id <= newest))


def _bump_faults(conn: Connection) -> None:
    conn.execute(update(shared_state).where(_ROW).values(faults_version=shared_state.c.faults_version + 1))
