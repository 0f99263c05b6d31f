"""The request ledger (issue 9): what it records, its filters and bounds, its exports (fixtures, a recorded
session) and ``ewsemu replay`` re-sending a session against another server with no differences."""
from __future__ import annotations

import base64

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
import requests
import yaml

from ewsemu import cli
from ewsemu.control import ControlClient
from ewsemu.core.clock import Clock
from ewsemu.double.ledger import MAX_BODY, Ledger
from ewsemu.emulator import Emulator, Settings
from ewsemu.double.replay import Normaliser, SessionError, load
from ewsemu.server.http import ThreadedServer

from ..rest import TEAM, team
from ..servers import EwsHttp, Ref, ext_path, item_change, set_extended, set_field
from ..soap import envelope

ALICE, BOB = "alice@example.com", "bob@example.com"
GET_TASKS = ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
             '<t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>')
#: sorted: without a SortOrder, items created in the same second come in ItemId order, which differs between seeds
FIND_TASKS = ('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>'
              '<m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:Subject"/></t:FieldOrder>'
              '<t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="task:DueDate"/></t:FieldOrder></m:SortOrder>'
              '<m:ParentFolderIds><t:DistinguishedFolderId Id="tasks"/></m:ParentFolderIds></m:FindItem>')
RECURRING_TASK = ("<t:Subject>Water the plants</t:Subject><t:DueDate>2026-01-13T00:00:00Z</t:DueDate>"
                  "<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek>"
                  "</t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-13</t:StartDate>"
                  "<t:NumberOfOccurrences>5</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>")


@pytest.fixture
def alice(server: ThreadedServer):
    client = EwsHttp(server.url, ALICE)
    yield client
    client.close()


# ---- what an entry holds ---------------------------------------------------------------------------------------


def test_an_ews_call_is_recorded_with_ids_codes_and_timing(control: ControlClient, alice: EwsHttp) -> None:
    task = alice.create_task()
    missing = "AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm"
    alice.get([task.id, missing])
    create, get = control.ledger()
    assert create["seq"] == 1 and get["seq"] == 2
    assert (create["face"], create["method"], create["path"], create["user"], create["mailbox"]) == \
        ("ews", "POST", "/EWS/Exchange.asmx", ALICE, ALICE)
    assert create["operation"] == "CreateItem" and create["item_ids"] == [task.id]  # from the response
    assert create["codes"] == ["NoError"] and create["status"] == 200 and create["auth"] == "Basic"
    assert create["time"] == "2026-01-13T09:00:00Z" and create["duration_ms"] > 0 and create["faults"] == []
    assert get["item_ids"] == [task.id, missing] and get["codes"] == ["NoError", "ErrorItemNotFound"]
    recorded = control.ledger(bodies=True)[0]
    assert recorded["request"].startswith("<?xml") and "<m:CreateItem>" in recorded["request"]
    assert task.id in recorded["response"] and recorded["response_headers"]["Content-Type"].startswith("text/xml")
    assert recorded["request_headers"]["Authorization"] == "Basic [redacted]"
    assert "secret" not in json.dumps(control.ledger(bodies=True))


def test_unauthenticated_and_refused_calls_are_recorded(server: ThreadedServer, control: ControlClient) -> None:
    anonymous = requests.post(server.url, data=envelope(GET_TASKS), headers={"Content-Type": "text/xml"}, timeout=10)
    assert anonymous.status_code == 401
    wrong_type = requests.post(server.url, data=envelope(GET_TASKS), auth=(ALICE, "x"),
                               headers={"Content-Type": "application/json"}, timeout=10)
    assert wrong_type.status_code == 415
    first, second = control.ledger()
    assert (first["status"], first["user"], first["operation"]) == (401, None, None)
    assert (second["status"], second["user"], second["operation"]) == (415, ALICE, None)


def test_impersonation_records_the_acting_mailbox(control: ControlClient, alice: EwsHttp) -> None:
    headers = ('<t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID>'
               f'<t:PrimarySmtpAddress>{BOB}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>')
    r = alice.session.post(alice.url, data=envelope(GET_TASKS, headers), headers={"Content-Type": "text/xml"},
                           timeout=10)
    assert r.status_code == 200
    alice.call(GET_TASKS)
    (entry,) = control.ledger(mailbox=BOB)
    assert entry["user"] == ALICE and entry["mailbox"] == BOB
    assert len(control.ledger(mailbox=ALICE)) == 2


