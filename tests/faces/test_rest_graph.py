"""Issue 8 A: the Graph-style Outlook task face (/beta/tasks) end to end: D15, D26, D27.

Each test reads the stored result back through EWS GetItem on the same server: the face is only a view of
the one task store, and its ETag is the EWS ChangeKey.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ewsemu.double import fixtures
from ewsemu.emulator import Settings
from ewsemu.rest.common import ews_id as rest_to_ews
from ewsemu.rest.common import rest_id as ews_to_rest

from ..rest import Api, Reply, ews_create, ews_get, ews_id, ews_set, ews_update, named, rest_id, team, text, wsgi_sender
from ..soap import Client

IRRESOLVABLE = ("The send or update operation could not be performed because the change key passed in the request "
                "does not match the current change key for the item.")
WEEKLY = ("<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek>"
          "</t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-12Z</t:StartDate>"
          "<t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database=database_url, seed=7, users=team())


@pytest.fixture
def api(client: Client) -> Api:
    return Api(wsgi_sender(client))


def new_task(api: Api, props: str = "<t:Subject>Plan</t:Subject>") -> str:
    """A task made through EWS in alice's Tasks folder; returns its REST id."""
    return rest_id(ews_create(api, props)[0])


def graph_patch(api: Api, task_id: str, body: Any, who: str = "alice", **headers: str) -> Reply:
    return api.rest("PATCH", f"/beta/tasks/{task_id}", body, who=who, headers=headers)


def graph_get(api: Api, task_id: str, who: str = "alice") -> Reply:
    return api.rest("GET", f"/beta/tasks/{task_id}", who=who)


def change_key(api: Api, task_id: str) -> str:
    return ews_get(api, ews_id(task_id)).find("{*}ItemId").get("ChangeKey")


