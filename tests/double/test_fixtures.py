"""Fixture files: what a YAML/JSON file turns into, read back through the EWS endpoint, and what it refuses."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from lxml import etree

from ewsemu.double import fixtures
from ewsemu.core.recurrence import NumberedRecurrence, Recurrence, WeeklyRecurrence
from ewsemu.emulator import Emulator
from ewsemu.store import lookup
from ewsemu.store.repository import Store

from ..soap import NS, Client

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo.yaml"
PINNED = "AAMkAGZpeHR1cmUtdGFzaw=="  # "\0\3$\0fixture-task"
PINNED_CK = "EwAAAAsAAABmaXh0dXJlLWNr"

FULL = f"""
mailboxes:
  - smtp: Carol@Example.com
    display_name: Carol Example
    tasks:
      - id: {PINNED}
        change_key: {PINNED_CK}
        subject: Everything
        body: {{text: "<p>hi</p>", type: HTML}}
        categories: [a, b]
        importance: High
        sensitivity: Private
        reminder_is_set: true
        reminder_due_by: 2026-01-19T08:30:00Z
        task:BillingInformation: B-7
        companies: [ACME]
        actual_work: 15
        due_date: 2026-01-20
        start_date: 2026-01-18
        percent_complete: 25.5
        extended:
          - path: {{distinguished_property_set_id: PublicStrings, property_name: X-Tag, property_type: String}}
            value: tagged
          - path: {{property_set_id: c11ff724-aa03-4555-9952-8fa248a11c3e, property_name: L,
                    property_type: StringArray}}
            value: [x, y]
      - subject: In the inbox
        folder: inbox
      - subject: Repeats
        recurrence:
          pattern: {{type: WeeklyRecurrence, interval: 1, days_of_week: [Monday, Thursday]}}
          range: {{type: NumberedRecurrence, start: 2026-01-13, count: 5}}