def test_rest_calls_are_recorded(database_url: str) -> None:
    emulator = Emulator(Settings(database=database_url, users=team()))
    emulator.reset()
    with ThreadedServer(emulator=emulator) as srv:
        headers = {"Authorization": "Bearer alice-token"}
        created = requests.post(f"{srv.base_url}/beta/tasks", json={"title": "from REST"}, headers=headers,
                                timeout=10)
        rest_id = created.json()["id"]
        requests.patch(f"{srv.base_url}/beta/tasks/{rest_id}", json={"importance": "loud"}, headers=headers,
                       timeout=10)
        post, patch = ControlClient(srv.base_url, auth="alice-token").ledger(face="rest")
        ews_id = rest_id.replace("-", "+").replace("_", "/")
        assert (post["operation"], post["status"], post["user"], post["item_ids"]) == \
            ("POST /beta/tasks", 201, ALICE, [ews_id])
        assert patch["operation"] == "PATCH /beta/tasks/{id}" and patch["item_ids"] == [ews_id]
        assert patch["status"] == 400 and patch["codes"] and patch["auth"] == "Bearer"
        recorded = ControlClient(srv.base_url, auth="alice-token").ledger(face="rest", bodies=True)[1]
        assert json.loads(recorded["request"]) == {"importance": "loud"}
        assert "alice-token" not in json.dumps(recorded)


def test_filters(control: ControlClient, alice: EwsHttp, server: ThreadedServer, emulator: Emulator) -> None:
    alice.create_task()
    emulator.clock.advance(dt.timedelta(hours=1))
    alice.call(GET_TASKS)
    bob = EwsHttp(server.url, BOB)
    bob.call(GET_TASKS)
    bob.close()
    assert [e["operation"] for e in control.ledger()] == ["CreateItem", "GetFolder", "GetFolder"]
    assert [e["user"] for e in control.ledger(operation="getfolder")] == [ALICE, BOB]
    assert [e["seq"] for e in control.ledger(since=1)] == [2, 3]
    assert [e["seq"] for e in control.ledger(since="2026-01-13T09:30:00Z")] == [2, 3]
    assert [e["seq"] for e in control.ledger(mailbox=BOB)] == [3]
    assert control.ledger(face="rest") == []
    with pytest.raises(Exception, match="since"):
        control.ledger(since="last tuesday")


def test_the_ledger_is_a_bounded_ring_buffer(database_url: str) -> None:
    emulator = Emulator(Settings(database=database_url, ledger_size=3))
    emulator.reset()
    with ThreadedServer(emulator=emulator) as srv:
        ews = EwsHttp(srv.url, ALICE)
        for _ in range(5):
            ews.call(GET_TASKS)
        ews.close()
        data = requests.get(f"{srv.base_url}/_ewsemu/ledger", timeout=10).json()
        assert [e["seq"] for e in data["entries"]] == [3, 4, 5] and data["evicted"] == 2 and data["size"] == 3
        assert ControlClient(srv.base_url).export_session()["evicted"] == 2


def test_a_zero_size_ledger_records_nothing(database_url: str) -> None:
    emulator = Emulator(Settings(database=database_url, ledger_size=0))
    emulator.reset()
    with ThreadedServer(emulator=emulator) as srv:
        ews = EwsHttp(srv.url, ALICE)
        assert ews.create_task().id
        ews.close()
        assert ControlClient(srv.base_url).ledger() == []
    with pytest.raises(ValueError):
        Ledger(-1)


def test_huge_bodies_are_kept_cut_and_not_replayed(server: ThreadedServer, control: ControlClient, alice: EwsHttp,
                                                  tmp_path: Path, capsys) -> None:
    big = "x" * 600_000
    tasks = "".join(f"<t:Task><t:Subject>big {i}</t:Subject><t:Body BodyType=\"Text\">{big}</t:Body></t:Task>"
                    for i in range(2))
    assert alice.call(f"<m:CreateItem><m:Items>{tasks}</m:Items></m:CreateItem>").codes() == ["NoError"] * 2
    (entry,) = control.ledger(bodies=True)
    assert entry["truncated"] is True and len(entry["request"].encode()) == MAX_BODY
    assert entry["codes"] == ["NoError", "NoError"] and len(entry["item_ids"]) == 2
    path = tmp_path / "session.json"
    path.write_text(json.dumps(control.export_session()), encoding="utf-8")
    assert cli.main(["replay", str(path), "--url", server.url]) == 0
    assert "a body was longer than the ledger keeps" in capsys.readouterr().out


