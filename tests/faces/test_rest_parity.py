"""Issue 8 parity: the same change through EWS UpdateItem and through each REST face gives the same task.

Everything runs over real HTTP against one ThreadedServer: identical tasks are made through EWS, the change is
applied through one face each, and GetItem (AllProperties) of the results is compared property by property,
ids aside. ETags and ChangeKeys are the same value seen through each face.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterator

import pytest
import requests
from lxml import etree

from ewsemu.emulator import Emulator, Settings
from ewsemu.server.http import ThreadedServer

from ..rest import (
    Api, OpenApi, ews_create, ews_get, ews_id, ews_set, ews_update, http_sender, named, rest_id, state, team,
    text, xpath,
)

WEEKLY = ("<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Thursday</t:DaysOfWeek>"
          "</t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-12Z</t:StartDate>"
          "<t:NumberOfOccurrences>6</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>")
PLAIN = ("<t:Subject>Quarterly report</t:Subject><t:Body BodyType=\"Text\">Draft it</t:Body>"
         "<t:Categories><t:String>work</t:String></t:Categories><t:Importance>High</t:Importance>"
         "<t:DueDate>2026-01-20T00:00:00Z</t:DueDate><t:StartDate>2026-01-14T00:00:00Z</t:StartDate>")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database=database_url, seed=7, users=team())


@pytest.fixture
def api(emulator: Emulator) -> Iterator[Api]:
    server = ThreadedServer(emulator=emulator).start()
    try:
        with requests.Session() as session:
            api = Api(http_sender(server.base_url, session))
            api.checker = OpenApi(api.rest("GET", "/v1/openapi.json", who=None).json())
            yield api
    finally:
        server.stop()


def ews_change_key(task: etree._Element) -> str:
    return task.find("{*}ItemId").get("ChangeKey")


def twins(api: Api, props: str, n: int) -> list[str]:
    """``n`` identical tasks made through EWS (same clock, same properties); their EWS ids."""
    return [ews_create(api, props)[0] for _ in range(n)]


def same_state(*item_ids: str, api: Api, extended: bool = False) -> list:
    states = [state(ews_get(api, i), extended=extended) for i in item_ids]
    for other in states[1:]:
        assert other == states[0]
    return states[0]


def spawned_by_ews(root: etree._Element) -> str:
    (item,) = xpath(root, "//m:Items/t:Task/t:ItemId")
    return item.get("Id")


# ---- one change, three ways --------------------------------------------------------------------------------------


@pytest.mark.parametrize("ews_update_xml,graph_body", [
    (ews_set("task:PercentComplete", "<t:PercentComplete>40</t:PercentComplete>"), {"percentComplete": 40}),
    (ews_set("task:PercentComplete", "<t:PercentComplete>100</t:PercentComplete>"), {"percentComplete": 100}),
    (ews_set("item:Subject", "<t:Subject>Renamed</t:Subject>"), {"title": "Renamed"}),
    (ews_set("task:DueDate", "<t:DueDate>2026-02-02T00:00:00Z</t:DueDate>"), {"dueDateTime": "2026-02-02T00:00:00Z"}),
    ('<t:DeleteItemField><t:FieldURI FieldURI="task:StartDate"/></t:DeleteItemField>', {"startDateTime": None}),
    (ews_set("item:Categories", "<t:Categories><t:String>work</t:String><t:String>category2</t:String>"
                                "</t:Categories>"), {"appliedCategories": {"category2": True}}),
])
def test_ews_and_graph_make_the_same_change(api: Api, ews_update_xml: str, graph_body: dict) -> None:
    by_ews, by_graph = twins(api, PLAIN, 2)
    ews_update(api, by_ews, None, ews_update_xml)
    reply = api.rest("PATCH", f"/beta/tasks/{rest_id(by_graph)}", graph_body)
    assert reply.status == 204
    result = same_state(by_ews, by_graph, api=api, extended=True)
    assert result != state(ews_get(api, ews_create(api, PLAIN)[0]), extended=True)  # the change did something
    assert reply.etag == f'W/"{ews_change_key(ews_get(api, by_graph))}"'


@pytest.mark.parametrize("ews_updates,json_body", [
    ([ews_set("item:Subject", "<t:Subject>Renamed</t:Subject>")], {"title": "Renamed"}),
    ([ews_set("item:Body", '<t:Body BodyType="Text">New text</t:Body>')], {"description": "New text"}),
    (['<t:DeleteItemField><t:FieldURI FieldURI="item:Body"/></t:DeleteItemField>'], {"description": None}),
    ([ews_set("item:Categories", "<t:Categories><t:String>a</t:String><t:String>b</t:String></t:Categories>")],
     {"tags": ["a", "b"]}),
    ([ews_set("item:Importance", "<t:Importance>Low</t:Importance>")], {"priority": "LOW"}),
    ([ews_set("task:Status", "<t:Status>InProgress</t:Status>")], {"status": "IN_PROGRESS"}),
])
def test_ews_and_the_json_api_make_the_same_change(api: Api, ews_updates: list[str], json_body: dict) -> None:
    by_ews, by_json = twins(api, PLAIN, 2)
    ews_update(api, by_ews, None, *ews_updates)
    reply = api.rest("PATCH", f"/v1/tasks/{rest_id(by_json)}", json_body)
    assert reply.status == 200
    same_state(by_ews, by_json, api=api)  # the JSON API's own markers are extended properties, compared below
    assert reply.etag == f'"{ews_change_key(ews_get(api, by_json))}"'


def test_completion_is_the_same_through_all_three_faces(api: Api) -> None:
    by_ews, by_graph, by_json = twins(api, PLAIN, 3)
    ews_update(api, by_ews, None, ews_set("task:Status", "<t:Status>InProgress</t:Status>"))
    ews_update(api, by_ews, None, ews_set("task:Status", "<t:Status>Completed</t:Status>"))
    api.rest("PATCH", f"/beta/tasks/{rest_id(by_graph)}", {"percentComplete": 50})
    api.rest("PATCH", f"/beta/tasks/{rest_id(by_graph)}", {"percentComplete": 100})
    api.rest("PATCH", f"/v1/tasks/{rest_id(by_json)}", {"status": "IN_PROGRESS"})
    assert api.rest("PATCH", f"/v1/tasks/{rest_id(by_json)}", {"status": "DONE"}).json()["status"] == "DONE"
    same_state(by_ews, by_graph, by_json, api=api)
    done = ews_get(api, by_json)
    assert (text(done, "Status"), text(done, "PercentComplete"), text(done, "CompleteDate")) == \
        ("Completed", "100", "2026-01-13T00:00:00Z")
    assert named(done, "TaskApi.status") == "DONE"
    for task_id in (by_ews, by_graph, by_json):
        assert api.rest("GET", f"/beta/tasks/{rest_id(task_id)}").json()["percentComplete"] == 100
        assert api.rest("GET", f"/v1/tasks/{rest_id(task_id)}").json()["status"] == "DONE"


def test_recurring_completion_spawns_the_same_one_off_through_every_face(api: Api, clock) -> None:
    by_ews, by_graph, by_json = twins(api, f"<t:Subject>Water the plants</t:Subject>{WEEKLY}", 3)
    for item_id in (by_ews, by_json):  # the JSON lifecycle reaches DONE through IN_PROGRESS (D25)
        ews_update(api, item_id, None, ews_set("task:Status", "<t:Status>InProgress</t:Status>"))
    ews_update(api, by_graph, None, ews_set("task:PercentComplete", "<t:PercentComplete>0</t:PercentComplete>"))
    clock.advance(dt.timedelta(hours=3))
    complete = ews_set("task:PercentComplete", "<t:PercentComplete>100</t:PercentComplete>")
    one_off_ews = spawned_by_ews(ews_update(api, by_ews, None, complete))
    graph_reply = api.rest("PATCH", f"/beta/tasks/{rest_id(by_graph)}", {"percentComplete": 100})
    json_reply = api.rest("PATCH", f"/v1/tasks/{rest_id(by_json)}", {"status": "DONE"})
    one_off_graph = ews_id(graph_reply.headers["ewsemu-spawned-task-id"])
    one_off_json = ews_id(json_reply.headers["ewsemu-spawned-task-id"])
    assert len({one_off_ews, one_off_graph, one_off_json, by_ews, by_graph, by_json}) == 6
    masters = same_state(by_ews, by_graph, by_json, api=api)
    one_offs = same_state(one_off_ews, one_off_graph, one_off_json, api=api)
    master, one_off = ews_get(api, by_graph), ews_get(api, one_off_graph)
    assert (text(master, "Status"), text(master, "DueDate"), text(master, "ChangeCount")) == \
        ("NotStarted", "2026-01-15T00:00:00Z", "2")
    assert (text(one_off, "Status"), text(one_off, "DueDate"), text(one_off, "IsRecurring")) == \
        ("Completed", "2026-01-12T00:00:00Z", "false")
    assert masters != one_offs
    # each face sees the advanced master and the completed one-off
    assert api.rest("GET", f"/v1/tasks/{rest_id(by_graph)}").json()["status"] == "TODO"
    assert api.rest("GET", f"/beta/tasks/{rest_id(one_off_json)}").json()["percentComplete"] == 100


# ---- one ChangeKey underneath ------------------------------------------------------------------------------------


def test_etags_are_the_changekey_through_every_face_after_every_change(api: Api) -> None:
    item_id = ews_create(api, PLAIN)[0]
    task_id = rest_id(item_id)

    def agree() -> str:
        ck = ews_change_key(ews_get(api, item_id))
        assert api.rest("GET", f"/beta/tasks/{task_id}").etag == f'W/"{ck}"'
        json_reply = api.rest("GET", f"/v1/tasks/{task_id}")
        assert json_reply.etag == f'"{ck}"'
        return ck

    seen = [agree()]
    ews_update(api, item_id, seen[-1], ews_set("item:Subject", "<t:Subject>1</t:Subject>"))
    seen.append(agree())
    api.rest("PATCH", f"/beta/tasks/{task_id}", {"title": "2"}, headers={"If-Match": f'W/"{seen[-1]}"'})
    seen.append(agree())
    api.rest("PATCH", f"/v1/tasks/{task_id}", {"title": "3"}, headers={"If-Match": f'"{seen[-1]}"'})
    seen.append(agree())
    assert len(set(seen)) == 4
    assert api.rest("GET", f"/v1/tasks/{task_id}").json()["version"] == 4


def test_a_change_through_one_face_makes_the_others_stale(api: Api) -> None:
    item_id = ews_create(api, PLAIN)[0]
    task_id = rest_id(item_id)
    ck = ews_change_key(ews_get(api, item_id))
    assert api.rest("PATCH", f"/beta/tasks/{task_id}", {"percentComplete": 10}).status == 204
    root = ews_update(api, item_id, ck, ews_set("item:Subject", "<t:Subject>EWS</t:Subject>"), cr="NeverOverwrite")
    assert xpath(root, "//m:ResponseCode")[0].text == "ErrorIrresolvableConflict"
    # AutoResolve: the Graph change touched PercentComplete/Status, so a stale Status change conflicts ...
    root = ews_update(api, item_id, ck, ews_set("task:Status", "<t:Status>Deferred</t:Status>"))
    assert xpath(root, "//m:ResponseCode")[0].text == "ErrorIrresolvableConflict"
    # ... and a stale Subject change does not (per-property tracking sees the REST write too, D3)
    root = ews_update(api, item_id, ck, ews_set("item:Subject", "<t:Subject>EWS</t:Subject>"))
    assert xpath(root, "//m:ResponseCode")[0].text == "NoError"
    assert api.rest("PATCH", f"/v1/tasks/{task_id}", {"title": "JSON"}, headers={"If-Match": f'"{ck}"'}).status == 409
    assert api.rest("PATCH", f"/beta/tasks/{task_id}", {"title": "Graph"},
                    headers={"If-Match": f'W/"{ck}"'}).status == 412
    assert text(ews_get(api, item_id), "Subject") == "EWS"


def test_changes_through_each_face_are_seen_through_the_others(api: Api) -> None:
    created = api.rest("POST", "/v1/tasks", {"title": "Shared", "tags": ["category3", "ops"], "priority": "URGENT",
                                            "dueDate": "2026-03-01T12:00:00Z"})
    task_id = created.json()["id"]
    graph = api.rest("GET", f"/beta/tasks/{task_id}").json()
    assert (graph["title"], graph["appliedCategories"], graph["dueDateTime"]) == \
        ("Shared", {"category3": True}, "2026-03-01T00:00:00Z")
    api.rest("PATCH", f"/beta/tasks/{task_id}", {"appliedCategories": {"category3": False, "category1": True},
                                                 "percentComplete": 60})
    listed = api.rest("GET", "/v1/tasks").json()["items"]
    assert [(t["tags"], t["status"], t["priority"]) for t in listed] == \
        [(["ops", "category1"], "IN_PROGRESS", "URGENT")]
    ews = ews_get(api, ews_id(task_id))
    assert (text(ews, "Importance"), text(ews, "PercentComplete"), named(ews, "TaskApi.createdBy")) == \
        ("High", "60", "alice@example.com")
