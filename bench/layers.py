"""One single-change UpdateItem taken apart: each layer timed on its own, on the same database and item.

* ``wsgi``: the whole in-process request (router, spyne shell, ewsemu);
* ``without_spyne``: the same steps our shell makes spyne run (secure parse, XSD validation, the operation,
  the response envelope), called directly: ``wsgi - without_spyne`` is spyne's fixed per-request cost;
* ``xml_in``: secure parse + validation + decoding the ItemChange into core values;
* ``store_sqlalchemy``: the store's work for one ItemChange (write transaction, load, conditional UPDATE
  of the changed columns, journal entry) through SQLAlchemy Core, as the operation runs it;
* ``store_sqlite3``: the same five SQL statements through the bare sqlite3 driver: the store's floor.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import time
from typing import Any, Callable

from ewsemu.emulator import Emulator
from ewsemu.operations import OPERATIONS
from ewsemu.protocol import responses
from ewsemu.protocol.envelope import parse_envelope
from ewsemu.protocol.headers import parse_headers
from ewsemu.protocol import update_item
from ewsemu.protocol.validation import is_known_header, validate

from .workload import USER

_UTC = dt.timezone.utc

def _median_us(fn: Callable[[Any], Any], args: list[Any]) -> float:
    for a in args[:200]:
        fn(a)
    times = []
    for a in args:
        t = time.perf_counter()
        fn(a)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6

class Layers:
    def __init__(self, emulator: Emulator, item_id: str) -> None:
        self.emulator, self.item_id = emulator, item_id
        self.store = emulator.store

    def without_spyne(self, data: bytes) -> bytes:
        envelope = parse_envelope(data)
        validate(envelope.body)
        for header in envelope.headers:
            if is_known_header(header.tag):
                validate(header)
        ctx = self.emulator.request_context(parse_headers(envelope), USER)
        return responses.envelope(OPERATIONS[envelope.operation](ctx, envelope.body),
                                  self.emulator.settings.server_version)

    @staticmethod
    def xml_in(data: bytes) -> list[Any]:
        envelope = parse_envelope(data)
        validate(envelope.body)
        return list(update_item.parse(envelope.body, _UTC, False).elements)

    def store_sqlalchemy(self, n: int) -> None:
        now = dt.datetime.now(_UTC).replace(microsecond=0)
        with self.store.write() as conn:
            stored = self.store.load_item(conn, self.item_id, USER)
            assert stored is not None
            new = stored.copy()
            new.values["item:Subject"] = f"layer {n}"
            new.values["item:LastModifiedTime"] = now
            new.version += 1
            new.change_key = f"ck{new.version}"
            changes = {"item:Subject": (stored.values.get("item:Subject"), f"layer {n}"),
                       "item:LastModifiedTime": (stored.values.get("item:LastModifiedTime"), now)}
            assert self.store.update_item(conn, new, stored.version, now, changes)

    def store_sqlite3(self, db: sqlite3.Connection, n: int) -> None:
        db.execute("BEGIN IMMEDIATE")
        row = db.execute("SELECT * FROM items WHERE id = ? AND mailbox = ?", (self.item_id, USER)).fetchone()
        version = row[4]
        now = dt.datetime.now(_UTC).strftime("%Y-%m-%d %H:%M:%S.000000")
        db.execute("UPDATE items SET subject = ?, last_modified_time = ?, version = ?, change_key = ? "
                   "WHERE id = ? AND version = ?", (f"raw {n}", now, version + 1, f"ck{version + 1}", self.item_id,
                                                    version))
        db.execute("INSERT INTO change_journal (position, at, mailbox, folder_id, object_id, object_kind, event, "
                   "old_folder_id, old_object_id, version, change_key, changes) "
                   "VALUES (NULL, ?, ?, ?, ?, 'item', 'modified', NULL, NULL, ?, ?, ?)",
                   (now, USER, row[2], self.item_id, version + 1, f"ck{version + 1}", '{"item:Subject": ["a", "b"]}'))
        db.execute("COMMIT")

    def measure(self, bodies: list[bytes], wsgi: Callable[[bytes], bytes]) -> dict[str, float]:
        path = self.store.engine.url.database
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous=NORMAL")
        numbers = list(range(len(bodies)))
        out = {"wsgi": _median_us(wsgi, bodies), "without_spyne": _median_us(self.without_spyne, bodies),
               "xml_in": _median_us(self.xml_in, bodies),
               "store_sqlalchemy": _median_us(self.store_sqlalchemy, numbers),
               "store_sqlite3": _median_us(lambda n: self.store_sqlite3(db, n), numbers)}
        db.close()
        out["spyne"] = out["wsgi"] - out["without_spyne"]
        out["sqlalchemy"] = out["store_sqlalchemy"] - out["store_sqlite3"]
        out["rest"] = out["without_spyne"] - out["xml_in"] - out["store_sqlalchemy"]
        return out