def test_the_ledger_and_the_request_log_share_one_measurement(control: ControlClient, alice: EwsHttp,
                                                              caplog) -> None:
    caplog.set_level(logging.INFO, logger="ewsemu.requests")
    alice.create_task()
    alice.call(GET_TASKS)
    logged = [r.ewsemu for r in caplog.records if r.name == "ewsemu.requests"]
    entries = control.ledger()
    assert [(f["op"], f["status"], f["ms"]) for f in logged] == \
        [(e["operation"], e["status"], e["duration_ms"]) for e in entries]


def test_ledger_size_option(tmp_path: Path, monkeypatch) -> None:
    captured = {}
    monkeypatch.setattr(cli, "_serve", lambda args: captured.setdefault("args", args) and 0)
    cli.main(["serve", "--database", "sqlite://", "--ledger-size", "0"])
    assert cli._settings(captured["args"]).ledger_size == 0
    with pytest.raises(SystemExit):
        cli.main(["serve", "--database", "sqlite://", "--ledger-size", "-1"])


# ---- export as fixtures ----------------------------------------------------------------------------------------


def test_touched_items_export_as_fixtures_that_load_back(control: ControlClient, alice: EwsHttp) -> None:
    rich = alice.create_task(
        "<t:Subject>Report</t:Subject><t:Body BodyType=\"HTML\">&lt;b&gt;now&lt;/b&gt;</t:Body>"
        "<t:Categories><t:String>work</t:String><t:String>q1</t:String></t:Categories>"
        "<t:Importance>High</t:Importance>"
        f"<t:ExtendedProperty>{ext_path('Colour')}<t:Value>teal</t:Value></t:ExtendedProperty>"
        "<t:DueDate>2026-02-01T00:00:00Z</t:DueDate><t:PercentComplete>30</t:PercentComplete>")
    recurring = alice.create_task(RECURRING_TASK)
    untouched_by_filter = alice.create_task("<t:Subject>later</t:Subject>")
    alice.update(item_change(rich, set_extended("Owner", "me")))
    before = {i["id"]: i for i in control.state()["mailboxes"][0]["items"]}
    exported = control.export_fixtures(operation="CreateItem", since=0)
    assert {t["id"] for t in exported["mailboxes"][0]["tasks"]} == {rich.id, recurring.id, untouched_by_filter.id}
    assert yaml.safe_load(yaml.safe_dump(exported)) == exported  # plain data: a YAML file as well
    control.reset()
    assert control.seed(exported) == 3
    after = {i["id"]: i for i in control.state()["mailboxes"][0]["items"]}
    assert set(after) == set(before)
    server_set = {"item:DateTimeCreated", "item:DateTimeReceived", "item:LastModifiedTime", "task:ChangeCount"}
    for item_id, item in before.items():
        again = after[item_id]
        assert again["change_key"] == item["change_key"]
        assert {k: v for k, v in again["properties"].items() if k not in server_set} == \
            {k: v for k, v in item["properties"].items() if k not in server_set}
        assert sorted(map(json.dumps, again["extended"])) == sorted(map(json.dumps, item["extended"]))


def test_deleted_items_are_listed_as_skipped(control: ControlClient, alice: EwsHttp) -> None:
    gone = alice.create_task()
    alice.call(f'<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="{gone.id}"/></m:ItemIds>'
               "</m:DeleteItem>")
    exported = control.export_fixtures()
    assert exported["skipped"] == [{"id": gone.id, "reason": "no longer in the store"}]
    assert exported["mailboxes"] == [{"smtp": ALICE, "display_name": "alice", "tasks": []}]


# ---- a recorded session, replayed ---------------------------------------------------------------------------------


def _frozen_team_server(seed: int) -> ThreadedServer:
    clock = Clock()
    clock.freeze(dt.datetime(2026, 1, 13, 9, tzinfo=dt.timezone.utc))
    return ThreadedServer(emulator=Emulator(Settings(database="sqlite://", seed=seed, users=team()), clock))


