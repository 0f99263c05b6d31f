"""Fault injection (issue 9): each real EWS failure mode over real HTTP, its matching and budget, its ledger
entry, and what exchangelib makes of it."""
from __future__ import annotations

import datetime as dt
import time

import pytest
import requests

from ewsemu.control import ControlClient, ControlError
from ewsemu.core.clock import Clock
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.http import ThreadedServer

from ..rest import team
from ..servers import EwsHttp, Ref, item_change, set_field
from ..soap import envelope, ews_validate

ALICE, BOB = "alice@example.com", "bob@example.com"
GET_TASKS = ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
             '<t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>')


@pytest.fixture
def alice(server: ThreadedServer):
    client = EwsHttp(server.url, ALICE)
    yield client
    client.close()


@pytest.fixture
def bob(server: ThreadedServer):
    client = EwsHttp(server.url, BOB)
    yield client
    client.close()


def subject(text: str) -> str:
    return set_field("item:Subject", f"<t:Subject>{text}</t:Subject>")


def fault_kinds(entry: dict) -> list[str]:
    return [f["kind"] for f in entry["faults"]]


# ---- ErrorServerBusy -------------------------------------------------------------------------------------------


def test_server_busy_is_a_soap_fault_with_the_back_off(control: ControlClient, alice: EwsHttp) -> None:
    rule = control.add_fault("server_busy", operation="GetFolder", back_off_ms=750, count=2)
    assert rule["id"] == "f1" and rule["remaining"] == 2 and rule["active"]
    busy = [alice.call(GET_TASKS) for _ in range(2)]
    for r in busy:
        assert r.status == 500 and r.fault_code() == "ErrorServerBusy"
        assert r.xpath("//detail/t:MessageXml/t:Value[@Name='BackOffMilliseconds']/text()") == ["750"]
    ews_validate(busy[0].body, headers=False)
    assert alice.call(GET_TASKS).codes() == ["NoError"]  # the budget is spent
    (spent,) = control.faults()
    assert spent["fired"] == 2 and spent["remaining"] == 0 and not spent["active"]
    entries = control.ledger(operation="GetFolder")
    assert [(e["status"], e["codes"], fault_kinds(e)) for e in entries] == [
        (500, ["ErrorServerBusy"], ["server_busy"]), (500, ["ErrorServerBusy"], ["server_busy"]),
        (200, ["NoError"], [])]
    assert entries[0]["faults"][0]["back_off_ms"] == 750 and entries[0]["faults"][0]["id"] == "f1"


def test_other_soap_faults(control: ControlClient, alice: EwsHttp) -> None:
    control.add_fault("soap_fault", code="ErrorMailboxStoreUnavailable", message="The mailbox database is offline.")
    r = alice.call(GET_TASKS)
    assert r.status == 500 and r.fault_code() == "ErrorMailboxStoreUnavailable"
    assert r.xpath("//faultstring/text()") == ["The mailbox database is offline."]
    ews_validate(r.body, headers=False)


# ---- HTTP-level failures -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status, header", [(500, None), (503, "Retry-After"), (401, "WWW-Authenticate"),
                                            (429, None)])
def test_bare_http_errors(control: ControlClient, alice: EwsHttp, status: int, header: str | None) -> None:
    control.add_fault("http_status", status=status)
    r = alice.call(GET_TASKS)
    assert r.status == status and b"injected fault f1" in r.body and b"<?xml" not in r.body
    if header:
        assert header.lower() in {name.lower() for name in r.headers}
    assert alice.call(GET_TASKS).status == 200
    assert [e["status"] for e in control.ledger(face="ews")] == [status, 200]


