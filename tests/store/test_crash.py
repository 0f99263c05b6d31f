"""SIGKILL in the middle of a stream of UpdateItem batches, then a restart on the same database.

Each ItemChange sets two properties of its item to the same sequence number, so a half-applied ItemChange
shows as two different values; each client thread owns its items, so per item the numbers only grow. After
the restart every acknowledged ItemChange must be there (value >= the last NoError) and nothing may be
half-applied or lost in between (version and history count every applied ItemChange exactly once).
"""
from __future__ import annotations

import random
import threading
import time

import pytest
import requests
from sqlalchemy import select

from ewsemu.store.repository import Store
from ewsemu.store.schema import change_journal, items

from .. import databases
from ..servers import EwsHttp, Ref, ServerProcess, item_change, set_field

CLIENTS, ITEMS_PER_CLIENT = 4, 5
MIN_ACKED_BATCHES = 5


@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_loses_no_acknowledged_change_and_half_applies_none(workers: int, tmp_path) -> None:  # noqa: ANN001
    with databases.shared_database(tmp_path) as url:
        server = ServerProcess(url, workers=workers).start()
        try:
            setup = EwsHttp(server.url)
            owned = [[setup.create_task(f"<t:Subject>c{c}i{i}</t:Subject>") for i in range(ITEMS_PER_CLIENT)]
                     for c in range(CLIENTS)]
            setup.close()
            acked: dict[str, int] = {}  # item id -> last sequence number answered NoError
            sent: dict[str, int] = {}
            lock = threading.Lock()
            enough = threading.Barrier(CLIENTS + 1)

            def stream(refs: list[Ref]) -> None:
                client = EwsHttp(server.url)
                batch = 0
                try:
                    while True:
                        changes = [item_change(Ref(r.id, ""), set_field("item:Subject", f"<t:Subject>{batch}</t:Subject>"),
                                               set_field("task:Mileage", f"<t:Mileage>{batch}</t:Mileage>"))
                                   for r in refs]
                        with lock:
                            sent.update({r.id: batch for r in refs})
                        r = client.update(*changes)
                        assert r.status == 200 and r.codes() == ["NoError"] * len(refs), r.body[:500]
                        with lock:
                            acked.update({ref.id: batch for ref in refs})
                        if batch == MIN_ACKED_BATCHES:
                            enough.wait(timeout=60)
                        batch += 1
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                    return  # the server died under us (even mid-response): this batch may or may not be applied
                except BaseException:
                    enough.abort()  # fail now, not after the barrier's time-out
                    raise
                finally:
                    client.close()

            threads = [threading.Thread(target=stream, args=(refs,)) for refs in owned]
            for t in threads:
                t.start()
            enough.wait(timeout=30)
            time.sleep(random.uniform(0.05, 0.5))
            server.kill()  # SIGKILL master and workers, mid-stream
            for t in threads:
                t.join(timeout=60)
        finally:
            server.kill()
            server.stop()

        with ServerProcess(url, workers=workers) as restarted:  # restart on the same database: it must open
            client = EwsHttp(restarted.url)
            all_refs = [r for refs in owned for r in refs]
            r = client.get([ref.id for ref in all_refs], shape="IdOnly",
                           additional='<t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="task:Mileage"/>')
            client.close()
            assert r.codes() == ["NoError"] * len(all_refs)
            subjects = [int(s) for s in r.xpath("//t:Task/t:Subject/text()")]
            mileages = [int(s) for s in r.xpath("//t:Task/t:Mileage/text()")]
        assert subjects == mileages, "an ItemChange was half-applied"
        for ref, value in zip(all_refs, subjects):
            assert acked[ref.id] <= value <= sent[ref.id], "an acknowledged ItemChange was lost"

        store = Store(url)
        with store.read() as conn:
            versions = dict(conn.execute(select(items.c.id, items.c.version)).all())
            history = conn.execute(select(change_journal.c.object_id, change_journal.c.version)).all()
        store.dispose()
        for ref, value in zip(all_refs, subjects):
            assert versions[ref.id] == value + 2  # created at 1, then batches 0..value each applied once
            assert sorted(v for i, v in history if i == ref.id) == list(range(1, value + 3))