def graph_error(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    body = reply.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    return body["error"]


# ---- GET and ETags ---------------------------------------------------------------------------------------------


def test_get_shows_the_task_with_the_changekey_as_etag(api: Api) -> None:
    task_id = new_task(api, "<t:Subject>Plan</t:Subject><t:Categories><t:String>category2</t:String>"
                            "<t:String>work</t:String></t:Categories><t:DueDate>2026-01-20T00:00:00Z</t:DueDate>"
                            "<t:StartDate>2026-01-14T00:00:00Z</t:StartDate>")
    reply = graph_get(api, task_id)
    assert reply.status == 200
    ck = change_key(api, task_id)
    assert reply.etag == f'W/"{ck}"' == reply.json()["@odata.etag"]
    assert reply.json() == {
        "@odata.etag": f'W/"{ck}"', "id": task_id, "title": "Plan", "percentComplete": 0,
        "startDateTime": "2026-01-14T00:00:00Z", "dueDateTime": "2026-01-20T00:00:00Z", "completedDateTime": None,
        "createdDateTime": "2026-01-13T09:00:00Z", "lastModifiedDateTime": "2026-01-13T09:00:00Z",
        "assignedTo": None, "bucketId": None, "orderHint": None, "assigneePriority": None,
        "conversationThreadId": None, "appliedCategories": {"category2": True},
    }


def test_rest_ids_are_url_safe_and_ews_ids_are_accepted_too(api: Api) -> None:
    assert ews_to_rest("AA+/b+==") == "AA-_b-==" and rest_to_ews("AA-_b-==") == "AA+/b+=="
    item_id, _ = ews_create(api, "<t:Subject>Ids</t:Subject>")
    assert graph_get(api, ews_to_rest(item_id)).json()["id"] == ews_to_rest(item_id)
    assert graph_get(api, item_id).status == 200  # the EWS spelling (sent percent-encoded, decoded by the server)


def test_a_user_sees_only_their_own_mailbox(api: Api) -> None:
    task_id = new_task(api)
    graph_error(graph_get(api, task_id, who="bob"), 404, "ErrorItemNotFound")
    graph_error(graph_patch(api, task_id, {"title": "Bob"}, who="bob"), 404, "ErrorItemNotFound")
    assert text(ews_get(api, ews_id(task_id)), "Subject") == "Plan"


def test_bad_ids(api: Api) -> None:
    graph_error(graph_get(api, "nonsense!"), 400, "ErrorInvalidIdMalformed")
    graph_error(graph_get(api, "AAMkAEfVj6PFUBgwA3JVX9I18Rh="), 404, "ErrorItemNotFound")


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic YWxpY2VAZXhhbXBsZS5jb206c2VjcmV0"])
def test_bearer_auth_is_required(api: Api, authorization: str | None) -> None:
    task_id = new_task(api)
    headers = {"Authorization": authorization} if authorization else {}
    reply = api.rest("GET", f"/beta/tasks/{task_id}", who=None, headers=headers)
    graph_error(reply, 401, "InvalidAuthenticationToken")
    assert reply.headers["www-authenticate"].startswith("Bearer")


def test_unsupported_methods_are_405(api: Api) -> None:
    reply = api.rest("DELETE", f"/beta/tasks/{new_task(api)}")
    graph_error(reply, 405, "MethodNotAllowed")
    assert reply.headers["allow"] == "GET, PATCH"
    graph_error(api.rest("GET", "/beta/planner/plans"), 404, "ResourceNotFound")


# ---- PATCH: 204 / 200, D26 -------------------------------------------------------------------------------------


def test_patch_without_prefer_is_204_with_the_new_etag(api: Api) -> None:
    task_id = new_task(api)
    old = change_key(api, task_id)
    reply = graph_patch(api, task_id, {"title": "Renamed"})
    assert reply.status == 204 and reply.body == b""
    new = change_key(api, task_id)
    assert new != old and reply.etag == f'W/"{new}"'
    assert text(ews_get(api, ews_id(task_id)), "Subject") == "Renamed"


def test_prefer_return_representation_is_200_with_the_task(api: Api) -> None:
    task_id = new_task(api)
    reply = graph_patch(api, task_id, {"percentComplete": 40}, Prefer="return=representation")
    assert reply.status == 200 and reply.headers["preference-applied"] == "return=representation"
    body = reply.json()
    assert body["percentComplete"] == 40 and body["@odata.etag"] == reply.etag == f'W/"{change_key(api, task_id)}"'
    assert body == graph_get(api, task_id).json()


def test_if_match_current_applies_and_missing_or_star_is_unconditional(api: Api) -> None:
    task_id = new_task(api)
    etag = graph_get(api, task_id).etag
    assert graph_patch(api, task_id, {"title": "One"}, **{"If-Match": etag}).status == 204
    assert graph_patch(api, task_id, {"title": "Two"}).status == 204
    assert graph_patch(api, task_id, {"title": "Three"}, **{"If-Match": "*"}).status == 204
    assert text(ews_get(api, ews_id(task_id)), "Subject") == "Three"


@pytest.mark.parametrize("stale", ["etag", "strong", "garbage"])
def test_a_stale_etag_is_412_with_the_ews_conflict_text_and_nothing_changes(api: Api, stale: str) -> None:
    task_id = new_task(api)
    first = graph_get(api, task_id).etag
    ews_update(api, ews_id(task_id), None, ews_set("item:Subject", "<t:Subject>Changed in EWS</t:Subject>"))
    before = graph_get(api, task_id).json()
    value = {"etag": first, "strong": first.removeprefix("W/"), "garbage": 'W/"abc"'}[stale]
    err = graph_error(graph_patch(api, task_id, {"title": "Mine"}, **{"If-Match": value}), 412, "PreconditionFailed")
    assert err["message"] == IRRESOLVABLE and err["innerError"] == {"code": "ErrorIrresolvableConflict"}
    assert graph_get(api, task_id).json() == before


# ---- 400: unknown, read-only and invalid fields ------------------------------------------------------------------


@pytest.mark.parametrize("body,target", [
    ({"colour": "red"}, "colour"),
    ({"title": "ok", "planId": "p1"}, "planId"),
    ({"id": "x"}, "id"),
    ({"@odata.etag": 'W/"x"'}, "@odata.etag"),
    ({"completedDateTime": "2026-01-13T00:00:00Z"}, "completedDateTime"),
    ({"createdDateTime": "2026-01-13T00:00:00Z"}, "createdDateTime"),
    ({"percentComplete": 101}, "percentComplete"),
    ({"percentComplete": -1}, "percentComplete"),
    ({"percentComplete": "50"}, "percentComplete"),
    ({"percentComplete": 50.5}, "percentComplete"),
    ({"percentComplete": True}, "percentComplete"),
    ({"percentComplete": None}, "percentComplete"),
    ({"title": None}, "title"),
    ({"dueDateTime": "tomorrow"}, "dueDateTime"),
    ({"appliedCategories": {"category7": True}}, "appliedCategories.category7"),
    ({"appliedCategories": {"category1": "yes"}}, "appliedCategories.category1"),
    ({"appliedCategories": ["category1"]}, "appliedCategories"),
    ({"bucketId": 5}, "bucketId"),
])
def test_unknown_read_only_and_invalid_fields_are_400_naming_the_field(api: Api, body: dict, target: str) -> None:
    task_id = new_task(api)
    ck = change_key(api, task_id)
    err = graph_error(graph_patch(api, task_id, body), 400, "invalidRequest")
    assert err["target"] == target and f"'{target}'" in err["message"]
    assert change_key(api, task_id) == ck


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null"])
def test_a_body_that_is_not_a_json_object_is_400(api: Api, raw: bytes) -> None:
    graph_error(api.rest("PATCH", f"/beta/tasks/{new_task(api)}", raw=raw), 400, "BadRequest")


def test_start_after_due_is_400_and_nothing_changes(api: Api) -> None:
    task_id = new_task(api, "<t:Subject>Dates</t:Subject><t:DueDate>2026-01-20T00:00:00Z</t:DueDate>")
    err = graph_error(graph_patch(api, task_id, {"title": "x", "startDateTime": "2026-01-25T00:00:00Z"}), 400,
                      "ErrorCalendarEndDateIsEarlierThanStartDate")
    assert err["target"] == "dueDateTime"
    assert graph_get(api, task_id).json()["title"] == "Dates"


# ---- the mapping -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("percent,status,complete", [(0, "NotStarted", None), (1, "InProgress", None),
                                                      (50, "InProgress", None), (99, "InProgress", None),
                                                      (100, "Completed", "2026-01-13T00:00:00Z")])