def test_a_dropped_connection_gets_no_response_at_all(server: ThreadedServer, control: ControlClient) -> None:
    control.add_fault("drop_connection", operation="GetFolder")
    session = requests.Session()
    session.auth = (ALICE, "x")
    with pytest.raises(requests.ConnectionError) as err:
        session.post(server.url, data=envelope(GET_TASKS), headers={"Content-Type": "text/xml"}, timeout=10)
    assert "without response" in str(err.value) or "reset" in str(err.value).lower()
    after = session.post(server.url, data=envelope(GET_TASKS), headers={"Content-Type": "text/xml"}, timeout=10)
    assert after.status_code == 200  # a new connection: the server itself is fine
    first, second = control.ledger(face="ews")
    assert first["status"] == 0 and fault_kinds(first) == ["drop_connection"] and first["operation"] == "GetFolder"
    assert second["status"] == 200 and not second["faults"]


def test_a_delay_holds_the_request_then_answers_normally(control: ControlClient, alice: EwsHttp) -> None:
    control.add_fault("delay", delay_ms=400, operation="getfolder")  # operation names match case-insensitively
    started = time.monotonic()
    assert alice.call(GET_TASKS).codes() == ["NoError"]
    assert time.monotonic() - started >= 0.4
    (entry,) = control.ledger(face="ews")
    assert fault_kinds(entry) == ["delay"] and entry["duration_ms"] >= 400 and entry["codes"] == ["NoError"]


def test_pass_through_faults_combine_with_a_terminal_one(control: ControlClient, alice: EwsHttp) -> None:
    control.add_fault("delay", delay_ms=50)
    control.add_fault("http_status", status=503)
    control.add_fault("http_status", status=500)  # only the first terminal rule fires
    assert alice.call(GET_TASKS).status == 503
    (entry,) = control.ledger(face="ews")
    assert fault_kinds(entry) == ["delay", "http_status"]
    assert [f["fired"] for f in control.faults()] == [1, 1, 0]


# ---- ChangeKeys: someone else's edit, a forced conflict -----------------------------------------------------------


def test_bump_now_makes_the_clients_change_key_stale(control: ControlClient, alice: EwsHttp) -> None:
    task = alice.create_task()
    bumped = control.bump_change_key(task.id)
    assert bumped["previous_change_key"] == task.ck and bumped["change_key"] != task.ck and bumped["version"] == 2
    never = alice.update(item_change(task, subject("mine")), cr="NeverOverwrite")
    assert never.codes() == ["ErrorIrresolvableConflict"]
    # only LastModifiedTime changed elsewhere: AutoResolve lets the Subject through, with no conflict
    auto = alice.update(item_change(task, subject("mine")))
    assert auto.codes() == ["NoError"] and auto.xpath("//t:Count/text()") == ["0"]
    history = control.item(task.id)["history"]
    assert [h["version"] for h in history] == [1, 2, 3]
    assert list(history[1]["changes"]) == ["item:LastModifiedTime"]
    (bump_entry,) = control.ledger(face="control")  # the control call that made the edit lists it
    assert bump_entry["operation"] == "POST /_ewsemu/faults" and bump_entry["item_ids"] == [task.id]
    assert fault_kinds(bump_entry) == ["bump_change_key"] and bump_entry["mailbox"] == ALICE


def test_bump_with_properties_is_a_real_concurrent_edit(control: ControlClient, alice: EwsHttp) -> None:
    task = alice.create_task("<t:Subject>original</t:Subject>")
    control.bump_change_key(task.id, set={"subject": "edited elsewhere", "percent_complete": 50})
    clash = alice.update(item_change(task, subject("mine")))  # AutoResolve: Subject changed since our version
    assert clash.codes() == ["ErrorIrresolvableConflict"]
    item = control.item(task.id)
    assert item["properties"]["item:Subject"] == "edited elsewhere"
    assert item["properties"]["task:Status"] == "InProgress"  # through the apply engine: the coupling ran
    assert item["history"][1]["changes"]["item:Subject"] == ["original", "edited elsewhere"]