def _record_a_session(srv: ThreadedServer) -> dict:
    """A realistic conversation: EWS and both REST faces, a recurring completion, clock moves, an unimplemented
    operation, and a call answered by an injected fault. The clock moves between creations: items created in
    the same second are listed in ItemId order, which differs between seeds."""
    control = ControlClient(srv.base_url, auth="admin-token")
    control.reset()  # the session starts with it, so it replays onto any server
    ews = EwsHttp(srv.url, ALICE)
    rest = requests.Session()
    rest.headers["Authorization"] = "Bearer alice-token"
    try:
        plain = ews.create_task("<t:Subject>Report</t:Subject>")
        control.clock_advance("1h")
        recurring = ews.create_task(RECURRING_TASK)
        ews.get([plain.id, recurring.id])
        updated = ews.update(item_change(plain, set_field("item:Subject", "<t:Subject>Final report</t:Subject>")))
        plain = Ref(plain.id, updated.xpath("//t:ItemId/@ChangeKey")[0])
        control.clock_advance("1d")
        done = ews.update(item_change(recurring, set_field("task:Status", "<t:Status>Completed</t:Status>")))
        one_off = done.xpath("//m:Items/t:Task/t:ItemId/@Id")[0]
        ews.get([one_off], shape="AllProperties")
        ews.call(FIND_TASKS)
        control.add_fault("server_busy", operation="GetFolder")
        assert ews.call(GET_TASKS).status == 500
        ews.call(GET_TASKS)
        control.bump_change_key(one_off, set={"subject": "renamed elsewhere"})
        ews.call('<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                 '<m:SyncFolderId><t:DistinguishedFolderId Id="tasks"/></m:SyncFolderId>'
                 '<m:MaxChangesReturned>10</m:MaxChangesReturned></m:SyncFolderItems>')
        rest_id = plain.id.replace("+", "-").replace("/", "_")
        got = rest.get(f"{srv.base_url}/beta/tasks/{rest_id}", timeout=10)
        patched = rest.patch(f"{srv.base_url}/beta/tasks/{rest_id}", json={"percentComplete": 50},
                             headers={"If-Match": got.headers["ETag"], "Prefer": "return=representation"},
                             timeout=10)
        assert patched.status_code == 200, patched.text
        control.clock_advance("1h")
        created = rest.post(f"{srv.base_url}/v1/tasks", json={"title": "API task", "priority": "HIGH"}, timeout=10)
        assert created.status_code == 201, created.text
        rest.get(f"{srv.base_url}/v1/tasks/{created.json()['id']}", timeout=10)
        rest.get(f"{srv.base_url}/v1/tasks", timeout=10)
        ews.call(f'<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="{plain.id}"/></m:ItemIds>'
                 "</m:DeleteItem>")
        ews.call(FIND_TASKS)
    finally:
        ews.close()
        rest.close()
    return control.export_session()


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump(TEAM), encoding="utf-8")
    return path


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    with _frozen_team_server(seed=1) as srv:
        session = _record_a_session(srv)
    path = tmp_path / "session.json"
    path.write_text(json.dumps(session, indent=1), encoding="utf-8")
    return path


def test_a_recorded_session_replays_with_no_differences(recorded: Path, users_file: Path, capsys) -> None:
    session = load(recorded)
    faces = [e["face"] for e in session["entries"]]
    assert len(faces) == 23 and faces.count("control") == 6 and faces.count("rest") == 5
    assert session["entries"][0]["operation"] == "POST /_ewsemu/reset"
    with _frozen_team_server(seed=2) as other:  # other ids: the normalisation and the id mapping must hold
        other_control = ControlClient(other.base_url, auth="admin-token")
        other_control.seed({"mailboxes": [{"smtp": BOB, "tasks": [{"subject": "left over"}]}]})
        code = cli.main(["replay", str(recorded), "--url", other.url, "--users", str(users_file)])
        out = capsys.readouterr().out
        assert code == 0, out
        assert "23 calls replayed, 0 with differences" in out and "skipped" not in out
        assert other_control.clock()["now"] == "2026-01-14T11:00:00Z"  # the clock moves were replayed
        assert "left over" not in json.dumps(other_control.state())  # and the reset


def test_a_fault_whose_rule_is_not_in_the_session_is_skipped(tmp_path: Path, users_file: Path, capsys) -> None:
    with _frozen_team_server(seed=1) as srv:
        _record_a_session(srv)
        ews_only = ControlClient(srv.base_url, auth="admin-token").export_session(face="ews")
    path = tmp_path / "ews-only.json"
    path.write_text(json.dumps(ews_only), encoding="utf-8")
    assert {e["face"] for e in ews_only["entries"]} == {"ews"}
    with _frozen_team_server(seed=1) as other:
        cli.main(["replay", str(path), "--url", other.url, "--users", str(users_file)])
    out = capsys.readouterr().out
    assert "skipped: #8 POST /EWS/Exchange.asmx GetFolder: answered by an injected fault whose rule is not in " \
           "the session (server_busy)" in out


def test_replay_with_strict_times_on_the_same_frozen_clock(recorded: Path, users_file: Path, capsys) -> None:
    with _frozen_team_server(seed=3) as other:
        assert cli.main(["replay", str(recorded), "--url", other.base_url, "--users", str(users_file),
                         "--strict-times"]) == 0, capsys.readouterr().out


