"""SyncFolderItems over a 100,000-item folder in pages of 512: the last page must cost no more than 1.2× the
first (no scan of the whole folder or of the whole journal window per page).

Two phases, each timed on its first and its last full page (a token stays valid, so the same page is asked for
again and again and the median taken, alternating first and last so a busy machine slows both alike):

* the first sync (no state) listing the folder's items by id;
* an incremental sync over a window of 100,000 changes (every item modified once since the state).

``python -m bench.sync`` runs it alone and prints the section of RESULTS.md it makes.
"""
from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

from .workload import _ENVELOPE, InProcess, fill

ITEMS = 100_000
PAGE = 512
REPEATS = 7
_M = "{http://schemas.microsoft.com/exchange/services/2006/messages}"


def sync_request(state: str | None) -> bytes:
    state_xml = f"<m:SyncState>{state}</m:SyncState>" if state else ""
    return _ENVELOPE.format('<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                            '<m:SyncFolderId><t:DistinguishedFolderId Id="tasks"/></m:SyncFolderId>'
                            f"{state_xml}<m:MaxChangesReturned>{PAGE}</m:MaxChangesReturned>"
                            "</m:SyncFolderItems>").encode()


def _page(ours: InProcess, state: str | None) -> tuple[str, bool, int]:
    root = etree.fromstring(ours.post(sync_request(state)))
    msg = root.find(f".//{_M}SyncFolderItemsResponseMessage")
    assert msg.findtext(f"{_M}ResponseCode") == "NoError", etree.tostring(msg)[:400]
    return (msg.findtext(f"{_M}SyncState"), msg.findtext(f"{_M}IncludesLastItemInRange") == "true",
            len(msg.find(f"{_M}Changes")))


def _walk(ours: InProcess, state: str | None) -> tuple[list[str | None], str]:
    """Every page's request state, up to the end; and the state after the last page."""
    asked: list[str | None] = []
    while True:
        asked.append(state)
        state, last, _ = _page(ours, state)
        if last:
            return asked, state


def _first_and_last(ours: InProcess, asked: list[str | None]) -> dict:
    """Median times of the first and the last full page, asked alternately."""
    full = [s for s in asked if _page(ours, s)[2] == PAGE]
    first, last = full[0], full[-1]
    t_first, t_last = [], []
    for _ in range(REPEATS):
        for state, times in ((first, t_first), (last, t_last)):
            t = time.perf_counter()
            _page(ours, state)
            times.append(time.perf_counter() - t)
    f, l_ = statistics.median(t_first), statistics.median(t_last)
    return {"pages": len(asked), "first_ms": f * 1e3, "last_ms": l_ * 1e3, "ratio": l_ / f}


def _modify_all(database_file: Path) -> None:
    """One modification of every item, journaled as UpdateItem would (plain SQL: seconds for 100,000)."""
    db = sqlite3.connect(database_file, isolation_level=None)
    db.execute("BEGIN")
    db.execute("INSERT INTO change_journal (at, mailbox, folder_id, object_id, object_kind, event, version, "
               "change_key, changes) SELECT '2026-01-14 09:00:00.000000', mailbox, folder_id, id, 'item', "
               "'modified', 2, change_key, ? FROM items ORDER BY id", (json.dumps({"item:Subject": ["a", "b"]}),))
    db.execute("COMMIT")
    db.close()


def run(tmp: Path, items: int = ITEMS) -> dict:
    path = tmp / "sync.db"
    ours = InProcess(f"sqlite:///{path}")
    ours.create(1000)
    fill(path, items)
    listing, state = _walk(ours, None)
    result = {"items": items, "first_sync": _first_and_last(ours, listing)}
    _modify_all(path)
    window, _ = _walk(ours, state)
    result["window"] = _first_and_last(ours, window)
    ours.close()
    return result


def section(r: dict) -> list[str]:
    rows = [("First sync (no state): the folder's items listed oldest first", r["first_sync"]),
            (f"Incremental sync over a window of {r['items']:,} changes", r["window"])]
    lines = ["## SyncFolderItems over a large folder (issue 16)", "",
             f"A folder of {r['items']:,} items synchronised with SyncFolderItems (IdOnly, MaxChangesReturned "
             f"{PAGE}), in-process; each page is a median of {REPEATS} requests of it (a token can be sent again), "
             "first and last pages alternating (`bench/sync.py`).", "",
             "| Phase | Pages | First full page | Last full page | Last ÷ first | Target | |",
             "|---|---|---|---|---|---|---|"]
    for name, x in rows:
        lines.append(f"| {name} | {x['pages']} | {x['first_ms']:.1f} ms | {x['last_ms']:.1f} ms | {x['ratio']:.2f}× "
                     f"| ≤ 1.2× | {'met' if x['ratio'] <= 1.2 else '**not met**'} |")
    return lines + [""]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="ewsemu-bench-sync-") as tmp_name:
        out = run(Path(tmp_name), int(sys.argv[1]) if len(sys.argv) > 1 else ITEMS)
    print(json.dumps(out))
    print("\n".join(section(out)))
