"""What the benchmarks send and how they set up ewsemu: request bodies, an in-process caller, bulk loads."""
from __future__ import annotations

import base64
import io
import os
import sqlite3
from pathlib import Path
from typing import Any

from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app

USER = "alice@example.com"
AUTH = "Basic " + base64.b64encode(f"{USER}:secret".encode()).decode()
_ENVELOPE = ('<?xml version="1.0" encoding="utf-8"?>\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
             'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
             'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header>'
             '<t:RequestServerVersion Version="Exchange2016"/></s:Header><s:Body>{}</s:Body></s:Envelope>')


def update_item(ids: list[str], subject: str) -> bytes:
    """One UpdateItem setting the Subject of every item in ``ids`` (one ItemChange each, no ChangeKey: D1)."""
    changes = "".join(
        f'<t:ItemChange><t:ItemId Id="{i}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/>'
        f"<t:Task><t:Subject>{subject}</t:Subject></t:Task></t:SetItemField></t:Updates></t:ItemChange>"
        for i in ids)
    return _ENVELOPE.format('<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SaveOnly">'
                            f"<m:ItemChanges>{changes}</m:ItemChanges></m:UpdateItem>").encode()


def create_items(n: int) -> bytes:
    items = "".join(f"<t:Task><t:Subject>task {i}</t:Subject></t:Task>" for i in range(n))
    return _ENVELOPE.format('<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId>'
                            '<t:DistinguishedFolderId Id="tasks"/></m:SavedItemFolderId>'
                            f"<m:Items>{items}</m:Items></m:CreateItem>").encode()


def item_ids(response: bytes) -> list[str]:
    from lxml import etree

    root = etree.fromstring(response)
    return [el.get("Id") for el in root.iter("{http://schemas.microsoft.com/exchange/services/2006/types}ItemId")]


class InProcess:
    """ewsemu's WSGI app called directly, with the environ a server would build."""

    def __init__(self, database: str) -> None:
        self.emulator = Emulator(Settings(database=database))
        self.app = make_app(self.emulator)

    def post(self, body: bytes) -> bytes:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/EWS/Exchange.asmx", "QUERY_STRING": "",
            "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": "text/xml; charset=utf-8", "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": AUTH, "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        status: list[str] = []
        out = b"".join(self.app(environ, lambda s, h, e=None: status.append(s)))
        assert status[0].startswith("200"), out[:400]
        return out

    def create(self, n: int, chunk: int = 1000) -> list[str]:
        ids: list[str] = []
        while len(ids) < n:
            ids += item_ids(self.post(create_items(min(chunk, n - len(ids)))))
        return ids

    def close(self) -> None:
        self.emulator.close()


def fill(database_file: Path, total: int) -> None:
    """Pad the items table to ``total`` rows with plain SQL (seconds for a million): filler tasks with ids
    spread over the same key space as real ones, each with its journal entry, so indexes grow as with real data."""
    db = sqlite3.connect(database_file, isolation_level=None)
    (have,) = db.execute("SELECT count(*) FROM items").fetchone()
    if total > have:
        mailbox, folder = db.execute("SELECT mailbox, folder_id FROM items LIMIT 1").fetchone()
        db.execute("BEGIN")
        db.execute(
            "INSERT INTO items (id, mailbox, folder_id, item_type, version, change_key, task_request_sent, "
            "item_class, subject, sensitivity, importance, date_time_created, last_modified_time, task_status, "
            "task_percent_complete, reminder_is_set) "
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "SELECT 'AAMkA' || hex(randomblob(16)), ?, ?, 'Task', 1, 'EwAAAA==', 0, 'IPM.Task', 'filler ' || i, "
            "'Normal', 'Normal', '2026-01-13 09:00:00.000000', '2026-01-13 09:00:00.000000', 'NotStarted', 0.0, 0 "
            "FROM n", (total - have, mailbox, folder))
        db.execute("INSERT INTO change_journal (at, mailbox, folder_id, object_id, object_kind, event, version, "
                   "change_key, changes) SELECT '2026-01-13 09:00:00.000000', mailbox, folder_id, id, 'item', "
                   "'created', 1, change_key, '{}' FROM items WHERE subject LIKE 'filler %'")
        db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def machine() -> str:
    import platform

    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"
