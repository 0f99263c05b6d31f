"""Issue 8 B: the JSON task API (/v1/tasks) end to end, every status code and rule, D24/D25.

Every reply of the API is validated against the OpenAPI document the server itself serves (``api`` fixture),
and the stored state is read back through EWS GetItem on the same server.
"""
from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from openapi_spec_validator import validate as validate_openapi

from ewsemu.core import ids
from ewsemu.double import fixtures
from ewsemu.emulator import Emulator, Settings
from ewsemu.rest import tasks_api

from ..rest import (
    Api, OpenApi, Reply, ews_create, ews_get, ews_id, ews_set, ews_update, named, rest_id, team, text,
    wsgi_sender, xpath,
)
from ..soap import Client

NOW = dt.datetime(2026, 1, 13, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database=database_url, seed=7, users=team())


@pytest.fixture
def api(client: Client) -> Api:
    api = Api(wsgi_sender(client))
    served = api.rest("GET", "/v1/openapi.json", who=None)
    assert served.status == 200
    api.checker = OpenApi(served.json())
    return api


def create(api: Api, who: str = "alice", **fields: Any) -> dict[str, Any]:
    fields.setdefault("title", "Write the report")
    reply = api.rest("POST", "/v1/tasks", fields, who=who)
    assert reply.status == 201, reply.body
    return reply.json()


def patch(api: Api, task: dict[str, Any] | str, body: Any, who: str = "alice", **headers: str) -> Reply:
    task_id = task if isinstance(task, str) else task["id"]
    return api.rest("PATCH", f"/v1/tasks/{task_id}", body, who=who, headers=headers)


def get(api: Api, task: dict[str, Any] | str, who: str = "alice") -> Reply:
    task_id = task if isinstance(task, str) else task["id"]
    return api.rest("GET", f"/v1/tasks/{task_id}", who=who)


def ews_view(api: Api, task: dict[str, Any], user: str = "alice@example.com"):
    return ews_get(api, ews_id(task["id"]), user)


def error(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    body = reply.json()["error"]
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


# ---- the OpenAPI document -----------------------------------------------------------------------------------


def test_the_served_document_is_valid_openapi_3_1_generated_from_the_handler_fields(api: Api) -> None:
    doc = api.rest("GET", "/v1/openapi.json", who=None).json()
    validate_openapi(doc)
    assert doc["openapi"] == "3.1.0"
    schemas = doc["components"]["schemas"]
    task = schemas["Task"]
    assert list(task["properties"]) == [f.name for f in tasks_api.FIELDS] == task["required"]
    assert {n for n, p in task["properties"].items() if p.get("readOnly")} == \
        {f.name for f in tasks_api.FIELDS if f.read_only} == {"id", "createdBy", "createdAt", "updatedAt", "version"}
    assert task["properties"]["status"]["enum"] == list(STATUSES)
    assert schemas["TaskCreate"]["required"] == ["title"]
    assert schemas["TaskPatch"]["properties"]["dueDate"]["type"] == ["string", "null"]
    assert set(doc["paths"]["/v1/tasks/{taskId}"]) == {"parameters", "get", "patch", "delete"}
    created = create(api)
    assert set(created) == set(task["properties"])  # the handlers render exactly the documented fields


def test_every_reply_in_a_session_was_checked_against_the_document(api: Api) -> None:
    assert api.checker is not None
    before = api.checker.checked
    task = create(api)
    patch(api, task, {"status": "IN_PROGRESS"})
    patch(api, task, {"status": "DONE"})
    error(patch(api, task, {"status": "TODO"}), 422, "invalid_status_transition")
    api.rest("DELETE", f"/v1/tasks/{task['id']}", who="alice")
    assert api.checker.checked - before == 5


# ---- 401 ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic YWxpY2VAZXhhbXBsZS5jb206c2VjcmV0",
                                           "Bearer "])
