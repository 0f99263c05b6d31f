"""The floor for Python here: lxml parses the same UpdateItem, sqlite3 applies it, lxml writes the same answer.

Per ItemChange it does what any correct implementation must: read the item's version, one conditional
UPDATE (new Subject, version and ChangeKey) in its own transaction (D22: each ItemChange atomic), and one
response message with the new ItemId/ChangeKey. The database file has ewsemu's settings (WAL,
synchronous=NORMAL). Nothing else: no schema validation, no field registry, no apply engine, no history.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from lxml import etree

from ewsemu.core.ids import IdFactory

S = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_CHANGES = f"{{{M}}}ItemChanges"
_ITEM_ID, _UPDATES = f"{{{T}}}ItemId", f"{{{T}}}Updates"


class Baseline:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, subject TEXT, "
                        "version INTEGER NOT NULL, change_key TEXT NOT NULL)")

    def load(self, ids: list[str]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO tasks VALUES (?, 'task', 1, ?)",
                            [(i, IdFactory.change_key(i, 1)) for i in ids])
        self.db.execute("COMMIT")

    def handle(self, body: bytes) -> bytes:
        root = etree.fromstring(body, _PARSER)
        env = etree.Element(f"{{{S}}}Envelope", nsmap={"s": S})
        header = etree.SubElement(env, f"{{{S}}}Header")
        etree.SubElement(header, f"{{{T}}}ServerVersionInfo", MajorVersion="15", MinorVersion="1",
                         MajorBuildNumber="2507", MinorBuildNumber="6", Version="V2017_07_11", nsmap={"h": T})
        out = etree.SubElement(etree.SubElement(env, f"{{{S}}}Body"), f"{{{M}}}UpdateItemResponse",
                               nsmap={"m": M, "t": T})
        messages = etree.SubElement(out, f"{{{M}}}ResponseMessages")
        for change in root.find(f".//{_CHANGES}"):
            item_id = change.find(_ITEM_ID).get("Id")
            set_field = change.find(_UPDATES)[0]
            value = set_field[1][0].text
            self.db.execute("BEGIN IMMEDIATE")
            (version,) = self.db.execute("SELECT version FROM tasks WHERE id = ?", (item_id,)).fetchone()
            key = IdFactory.change_key(item_id, version + 1)
            self.db.execute("UPDATE tasks SET subject = ?, version = ?, change_key = ? WHERE id = ? AND version = ?",
                            (value, version + 1, key, item_id, version))
            self.db.execute("COMMIT")
            msg = etree.SubElement(messages, f"{{{M}}}UpdateItemResponseMessage", ResponseClass="Success")
            etree.SubElement(msg, f"{{{M}}}ResponseCode").text = "NoError"
            task = etree.SubElement(etree.SubElement(msg, f"{{{M}}}Items"), f"{{{T}}}Task")
            etree.SubElement(task, f"{{{T}}}ItemId", Id=item_id, ChangeKey=key)
            etree.SubElement(etree.SubElement(msg, f"{{{M}}}ConflictResults"), f"{{{T}}}Count").text = "0"
        return b'<?xml version="1.0" encoding="utf-8"?>' + etree.tostring(env, encoding="utf-8")

    def close(self) -> None:
        self.db.close()
