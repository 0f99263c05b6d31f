"""The test double's state in the database, so that N worker processes on one database behave as one server.

Three tables (store/schema.py): ``shared_state``, one row every worker reads once per request (the reset
generation, the version of the fault-rule list, the clock, the ledger base); ``fault_rules``, whose ``fired``
counts are spent by a conditional UPDATE, so a rule with count N fires exactly N times whichever workers
match it; and ``ledger_entries``, one INSERT per request, kept to the newest ``keep`` rows by a DELETE every
:data:`TRIM_EVERY` inserts.

The statements every request runs (reading the state row, the ledger INSERT, spending a rule) go through a
:class:`_Lane`: driver connections of the state's own in autocommit mode, so each is one round trip to the
database, without the pool's checkout ping and without BEGIN and COMMIT. Through the pool and a transaction the
state row and the INSERT took ~0.25 and ~0.5 ms of a PostgreSQL request; this way ~0.1 and ~0.2 ms (a SQLite
file: ~0.015 and ~0.06 ms). Everything else (the control plane's changes) uses ordinary transactions.

Values in and out are plain (JSON text, bytes, datetimes, counts): what a rule or an entry means is the test
double's business (:mod:`ewsemu.double.shared`); this module only keeps them.
"""
from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

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
_ADD_ENTRY = Prepared(insert(ledger_entries).values(
    fields=bindparam("fields"), request=bindparam("request"), response=bindparam("response"))
    .returning(ledger_entries.c.id))