def test_missing_or_invalid_tokens_are_401(api: Api, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    reply = api.rest("GET", "/v1/tasks", who=None, headers=headers)
    error(reply, 401, "unauthorized")
    assert reply.headers["www-authenticate"].startswith("Bearer")


# ---- POST ------------------------------------------------------------------------------------------------------


def test_create_stores_every_field_in_the_creators_tasks_folder(api: Api) -> None:
    reply = api.rest("POST", "/v1/tasks", {
        "title": "Ship it", "description": "All of it", "priority": "HIGH", "tags": ["work", "q1"],
        "dueDate": "2026-02-01T17:30:00Z", "warningOffset": 24, "assigneeId": "Alice@Example.com",
    })
    assert reply.status == 201
    task = reply.json()
    assert reply.headers["location"] == f"/v1/tasks/{task['id']}"
    assert {k: task[k] for k in ("title", "description", "status", "priority", "assigneeId", "dueDate",
                                 "warningOffset", "tags", "createdBy", "version")} == {
        "title": "Ship it", "description": "All of it", "status": "TODO", "priority": "HIGH",
        "assigneeId": "alice@example.com", "dueDate": "2026-02-01T17:30:00Z", "warningOffset": 24,
        "tags": ["work", "q1"], "createdBy": "alice@example.com", "version": 1}
    assert task["createdAt"] == task["updatedAt"] == "2026-01-13T09:00:00Z"
    ews = ews_view(api, task)
    assert reply.etag == f'"{ews.find("{*}ItemId").get("ChangeKey")}"'
    assert text(ews, "Subject") == "Ship it" and text(ews, "Body") == "All of it"
    assert [s.text for s in ews.find("{*}Categories")] == ["work", "q1"]
    assert text(ews, "Importance") == "High" and text(ews, "Status") == "NotStarted"
    assert text(ews, "DueDate") == "2026-02-01T00:00:00Z"
    assert text(ews, "ReminderIsSet") == "true" and text(ews, "ReminderDueBy") == "2026-01-31T17:30:00Z"
    assert named(ews, "TaskApi.createdBy") == "alice@example.com"
    assert named(ews, "TaskApi.assigneeId") == "alice@example.com"
    assert named(ews, "TaskApi.dueDate") == "2026-02-01T17:30:00Z"


def test_read_only_fields_are_ignored_on_create_and_patch(api: Api) -> None:
    task = create(api, id="forged", createdBy="admin@example.com", createdAt="2020-01-01T00:00:00Z", version=9)
    assert task["id"] != "forged" and task["createdBy"] == "alice@example.com" and task["version"] == 1
    reply = patch(api, task, {"createdBy": "bob@example.com", "updatedAt": "2020-01-01T00:00:00Z", "title": "New"})
    assert reply.status == 200
    assert reply.json()["createdBy"] == "alice@example.com" and reply.json()["title"] == "New"


@pytest.mark.parametrize("body,fields", [
    ({}, {"title"}),
    ({"title": ""}, {"title"}),
    ({"title": "x" * 256}, {"title"}),
    ({"title": 7}, {"title"}),
    ({"title": "t", "status": "DOING"}, {"status"}),
    ({"title": "t", "priority": "low"}, {"priority"}),
    ({"title": "t", "dueDate": "next week"}, {"dueDate"}),
    ({"title": "t", "dueDate": "2026-01-13T08:59:59Z"}, {"dueDate"}),
    ({"title": "t", "warningOffset": -1, "dueDate": "2026-02-01T00:00:00Z"}, {"warningOffset"}),
    ({"title": "t", "warningOffset": 2}, {"warningOffset"}),
    ({"title": "t", "warningOffset": 1.5, "dueDate": "2026-02-01T00:00:00Z"}, {"warningOffset"}),
    ({"title": "t", "tags": ["ok", ""]}, {"tags"}),
    ({"title": "t", "tags": "work"}, {"tags"}),
    ({"title": "t", "assigneeId": "nobody@example.com"}, {"assigneeId"}),
    ({"title": "t", "colour": "red"}, {"colour"}),
    ({"title": None, "status": None, "priority": 3}, {"title", "status", "priority"}),
])
def test_create_validation_errors_are_422_naming_every_field(api: Api, body: dict, fields: set[str]) -> None:
    err = error(api.rest("POST", "/v1/tasks", body), 422, "validation_error")
    assert {e["field"] for e in err["details"]["errors"]} == fields
    assert api.rest("GET", "/v1/tasks").json()["items"] == []


def test_due_date_must_be_in_the_future_of_the_emulator_clock(api: Api, clock) -> None:
    assert create(api, dueDate="2026-01-13T09:00:01Z")["dueDate"] == "2026-01-13T09:00:01Z"
    clock.advance(dt.timedelta(days=30))
    err = error(api.rest("POST", "/v1/tasks", {"title": "t", "dueDate": "2026-02-01T00:00:00Z"}), 422,
                "validation_error")
    assert err["details"]["errors"] == [{"field": "dueDate", "message": "must be in the future"}]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b'{"title": NaN}', b"\xff\xfe",
                                 b'{"title": "t"'])