"""


def write(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def get(client: Client, item_id: str, user: str = "carol@example.com", extra: str = "") -> etree._Element:
    r = client.call("<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape>"
                    f"{extra}</m:ItemShape><m:ItemIds><t:ItemId Id=\"{item_id}\"/></m:ItemIds></m:GetItem>",
                    user=user)
    assert r.codes() == ["NoError"], r.body
    return r.xpath("//m:Items/t:Task")[0]


def items_of(emulator: Emulator, mailbox: str) -> list:
    from sqlalchemy import select

    from ewsemu.store.codec import item_from_row
    from ewsemu.store.schema import items

    with emulator.store.read() as conn:
        return [item_from_row(r) for r in conn.execute(select(items).where(items.c.mailbox == mailbox))]


def test_every_kind_of_value_is_loaded(tmp_path: Path, emulator: Emulator, client: Client) -> None:
    assert fixtures.load_files(emulator, [write(tmp_path, FULL)]) == 3
    ext = ("<t:AdditionalProperties><t:ExtendedFieldURI DistinguishedPropertySetId=\"PublicStrings\" "
           "PropertyName=\"X-Tag\" PropertyType=\"String\"/></t:AdditionalProperties>")
    task = get(client, PINNED, extra=ext)
    values = {c: task.findtext(f"t:{c}", namespaces=NS) for c in (
        "Subject", "Importance", "Sensitivity", "ReminderIsSet", "ReminderDueBy", "BillingInformation",
        "ActualWork", "DueDate", "StartDate", "PercentComplete", "Status", "Owner")}
    assert values == {"Subject": "Everything", "Importance": "High", "Sensitivity": "Private",
                      "ReminderIsSet": "true", "ReminderDueBy": "2026-01-19T08:30:00Z", "BillingInformation": "B-7",
                      "ActualWork": "15", "DueDate": "2026-01-20T00:00:00Z", "StartDate": "2026-01-18T00:00:00Z",
                      "PercentComplete": "25.5", "Status": "InProgress", "Owner": "Carol Example"}
    assert task.find("t:ItemId", NS).get("ChangeKey") == PINNED_CK
    body = task.find("t:Body", NS)
    assert (body.get("BodyType"), body.text) == ("HTML", "<p>hi</p>")
    assert [s.text for s in task.findall("t:Categories/t:String", NS)] == ["a", "b"]
    assert [s.text for s in task.findall("t:Companies/t:String", NS)] == ["ACME"]
    assert task.findtext("t:ExtendedProperty/t:Value", namespaces=NS) == "tagged"

    stored = {i.values["item:Subject"]: i for i in items_of(emulator, "carol@example.com")}
    assert set(stored) == {"Everything", "In the inbox", "Repeats"}
    assert stored["Everything"].extended["ext:c11ff724-aa03-4555-9952-8fa248a11c3e:name:L"].value == ("x", "y")
    with emulator.store.read() as conn:
        inbox = emulator.store.distinguished_folder(conn, "carol@example.com", "inbox")
        tasks = emulator.store.distinguished_folder(conn, "carol@example.com", "tasks")
    assert stored["In the inbox"].folder_id == inbox.id and stored["Everything"].folder_id == tasks.id
    # the recurrence went through the same normalisation as CreateItem: the task sits on the first occurrence
    repeats = stored["Repeats"]
    assert repeats.values["task:Recurrence"] == Recurrence(WeeklyRecurrence(1, ("Monday", "Thursday")),
                                                           NumberedRecurrence(repeats.values["task:DueDate"], 5))
    assert repeats.values["task:DueDate"].isoformat() == "2026-01-15"


def test_json_and_field_uri_keys(tmp_path: Path, emulator: Emulator, client: Client) -> None:
    data = {"mailboxes": [{"smtp": "carol@example.com", "tasks": [
        {"id": PINNED, "item:Subject": "From JSON", "task:Status": "Completed", "task:CompleteDate": "2026-01-10"}]}]}
    assert fixtures.load_files(emulator, [write(tmp_path, json.dumps(data), "f.json")]) == 1
    task = get(client, PINNED)
    assert [task.findtext(f"t:{n}", namespaces=NS) for n in ("Subject", "Status", "PercentComplete", "CompleteDate",
                                                             "Owner")] == [
        "From JSON", "Completed", "100", "2026-01-10T00:00:00Z", "carol"]


def test_date_time_values_for_task_dates_keep_their_date(tmp_path: Path, emulator: Emulator, client: Client) -> None:
    text = (f"mailboxes:\n  - smtp: carol@example.com\n    tasks:\n      - id: {PINNED}\n"
            "        subject: x\n        due_date: 2026-01-20T00:00:00Z\n")
    fixtures.load_files(emulator, [write(tmp_path, text)])
    assert get(client, PINNED).findtext("t:DueDate", namespaces=NS) == "2026-01-20T00:00:00Z"


def test_loading_again_leaves_pinned_items_alone(tmp_path: Path, emulator: Emulator, client: Client) -> None:
    """``make serve`` loads the demo fixtures into the database on every start."""
    assert fixtures.load_files(emulator, [DEMO]) == 3
    r = client.call('<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange>'
                    '<t:ItemId Id="AAMkADk0ZjY1LXRhc2stMDAx"/><t:Updates><t:SetItemField>'
                    '<t:FieldURI FieldURI="item:Subject"/><t:Task><t:Subject>Edited</t:Subject></t:Task>'
                    "</t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>")
    assert r.codes() == ["NoError"]
    assert fixtures.load_files(emulator, [DEMO]) == 0
    subjects = sorted(i.values["item:Subject"] for i in items_of(emulator, "alice@example.com"))
    assert subjects == ["Edited", "Renew the passport", "Water the plants"]


def test_a_pinned_id_of_another_mailbox_is_refused(tmp_path: Path, emulator: Emulator) -> None:
    one = f"mailboxes:\n  - smtp: carol@example.com\n    tasks:\n      - id: {PINNED}\n        subject: x\n"
    fixtures.load_files(emulator, [write(tmp_path, one)])
    with pytest.raises(fixtures.FixtureError, match=PINNED):
        fixtures.load_files(emulator, [write(tmp_path, one.replace("carol", "dave"), "g.yaml")])


@pytest.mark.parametrize("text, message", [
    ("- a\n- b\n", "expected a mapping with a 'mailboxes' list"),
    ("mailboxes: [1, 2]\n", "each mailbox needs an 'smtp' address"),
    ("mailboxes:\n  - display_name: Nobody\n", "each mailbox needs an 'smtp' address"),
    ("mailboxes:\n  - smtp: a@example.com\n    tasks: [just text]\n", "a task must be a mapping"),
    ("mailboxes:\n  - smtp: a@example.com\n    tasks:\n      - colour: red\n", "unknown property 'colour'"),
    ("mailboxes:\n  - smtp: a@example.com\n    tasks:\n      - is_complete: true\n", "ErrorInvalidPropertySet"),
    ("mailboxes:\n  - smtp: a@example.com\n    tasks:\n      - percent_complete: 150\n",
     "ErrorInvalidPercentCompleteValue"),
    ("mailboxes:\n  - smtp: a@example.com\n    tasks:\n      - due_date: soon\n", "due_date"),
    ("mailboxes:\n  - smtp: a@example.com\n    tasks:\n      - subject: x\n        folder: attic\n",
     "unknown folder 'attic'"),
    ("mailboxes:\n  - smtp: a@example.com\n    tasks:\n      - subject: x\n        recurrence: {pattern: {}}\n",
     "recurrence"),
    ("mailboxes: [\n", "not valid YAML"),
])
def test_bad_fixtures_are_fixture_errors(tmp_path: Path, emulator: Emulator, text: str, message: str) -> None:
    with pytest.raises(fixtures.FixtureError, match=message):
        fixtures.load_files(emulator, [write(tmp_path, text)])


def test_bad_json_and_missing_files(tmp_path: Path, emulator: Emulator) -> None:
    with pytest.raises(fixtures.FixtureError, match="not valid JSON"):
        fixtures.load_files(emulator, [write(tmp_path, "{", "f.json")])
    with pytest.raises(fixtures.FixtureError, match="nope.yaml"):
        fixtures.load_files(emulator, [tmp_path / "nope.yaml"])


def test_a_bad_item_loads_nothing_of_itself(tmp_path: Path, emulator: Emulator) -> None:
    text = "mailboxes:\n  - smtp: a@example.com\n    tasks:\n      - subject: ok\n      - percent_complete: 150\n"
    with pytest.raises(fixtures.FixtureError):
        fixtures.load_files(emulator, [write(tmp_path, text)])
    assert [i.values["item:Subject"] for i in items_of(emulator, "a@example.com")] == ["ok"]


def test_load_into_a_file_database_persists(tmp_path: Path, clock) -> None:
    from ewsemu.emulator import Settings

    url = f"sqlite:///{tmp_path}/f.db"
    first = Emulator(Settings(database=url), clock)
    try:
        assert fixtures.load_files(first, [DEMO]) == 3
    finally:
        first.close()
    store = Store(url)
    try:
        with store.read() as conn:
            assert store.load_item(conn, "AAMkADk0ZjY1LXRhc2stMDAx", "alice@example.com").values[
                "item:Subject"] == "Write the quarterly report"
    finally:
        store.dispose()


def test_the_readmes_fixtures_example_loads_with_its_assigned_task(emulator: Emulator, client: Client) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("\n### Fixtures\n", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert fixtures.load(emulator, yaml.safe_load(example)) == 3
    with emulator.store.read() as conn:
        tasks = {i.values["item:Subject"]: i for i in lookup.mailbox_items(conn, "alice@example.com")}
        inbox = lookup.mailbox_items(conn, "bob@example.com")
    assert tasks["Review the budget"].task_request_sent and not tasks["Write the report"].task_request_sent
    assert [(i.values["item:ItemClass"], i.values["item:Subject"]) for i in inbox] == [
        ("IPM.TaskRequest", "Review the budget")]


def test_an_assigned_task_is_exported_as_a_plain_task(emulator: Emulator) -> None:
    """Its assignee's address is not stored, so the export cannot say ``assigned_to``; it leaves out the
    assignment's named properties too, so reloading it gives a consistent, unassigned task."""
    fixtures.load(emulator, {"mailboxes": [{"smtp": "alice@example.com", "tasks": [
        {"subject": "Delegated", "assigned_to": "bob@example.com", "extended": [
            {"path": {"distinguished_property_set_id": "PublicStrings", "property_name": "X-Tag",
                      "property_type": "String"}, "value": "kept"}]}]}]})
    with emulator.store.read() as conn:
        [task] = lookup.mailbox_items(conn, "alice@example.com")
    spec = fixtures.item_spec(task)
    assert "assigned_to" not in spec and [e["value"] for e in spec["extended"]] == ["kept"]
    assert spec["item:Subject"] == "Delegated"
