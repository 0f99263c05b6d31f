"""Assigned tasks, seeded as Outlook leaves them (EWS cannot send a task request): the assigner's copy refuses
UpdateItem with ErrorSentTaskRequestUpdate, and the assignee's Inbox holds the IPM.TaskRequest with the task."""
from __future__ import annotations

import pytest

from ewsemu.double import fixtures

from ..harness import Ews, assert_error, ews, ref_of, schema_valid_responses, set_field, val, vals  # noqa: F401
from ..soap import NS

SEED = {"mailboxes": [
    {"smtp": "alice@example.com", "display_name": "Alice Example", "tasks": [
        {"subject": "Write the report", "due_date": "2026-02-01", "body": "Due Monday",
         "assigned_to": "bob@example.com"},
        {"subject": "Mine alone"}]},
    {"smtp": "bob@example.com", "display_name": "Bob Example"},
]}
TASK_PROPS = ("<t:FieldURI FieldURI=\"task:DelegationState\"/><t:FieldURI FieldURI=\"task:Delegator\"/>"
              "<t:FieldURI FieldURI=\"task:IsAssignmentEditable\"/><t:FieldURI FieldURI=\"task:Owner\"/>")


@pytest.fixture
def seeded(emulator) -> None:
    assert fixtures.load(emulator, SEED) == 2


def _tasks(ews: Ews) -> dict[str, object]:
    return {val(t, "Subject"): t for t in ews.find("tasks", shape="IdOnly", additional=TASK_PROPS
                                                    + '<t:FieldURI FieldURI="item:Subject"/>')}


def test_the_assigners_copy_shows_the_assignment_as_exchange_does(ews: Ews, seeded: None) -> None:
    tasks = _tasks(ews)
    task = ews.get(ref_of(tasks["Write the report"]), shape="AllProperties", additional=TASK_PROPS)
    assert val(task, "DelegationState") == "OwnNew"
    assert val(task, "IsAssignmentEditable") == "0"
    assert val(task, "Owner") == "Bob Example"
    assert val(task, "Delegator") is None  # PidLidTaskAssigner is not set on the assigner's copy
    plain = ews.get(ref_of(tasks["Mine alone"]), shape="AllProperties", additional=TASK_PROPS)
    assert val(plain, "DelegationState") is None and val(plain, "Owner") == "Alice Example"


def test_update_item_on_a_sent_task_request_is_refused_and_changes_nothing(ews: Ews, seeded: None) -> None:
    ref = ref_of(_tasks(ews)["Write the report"])
    before = ews.snapshot(ref)
    r = ews.update(ref, set_field("task:PercentComplete", "<t:PercentComplete>50</t:PercentComplete>"))
    assert_error(r, "ErrorSentTaskRequestUpdate", container="Items")
    assert ews.snapshot(ref) == before
    # the unassigned task next to it updates as usual
    other = ref_of(_tasks(ews)["Mine alone"])
    r = ews.update(other, set_field("task:PercentComplete", "<t:PercentComplete>50</t:PercentComplete>"))
    assert r.codes() == ["NoError"], r.body


def test_in_a_batch_only_the_assigned_task_is_refused(ews: Ews, seeded: None) -> None:
    """D22: one response message per ItemChange; the refused one does not stop the next."""
    tasks = _tasks(ews)
    assigned, plain = ref_of(tasks["Write the report"]), ref_of(tasks["Mine alone"])
    change = set_field("item:Subject", "<t:Subject>Renamed</t:Subject>")
    r = ews.call('<m:UpdateItem ConflictResolution="AutoResolve"><m:ItemChanges>'
                 + "".join(f"<t:ItemChange>{ref.xml()}<t:Updates>{change}</t:Updates></t:ItemChange>"
                           for ref in (assigned, plain)) + "</m:ItemChanges></m:UpdateItem>")
    assert r.codes() == ["ErrorSentTaskRequestUpdate", "NoError"], r.body
    assert sorted(_tasks(ews)) == ["Renamed", "Write the report"]


