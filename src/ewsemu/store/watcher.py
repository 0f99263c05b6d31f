"""The journal watcher: notices new change-journal positions quickly, whichever process wrote them.

Streaming notifications (GetStreamingEvents) wait for the journal to move. One watcher per process (one per
:class:`~.repository.Store`) answers "has the journal moved past position P?" for its one waiter, the stream
hub (server/streaming.py):

- a write in this process signals at once: ``Store.write`` calls :meth:`JournalWatcher.committed` after its
  commit, so a stream in the same process is woken without any polling;
- a write by another process (the other workers of ``--workers N`` on PostgreSQL or a SQLite file,
  ``ewsemu load-fixtures``) is noticed by a short poll of the journal head (one indexed one-row read, every
  ``poll_interval`` seconds, and only while something waits: an idle server does not poll). On PostgreSQL a
  LISTEN/NOTIFY would save the idle reads but cost every write a NOTIFY and every worker a dedicated
  connection; the poll keeps the write path untouched and bounds the cross-process delay by ``poll_interval``
  (20 ms by default; ``make bench`` measures delivery p99 across two workers).

An in-memory database is this process's alone, so nothing is polled there.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

#: seconds between two reads of the journal head while a stream waits on a database other processes share
DEFAULT_POLL = 0.02


class JournalWatcher:
    """``wait(seen, timeout)`` returns the journal head once it differs from ``seen`` (new entries, or a reset
    that started the positions again), or when ``timeout`` passes; ``poke()`` wakes a waiter early (a new
    stream to look at)."""

    def __init__(self, read_head: Callable[[], int], poll_interval: float | None) -> None:
        self._read_head = read_head
        #: seconds between reads of the head when other processes may write; None: only this process writes
        self.poll_interval = poll_interval
        self._cond = threading.Condition()
        self._signalled = False

    def committed(self) -> None:
        """A write in this process committed journal entries."""
        self.poke()

    def poke(self) -> None:
        with self._cond:
            self._signalled = True
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """The journal head, as soon as it is not ``seen`` or a :meth:`poke` came, else after ``timeout`` s."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            # a signal that came while nobody waited counts too: it is consumed here, never cleared unseen
            with self._cond:
                signalled, self._signalled = self._signalled, False
            head = self._read_head()
            if head != seen or signalled:
                return head
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return head
            with self._cond:
                if not self._signalled:
                    step = remaining if self.poll_interval is None else min(remaining, self.poll_interval)
                    self._cond.wait(step)