def test_percent_complete_drives_status_with_the_d5_coupling(api: Api, percent: int, status: str,
                                                            complete: str | None) -> None:
    task_id = new_task(api)
    graph_patch(api, task_id, {"percentComplete": 30})
    graph_patch(api, task_id, {"percentComplete": percent})
    ews = ews_get(api, ews_id(task_id))
    assert (text(ews, "Status"), text(ews, "PercentComplete"), text(ews, "CompleteDate")) == \
        (status, str(percent), complete)
    body = graph_get(api, task_id).json()
    assert body["percentComplete"] == percent and body["completedDateTime"] == complete


@pytest.mark.parametrize("status,percent", [("NotStarted", 0), ("InProgress", 50), ("Completed", 100),
                                            ("WaitingOnOthers", 0), ("Deferred", 0)])
def test_d15_an_ews_status_reads_back_as_planner_percentages(api: Api, status: str, percent: int) -> None:
    task_id = new_task(api)
    ews_update(api, ews_id(task_id), None, ews_set("task:Status", f"<t:Status>{status}</t:Status>"))
    assert graph_get(api, task_id).json()["percentComplete"] == percent


def test_an_ews_percentage_reads_back_as_is(api: Api) -> None:
    task_id = new_task(api)
    ews_update(api, ews_id(task_id), None,
               ews_set("task:PercentComplete", "<t:PercentComplete>37.5</t:PercentComplete>"))
    assert graph_get(api, task_id).json()["percentComplete"] == 37