def test_malformed_bodies_are_400(api: Api, raw: bytes) -> None:
    error(api.rest("POST", "/v1/tasks", raw=raw), 400, "bad_request")
    task = create(api)
    error(api.rest("PATCH", f"/v1/tasks/{task['id']}", raw=raw), 400, "bad_request")


def test_an_oversized_body_is_413(emulator: Emulator, api: Api) -> None:
    limit = emulator.settings.limits.max_request_bytes
    reply = api.rest("POST", "/v1/tasks", raw=b'{"title": "' + b"x" * limit + b'"}')
    error(reply, 413, "payload_too_large")


def test_a_member_may_only_create_tasks_assigned_to_themselves(api: Api) -> None:
    error(api.rest("POST", "/v1/tasks", {"title": "t", "assigneeId": "bob@example.com"}), 403, "forbidden")
    assert create(api, assigneeId="alice@example.com")["assigneeId"] == "alice@example.com"
    assert create(api, who="manager", assigneeId="bob@example.com")["assigneeId"] == "bob@example.com"


# ---- GET -------------------------------------------------------------------------------------------------------


def test_get_one_and_list_with_filters(api: Api, clock) -> None:
    a = create(api, title="A")
    clock.advance(dt.timedelta(minutes=1))
    b = create(api, who="bob", title="B", assigneeId="bob@example.com")
    clock.advance(dt.timedelta(minutes=1))
    c = create(api, who="manager", title="C", assigneeId="alice@example.com")
    patch(api, c, {"status": "IN_PROGRESS"}, who="manager")
    reply = get(api, b)
    assert reply.status == 200 and reply.json() == b and reply.etag is not None
    every = api.rest("GET", "/v1/tasks", who="bob").json()["items"]
    assert [t["title"] for t in every] == ["A", "B", "C"]
    assert [t["title"] for t in api.rest("GET", "/v1/tasks?status=IN_PROGRESS").json()["items"]] == ["C"]
    assert [t["title"] for t in api.rest("GET", "/v1/tasks?assigneeId=Bob@example.com").json()["items"]] == ["B"]
    assert a["id"] in {t["id"] for t in every}
    err = error(api.rest("GET", "/v1/tasks?status=done"), 422, "validation_error")
    assert err["details"]["errors"][0]["field"] == "status"


def test_tasks_made_through_ews_are_listed_with_mapped_values(api: Api) -> None:
    item_id, _ = ews_create(api, "<t:Subject>From EWS</t:Subject><t:Importance>Low</t:Importance>"
                                 "<t:DueDate>2026-03-02T00:00:00Z</t:DueDate><t:Status>WaitingOnOthers</t:Status>",
                            user="bob@example.com")
    task = get(api, rest_id(item_id)).json()
    assert (task["title"], task["priority"], task["status"], task["dueDate"], task["createdBy"]) == \
        ("From EWS", "LOW", "REVIEW", "2026-03-02T00:00:00Z", "bob@example.com")
    assert task["description"] is None and task["tags"] == [] and task["warningOffset"] is None


@pytest.mark.parametrize("task_id", [
    rest_id(base64.b64encode(ids.ITEM_HEADER + bytes(16)).decode()),  # well-formed, no such item
    "not-an-id",
    rest_id(ids.IdFactory(1).folder_id()),  # a folder's id
])
def test_unknown_ids_are_404(api: Api, task_id: str) -> None:
    error(get(api, task_id), 404, "not_found")
    error(patch(api, task_id, {"title": "x"}), 404, "not_found")
    error(api.rest("DELETE", f"/v1/tasks/{task_id}"), 404, "not_found")


def test_tasks_outside_the_tasks_folders_are_404(api: Api) -> None:
    root = api.ews("<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id=\"drafts\"/>"
                   "</m:SavedItemFolderId><m:Items><t:Task><t:Subject>Draft</t:Subject></t:Task></m:Items>"
                   "</m:CreateItem>")
    (item,) = xpath(root, "//t:ItemId")
    error(get(api, rest_id(item.get("Id")), who="admin"), 404, "not_found")
    assert api.rest("GET", "/v1/tasks", who="admin").json()["items"] == []


def test_unknown_routes_and_methods(api: Api) -> None:
    reply = api.rest("PUT", "/v1/tasks", {"title": "t"}, template="/v1/tasks")
    error(reply, 405, "method_not_allowed")
    assert reply.headers["allow"] == "GET, POST"
    assert api.rest("GET", "/v1/projects").status == 404


