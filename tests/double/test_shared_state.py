"""N workers behave as one server: fault rules, the clock, the ledger and resets are shared through the database
(ewsemu.double.shared, store/shared_state.py).

``ewsemu serve --workers 2`` on this run's shared engine (a SQLite file, or a throw-away PostgreSQL database:
``make test`` covers both), and every request on a new connection, so the kernel spreads them over both
workers (SO_REUSEPORT); 30 requests all landing on one worker would take odds of 2^-29. Against per-process
state these tests fail: a rule with count 20 fired 19 times in 30 requests, the ledger listed 26 of 30 calls
and items created after freezing the clock got the real time.
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Iterator

import pytest
import requests

from ewsemu.control import ControlClient
from ewsemu.emulator import Emulator, Settings
from ewsemu.store.repository import Store
from ewsemu.store.schema import ledger_entries
from ewsemu.store.shared_state import TRIM_EVERY, SharedState

from .. import databases
from ..servers import ServerProcess
from ..soap import Response, envelope

ALICE = "alice@example.com"
GET_TASKS = ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
             '<t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>')
CREATE_TASK = ("<m:CreateItem><m:Items><t:Task><t:Subject>shared</t:Subject></t:Task></m:Items></m:CreateItem>")
FROZEN = "2030-06-01T09:00:00Z"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with databases.shared_database(tmp_path_factory.mktemp("db")) as url:
        with ServerProcess(url, workers=2, threads=4) as srv:
            yield srv


@pytest.fixture
def control(server: ServerProcess) -> ControlClient:
    client = ControlClient(server.url)  # urllib: a new connection per call
    client.reset()
    return client


def call(server: ServerProcess, body: str, user: str = ALICE) -> Response:
    """One EWS request on a connection of its own."""
    r = requests.post(server.url, data=envelope(body), auth=(user, "secret"), timeout=60,
                      headers={"Content-Type": "text/xml; charset=utf-8", "Connection": "close"})
    return Response(r.status_code, dict(r.headers), r.content)


def created(server: ServerProcess) -> str:
    r = call(server, CREATE_TASK)
    assert r.codes() == ["NoError"], server.log_on_failure(r.body)
    return r.xpath("//t:Task/t:ItemId/@Id")[0]


def test_a_fault_rule_with_count_n_fires_exactly_n_times_across_workers(server: ServerProcess,
                                                                         control: ControlClient) -> None:
    rule = control.add_fault("server_busy", operation="GetFolder", count=20, back_off_ms=10)
    answers = [call(server, GET_TASKS) for _ in range(30)]
    busy = [r for r in answers if r.status == 500 and r.fault_code() == "ErrorServerBusy"]
    assert len(busy) == 20, server.log_on_failure([r.status for r in answers])
    assert [r.codes() for r in answers if r not in busy] == [["NoError"]] * 10
    [listed] = control.faults()
    assert (listed["id"], listed["fired"], listed["remaining"], listed["active"]) == (rule["id"], 20, 0, False)


def test_concurrent_requests_never_overspend_a_rule(server: ServerProcess, control: ControlClient) -> None:
    control.add_fault("soap_fault", operation="GetFolder", code="ErrorMailboxStoreUnavailable", count=7)
    barrier, answers = threading.Barrier(12), []

    def run() -> None:
        barrier.wait(timeout=30)
        answers.extend(call(server, GET_TASKS) for _ in range(3))

    threads = [threading.Thread(target=run) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(answers) == 36
    assert sum(r.fault_code() == "ErrorMailboxStoreUnavailable" for r in answers) == 7


def test_a_frozen_clock_applies_to_every_worker(server: ServerProcess, control: ControlClient) -> None:
    control.clock_freeze(FROZEN)
    ids = [created(server) for _ in range(10)]
    control.clock_advance("1h")
    later = [created(server) for _ in range(6)]
    items = {i["id"]: i for box in control.state(ALICE)["mailboxes"] for i in box["items"]}
    assert {items[i]["properties"]["item:DateTimeCreated"] for i in ids} == {FROZEN}
    assert {items[i]["properties"]["item:DateTimeCreated"] for i in later} == {"2030-06-01T10:00:00Z"}
    assert control.clock()["now"] == "2030-06-01T10:00:00Z"


def test_the_ledger_lists_every_call(server: ServerProcess, control: ControlClient) -> None:
    for _ in range(30):
        assert call(server, GET_TASKS).codes() == ["NoError"]
    entries = control.ledger()
    assert [e["operation"] for e in entries] == ["POST /_ewsemu/reset"] + ["GetFolder"] * 30
    assert [e["seq"] for e in entries] == list(range(1, 32))
    assert control.ledger(since=21, operation="GetFolder")[0]["seq"] == 22


def test_a_reset_clears_everything_for_every_worker(server: ServerProcess, control: ControlClient) -> None:
    for _ in range(8):  # alice's mailbox is known to (cached by) both workers
        created(server)
    control.add_fault("delay", operation="FindItem", count=None, delay_ms=1)
    control.clock_freeze(FROZEN)
    control.reset()
    assert control.state()["mailboxes"] == []
    assert control.faults() == []
    assert [e["operation"] for e in control.ledger()] == ["POST /_ewsemu/reset"]
    assert control.clock()["mode"] == "real"
    ids = [created(server) for _ in range(10)]  # every worker re-creates the mailbox it had cached
    [box] = control.state(ALICE)["mailboxes"]
    assert sorted(i["id"] for i in box["items"]) == sorted(ids)
    assert {i["properties"]["item:DateTimeCreated"] for i in box["items"]} != {FROZEN}


# ---- the store's side, without a server --------------------------------------------------------------------


@pytest.fixture
def state(tmp_path) -> Iterator[SharedState]:  # noqa: ANN001
    with databases.shared_database(tmp_path) as url:
        store = Store(url)
        store.create_schema()
        shared = SharedState(store)
        yield shared
        shared.close()
        store.dispose()


def test_spending_a_rule_is_atomic(state: SharedState) -> None:
    state.add_rule("f1", 1, "{}", 25)
    barrier, spent = threading.Barrier(8), []

    def run() -> None:
        barrier.wait(timeout=30)
        spent.extend(n for n in (state.spend_rule("f1") for _ in range(10)) if n is not None)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(spent) == list(range(1, 26))
    assert state.rules()[0].fired == 25 and state.spend_rule("f1") is None


def test_the_ledger_table_stays_bounded(state: SharedState) -> None:
    for i in range(3 * TRIM_EVERY):
        state.add_entry("{}", b"", str(i).encode(), keep=10)
    base, newest, rows = state.entries(keep=10)
    assert (base, newest) == (0, 3 * TRIM_EVERY)
    assert [r.response for r in rows] == [str(i).encode() for i in range(3 * TRIM_EVERY - 10, 3 * TRIM_EVERY)]
    with state.store.read() as conn:
        assert len(conn.execute(ledger_entries.select()).all()) <= 10 + TRIM_EVERY
    state.clear_entries()
    state.add_entry("{}", b"", b"after", keep=10)
    base, newest, rows = state.entries(keep=10)
    assert base == 3 * TRIM_EVERY and [r.id - base for r in rows] == [1]


def test_advancing_counts_every_step_and_keeps_a_running_clock_running(state: SharedState) -> None:
    frozen = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    state.set_clock(frozen, dt.timedelta())
    state.advance_clock(dt.timedelta(hours=1))
    assert state.advance_clock(dt.timedelta(minutes=1)).clock_frozen == frozen + dt.timedelta(hours=1, minutes=1)
    state.set_clock(None, dt.timedelta(days=1))
    snap = state.advance_clock(dt.timedelta(hours=2))
    assert (snap.clock_frozen, snap.clock_offset) == (None, dt.timedelta(days=1, hours=2))


def test_two_emulators_on_one_database_share_the_double(tmp_path) -> None:  # noqa: ANN001
    """What two workers see: the second joins the first's run; in-memory SQLite keeps its state in process."""
    with databases.shared_database(tmp_path) as url:
        first = Emulator(Settings(database=url))
        second = Emulator(Settings(database=url), join=True)
        try:
            first.clock.freeze(dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
            rule = first.faults.add({"kind": "server_busy", "count": 1})
            second.sync()
            assert second.clock.now() == dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
            assert [f.id for f in second.faults.fire(["server_busy"], "ews", "GetItem", [], [])] == [rule.id]
            first.sync()
            assert first.faults.fire(["server_busy"], "ews", "GetItem", [], []) == []
            first.store.ensure_mailbox(ALICE)
            second.store.ensure_mailbox(ALICE)
            first.reset_all()
            second.sync()  # the reset reaches the other emulator's mailbox cache
            second.store.ensure_mailbox(ALICE)
            with second.store.read() as conn:
                assert second.store.mailbox_exists(conn, ALICE)
            assert second.clock.describe()["mode"] == "real" and second.faults.list() == []
        finally:
            first.close()
            second.close()
    memory = Emulator(Settings(database="sqlite://"))
    assert memory.shared is None
    memory.close()