def test_replay_reports_a_difference_readably(recorded: Path, users_file: Path, capsys) -> None:
    session = json.loads(recorded.read_text())
    find = next(e for e in session["entries"] if e["operation"] == "FindItem")
    find["response"] = find["response"].replace(">Final report<", ">Draft report<")
    assert "Draft report" in find["response"]
    recorded.write_text(json.dumps(session), encoding="utf-8")
    with _frozen_team_server(seed=1) as other:
        code = cli.main(["replay", str(recorded), "--url", other.url, "--users", str(users_file)])
    out = capsys.readouterr().out
    assert code == 1
    assert "FindItem: the answer differs" in out and "1 with differences" in out
    compact = [line.replace(" ", "") for line in out.splitlines()]  # the diff lines, indentation aside
    assert "-<t:Subject>Draftreport</t:Subject>" in compact and "+<t:Subject>Finalreport</t:Subject>" in compact


def test_replay_notices_a_wrong_id(recorded: Path, users_file: Path, capsys) -> None:
    """Ids are normalised consistently, not erased: answering with another item's id is a difference."""
    session = json.loads(recorded.read_text())
    creates = [e for e in session["entries"] if e["operation"] == "CreateItem"]
    first_id = creates[0]["item_ids"][0]
    second_id = creates[1]["item_ids"][0]
    get = next(e for e in session["entries"] if e["operation"] == "GetItem")
    get["response"] = get["response"].replace(second_id, "SWAP").replace(first_id, second_id).replace("SWAP", first_id)
    recorded.write_text(json.dumps(session), encoding="utf-8")
    with _frozen_team_server(seed=1) as other:
        assert cli.main(["replay", str(recorded), "--url", other.url, "--users", str(users_file)]) == 1
    assert "GetItem: the answer differs" in capsys.readouterr().out


def test_replay_refuses_what_is_not_a_session(tmp_path: Path, capsys) -> None:
    path = tmp_path / "nope.json"
    path.write_text('{"mailboxes": []}')
    assert cli.main(["replay", str(path), "--url", "http://127.0.0.1:9"]) == 2
    assert "not an ewsemu session" in capsys.readouterr().err
    with pytest.raises(SessionError):
        load(tmp_path / "missing.json")


def test_the_normaliser_numbers_ids_by_first_appearance() -> None:
    a = "AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm"
    b = "AAMkAGFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh"
    normalise = Normaliser()
    assert normalise(f'<t:ItemId Id="{a}"/><x>{b}</x><y>{a}</y>') == \
        '<t:ItemId Id="<ItemId#1>"/><x><ItemId#2></x><y><ItemId#1></y>'
    assert normalise(f"/beta/tasks/{b.replace('+', '-')}") == "/beta/tasks/<ItemId#2>"
    assert normalise("<t:LastModifiedTime>2026-01-13T09:00:00Z</t:LastModifiedTime><t:DueDate>2026-01-13"
                     "T00:00:00Z</t:DueDate>") == \
        "<t:LastModifiedTime><time></t:LastModifiedTime><t:DueDate>2026-01-13T00:00:00Z</t:DueDate>"
    assert Normaliser(strict_times=True)("<t:LastModifiedTime>x</t:LastModifiedTime>") == \
        "<t:LastModifiedTime>x</t:LastModifiedTime>"


def test_mime_content_is_compared_as_text_with_its_date_and_boundary_set_aside() -> None:
    def mime(date: str, boundary: str, body: str = "body") -> str:
        raw = (f"Subject: s\r\nDate: {date}\r\nContent-Type: multipart/mixed; boundary=\"_ewsemu_{boundary}_\"\r\n"
               f"\r\n--_ewsemu_{boundary}_\r\n\r\n{body}\r\n--_ewsemu_{boundary}_--\r\n")
        return f'<t:MimeContent CharacterSet="UTF-8">{base64.b64encode(raw.encode()).decode()}</t:MimeContent>'

    recorded = mime("Mon, 12 Jan 2026 09:30:00 +0000", "0a1b2c")
    live = mime("Mon, 12 Jan 2026 09:30:01 +0000", "ffeedd")
    assert Normaliser()(recorded) == Normaliser()(live)
    assert "Date: <time>" in Normaliser()(recorded) and "body" in Normaliser()(recorded)
    assert Normaliser()(recorded) != Normaliser()(mime("Mon, 12 Jan 2026 09:30:00 +0000", "0a1b2c", "other"))
    assert Normaliser(strict_times=True)(recorded) != Normaliser(strict_times=True)(live)