def test_the_assignee_receives_the_task_request_with_the_task_attached(ews: Ews, seeded: None) -> None:
    shape = ('<t:FieldURI FieldURI="item:ItemClass"/><t:FieldURI FieldURI="item:Subject"/>'
             '<t:FieldURI FieldURI="item:HasAttachments"/><t:FieldURI FieldURI="message:From"/>'
             '<t:FieldURI FieldURI="message:IsRead"/>')
    [request] = ews.find("inbox", shape="IdOnly", additional=shape, user="bob@example.com")
    assert request.tag.endswith("}Message")
    assert val(request, "ItemClass") == "IPM.TaskRequest"
    assert val(request, "Subject") == "Write the report"
    assert val(request, "HasAttachments") == "true" and val(request, "IsRead") == "false"
    assert val(request, "t:From/t:Mailbox/t:EmailAddress") == "alice@example.com"
    assert ews.find("inbox", shape="IdOnly") == []  # nothing in the assigner's own Inbox
    full = ews.get(ref_of(request), user="bob@example.com")
    assert vals(full, "t:ToRecipients/t:Mailbox/t:EmailAddress") == ["bob@example.com"]
    [attachment_id] = [a.get("Id") for a in full.findall("t:Attachments/t:ItemAttachment/t:AttachmentId", NS)]
    r = ews.call("<m:GetAttachment><m:AttachmentShape><t:AdditionalProperties>" + TASK_PROPS
                 + "</t:AdditionalProperties></m:AttachmentShape><m:AttachmentIds>"
                 f'<t:AttachmentId Id="{attachment_id}"/></m:AttachmentIds></m:GetAttachment>', user="bob@example.com")
    assert r.codes() == ["NoError"], r.body
    [task] = r.xpath("//t:ItemAttachment/t:Task")
    assert val(task, "Subject") == "Write the report"
    assert val(task, "IsAssignmentEditable") == "1"
    assert val(task, "Delegator") == "Alice Example"
    assert val(task, "Owner") == "Bob Example"


def test_an_assignee_outside_this_server_gets_no_request(emulator, ews: Ews) -> None:
    data = {"mailboxes": [{"smtp": "alice@example.com", "tasks": [
        {"subject": "Away", "assigned_to": {"smtp": "dan@elsewhere.test", "name": "Dan Away"}}]}]}
    assert fixtures.load(emulator, data) == 1
    [task] = ews.find("tasks", shape="IdOnly", additional=TASK_PROPS)
    assert val(task, "Owner") == "Dan Away" and val(task, "DelegationState") == "OwnNew"


@pytest.mark.parametrize("bad", ["nobody", 7, {"name": "No address"}, {"smtp": "a@b.test", "name": 3}])
def test_a_bad_assigned_to_is_refused_with_the_reason(emulator, bad: object) -> None:
    data = {"mailboxes": [{"smtp": "alice@example.com", "tasks": [{"subject": "X", "assigned_to": bad}]}]}
    with pytest.raises(fixtures.FixtureError, match="assigned_to needs an address"):
        fixtures.load(emulator, data)


def test_the_assignment_is_found_by_its_named_property(ews: Ews, seeded: None) -> None:
    """DelegationState is PidLidTaskAcceptanceState by ordinal: a restriction on that property finds it."""
    state = ('<t:ExtendedFieldURI DistinguishedPropertySetId="Task" PropertyId="33066" PropertyType="Integer"/>')
    found = ews.find("tasks", shape="IdOnly", additional='<t:FieldURI FieldURI="item:Subject"/>' + state,
                     restriction=f'<t:IsEqualTo>{state}<t:FieldURIOrConstant><t:Constant Value="1"/>'
                                 "</t:FieldURIOrConstant></t:IsEqualTo>")
    assert [val(t, "Subject") for t in found] == ["Write the report"]
    assert val(found[0], "t:ExtendedProperty/t:Value") == "1"
