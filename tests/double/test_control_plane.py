"""The control plane under /_ewsemu/ (issue 9), end to end over real HTTP: reset, seed, state, clock, auth.

Every test drives a real ThreadedServer with ``requests`` or the package's own ControlClient; the server wraps
the suite's ``emulator`` (frozen at 2026-01-13T09:00Z, seed 7, on SQLite or PostgreSQL like the rest).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import requests
import yaml
from lxml import etree

from ewsemu import cli
from ewsemu.double import coverage
from ewsemu.control import ControlClient, ControlError
from ewsemu.core.clock import Clock
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.http import ThreadedServer

from ..rest import TEAM, team
from ..servers import EwsHttp, Ref, item_change, set_field
from ..soap import NS, envelope

ALICE, BOB = "alice@example.com", "bob@example.com"
RECURRING = {"mailboxes": [{"smtp": ALICE, "display_name": "Alice", "tasks": [
    {"subject": "Water the plants", "due_date": "2026-01-13",
     "recurrence": {"pattern": {"type": "DailyRegeneration", "interval": 2},
                    "range": {"type": "NoEndRecurrence", "start": "2026-01-13"}}},
    {"subject": "Write the report", "status": "InProgress", "percent_complete": 40},
]}]}


@pytest.fixture
def ews(server: ThreadedServer):
    client = EwsHttp(server.url, ALICE)
    yield client
    client.close()


def tasks_of(state: dict, smtp: str = ALICE) -> dict[str, dict]:
    box = next(m for m in state["mailboxes"] if m["smtp"] == smtp)
    return {i["properties"].get("item:Subject"): i for i in box["items"]}


def get_task(ews: EwsHttp, item_id: str, *uris: str):
    extra = "".join(f'<t:FieldURI FieldURI="{u}"/>' for u in uris)
    return ews.get([item_id], additional=extra, shape="IdOnly")


# ---- discovery, plumbing -----------------------------------------------------------------------------------------


def test_the_index_lists_every_endpoint(server: ThreadedServer) -> None:
    r = requests.get(f"{server.base_url}/_ewsemu/", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    endpoints = r.json()["endpoints"]
    for expected in ("POST /_ewsemu/reset", "POST /_ewsemu/seed", "GET /_ewsemu/state", "GET /_ewsemu/ledger",
                     "POST /_ewsemu/faults", "POST /_ewsemu/clock", "GET /_ewsemu/coverage", "GET /_ewsemu/ui"):
        assert expected in endpoints


@pytest.mark.parametrize("method, path, status, code", [
    ("GET", "/_ewsemu/nothing-here", 404, "NotFound"),
    ("PUT", "/_ewsemu/reset", 405, "MethodNotAllowed"),
    ("DELETE", "/_ewsemu/faults/f99", 404, "FaultNotFound"),
    ("GET", "/_ewsemu/state/items/AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm", 404, "ItemNotFound"),
])
def test_errors_are_json_with_a_code(server: ThreadedServer, method: str, path: str, status: int, code: str) -> None:
    r = requests.request(method, server.base_url + path, timeout=10)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_posts_need_a_json_content_type(server: ThreadedServer, control: ControlClient, content_type) -> None:
    """A cross-site form can POST text/plain or a form, never application/json: a web page cannot reset us."""
    control.seed(RECURRING)
    headers = {"Content-Type": content_type} if content_type else {}
    r = requests.post(f"{server.base_url}/_ewsemu/reset", data=b"{}", headers=headers, timeout=10)
    assert r.status_code == 415 and r.json()["error"]["code"] == "UnsupportedMediaType"
    assert len(tasks_of(control.state())) == 2  # nothing was reset


def test_bad_json_is_a_400(server: ThreadedServer) -> None:
    r = requests.post(f"{server.base_url}/_ewsemu/seed", data=b"{not json",
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]


# ---- seed, state, reset ------------------------------------------------------------------------------------------


def test_seed_from_a_json_body_and_from_a_file(control: ControlClient, tmp_path: Path) -> None:
    assert control.seed(RECURRING) == 2
    path = tmp_path / "more.yaml"
    path.write_text(yaml.safe_dump({"mailboxes": [{"smtp": BOB, "tasks": [{"subject": "Bob's task"}]}]}))
    assert control.seed(path=str(path)) == 1
    state = control.state()
    assert [m["smtp"] for m in state["mailboxes"]] == [ALICE, BOB]
    assert set(tasks_of(state)) == {"Water the plants", "Write the report"}
    assert set(tasks_of(state, BOB)) == {"Bob's task"}
    assert [m["smtp"] for m in control.state(mailbox=BOB)["mailboxes"]] == [BOB]


@pytest.mark.parametrize("body, message", [
    ({"nothing": []}, "'mailboxes' list"),
    ({"mailboxes": [{"tasks": []}]}, "'smtp' address"),
    ({"mailboxes": [{"smtp": ALICE, "tasks": [{"no_such_property": 1}]}]}, "unknown property"),
    ({"path": "/nonexistent/fixtures.yaml"}, "cannot read it"),
])
def test_bad_seeds_are_refused_with_the_reason(control: ControlClient, body: dict, message: str) -> None:
    with pytest.raises(ControlError) as err:
        control.request("POST", "seed", body)
    assert err.value.status == 400 and err.value.code == "BadFixtures" and message in err.value.message


def test_state_shows_folders_items_and_each_change_key_with_its_diff(control: ControlClient, ews: EwsHttp) -> None:
    control.seed(RECURRING)
    task = tasks_of(control.state())["Write the report"]
    ref = Ref(task["id"], task["change_key"])
    assert ews.update(item_change(ref, set_field("item:Subject", "<t:Subject>Write it</t:Subject>"))).codes() \
        == ["NoError"]
    assert ews.update(item_change(Ref(ref.id, ""), set_field("task:PercentComplete",
                                                             "<t:PercentComplete>100</t:PercentComplete>"))).codes() \
        == ["NoError"]
    state = control.state()
    box = state["mailboxes"][0]
    assert {f["distinguished"] for f in box["folders"]} >= {"root", "msgfolderroot", "tasks", "inbox", "calendar"}
    assert next(f for f in box["folders"] if f["distinguished"] == "tasks")["total_count"] == 2
    item = tasks_of(state)["Write it"]
    assert item["folder"] == "tasks" and item["version"] == 3
    assert item["properties"]["task:Status"] == "Completed" and item["properties"]["task:PercentComplete"] == "100"
    history = item["history"]
    assert [h["version"] for h in history] == [1, 2, 3]
    assert history[0]["change_key"] == task["change_key"] and history[-1]["change_key"] == item["change_key"]
    assert history[1]["changes"]["item:Subject"] == ["Write the report", "Write it"]
    assert history[2]["changes"]["task:Status"] == ["InProgress", "Completed"]
    assert history[2]["changes"]["task:CompleteDate"] == [None, "2026-01-13"]
    assert control.item(item["id"]) == item
    assert control.item(item["id"].replace("+", "-").replace("/", "_"))["id"] == item["id"]  # REST spelling


def test_reset_empties_everything_and_restarts_the_ids(control: ControlClient, ews: EwsHttp) -> None:
    first = ews.create_task()
    control.add_fault("delay", operation="NoSuchOperation", delay_ms=1)
    control.clock_advance("1d")
    assert control.ledger() and control.faults()
    assert control.reset()["reset"] is True
    assert control.state() == {"mailboxes": []}
    assert control.faults() == []
    assert [e["operation"] for e in control.ledger()] == ["POST /_ewsemu/reset"]  # the ledger starts afresh
    assert ews.create_task() == first  # seed 7: the same id sequence again (same id, same ChangeKey)


# ---- the clock ---------------------------------------------------------------------------------------------------


def test_clock_actions(control: ControlClient) -> None:
    assert control.clock() == {"mode": "frozen", "now": "2026-01-13T09:00:00Z", "offset_seconds": "0.0"}
    assert control.clock_advance("1d2h")["now"] == "2026-01-14T11:00:00Z"
    assert control.clock_freeze("2027-02-01T00:00:00Z")["now"] == "2027-02-01T00:00:00Z"
    running = control.clock_set("2030-05-05T12:00:00Z")
    assert running["mode"] == "offset" and running["now"].startswith("2030-05-05T12:0")
    real = dt.datetime.now(dt.timezone.utc)
    shifted = dt.datetime.fromisoformat(control.clock_offset("-3d")["now"].replace("Z", "+00:00"))
    assert abs((real - dt.timedelta(days=3) - shifted).total_seconds()) < 60
    assert control.clock_real()["mode"] == "real"
    frozen_now = control.clock_freeze()
    assert frozen_now["mode"] == "frozen"


@pytest.mark.parametrize("body", [{}, {"advance": "soon"}, {"freeze": "tomorrow"}, {"warp": "1d"},
                                  {"advance": "1d", "freeze": None}, {"real": False}])
def test_bad_clock_requests_are_400(control: ControlClient, body: dict) -> None:
    with pytest.raises(ControlError) as err:
        control.request("POST", "clock", body)
    assert err.value.status == 400 and err.value.code == "InvalidClock"
    assert control.clock()["now"] == "2026-01-13T09:00:00Z"


def test_everything_that_reads_now_reads_the_emulator_clock(control: ControlClient, ews: EwsHttp) -> None:
    """Mailbox creation, DateTimeCreated, LastModifiedTime, CompleteDate, regeneration and the ledger all follow
    the clock the control plane sets, so a recurring-task test is deterministic."""
    control.clock_freeze("2026-03-02T08:30:00Z")
    control.seed(RECURRING)
    water = tasks_of(control.state())["Water the plants"]
    assert control.state()["mailboxes"][0]["created"] == "2026-03-02T08:30:00Z"
    assert water["properties"]["item:DateTimeCreated"] == "2026-03-02T08:30:00Z"
    control.clock_advance("3d")  # 2026-03-05
    done = ews.update(item_change(Ref(water["id"], water["change_key"]),
                                  set_field("task:Status", "<t:Status>Completed</t:Status>")))
    assert done.codes() == ["NoError"]
    one_off = done.xpath("//m:Items/t:Task/t:ItemId/@Id")[0]
    assert one_off != water["id"]
    by_id = {i["id"]: i for i in control.state()["mailboxes"][0]["items"]}
    spawned = by_id[one_off]["properties"]
    assert spawned["task:CompleteDate"] == "2026-03-05"
    assert spawned["item:DateTimeCreated"] == spawned["item:LastModifiedTime"] == "2026-03-05T08:30:00Z"
    master = by_id[water["id"]]["properties"]
    assert master["task:DueDate"] == "2026-03-07"  # regenerated: two days after the completion date
    assert master["item:LastModifiedTime"] == "2026-03-05T08:30:00Z"
    assert [(e["operation"], e["time"]) for e in control.ledger()] == [
        ("POST /_ewsemu/clock", "2026-03-02T08:30:00Z"), ("POST /_ewsemu/seed", "2026-03-02T08:30:00Z"),
        ("POST /_ewsemu/clock", "2026-03-05T08:30:00Z"), ("UpdateItem", "2026-03-05T08:30:00Z")]
    got = get_task(ews, water["id"], "item:LastModifiedTime", "task:DueDate")
    assert got.xpath("//t:LastModifiedTime/text()") == ["2026-03-05T08:30:00Z"]


def test_the_rest_due_date_check_uses_the_emulator_clock(database_url: str) -> None:
    clock = Clock()
    clock.freeze(dt.datetime(2030, 6, 1, tzinfo=dt.timezone.utc))
    emulator = Emulator(Settings(database=database_url, users=team()), clock)
    emulator.reset()
    with ThreadedServer(emulator=emulator) as srv:
        headers = {"Authorization": "Bearer alice-token"}
        ok = requests.post(f"{srv.base_url}/v1/tasks", json={"title": "t", "dueDate": "2030-06-02T00:00:00Z"},
                           headers=headers, timeout=10)
        assert ok.status_code == 201, ok.text  # in the future on the emulator's clock, in the past on the wall's
        ControlClient(srv.base_url, auth="alice-token").clock_advance("2d")
        late = requests.post(f"{srv.base_url}/v1/tasks", json={"title": "t", "dueDate": "2030-06-02T00:00:00Z"},
                             headers=headers, timeout=10)
        assert late.status_code == 422 and "must be in the future" in late.text


@pytest.fixture
def parse(monkeypatch):
    """``parse(argv)``: the namespace ``ewsemu serve`` would run with (the server itself is not started)."""
    def run(argv: list[str]):
        captured = {}
        monkeypatch.setattr(cli, "_serve", lambda args: captured.setdefault("args", args) and 0)
        cli.main(argv)
        return captured["args"]
    return run


def test_the_clock_option_configures_the_emulator(parse) -> None:
    emulator = Emulator(cli._settings(parse(["serve", "--database", "sqlite://", "--clock",
                                             "frozen:2026-01-13T09:00:00Z"])))
    try:
        assert emulator.clock.describe()["now"] == "2026-01-13T09:00:00Z"
        emulator.clock.advance(dt.timedelta(hours=5))
        emulator.reset_all()  # back to what --clock said
        assert emulator.clock.describe() == {"mode": "frozen", "now": "2026-01-13T09:00:00Z", "offset_seconds": "0.0"}
    finally:
        emulator.close()
    offset = Emulator(cli._settings(parse(["serve", "--database", "sqlite://", "--clock", "offset:+3d"])))
    try:
        ahead = offset.clock.now() - dt.datetime.now(dt.timezone.utc)
        assert dt.timedelta(days=3) - dt.timedelta(minutes=1) < ahead <= dt.timedelta(days=3)
    finally:
        offset.close()


@pytest.mark.parametrize("spec", ["frozen:yesterday", "offset:", "offset:3 days", "sometimes", "real:now"])
def test_bad_clock_specs_exit_with_2(spec: str, capsys) -> None:
    with pytest.raises(SystemExit) as err:
        cli.main(["serve", "--database", "sqlite://", "--clock", spec])
    assert err.value.code == 2 and "--clock" in capsys.readouterr().err


# ---- deterministic ids -------------------------------------------------------------------------------------------


def _session(seed: int | None) -> list[bytes]:
    """The same EWS conversation against a fresh server: the answers, byte for byte."""
    clock = Clock()
    clock.freeze(dt.datetime(2026, 1, 13, 9, tzinfo=dt.timezone.utc))
    with ThreadedServer(emulator=Emulator(Settings(database="sqlite://", seed=seed), clock)) as srv:
        ews = EwsHttp(srv.url, ALICE)
        try:
            created = ews.call("<m:CreateItem><m:Items><t:Task><t:Subject>a</t:Subject></t:Task>"
                               "<t:Task><t:Subject>b</t:Subject></t:Task></m:Items></m:CreateItem>")
            first_id = created.xpath("//t:ItemId")[0]
            first = Ref(first_id.get("Id"), first_id.get("ChangeKey"))
            updated = ews.update(item_change(first, set_field("item:Subject", "<t:Subject>c</t:Subject>")))
            folders = ews.call('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
                               '<m:FolderIds><t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>')
            found = ews.call('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape>'
                             '</m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="tasks"/>'
                             '</m:ParentFolderIds></m:FindItem>')
        finally:
            ews.close()
        return [created.body, updated.body, folders.body, found.body]


def test_the_same_seed_gives_the_same_ids_and_change_keys() -> None:
    first, second, other = _session(11), _session(11), _session(12)
    assert first == second
    assert first[0] != other[0] and first[2] != other[2]  # other ids (and ChangeKeys, which derive from them)
    assert _session(None)[0] != _session(None)[0]  # no seed: random ids


# ---- coverage, switches, authentication --------------------------------------------------------------------------


def test_subscriptions_are_listed_with_their_positions(control: ControlClient, server) -> None:
    assert control.subscriptions() == {"journal_head": 0, "subscriptions": []}
    body = ('<m:Subscribe><m:PullSubscriptionRequest SubscribeToAllFolders="true"><t:EventTypes>'
            '<t:EventType>CreatedEvent</t:EventType></t:EventTypes><t:Timeout>5</t:Timeout>'
            '</m:PullSubscriptionRequest></m:Subscribe>')
    r = requests.post(server.url, data=envelope(body), auth=("alice@example.com", "x"), timeout=30,
                      headers={"Content-Type": "text/xml; charset=utf-8"})
    sid = etree.fromstring(r.content).findtext(".//{%s}SubscriptionId" % NS["m"])
    listed = control.subscriptions("alice@example.com")
    [entry] = listed["subscriptions"]
    assert (entry["id"], entry["kind"], entry["all_folders"], entry["event_types"], entry["timeout_minutes"]) == (
        sid, "pull", True, ["CreatedEvent"], 5)
    assert entry["position"] == listed["journal_head"] > 0 and entry["pending"] == 0 and not entry["expired"]
    assert control.subscriptions("bob@example.com")["subscriptions"] == []
    control.reset()
    assert control.subscriptions()["subscriptions"] == []  # a reset ends every subscription


def test_coverage_is_served(control: ControlClient) -> None:
    assert control.coverage() == coverage.as_json()


def test_the_control_plane_can_be_switched_off(database_url: str, parse) -> None:
    emulator = Emulator(Settings(database=database_url, control_plane=False))
    with ThreadedServer(emulator=emulator) as srv:
        for path in ("/_ewsemu/", "/_ewsemu/state", "/_ewsemu/ui"):
            r = requests.get(srv.base_url + path, timeout=10)
            assert r.status_code == 404 and "disabled" in r.text
        r = requests.post(f"{srv.base_url}/_ewsemu/reset", headers={"Content-Type": "application/json"}, timeout=10)
        assert r.status_code == 404
    assert cli._settings(parse(["serve", "--database", "sqlite://", "--no-control-plane"])).control_plane is False
    assert cli._settings(parse(["serve", "--database", "sqlite://"])).control_plane is True


def test_with_a_users_file_the_control_plane_needs_the_same_credentials_as_ews(database_url: str) -> None:
    emulator = Emulator(Settings(database=database_url, users=team()))
    emulator.reset()
    with ThreadedServer(emulator=emulator) as srv:
        anonymous = requests.get(f"{srv.base_url}/_ewsemu/state", timeout=10)
        assert anonymous.status_code == 401 and 'Basic realm="ewsemu"' in anonymous.headers["WWW-Authenticate"]
        for auth in [("alice@example.com", "wrong"), ("nobody@example.com", "secret")]:
            assert requests.get(f"{srv.base_url}/_ewsemu/state", auth=auth, timeout=10).status_code == 401
        assert requests.get(f"{srv.base_url}/_ewsemu/ui", timeout=10).status_code == 401
        with pytest.raises(ControlError) as err:
            ControlClient(srv.base_url, auth="not-a-token").reset()
        assert err.value.status == 401
        assert ControlClient(srv.base_url, auth=("alice@example.com", "secret")).seed(RECURRING) == 2
        assert len(tasks_of(ControlClient(srv.base_url, auth="bob-token").state())) == 2
        ews = EwsHttp(srv.url, ALICE)  # Basic alice@example.com:secret
        assert ews.create_task().id
        ews.close()
        ledger = requests.get(f"{srv.base_url}/_ewsemu/ledger?bodies=1", auth=("alice@example.com", "secret"),
                              timeout=10)
        seed, entry = ledger.json()["entries"]
        assert (seed["face"], seed["user"], seed["operation"]) == ("control", ALICE, "POST /_ewsemu/seed")
        assert entry["request_headers"]["Authorization"] == "Basic [redacted]" and entry["user"] == ALICE
        assert TEAM["users"][2]["password"] not in ledger.text and "YWxpY2VAZXhhbXBsZS5jb206" not in ledger.text


def test_in_the_open_default_the_control_plane_is_open(control: ControlClient) -> None:
    assert control.state() == {"mailboxes": []}


def test_seed_an_assigned_task_whose_request_was_sent(control: ControlClient, ews: EwsHttp) -> None:
    """``assigned_to``: the assigner's copy (UpdateItem refuses it) and the IPM.TaskRequest in the assignee's Inbox."""
    assert control.seed({"mailboxes": [
        {"smtp": ALICE, "display_name": "Alice", "tasks": [{"subject": "Delegated", "assigned_to": BOB}]},
        {"smtp": BOB, "display_name": "Bob"}]}) == 1
    state = control.state()
    task = tasks_of(state)["Delegated"]
    assert task["task_request_sent"] is True and task["properties"]["task:Owner"] == "Bob"
    [request] = tasks_of(state, BOB).values()
    assert request["folder"] == "inbox" and request["item_type"] == "Message"
    assert request["properties"]["item:ItemClass"] == "IPM.TaskRequest"
    assert request["properties"]["item:Subject"] == "Delegated" and request["properties"]["item:HasAttachments"]
    r = ews.update(item_change(Ref(task["id"], task["change_key"]),
                               set_field("item:Subject", "<t:Subject>Renamed</t:Subject>")))
    assert r.codes() == ["ErrorSentTaskRequestUpdate"]
    assert tasks_of(control.state())["Delegated"]["change_key"] == task["change_key"]