_TRIM = Prepared(delete(ledger_entries).where(ledger_entries.c.id <= bindparam("oldest")))
_SPEND = Prepared(update(fault_rules)
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


class _Lane:
    """Driver connections in autocommit mode, owned by the shared state (not the pool): one statement, one
    round trip. A connection that fails (the server restarted) is dropped and the statement tried once more on
    a new one; :meth:`close` closes them all."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._idle: list[Any] = []
        self._open: list[Any] = []
        # an emulator nobody closed still closes its connections when it goes (never a driver's ResourceWarning)
        self._finalizer = weakref.finalize(self, _close_all, self._open)

    def _connect(self) -> Any:
        raw = self.engine.raw_connection()  # the engine's connect hooks run (pragmas, synchronous_commit)
        raw.detach()  # ours from now on: the pool neither pings nor resets it
        driver = raw.dbapi_connection
        if self.engine.dialect.name != "sqlite":  # pysqlite already runs without implicit BEGIN (store/engine)
            driver.rollback()
            driver.autocommit = True
        with self._lock:
            self._open.append(raw)
        return raw

    def _drop(self, raw: Any) -> None:
        with self._lock:
            if raw in self._open:
                self._open.remove(raw)
        try:
            raw.close()
        except Exception:  # noqa: BLE001 - it is broken already; closing is a courtesy
            pass

    def run(self, statement: Prepared, values: dict[str, Any]) -> tuple[Any, ...] | None:
        """Run one statement; its first row (a SELECT, or DML with RETURNING), else None."""
        compiled = statement.compiled(self.engine.dialect)
        dbapi = self.engine.dialect.loaded_dbapi
        for attempt in (1, 2):
            with self._lock:
                raw = self._idle.pop() if self._idle else None
            raw = raw or self._connect()
            try:
                cursor = raw.dbapi_connection.cursor()
                try:
                    cursor.execute(compiled.sql, compiled.parameters(values))
                    row = cursor.fetchone() if cursor.description else None
                finally:
                    cursor.close()
            except (dbapi.OperationalError, dbapi.InterfaceError) as err:
                self._drop(raw)
                if attempt == 2:
                    raise DBAPIError.instance(compiled.sql, None, err, dbapi.Error, dialect=self.engine.dialect)
                continue
            except dbapi.Error as err:
                with self._lock:
                    self._idle.append(raw)
                raise DBAPIError.instance(compiled.sql, None, err, dbapi.Error, dialect=self.engine.dialect)
            with self._lock:
                self._idle.append(raw)
            return tuple(row) if row is not None else None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            self._idle.clear()
        self._finalizer()


def _close_all(connections: list[Any]) -> None:
    while connections:
        raw = connections.pop()
        try:
            raw.close()
        except Exception:  # noqa: BLE001 - closing is all that is left to do
            pass


class SharedState:
    """The double's tables, through the store's engine: the per-request statements on a :class:`_Lane`, the
    rest in the store's transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lane = _Lane(store.engine)

    def close(self) -> None:
        self._lane.close()

    # ---- the state row: read once per request ----------------------------------------------------------

    def snapshot(self) -> Snapshot:
        row = self._lane.run(_SNAPSHOT, {"row": 1})
        if row is None:  # pragma: no cover - the migration inserts the row and nothing deletes it
            return Snapshot(0, 0, None, dt.timedelta(), 0)
        generation, faults_version, frozen, offset, ledger_base = row
        return Snapshot(generation, faults_version,
                        None if frozen is None else _EPOCH + dt.timedelta(microseconds=frozen),
                        dt.timedelta(microseconds=offset), ledger_base)

    # ---- the clock ---------------------------------------------------------------------------------------

    def set_clock(self, frozen: dt.datetime | None, offset: dt.timedelta) -> None:
        with self.store.state_transaction() as conn:
            conn.execute(update(shared_state).where(_ROW).values(
                clock_frozen_us=None if frozen is None else _instant_us(frozen), clock_offset_us=_us(offset)))

    def advance_clock(self, delta: dt.timedelta) -> Snapshot:
        """Move the clock on by ``delta`` in one statement (two workers advancing at once both count)."""
        frozen, offset, step = shared_state.c.clock_frozen_us, shared_state.c.clock_offset_us, _us(delta)
        with self.store.state_transaction() as conn:
            conn.execute(update(shared_state).where(_ROW).values(
                clock_frozen_us=frozen + step,  # NULL stays NULL: a running clock moves by its offset instead
                clock_offset_us=case((frozen.is_(None), offset + step), else_=offset)))
        return self.snapshot()

    # ---- fault rules -------------------------------------------------------------------------------------

    def next_rule_number(self) -> int:
        with self.store.state_transaction() as conn:
            return conn.execute(update(shared_state).where(_ROW).values(
                fault_serial=shared_state.c.fault_serial + 1).returning(shared_state.c.fault_serial)).scalar_one()

    def add_rule(self, rule_id: str, position: int, spec: str, count: int | None) -> None:
        with self.store.state_transaction() as conn:
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
        row = self._lane.run(_SPEND, {"rule_id": rule_id})
        return row[0] if row else None

    def remove_rule(self, rule_id: str) -> bool:
        with self.store.state_transaction() as conn:
            removed = conn.execute(delete(fault_rules).where(fault_rules.c.id == rule_id)).rowcount == 1
            if removed:
                _bump_faults(conn)
        return removed

    def clear_rules(self) -> None:
        """No rules, and numbering starts again at f1."""
        with self.store.state_transaction() as conn:
            conn.execute(delete(fault_rules))
            conn.execute(update(shared_state).where(_ROW).values(fault_serial=0))
            _bump_faults(conn)

    # ---- the ledger --------------------------------------------------------------------------------------

    def add_entry(self, fields: str, request: bytes, response: bytes, keep: int) -> int:
        """Append one entry; its id. Every :data:`TRIM_EVERY` ids, the rows older than the newest ``keep`` go."""
        row = self._lane.run(_ADD_ENTRY, {"fields": fields, "request": request, "response": response})
        assert row is not None
        entry_id = row[0]
        if entry_id % TRIM_EVERY == 0:
            self._lane.run(_TRIM, {"oldest": entry_id - keep})
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
        with self.store.state_transaction() as conn:
            base = conn.execute(select(shared_state.c.ledger_base).where(_ROW).with_for_update()).scalar_one()
            newest = max(base, conn.execute(select(func.max(ledger_entries.c.id))).scalar() or 0)
            conn.execute(update(shared_state).where(_ROW).values(ledger_base=newest))
            conn.execute(delete(ledger_entries).where(ledger_entries.c.id <= newest))


def _bump_faults(conn: Connection) -> None:
    conn.execute(update(shared_state).where(_ROW).values(faults_version=shared_state.c.faults_version + 1))
