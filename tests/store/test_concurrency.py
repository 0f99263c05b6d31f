"""Concurrent writers over real HTTP, several worker processes, on this run's engine (SQLite WAL file or
PostgreSQL: ``make test`` covers both).

Every client thread has its own keep-alive connection; a barrier releases them together so the requests
really overlap in the server, whose workers interleave them at random.
"""
from __future__ import annotations

import threading
from collections import Counter
from typing import Callable, Iterator

import pytest
from sqlalchemy import func, select

from ewsemu.store.repository import Store
from ewsemu.store.schema import change_journal, items

from .. import databases
from ..servers import EwsHttp, Ref, ServerProcess, ext_path, item_change, set_extended, set_field

CLIENTS = 50
WORKERS = 3
WEEKLY = ("<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek>"
          "</t:WeeklyRecurrence><t:NoEndRecurrence><t:StartDate>2026-01-05</t:StartDate></t:NoEndRecurrence>"
          "</t:Recurrence>")


class Served:
    def __init__(self, server: ServerProcess, url: str) -> None:
        self.server, self.database = server, url

    def count(self, query) -> int:  # noqa: ANN001 - a select
        store = Store(self.database)
        try:
            with store.read() as conn:
                return conn.execute(query).scalar_one()
        finally:
            store.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with databases.shared_database(tmp_path_factory.mktemp("db")) as url:
        with ServerProcess(url, workers=WORKERS) as server:
            yield Served(server, url)


def race(url: str, n: int, body: Callable[[int], str], cr: str) -> list[list[str]]:
    """``n`` clients send ``body(i)`` at the same moment; the response codes, per client."""
    clients = [EwsHttp(url) for _ in range(n)]
    for c in clients:  # open every connection first, so the race is between requests, not TCP handshakes
        assert c.session.get(url.rsplit("/EWS/", 1)[0] + "/health", timeout=30).status_code == 200
    barrier = threading.Barrier(n)
    codes: list[list[str]] = [[] for _ in range(n)]

    def run(i: int) -> None:
        barrier.wait(timeout=60)
        r = clients[i].update(body(i), cr=cr)
        codes[i] = r.codes() if r.status == 200 else [f"HTTP {r.status}: {r.body[-600:]!r}"]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for c in clients:
        c.close()
    return codes


def test_never_overwrite_race_has_exactly_one_winner(served: Served) -> None:
    client = EwsHttp(served.server.url)
    ref = client.create_task("<t:Subject>original</t:Subject>")
    codes = race(served.server.url, CLIENTS, lambda i: item_change(ref, set_field(
        "item:Subject", f"<t:Subject>client {i}</t:Subject>")), cr="NeverOverwrite")
    assert Counter(c for cs in codes for c in cs) == {"NoError": 1, "ErrorIrresolvableConflict": CLIENTS - 1}
    winner = next(i for i, cs in enumerate(codes) if cs == ["NoError"])
    r = client.get([ref.id], shape="IdOnly", additional='<t:FieldURI FieldURI="item:Subject"/>')
    assert r.xpath("//t:Task/t:Subject/text()") == [f"client {winner}"]
    assert served.count(select(func.count()).select_from(change_journal)
                        .where(change_journal.c.object_id == ref.id)) == 2  # created, then one update
    client.close()


def test_auto_resolve_applies_every_disjoint_update(served: Served) -> None:
    """D3: each client sends the original ChangeKey and its own property; none touched a property another
    changed, so all succeed, in some order, and every value is there afterwards."""
    client = EwsHttp(served.server.url)
    ref = client.create_task("<t:Subject>shared</t:Subject>")
    codes = race(served.server.url, CLIENTS, lambda i: item_change(ref, set_extended(f"p{i}", f"v{i}")),
                 cr="AutoResolve")
    assert codes == [["NoError"]] * CLIENTS
    r = client.get([ref.id], shape="IdOnly", additional="".join(ext_path(f"p{i}") for i in range(CLIENTS)))
    found = {p.get("PropertyName"): v for p, v in zip(r.xpath("//t:ExtendedProperty/t:ExtendedFieldURI"),
                                                      r.xpath("//t:ExtendedProperty/t:Value/text()"))}
    assert found == {f"p{i}": f"v{i}" for i in range(CLIENTS)}
    assert served.count(select(items.c.version).where(items.c.id == ref.id)) == CLIENTS + 1
    client.close()


def test_two_clients_completing_one_occurrence_spawn_one_one_off(served: Served) -> None:
    """D31: the occurrence moved since the second client's version, so Status counts as changed since: one
    one-off, and the second client gets ErrorIrresolvableConflict under AutoResolve."""
    client = EwsHttp(served.server.url)
    before = served.count(select(func.count()).select_from(items))
    rounds = 5
    masters: list[Ref] = [client.create_task(f"<t:Subject>weekly {n}</t:Subject>{WEEKLY}") for n in range(rounds)]
    for ref in masters:
        codes = race(served.server.url, 2, lambda i: item_change(ref, set_field(
            "task:Status", "<t:Status>Completed</t:Status>")), cr="AutoResolve")
        assert sorted(c for cs in codes for c in cs) == ["ErrorIrresolvableConflict", "NoError"]
    assert served.count(select(func.count()).select_from(items)) == before + 2 * rounds  # masters + one-offs
    r = client.get([m.id for m in masters], shape="IdOnly",
                   additional='<t:FieldURI FieldURI="task:DueDate"/><t:FieldURI FieldURI="task:ChangeCount"/>')
    assert r.xpath("//t:Task/t:ChangeCount/text()") == ["2"] * rounds  # each master advanced exactly once
    client.close()


def test_processes_creating_one_mailbox_together_create_it_once(tmp_path) -> None:  # noqa: ANN001
    """Each worker keeps its own "known mailboxes"; the first request for a new mailbox in several workers at
    once must still give one mailbox with one set of distinguished folders (PostgreSQL: unique violation)."""
    from ewsemu.store.schema import folders, mailboxes

    with databases.shared_database(tmp_path) as url:
        stores = [Store(url) for _ in range(6)]
        stores[0].create_schema()
        barrier = threading.Barrier(len(stores))
        errors: list[BaseException] = []

        def first_request(store: Store) -> None:
            barrier.wait(timeout=30)
            try:
                store.ensure_mailbox("bob@example.com")
            except BaseException as err:  # noqa: BLE001 - reported below
                errors.append(err)

        threads = [threading.Thread(target=first_request, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        with stores[0].read() as conn:
            n_mailboxes = conn.execute(select(func.count()).select_from(mailboxes)).scalar_one()
            n_inboxes = conn.execute(select(func.count()).select_from(folders)
                                     .where(folders.c.distinguished == "inbox")).scalar_one()
        for s in stores:
            s.dispose()
    assert errors == []
    assert (n_mailboxes, n_inboxes) == (1, 1)


@pytest.mark.parametrize("argv, reason", [
    (["--database", "sqlite://"], "each worker would get its own empty in-memory SQLite"),
    (["--database", "sqlite:///x.db", "--seed", "7"], "--seed makes ids deterministic"),
    (["--workers", "0"], "--workers must be at least 1"),
])
def test_workers_refuse_what_they_cannot_share(argv: list[str], reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    from ewsemu.cli import main

    workers = [] if "--workers" in argv else ["--workers", "2"]
    assert main(["serve", *workers, *argv]) == 2
    assert reason in capsys.readouterr().err