def test_bump_as_a_rule_fires_just_before_the_matching_request(control: ControlClient, alice: EwsHttp) -> None:
    task = alice.create_task()
    control.add_fault("bump_change_key", item_id=task.id, operation="UpdateItem", set={"subject": "theirs"})
    assert alice.get([task.id]).codes() == ["NoError"]  # not an UpdateItem: the rule waits
    r = alice.update(item_change(task, subject("mine")))
    assert r.codes() == ["ErrorIrresolvableConflict"]
    assert control.item(task.id)["properties"]["item:Subject"] == "theirs"
    assert fault_kinds(control.ledger(operation="UpdateItem")[0]) == ["bump_change_key"]


def test_a_forced_conflict_answers_only_that_items_next_item_change(control: ControlClient, alice: EwsHttp) -> None:
    target, other = alice.create_task(), alice.create_task()
    control.add_fault("conflict", item_id=target.id)
    r = alice.update(item_change(other, subject("fine")), item_change(target, subject("refused")),
                     item_change(Ref(other.id, ""), subject("fine again")))
    assert r.codes() == ["NoError", "ErrorIrresolvableConflict", "NoError"]
    ews_validate(r.body)
    assert control.item(target.id)["version"] == 1  # the refused ItemChange changed nothing
    assert alice.update(item_change(target, subject("now it works"))).codes() == ["NoError"]
    (entry, _) = control.ledger(operation="UpdateItem")
    assert fault_kinds(entry) == ["conflict"] and entry["faults"][0]["item_id"] == target.id
    assert entry["codes"] == ["NoError", "ErrorIrresolvableConflict", "NoError"]


def test_bumping_an_unknown_item_is_refused(control: ControlClient) -> None:
    with pytest.raises(ControlError) as err:
        control.bump_change_key("AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm")
    assert err.value.status == 400 and "no item" in err.value.message


# ---- matching and budgets ----------------------------------------------------------------------------------------


def test_rules_match_mailbox_item_and_operation(control: ControlClient, alice: EwsHttp, bob: EwsHttp) -> None:
    mine = alice.create_task()
    control.add_fault("http_status", status=503, mailbox=BOB, count=None)
    control.add_fault("http_status", status=500, item_id=mine.id)
    assert alice.call(GET_TASKS).status == 200
    assert bob.call(GET_TASKS).status == 503 and bob.call(GET_TASKS).status == 503  # count null: every time
    assert alice.get([alice.create_task().id]).status == 200  # another item
    assert alice.get([mine.id]).status == 500
    assert alice.get([mine.id]).status == 200


def test_impersonated_and_delegate_mailboxes_match_too(control: ControlClient, alice: EwsHttp) -> None:
    control.add_fault("http_status", status=503, mailbox=BOB, count=None)
    impersonating = ('<t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID>'
                     f'<t:PrimarySmtpAddress>{BOB}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>')
    r = alice.session.post(alice.url, data=envelope(GET_TASKS, impersonating),
                           headers={"Content-Type": "text/xml"}, timeout=10)
    assert r.status_code == 503
    delegate = GET_TASKS.replace('<t:DistinguishedFolderId Id="tasks"/>',
                                 f'<t:DistinguishedFolderId Id="tasks"><t:Mailbox><t:EmailAddress>{BOB}'
                                 '</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>')
    assert alice.call(delegate).status == 503
    assert alice.call(GET_TASKS).status == 200


def test_a_probability_is_seeded_so_runs_repeat(database_url: str) -> None:
    def pattern() -> list[int]:
        clock = Clock()
        clock.freeze(dt.datetime(2026, 1, 13, tzinfo=dt.timezone.utc))
        with ThreadedServer(emulator=Emulator(Settings(database="sqlite://", seed=5), clock)) as srv:
            ControlClient(srv.base_url).add_fault("http_status", status=503, probability=0.5, count=None)
            ews = EwsHttp(srv.url, ALICE)
            statuses = [ews.call(GET_TASKS).status for _ in range(24)]
            ews.close()
            return statuses

    first = pattern()
    assert set(first) == {200, 503}  # some, not all
    assert pattern() == first