def test_dates_set_and_remove_with_d29_on_input(api: Api) -> None:
    task_id = new_task(api)
    graph_patch(api, task_id, {"startDateTime": "2026-01-15T00:00:00+01:00", "dueDateTime": "2026-01-16T10:00:00Z"})
    ews = ews_get(api, ews_id(task_id))
    assert (text(ews, "StartDate"), text(ews, "DueDate")) == ("2026-01-15T00:00:00Z", "2026-01-16T00:00:00Z")
    graph_patch(api, task_id, {"startDateTime": None, "dueDateTime": None})
    body = graph_get(api, task_id).json()
    assert body["startDateTime"] is None and body["dueDateTime"] is None


def test_applied_categories_map_to_named_categories_and_keep_the_others(api: Api) -> None:
    task_id = new_task(api, "<t:Subject>Cats</t:Subject><t:Categories><t:String>work</t:String>"
                            "<t:String>category1</t:String></t:Categories>")
    graph_patch(api, task_id, {"appliedCategories": {"category1": False, "category3": True, "category5": True}})
    ews = ews_get(api, ews_id(task_id))
    assert [s.text for s in ews.find("{*}Categories")] == ["work", "category3", "category5"]
    assert graph_get(api, task_id).json()["appliedCategories"] == {"category3": True, "category5": True}
    ews_update(api, ews_id(task_id), None, '<t:DeleteItemField><t:FieldURI FieldURI="item:Categories"/>'
                                           "</t:DeleteItemField>")
    graph_patch(api, task_id, {"appliedCategories": {"category2": False}})
    assert ews_get(api, ews_id(task_id)).find("{*}Categories") is None


@pytest.mark.parametrize("field", ["assignedTo", "bucketId", "orderHint", "assigneePriority",
                                   "conversationThreadId"])
def test_planner_fields_are_named_properties_visible_through_ews(api: Api, field: str) -> None:
    task_id = new_task(api)
    graph_patch(api, task_id, {field: "value-1"})
    assert named(ews_get(api, ews_id(task_id)), f"Graph.{field}") == "value-1"
    path = (f'<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="Graph.{field}" '
            'PropertyType="String"/>')
    ews_update(api, ews_id(task_id), None, f"<t:SetItemField>{path}<t:Task><t:ExtendedProperty>{path}"
                                           "<t:Value>from-ews</t:Value></t:ExtendedProperty></t:Task></t:SetItemField>")
    assert graph_get(api, task_id).json()[field] == "from-ews"
    graph_patch(api, task_id, {field: None})
    assert named(ews_get(api, ews_id(task_id)), f"Graph.{field}") is None


def test_body_order_is_update_order_for_the_coupling(api: Api) -> None:
    task_id = new_task(api)
    graph_patch(api, task_id, {"percentComplete": 100, "title": "t"})
    graph_patch(api, task_id, {"percentComplete": 20})
    assert text(ews_get(api, ews_id(task_id)), "Status") == "InProgress"


# ---- POST ------------------------------------------------------------------------------------------------------


def test_post_creates_a_task_in_the_callers_tasks_folder(api: Api) -> None:
    reply = api.rest("POST", "/beta/tasks", {"title": "New", "percentComplete": 100, "bucketId": "b",
                                             "appliedCategories": {"category4": True}, "assignedTo": None})
    assert reply.status == 201
    body = reply.json()
    assert reply.headers["location"] == f"/beta/tasks/{body['id']}" and reply.etag == body["@odata.etag"]
    assert (body["title"], body["percentComplete"], body["completedDateTime"], body["bucketId"]) == \
        ("New", 100, "2026-01-13T00:00:00Z", "b")
    ews = ews_get(api, ews_id(body["id"]))
    assert text(ews, "Status") == "Completed" and [s.text for s in ews.find("{*}Categories")] == ["category4"]
    tasks_folder = api.ews('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
                           '<m:FolderIds><t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>')
    assert ews.find("{*}ParentFolderId").get("Id") == tasks_folder.find(".//{*}FolderId").get("Id")
    assert reply.etag == f'W/"{ews.find("{*}ItemId").get("ChangeKey")}"'


