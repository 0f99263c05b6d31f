"""The journal watcher (store/watcher.py): a write in the process wakes a waiter at once; a write by another
process (another Store on the same database file) is seen by the poll; nothing new means waiting the timeout."""
from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

from ewsemu.store.repository import Store

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def test_a_write_in_this_process_wakes_the_waiter(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/w.db", journal_poll=60)  # a poll that would never come in time
    store.create_schema()
    seen = store.journal_head()
    result: list[int] = []
    waiter = threading.Thread(target=lambda: result.append(store.watcher.wait(seen, 30)))
    waiter.start()
    time.sleep(0.2)
    store.ensure_mailbox("alice@example.com", now=NOW)  # journals its folders
    waiter.join(10)
    assert not waiter.is_alive() and result and result[0] > seen
    store.dispose()


def test_another_processes_write_is_seen_by_the_poll(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.db"
    watching, writing = Store(url, journal_poll=0.02), Store(url)
    watching.create_schema()
    seen = watching.journal_head()
    result: list[int] = []
    waiter = threading.Thread(target=lambda: result.append(watching.watcher.wait(seen, 30)))
    waiter.start()
    time.sleep(0.2)
    writing.ensure_mailbox("bob@example.com", now=NOW)  # not this process's watcher: only the poll sees it
    waiter.join(10)
    assert not waiter.is_alive() and result and result[0] > seen
    watching.dispose(), writing.dispose()


def test_nothing_new_waits_out_the_timeout_and_a_poke_ends_it(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/w.db")
    store.create_schema()
    seen = store.journal_head()
    assert store.watcher.wait(seen, 0.1) == seen
    result: list[int] = []
    waiter = threading.Thread(target=lambda: result.append(store.watcher.wait(seen, 600)))
    waiter.start()
    time.sleep(0.2)
    store.watcher.poke()  # a new stream to look at: the waiter returns long before its 600 s
    waiter.join(30)
    assert not waiter.is_alive() and result == [seen]
    store.dispose()