def test_rest_calls_get_faults_too(database_url: str) -> None:
    emulator = Emulator(Settings(database=database_url, users=team()))
    emulator.reset()
    with ThreadedServer(emulator=emulator) as srv:
        control = ControlClient(srv.base_url, auth="admin-token")
        control.add_fault("server_busy", face="rest", back_off_ms=2500)
        headers = {"Authorization": "Bearer alice-token"}
        busy = requests.get(f"{srv.base_url}/v1/tasks", headers=headers, timeout=10)
        assert busy.status_code == 429 and busy.headers["Retry-After"] == "3"
        assert busy.json()["error"]["code"] == "ErrorServerBusy"
        assert requests.get(f"{srv.base_url}/v1/tasks", headers=headers, timeout=10).status_code == 200
        entries = control.ledger(face="rest")
        assert [(e["operation"], e["status"], e["user"], fault_kinds(e)) for e in entries] == [
            ("GET /v1/tasks", 429, ALICE, ["server_busy"]), ("GET /v1/tasks", 200, ALICE, [])]


def test_a_fault_rule_can_be_removed_and_all_cleared(control: ControlClient, alice: EwsHttp) -> None:
    first = control.add_fault("http_status", status=500, count=None)
    control.add_fault("delay", delay_ms=10)
    control.remove_fault(first["id"])
    assert [f["kind"] for f in control.faults()] == ["delay"]
    assert alice.call(GET_TASKS).status == 200
    control.clear_faults()
    assert control.faults() == []


@pytest.mark.parametrize("spec, message", [
    ({"kind": "meteor_strike"}, "unknown fault kind"),
    ({"kind": "delay", "delay_ms": 10, "colour": "red"}, "unknown key(s) colour"),
    ({"kind": "server_busy", "count": 0}, "count must be a positive integer"),
    ({"kind": "server_busy", "probability": 1.5}, "probability"),
    ({"kind": "http_status", "status": 200}, "HTTP error status"),
    ({"kind": "delay", "delay_ms": -1}, "delay_ms"),
    ({"kind": "soap_fault", "code": "Boom"}, "ResponseCode"),
    ({"kind": "bump_change_key"}, "item_id is required"),
    ({"kind": "server_busy", "face": "graph"}, "face must be"),
    ({"kind": "phantom_sync_item", "items": 0}, "items must be an integer from 1 to 512"),
    ({"kind": "server_busy", "folder_id": "AAEuAGZvbGRlcg=="}, "folder_id matches only the sync kinds"),
])
def test_bad_rules_are_refused_with_the_reason(control: ControlClient, spec: dict, message: str) -> None:
    with pytest.raises(ControlError) as err:
        control.request("POST", "faults", spec)
    assert err.value.status == 400 and err.value.code == "InvalidFault" and message in err.value.message
    assert control.faults() == []


# ---- exchangelib against the faults (through the pytest plugin's server) ---------------------------------------


def test_exchangelib_fails_fast_on_server_busy_with_the_back_off(ewsemu_account, ewsemu_control) -> None:
    from exchangelib.errors import ErrorServerBusy

    account = ewsemu_account(ALICE)
    folder = account.tasks  # GetFolder
    ewsemu_control.add_fault("server_busy", operation="FindItem", back_off_ms=250)
    started = time.monotonic()
    with pytest.raises(ErrorServerBusy) as err:
        list(folder.all())
    assert err.value.back_off == 0.25  # BackOffMilliseconds, read from the fault's MessageXml
    assert time.monotonic() - started < 5  # FailFast (exchangelib's default): raised at once, no retries
    assert list(folder.all()) == []
    assert [fault_kinds(e) for e in ewsemu_control.ledger(operation="FindItem")] == [["server_busy"], []]


