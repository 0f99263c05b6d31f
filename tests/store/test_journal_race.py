"""The change journal under 50 racing writers (issue 14): every committed write exactly once, positions never
seen out of order, rolled-back writes never.

On this run's database, shared by all threads: a SQLite file (WAL) or a throw-away PostgreSQL database
(``make test`` runs both). Each writer runs several transactions that create an item and sometimes update it;
some raise before the end and roll back. Each commit is made slow on purpose: a random pause between the
moment a journal row gets its position and COMMIT, the window in which a position scheme that hands out
numbers before commit order is decided (a PostgreSQL sequence or identity) lets a higher position become
visible before a lower one. Meanwhile a reader polls ``entries_after(last_seen)`` as a sync client or a
notification pump would, and checks on every poll that nothing appeared below what it has already seen.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text

from ewsemu.core.item import Item
from ewsemu.store import journal
from ewsemu.store.repository import Store
from ewsemu.store.schema import change_journal

from .. import databases

WRITERS = 50
TRANSACTIONS = 6
ALICE = "alice@example.com"


class _Rollback(Exception):
    """Raised inside a transaction on purpose."""


@dataclass
class Race:
    base: int = 0
    committed: list[tuple[str, str]] = field(default_factory=list)  # (item id, event) of committed writes
    rolled_back: set[str] = field(default_factory=set)
    seen: list[journal.JournalEntry] = field(default_factory=list)  # what the reader saw, in order
    late: list[str] = field(default_factory=list)  # entries that appeared below what the reader had seen
    errors: list[BaseException] = field(default_factory=list)
    final: list[journal.JournalEntry] = field(default_factory=list)


def _slow_commits(store: Store, pause: float) -> None:
    """A random pause after each journal row is written and before its transaction commits. PostgreSQL: in
    the server (a trigger), since the store sends the journal rows and COMMIT in one round trip; SQLite: in
    the flush, which runs just before COMMIT."""
    if store.engine.dialect.name == "postgresql":
        with store.write() as uow:
            uow.conn.execute(text(
                "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_sleep(random() * {pause}); RETURN NULL; END $$"))
            uow.conn.execute(text("CREATE TRIGGER slow_commit AFTER INSERT ON change_journal FOR EACH ROW "
                                  "EXECUTE FUNCTION slow_commit()"))
        return
    flush = store.journal.flush

    def flush_then_wait(uow: Any) -> None:
        flush(uow)
        time.sleep(random.random() * pause)  # positions taken, COMMIT not yet sent

    store.journal.flush = flush_then_wait  # type: ignore[method-assign]


def run_race(url: str, writers: int = WRITERS, transactions: int = TRANSACTIONS, pause: float = 0.004) -> Race:
    store = Store(url)
    store.create_schema()
    store.ensure_mailbox(ALICE)
    _slow_commits(store, pause)
    with store.read() as conn:
        tasks = store.distinguished_folder(conn, ALICE, "tasks")
        race = Race(base=journal.head(conn))
    lock = threading.Lock()
    barrier = threading.Barrier(writers + 1)
    writing = threading.Event()
    writing.set()

    def writer(w: int) -> None:
        barrier.wait()
        rng = random.Random(w)
        for n in range(transactions):
            item = Item(id=f"race-{w:02d}-{n}", mailbox=ALICE, folder_id=tasks.id, item_type="Task", version=1,
                        change_key=f"ck-{w}-{n}-1", values={"item:Subject": "one"})
            update, rollback = rng.random() < 0.5, rng.random() < 0.25
            events = [(item.id, "created")] + ([(item.id, "modified")] if update else [])
            try:
                with store.write() as uow:
                    store.insert_item(uow, item, _now())
                    time.sleep(rng.random() * 0.002)  # interleave the writers inside their transactions
                    if update:
                        new = item.copy()
                        new.version, new.change_key = 2, f"ck-{w}-{n}-2"
                        new.values["item:Subject"] = "two"
                        assert store.update_item(uow, new, 1, _now(), {"item:Subject": ("one", "two")})
                    if rollback:
                        raise _Rollback()
            except _Rollback:
                with lock:
                    race.rolled_back.add(item.id)
            except BaseException as err:  # noqa: BLE001 - reported by the test
                with lock:
                    race.errors.append(err)
            else:
                with lock:
                    race.committed.extend(events)

    def reader() -> None:
        barrier.wait()
        last = race.base
        while True:
            done = not writing.is_set()
            with store.read() as conn:
                below = conn.execute(select(func.count()).select_from(change_journal).where(
                    change_journal.c.position > race.base, change_journal.c.position <= last)).scalar_one()
                new = journal.entries_after(conn, last, limit=100)
            if below != len(race.seen):  # something committed below a position already seen
                race.late.append(f"{below - len(race.seen)} new entries at or below {last}")
            for entry in new:
                if entry.position <= last:
                    race.late.append(f"position {entry.position} after {last}")
                last = entry.position
                race.seen.append(entry)
            if done and not new:
                return
            time.sleep(0.0005)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    polling = threading.Thread(target=reader)
    for t in (*threads, polling):
        t.start()
    for t in threads:
        t.join(timeout=300)
    writing.clear()
    polling.join(timeout=120)
    with store.read() as conn:
        race.final = journal.entries_after(conn, race.base, limit=1_000_000)
    store.dispose()
    return race


def _now() -> Any:
    import datetime as dt
    return dt.datetime.now(dt.timezone.utc)


def test_fifty_racing_writers_and_a_polling_reader(tmp_path) -> None:  # noqa: ANN001
    with databases.shared_database(tmp_path) as url:
        race = run_race(url)
    assert race.errors == []
    assert race.rolled_back and race.committed  # both kinds happened
    assert race.late == [], "a reader polling entries_after would have skipped these"
    # the reader saw exactly what is in the journal, gapless and in order
    assert [e.position for e in race.seen] == [e.position for e in race.final] == list(
        range(race.base + 1, race.base + 1 + len(race.final)))
    # every committed write exactly once, nothing rolled back
    assert Counter((e.object_id, e.event) for e in race.final) == Counter(race.committed)
    assert not {e.object_id for e in race.final} & race.rolled_back
    # a transaction's entries are consecutive (created, then its update)
    for before, after in zip(race.final, race.final[1:]):
        if after.event == "modified":
            assert (before.object_id, before.event) == (after.object_id, "created")