# ---- PATCH -----------------------------------------------------------------------------------------------------


def test_patch_changes_fields_and_null_removes_optional_ones(api: Api) -> None:
    task = create(api, description="d", tags=["a"], dueDate="2026-02-01T10:00:00Z", warningOffset=2,
                  assigneeId="alice@example.com")
    reply = patch(api, task, {"title": "Renamed", "description": None, "tags": None, "dueDate": None,
                              "assigneeId": None, "priority": "LOW"})
    assert reply.status == 200
    body = reply.json()
    assert (body["title"], body["description"], body["tags"], body["dueDate"], body["warningOffset"],
            body["assigneeId"], body["priority"], body["version"]) == \
        ("Renamed", None, [], None, None, None, "LOW", 2)
    assert reply.etag == get(api, task).etag == f'"{ews_view(api, task).find("{*}ItemId").get("ChangeKey")}"'
    ews = ews_view(api, task)
    assert text(ews, "Body") is None and ews.find("{*}Categories") is None and text(ews, "DueDate") is None
    assert text(ews, "ReminderIsSet") == "false" and named(ews, "TaskApi.assigneeId") is None
    error(patch(api, task, {"title": None}), 422, "validation_error")


def test_an_empty_patch_changes_nothing(api: Api) -> None:
    task = create(api)
    reply = patch(api, task, {})
    assert reply.status == 200 and reply.json()["version"] == 1 and reply.etag == get(api, task).etag


def test_a_new_due_date_keeps_the_warning_offset(api: Api) -> None:
    task = create(api, dueDate="2026-02-01T12:00:00Z", warningOffset=3)
    body = patch(api, task, {"dueDate": "2026-02-10T08:00:00Z"}).json()
    assert (body["dueDate"], body["warningOffset"]) == ("2026-02-10T08:00:00Z", 3)
    assert text(ews_view(api, task), "ReminderDueBy") == "2026-02-10T05:00:00Z"
    assert patch(api, task, {"warningOffset": None}).json()["warningOffset"] is None
    assert text(ews_view(api, task), "ReminderIsSet") == "false"
    error(patch(api, task, {"dueDate": None, "warningOffset": 1}), 422, "validation_error")


# ---- D25: the status lifecycle ---------------------------------------------------------------------------------

STATUSES = ("TODO", "IN_PROGRESS", "REVIEW", "DONE", "CANCELED")
#: D25, written out here rather than read from the implementation
D25 = {"TODO": ["IN_PROGRESS", "CANCELED"], "IN_PROGRESS": ["TODO", "REVIEW", "DONE", "CANCELED"],
       "REVIEW": ["IN_PROGRESS", "DONE", "CANCELED"], "DONE": ["CANCELED"], "CANCELED": ["TODO"]}
#: D24
EWS_STATUS = {"TODO": "NotStarted", "IN_PROGRESS": "InProgress", "REVIEW": "WaitingOnOthers", "DONE": "Completed",
              "CANCELED": "Deferred"}
PAIRS = [(a, b) for a in STATUSES for b in STATUSES]


@pytest.mark.parametrize("current,requested", PAIRS)
def test_status_transitions_follow_d25(api: Api, current: str, requested: str) -> None:
    task = create(api)
    # put the task in `current` through EWS: the JSON status follows task:Status (D24)
    ews_update(api, ews_id(task["id"]), None, ews_set("task:Status", f"<t:Status>{EWS_STATUS[current]}</t:Status>"))
    before = get(api, task).json()
    assert before["status"] == current
    reply = patch(api, task, {"status": requested})
    if requested == current:
        assert reply.status == 200 and reply.json()["version"] == before["version"]  # a no-op
    elif requested in D25[current]:
        assert reply.status == 200 and reply.json()["status"] == requested
        assert text(ews_view(api, task), "Status") == EWS_STATUS[requested]
    else:
        err = error(reply, 422, "invalid_status_transition")
        assert err["details"] == {"currentStatus": current, "requestedStatus": requested,
                                  "allowedTransitions": D25[current]}
        assert get(api, task).json() == before


def test_an_invalid_transition_changes_nothing_else_in_the_same_patch(api: Api) -> None:
    task = create(api)
    error(patch(api, task, {"title": "Changed", "status": "DONE"}), 422, "invalid_status_transition")
    assert get(api, task).json()["title"] == "Write the report"