def test_exchangelib_fault_tolerance_waits_out_the_back_off(ewsemu_server, ewsemu_control) -> None:
    from exchangelib import BASIC, DELEGATE, UTC, Account, Build, Configuration, Credentials, FaultTolerance, Version
    from exchangelib.protocol import close_connections

    config = Configuration(service_endpoint=ewsemu_server.url, credentials=Credentials(ALICE, "x"),
                           auth_type=BASIC, version=Version(build=Build(15, 1, 2507, 6)),
                           retry_policy=FaultTolerance(max_wait=30))
    try:
        account = Account(ALICE, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC)
        folder = account.tasks
        ewsemu_control.add_fault("server_busy", operation="FindItem", back_off_ms=300, count=2)
        started = time.monotonic()
        assert list(folder.all()) == []  # retried until the rule was spent
        assert time.monotonic() - started >= 0.6  # two back-offs of 300 ms
        assert [e["status"] for e in ewsemu_control.ledger(operation="FindItem")] == [500, 500, 200]
    finally:
        close_connections()


def test_exchangelib_sees_a_forced_conflict(ewsemu_account, ewsemu_control) -> None:
    from exchangelib import Task
    from exchangelib.errors import ErrorIrresolvableConflict

    account = ewsemu_account(ALICE)
    task = Task(folder=account.tasks, subject="shared").save()
    ewsemu_control.add_fault("conflict", item_id=task.id)
    task.subject = "mine"
    with pytest.raises(ErrorIrresolvableConflict):
        task.save(update_fields=["subject"])
    task.save(update_fields=["subject"])
    assert ewsemu_control.item(task.id)["properties"]["item:Subject"] == "mine"


# ---- sync: a refused sync state, items that are not there ------------------------------------------------------

SYNC_INBOX = ("<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId>"
              '<t:DistinguishedFolderId Id="{folder}"/></m:SyncFolderId><m:MaxChangesReturned>10</m:MaxChangesReturned>'
              "</m:SyncFolderItems>")
SYNC_TREE = ("<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:SyncFolderId>"
             '<t:DistinguishedFolderId Id="{folder}"/></m:SyncFolderId></m:SyncFolderHierarchy>')


def _folder_id(alice: EwsHttp, name: str) -> str:
    r = alice.call(GET_TASKS.replace("tasks", name))
    return r.xpath("//t:FolderId/@Id")[0]


def test_an_invalid_sync_state_answers_that_folders_sync_only(control: ControlClient, alice: EwsHttp) -> None:
    inbox = _folder_id(alice, "inbox")
    control.add_fault("invalid_sync_state", folder_id=inbox, count=2)
    assert alice.call(SYNC_INBOX.format(folder="drafts")).codes() == ["NoError"]  # another folder
    refused = [alice.call(SYNC_INBOX.format(folder="inbox")), alice.call(SYNC_TREE.format(folder="inbox"))]
    assert [r.codes() for r in refused] == [["ErrorInvalidSyncStateData"]] * 2
    ews_validate(*(r.body for r in refused))
    assert alice.call(SYNC_INBOX.format(folder="inbox")).codes() == ["NoError"]  # the budget is spent
    entries = [e for e in control.ledger() if e["faults"]]
    assert [(e["operation"], fault_kinds(e)) for e in entries] == [
        ("SyncFolderItems", ["invalid_sync_state"]), ("SyncFolderHierarchy", ["invalid_sync_state"])]
    assert entries[0]["faults"][0]["folder_id"] == inbox


def test_a_phantom_item_is_reported_created_and_get_item_cannot_find_it(control: ControlClient,
                                                                        alice: EwsHttp) -> None:
    control.add_fault("phantom_sync_item", operation="SyncFolderItems", items=2)
    r = alice.call(SYNC_INBOX.format(folder="inbox"))
    ids = r.xpath("//m:Changes/t:Create/t:Message/t:ItemId/@Id")
    assert r.codes() == ["NoError"] and len(ids) == 2
    got = alice.get(ids, shape="IdOnly")
    assert got.codes() == ["ErrorItemNotFound", "ErrorItemNotFound"]
    ews_validate(r.body, got.body)
    assert alice.call(SYNC_INBOX.format(folder="inbox")).xpath("//m:Changes/*") == []
