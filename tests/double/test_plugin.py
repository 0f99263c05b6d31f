"""The pytest plugin as a user's suite sees it (issue 9): the in-process server, the per-test reset, and every
test-double feature driven through the ``ewsemu_control`` fixture with exchangelib as the code under test.

The ``pytester`` runs start a separate pytest (as a user's project would) so that isolation between tests and
determinism across runs are checked from the outside.
"""
from __future__ import annotations

import datetime as dt
import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from exchangelib import Task
from exchangelib.errors import ErrorTimeoutExpired, UnauthorizedError

import ewsemu
from ewsemu import cli
from ewsemu.double import coverage
from ewsemu.control import ControlClient
from ewsemu.server.http import ThreadedServer

pytest_plugins = ["pytester"]

ALICE = "alice@example.com"


# ---- the in-process server --------------------------------------------------------------------------------------


def test_threaded_server_is_exported_and_usable_as_a_context_manager() -> None:
    assert ewsemu.ThreadedServer is ThreadedServer
    with ewsemu.ThreadedServer(port=0, database="sqlite://") as server:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/EWS/Exchange.asmx")
        assert server.url.startswith(server.base_url)
        assert ControlClient(server.url).state() == {"mailboxes": []}  # the EWS URL is accepted too
    started = ThreadedServer(port=0).start()
    url = started.base_url
    started.stop()
    with pytest.raises(OSError):
        ControlClient(url, timeout=2).state()


def test_the_fixtures_share_one_server(ewsemu_server, ewsemu, ewsemu_url, ewsemu_control) -> None:
    assert ewsemu is ewsemu_server and ewsemu_url == ewsemu_server.url
    assert ewsemu_control.base_url == ewsemu_server.base_url


# ---- each feature through the fixtures --------------------------------------------------------------------------


def test_seed_then_read_with_exchangelib(ewsemu_control, ewsemu_account) -> None:
    ewsemu_control.seed({"mailboxes": [{"smtp": ALICE, "tasks": [
        {"subject": "seeded", "due_date": "2026-02-01", "categories": ["fixture"]}]}]})
    (task,) = ewsemu_account(ALICE).tasks.all()
    assert (task.subject, task.due_date, task.categories) == ("seeded", dt.date(2026, 2, 1), ["fixture"])
    (state_item,) = ewsemu_control.state()["mailboxes"][0]["items"]
    assert state_item["id"] == task.id and state_item["change_key"] == task.changekey


def test_a_frozen_clock_is_what_exchangelib_sees(ewsemu_control, ewsemu_account) -> None:
    ewsemu_control.clock_freeze("2026-01-13T09:00:00Z")
    account = ewsemu_account(ALICE)
    task = Task(folder=account.tasks, subject="stamped").save()
    ewsemu_control.clock_advance("2d")
    task.complete()
    fresh = account.tasks.get(id=task.id)
    assert fresh.datetime_created == dt.datetime(2026, 1, 13, 9, tzinfo=dt.timezone.utc)
    assert fresh.last_modified_time == dt.datetime(2026, 1, 15, 9, tzinfo=dt.timezone.utc)
    assert fresh.complete_date.date() == dt.date(2026, 1, 15)  # exchangelib reads it as a midnight date-time


def test_the_ledger_shows_what_exchangelib_sent(ewsemu_control, ewsemu_account) -> None:
    account = ewsemu_account(ALICE)
    task = Task(folder=account.tasks, subject="watched").save()
    task.subject = "changed"
    task.save(update_fields=["subject"])
    entries = ewsemu_control.ledger(mailbox=ALICE)
    assert [e["operation"] for e in entries][-2:] == ["CreateItem", "UpdateItem"]
    update = entries[-1]
    assert update["item_ids"] == [task.id] and update["codes"] == ["NoError"] and update["user"] == ALICE
    assert ewsemu_control.item(task.id)["history"][-1]["changes"]["item:Subject"] == ["watched", "changed"]


def test_connection_level_faults_reach_exchangelib(ewsemu_control, ewsemu_account) -> None:
    folder = ewsemu_account(ALICE).tasks
    ewsemu_control.add_fault("drop_connection", operation="FindItem")
    with pytest.raises(ErrorTimeoutExpired, match="Remote end closed connection without response"):
        list(folder.all())
    ewsemu_control.add_fault("http_status", status=401, operation="FindItem")
    with pytest.raises(UnauthorizedError):
        list(folder.all())
    assert list(folder.all()) == []
    assert [(e["status"], [f["kind"] for f in e["faults"]]) for e in ewsemu_control.ledger(operation="FindItem")] \
        == [(0, ["drop_connection"]), (401, ["http_status"]), (200, [])]