def test_review_and_canceled_round_trip_and_an_ews_status_change_resets_them(api: Api) -> None:
    task = create(api)
    patch(api, task, {"status": "IN_PROGRESS"})
    assert patch(api, task, {"status": "REVIEW"}).json()["status"] == "REVIEW"
    ews = ews_view(api, task)
    assert text(ews, "Status") == "WaitingOnOthers" and named(ews, "TaskApi.status") == "REVIEW"
    ews_update(api, ews_id(task["id"]), None, ews_set("task:Status", "<t:Status>InProgress</t:Status>"))
    assert get(api, task).json()["status"] == "IN_PROGRESS"
    assert patch(api, task, {"status": "CANCELED"}).json()["status"] == "CANCELED"
    assert text(ews_view(api, task), "Status") == "Deferred"
    assert patch(api, task, {"status": "TODO"}).json()["status"] == "TODO"
    assert text(ews_view(api, task), "PercentComplete") == "0"


def test_done_completes_the_task_with_the_ews_coupling(api: Api) -> None:
    task = create(api)
    patch(api, task, {"status": "IN_PROGRESS"})
    assert patch(api, task, {"status": "DONE"}).json()["status"] == "DONE"
    ews = ews_view(api, task)
    assert (text(ews, "Status"), text(ews, "PercentComplete"), text(ews, "CompleteDate"), text(ews, "IsComplete")) \
        == ("Completed", "100", "2026-01-13T00:00:00Z", "true")


def test_urgent_is_high_importance_plus_a_marker(api: Api) -> None:
    task = create(api, priority="URGENT")
    ews = ews_view(api, task)
    assert text(ews, "Importance") == "High" and named(ews, "TaskApi.urgent") == "true"
    assert patch(api, task, {"priority": "HIGH"}).json()["priority"] == "HIGH"
    assert named(ews_view(api, task), "TaskApi.urgent") is None
    patch(api, task, {"priority": "URGENT"})
    ews_update(api, ews_id(task["id"]), None, ews_set("item:Importance", "<t:Importance>Normal</t:Importance>"))
    assert get(api, task).json()["priority"] == "MEDIUM"


def test_the_full_due_date_is_kept_until_ews_moves_the_date(api: Api) -> None:
    task = create(api, dueDate="2026-02-01T17:30:00+02:00")
    assert task["dueDate"] == "2026-02-01T15:30:00Z"
    ews_update(api, ews_id(task["id"]), None, ews_set("task:DueDate", "<t:DueDate>2026-02-05T00:00:00Z</t:DueDate>"))
    assert get(api, task).json()["dueDate"] == "2026-02-05T00:00:00Z"


# ---- permissions (403) ---------------------------------------------------------------------------------------


def test_members_change_only_tasks_they_created_or_are_assigned_to(api: Api) -> None:
    mine = create(api, who="alice")
    error(patch(api, mine, {"title": "Bob was here"}, who="bob"), 403, "forbidden")
    assert get(api, mine).json()["title"] == "Write the report"
    assigned = create(api, who="manager", assigneeId="bob@example.com")
    assert patch(api, assigned, {"title": "Bob's now"}, who="bob").status == 200
    error(patch(api, assigned, {"title": "Alice's now"}, who="alice"), 403, "forbidden")
    for boss in ("manager", "admin"):
        assert patch(api, mine, {"title": f"{boss} edit"}, who=boss).status == 200


def test_members_may_only_assign_to_themselves(api: Api) -> None:
    task = create(api)
    error(patch(api, task, {"assigneeId": "bob@example.com"}), 403, "forbidden")
    assert patch(api, task, {"assigneeId": "alice@example.com"}).json()["assigneeId"] == "alice@example.com"
    assert patch(api, task, {"assigneeId": "bob@example.com"}, who="manager").json()["assigneeId"] == \
        "bob@example.com"
    assert patch(api, task, {"assigneeId": None}).json()["assigneeId"] is None


def test_members_delete_only_what_they_created(api: Api) -> None:
    task = create(api, who="manager", assigneeId="bob@example.com")
    error(api.rest("DELETE", f"/v1/tasks/{task['id']}", who="bob"), 403, "forbidden")
    own = create(api, who="bob")
    reply = api.rest("DELETE", f"/v1/tasks/{own['id']}", who="bob")
    assert reply.status == 204 and reply.body == b""
    error(get(api, own), 404, "not_found")
    assert api.rest("DELETE", f"/v1/tasks/{task['id']}", who="admin").status == 204


# ---- If-Match (409) ------------------------------------------------------------------------------------------