@pytest.mark.parametrize("body,target", [({}, "title"), ({"title": "t", "id": "x"}, "id"),
                                         ({"title": "t", "percentComplete": 200}, "percentComplete")])
def test_post_validation_is_400(api: Api, body: dict, target: str) -> None:
    err = graph_error(api.rest("POST", "/beta/tasks", body), 400, "invalidRequest")
    assert err["target"] == target


# ---- D27: recurring tasks ------------------------------------------------------------------------------------


def test_completing_a_recurring_task_spawns_a_one_off_as_ews_does(api: Api, clock) -> None:
    task_id = new_task(api, f"<t:Subject>Weekly</t:Subject>{WEEKLY}")
    etag = graph_get(api, task_id).etag
    clock.advance(dt.timedelta(hours=2))
    reply = graph_patch(api, task_id, {"percentComplete": 100}, **{"If-Match": etag})
    assert reply.status == 204
    one_off = reply.headers["ewsemu-spawned-task-id"]
    assert one_off != task_id
    master = ews_get(api, ews_id(task_id))
    assert (text(master, "Status"), text(master, "DueDate"), text(master, "ChangeCount")) == \
        ("NotStarted", "2026-01-19T00:00:00Z", "2")
    assert master.find(".//{*}NumberOfOccurrences").text == "2"
    done = ews_get(api, ews_id(one_off))
    assert (text(done, "Status"), text(done, "IsRecurring"), text(done, "DueDate"), text(done, "Subject")) == \
        ("Completed", "false", "2026-01-12T00:00:00Z", "Weekly")
    graph_view = graph_get(api, one_off).json()
    assert graph_view["percentComplete"] == 100 and graph_view["completedDateTime"] == "2026-01-13T00:00:00Z"
    graph_error(graph_patch(api, task_id, {"percentComplete": 100}, **{"If-Match": etag}), 412,
                "PreconditionFailed")  # the master's ChangeKey moved on (D8)


def test_completing_the_last_occurrence_completes_the_master_itself(api: Api) -> None:
    task_id = new_task(api, f"<t:Subject>Weekly</t:Subject>{WEEKLY}")
    spawned = [graph_patch(api, task_id, {"percentComplete": 100}).headers.get("ewsemu-spawned-task-id")
               for _ in range(3)]
    assert spawned[0] and spawned[1] and spawned[2] is None
    master = graph_get(api, task_id).json()
    assert master["percentComplete"] == 100 and master["dueDateTime"] == "2026-01-26T00:00:00Z"


# ---- an assigned task (its request sent, as Outlook leaves it) ---------------------------------------------


def test_patching_an_assigned_task_whose_request_was_sent_answers_ews_code_and_changes_nothing(
        emulator, api: Api) -> None:
    assigned = "AAMkAGFzc2lnbmVkLXRhc2s="
    fixtures.load(emulator, {"mailboxes": [{"smtp": "alice@example.com", "tasks": [
        {"id": assigned, "subject": "Delegated", "assigned_to": "bob@example.com"}]}]})
    before = graph_get(api, rest_id(assigned))
    assert before.status == 200, before.body
    err = graph_error(graph_patch(api, rest_id(assigned), {"title": "Renamed"}), 400, "ErrorSentTaskRequestUpdate")
    assert err["message"] == "The task request has already been sent and may not be updated."
    after = graph_get(api, rest_id(assigned))
    assert after.json() == before.json() and after.headers["etag"] == before.headers["etag"]