def test_coverage_and_dashboard_through_the_fixture(ewsemu_control, ewsemu_account) -> None:
    Task(folder=ewsemu_account(ALICE).tasks, subject="on the dashboard").save()
    assert ewsemu_control.coverage() == coverage.as_json()
    page = ewsemu_control.request("GET", "ui")
    assert "<h1>ewsemu</h1>" in page and "on the dashboard" in page and ALICE in page


def test_a_session_recorded_through_the_plugin_replays_clean(ewsemu_control, ewsemu_account, ewsemu_url,
                                                             tmp_path: Path, capsys) -> None:
    ewsemu_control.reset()  # recorded first, so the replay starts from an empty server too
    account = ewsemu_account(ALICE)
    task = Task(folder=account.tasks, subject="recorded", due_date=dt.date(2026, 3, 1)).save()
    task.percent_complete = Decimal(50)
    task.save(update_fields=["percent_complete"])
    account.tasks.get(id=task.id)
    path = tmp_path / "session.json"
    path.write_text(json.dumps(ewsemu_control.export_session()), encoding="utf-8")
    assert cli.main(["replay", str(path), "--url", ewsemu_url]) == 0, capsys.readouterr().out
    assert "0 with differences" in capsys.readouterr().out
    # the replay ran against the same server: the reset it began with left exactly the replayed task
    (again,) = ewsemu_control.state()["mailboxes"][0]["items"]
    assert again["properties"]["item:Subject"] == "recorded" and again["id"] != task.id


# ---- isolation and determinism, seen from a user's own suite ---------------------------------------------------

USER_SUITE = textwrap.dedent('''
    import json, os
    from exchangelib import Task

    def record(name, value):
        with open(os.environ["OUT"], "a") as f:
            f.write(json.dumps([name, value]) + "\\n")

    def test_one(ewsemu_control, ewsemu_account):
        account = ewsemu_account("alice@example.com")
        task = Task(folder=account.tasks, subject="one").save()
        record("one", [task.id, task.changekey])
        ewsemu_control.add_fault("server_busy", operation="FindItem", count=None)
        ewsemu_control.clock_advance("3d")

    def test_two(ewsemu_control, ewsemu_account):
        assert ewsemu_control.faults() == []
        assert [e["face"] for e in ewsemu_control.ledger()] == []
        assert ewsemu_control.clock()["now"] == "2026-01-13T09:00:00Z"
        account = ewsemu_account("alice@example.com")
        assert list(account.tasks.all()) == []  # no leftover task, and no leftover fault
        task = Task(folder=account.tasks, subject="two").save()
        record("two", [task.id, task.changekey, str(account.tasks.get(id=task.id).datetime_created)])
''')


def _run_user_suite(pytester: pytest.Pytester, out: Path) -> list:
    pytester.makepyfile(test_user=USER_SUITE)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_each_test_of_a_user_suite_starts_from_a_clean_deterministic_server(pytester: pytest.Pytester,
                                                                            monkeypatch) -> None:
    out = pytester.path / "ids.jsonl"
    monkeypatch.setenv("OUT", str(out))
    monkeypatch.setenv("EWSEMU_SEED", "42")
    monkeypatch.setenv("EWSEMU_CLOCK", "frozen:2026-01-13T09:00:00Z")
    monkeypatch.delenv("EWSEMU_DATABASE", raising=False)
    first = _run_user_suite(pytester, out)
    (_, one), (_, two) = first
    assert two[:2] == one  # reset restarts the seeded id sequence: the same request, the same Id and ChangeKey
    assert two[2] == "2026-01-13 09:00:00+00:00"  # and puts the clock back to EWSEMU_CLOCK
    out.unlink()
    assert _run_user_suite(pytester, out) == first  # another run of the suite: identical


def test_the_readme_pytest_recipe_runs_as_written(pytester: pytest.Pytester, monkeypatch) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### In your pytest suite\n", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    for name in ("EWSEMU_SEED", "EWSEMU_CLOCK", "EWSEMU_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_readme=code)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