def test_if_match_with_the_current_etag_or_version_applies(api: Api) -> None:
    task = create(api)
    first = get(api, task)
    reply = patch(api, task, {"title": "v2"}, **{"If-Match": first.etag})
    assert reply.status == 200 and reply.json()["version"] == 2
    assert patch(api, task, {"title": "v3"}, **{"If-Match": "2"}).json()["version"] == 3
    assert patch(api, task, {"title": "v4"}, **{"If-Match": "*"}).json()["version"] == 4


def test_a_stale_if_match_is_409_and_changes_nothing(api: Api) -> None:
    task = create(api)
    stale = get(api, task).etag
    patch(api, task, {"title": "Someone else"}, who="manager")
    current = get(api, task)
    for value in (stale, "1", '"garbage"'):
        err = error(patch(api, task, {"title": "Mine"}, **{"If-Match": value}), 409, "version_conflict")
        assert err["details"] == {"currentVersion": 2, "currentETag": current.etag}
    error(api.rest("DELETE", f"/v1/tasks/{task['id']}", headers={"If-Match": stale}), 409, "version_conflict")
    assert get(api, task).json() == current.json()


def test_403_comes_before_409(api: Api) -> None:
    task = create(api)
    error(patch(api, task, {"title": "x"}, who="bob", **{"If-Match": '"stale"'}), 403, "forbidden")


# ---- recurring tasks -----------------------------------------------------------------------------------------

WEEKLY = ("<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek>"
          "</t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-12Z</t:StartDate>"
          "<t:NumberOfOccurrences>5</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>")


def test_done_on_a_recurring_task_spawns_the_completed_one_off(api: Api, clock) -> None:
    item_id, _ = ews_create(api, f"<t:Subject>Weekly</t:Subject>{WEEKLY}")
    task_id = rest_id(item_id)
    patch(api, task_id, {"status": "IN_PROGRESS"})
    clock.advance(dt.timedelta(hours=1))
    reply = patch(api, task_id, {"status": "DONE"})
    assert reply.status == 200
    master = reply.json()
    assert master["status"] == "TODO" and master["dueDate"] == "2026-01-19T00:00:00Z"
    one_off = get(api, reply.headers["ewsemu-spawned-task-id"]).json()
    assert (one_off["status"], one_off["dueDate"], one_off["title"]) == ("DONE", "2026-01-12T00:00:00Z", "Weekly")
    assert [t["id"] for t in api.rest("GET", "/v1/tasks").json()["items"]] == [task_id, one_off["id"]]
    ews = ews_get(api, ews_id(one_off["id"]))
    assert text(ews, "IsRecurring") == "false" and text(ews, "Status") == "Completed"


def test_engine_rules_apply_a_due_date_before_the_ews_start_date_is_422(api: Api) -> None:
    item_id, _ = ews_create(api, "<t:Subject>Starts late</t:Subject><t:DueDate>2026-03-10T00:00:00Z</t:DueDate>"
                                 "<t:StartDate>2026-03-01T00:00:00Z</t:StartDate>")
    err = error(patch(api, rest_id(item_id), {"dueDate": "2026-02-20T12:00:00Z", "title": "x"}), 422,
                "validation_error")
    assert [e["field"] for e in err["details"]["errors"]] == ["dueDate"]
    assert "ErrorCalendarEndDateIsEarlierThanStartDate" in err["details"]["errors"][0]["message"]
    assert get(api, rest_id(item_id)).json()["title"] == "Starts late"


# ---- an assigned task (its request sent, as Outlook leaves it) ---------------------------------------------


ASSIGNED_ID = "AAMkAGFzc2lnbmVkLXRhc2s="  # "\0\3$\0assigned-task"


def test_patching_an_assigned_task_whose_request_was_sent_is_409_and_changes_nothing(
        emulator: Emulator, api: Api) -> None:
    fixtures.load(emulator, {"mailboxes": [{"smtp": "alice@example.com", "tasks": [
        {"id": ASSIGNED_ID, "subject": "Delegated", "assigned_to": "bob@example.com"}]}]})
    before = get(api, rest_id(ASSIGNED_ID))
    assert before.status == 200, before.body
    body = error(patch(api, rest_id(ASSIGNED_ID), {"title": "Renamed"}), 409, "task_request_sent")
    assert body["details"] == {}
    after = get(api, rest_id(ASSIGNED_ID))
    assert after.json() == before.json() and after.headers["etag"] == before.headers["etag"]
    assert text(ews_view(api, {"id": rest_id(ASSIGNED_ID)}), "DelegationState") == "OwnNew"
