"""Issue 13: the REST faces in the open default (no ``--users``), authenticated as EWS is.

Basic credentials (the user name is the mailbox) and ``Bearer <smtp address>`` open both faces on that mailbox;
the JSON task API's caller is an admin of their own mailbox only, so another mailbox's task answers exactly as
a task that does not exist. Anything else is a 401 in the face's own error format, saying what is accepted.
Every JSON task API reply is validated against the OpenAPI document the server serves.
"""
from __future__ import annotations

import base64
import json
from typing import Any, Iterator

import pytest
import requests
from openapi_spec_validator import validate as validate_openapi

from ewsemu.control import ControlClient
from ewsemu.core.clock import Clock
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.http import ThreadedServer
from ewsemu.server.wsgi import make_app

from ..hostile import raw
from ..rest import (
    Api, OpenApi, Reply, ews_create, ews_get, ews_id, ews_set, ews_update, rest_id, team, text, wsgi_sender, xpath,
)
from ..soap import Client, envelope

ALICE, BOB = "alice@example.com", "bob@example.com"
UNKNOWN = "AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm"  # well-formed, no such item
GET_ROOT = ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
            '<t:DistinguishedFolderId Id="root"/></m:FolderIds></m:GetFolder>')


def basic(user: str, password: str = "any-password") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


#: the two ways in, as ``Authorization`` header values for a mailbox
LOGINS = {"basic": basic, "bearer": lambda smtp: f"Bearer {smtp}"}


@pytest.fixture
def api(client: Client) -> Api:
    api = Api(wsgi_sender(client))
    api.checker = OpenApi(api.rest("GET", "/v1/openapi.json", who=None).json())
    return api


def call(api: Api, method: str, path: str, authorization: str | None, body: Any = None, **headers: str) -> Reply:
    if authorization is not None:
        headers["Authorization"] = authorization
    return api.rest(method, path, body, who=None, headers=headers)


# ---- Basic and Bearer <smtp address> open both faces on that mailbox --------------------------------------


@pytest.mark.parametrize("login", sorted(LOGINS))
def test_both_faces_act_on_the_mailbox_the_credentials_name(api: Api, login: str) -> None:
    alice = LOGINS[login]("Alice@Example.com")  # an address is case-insensitive, as for EWS
    created = call(api, "POST", "/v1/tasks", alice, {"title": "From the JSON API", "priority": "HIGH"})
    assert created.status == 201, created.body
    task = created.json()
    assert task["createdBy"] == ALICE
    # the task is in alice's Tasks folder, as EWS sees it
    assert text(ews_get(api, ews_id(task["id"]), ALICE), "Subject") == "From the JSON API"

    patched = call(api, "PATCH", f"/v1/tasks/{task['id']}", alice, {"status": "IN_PROGRESS"})
    assert patched.status == 200 and patched.json()["status"] == "IN_PROGRESS"
    assert call(api, "GET", "/v1/tasks", alice).json()["items"] == [patched.json()]

    graph = call(api, "GET", f"/beta/tasks/{task['id']}", alice)
    assert graph.status == 200 and graph.json()["title"] == "From the JSON API"
    reply = call(api, "PATCH", f"/beta/tasks/{task['id']}", alice, {"percentComplete": 100},
                 **{"If-Match": graph.etag})
    assert reply.status == 204
    stored = ews_get(api, ews_id(task["id"]), ALICE)
    assert (text(stored, "Status"), text(stored, "PercentComplete")) == ("Completed", "100")
    assert reply.etag == f'W/"{stored.find("{*}ItemId").get("ChangeKey")}"'


def test_graph_creates_in_the_callers_mailbox_created_on_first_use(api: Api) -> None:
    reply = call(api, "POST", "/beta/tasks", "Bearer carol@example.com", {"title": "Carol's first"})
    assert reply.status == 201, reply.body
    assert text(ews_get(api, ews_id(reply.json()["id"]), "carol@example.com"), "Subject") == "Carol's first"


def test_the_open_default_caller_is_an_admin_who_may_assign_to_any_address(api: Api) -> None:
    """A member may assign tasks only to themselves (403); the open default's caller has every role."""
    reply = call(api, "POST", "/v1/tasks", f"Bearer {ALICE}", {"title": "For Dave", "assigneeId": "Dave@Example.com"})
    assert reply.status == 201 and reply.json()["assigneeId"] == "dave@example.com"
    changed = call(api, "PATCH", f"/v1/tasks/{reply.json()['id']}", basic(ALICE), {"assigneeId": BOB})
    assert changed.status == 200 and changed.json()["assigneeId"] == BOB
    refused = call(api, "POST", "/v1/tasks", f"Bearer {ALICE}", {"title": "x", "assigneeId": "not an address"})
    assert refused.status == 422
    assert refused.json()["error"]["details"]["errors"] == [{"field": "assigneeId", "message": "is not a user"}]


# ---- isolation: another mailbox's task is a missing task ---------------------------------------------------


@pytest.mark.parametrize("login", sorted(LOGINS))
def test_another_mailboxs_task_answers_exactly_like_a_missing_one(api: Api, login: str) -> None:
    item_id, _ = ews_create(api, "<t:Subject>alice's secret</t:Subject>", ALICE)
    theirs, unknown, bob = rest_id(item_id), rest_id(UNKNOWN), LOGINS[login](BOB)
    for method, path, body in (("GET", "/v1/tasks/{}", None), ("PATCH", "/v1/tasks/{}", {"title": "pwned"}),
                               ("DELETE", "/v1/tasks/{}", None), ("GET", "/beta/tasks/{}", None),
                               ("PATCH", "/beta/tasks/{}", {"title": "pwned"})):
        mine, missing = (call(api, method, path.format(i), bob, body) for i in (theirs, unknown))
        assert mine.status == 404 and (mine.status, mine.body) == (missing.status, missing.body), (method, path)
        assert b"secret" not in mine.body
    assert call(api, "GET", "/v1/tasks", bob).json() == {"items": []}
    assert text(ews_get(api, item_id, ALICE), "Subject") == "alice's secret"
    # and alice herself sees it through both faces
    assert call(api, "GET", f"/v1/tasks/{theirs}", LOGINS[login](ALICE)).status == 200
    assert call(api, "GET", f"/beta/tasks/{theirs}", LOGINS[login](ALICE)).status == 200


def test_a_change_through_ews_is_seen_through_rest_with_the_same_changekey(api: Api) -> None:
    item_id, change_key = ews_create(api, "<t:Subject>Plan</t:Subject>", ALICE)
    root = ews_update(api, item_id, change_key, ews_set("task:Status", "<t:Status>InProgress</t:Status>"), user=ALICE)
    (new_key,) = xpath(root, "//t:ItemId/@ChangeKey")
    reply = call(api, "GET", f"/v1/tasks/{rest_id(item_id)}", f"Bearer {ALICE}")
    assert reply.json()["status"] == "IN_PROGRESS" and reply.etag == f'"{new_key}"'


# ---- refused: a 401 in each face's format, saying what the open default accepts -------------------------


REFUSED = [
    None,
    "Bearer not-an-address",
    "Bearer alice-token",
    "Bearer a@b@example.com",
    "Bearer alice@example.com extra",
    "Bearer ",
    basic("alice"),                      # a user name that is not an address
    "Basic !!!not-base64!!!",
    "Negotiate abc",
]


def challenges(response) -> list[str]:
    return [v for k, v in response.header_list if k.lower() == "www-authenticate"]


@pytest.mark.parametrize("authorization", REFUSED)
@pytest.mark.parametrize("path,code,details", [("/v1/tasks", "unauthorized", True),
                                               ("/beta/tasks/x", "InvalidAuthenticationToken", False)])
def test_other_credentials_are_401_saying_what_the_open_default_accepts(
        client: Client, api: Api, authorization: str | None, path: str, code: str, details: bool) -> None:
    r = raw(client.app, method="GET", path=path, content_type=None, authorization=authorization)
    assert r.status == 401 and r.headers["Content-Type"].startswith("application/json")
    error = json.loads(r.body)["error"]
    assert error["code"] == code and ("details" in error) == details
    assert "Bearer <smtp address>" in error["message"] and "Basic" in error["message"]
    bearer_sent = authorization is not None and authorization.startswith("Bearer ") and authorization != "Bearer "
    if bearer_sent:
        assert error["message"].startswith("The bearer token is not an SMTP address.")
    assert challenges(r) == ['Bearer realm="ewsemu"' + (', error="invalid_token"' if bearer_sent else ""),
                             'Basic realm="ewsemu"']
    if path.startswith("/v1/"):  # the document declares the 401 shape
        api.checker.check("GET", path, Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.body))


def test_a_refusal_never_quotes_the_credentials(client: Client) -> None:
    for authorization in ("Bearer s3cr3t-t0ken", basic("s3cr3t-user", "s3cr3t-pw")):
        r = raw(client.app, method="GET", path="/v1/tasks", content_type=None, authorization=authorization)
        assert r.status == 401 and b"s3cr3t" not in r.body


def test_the_anchor_mailbox_is_no_rest_login(client: Client) -> None:
    """X-AnchorMailbox identifies a credential-less EWS client (exchangelib NOAUTH); REST has no such thing."""
    assert raw(client.app, envelope(GET_ROOT), headers={"X-AnchorMailbox": ALICE}).status == 200
    r = raw(client.app, method="GET", path="/v1/tasks", content_type=None, headers={"X-AnchorMailbox": ALICE})
    assert r.status == 401


def test_the_openapi_document_declares_both_ways_in(api: Api) -> None:
    doc = api.rest("GET", "/v1/openapi.json", who=None).json()
    validate_openapi(doc)
    assert doc["security"] == [{"bearer": []}, {"basic": []}]
    assert {k: v["scheme"] for k, v in doc["components"]["securitySchemes"].items()} == {"bearer": "bearer",
                                                                                          "basic": "basic"}
    assert doc["paths"]["/v1/tasks"]["get"]["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}


# ---- the one authenticator: EWS takes the same bearer token, ledger and injected faults see the caller ----


def test_ews_accepts_the_same_smtp_bearer_token(client: Client) -> None:
    item_id, _ = ews_create(Api(wsgi_sender(client)), "<t:Subject>alice's</t:Subject>", ALICE)
    body = envelope('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                    f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    assert b"NoError" in raw(client.app, body, authorization=f"Bearer {ALICE}").body
    assert b"ErrorItemNotFound" in raw(client.app, body, authorization=f"Bearer {BOB}").body


def test_the_ledger_names_the_rest_caller_and_an_injected_401_challenges_both_ways(
        server: ThreadedServer, control: ControlClient) -> None:
    url = f"{server.base_url}/v1/tasks"
    assert requests.get(url, headers={"Authorization": f"Bearer {ALICE}"}, timeout=10).status_code == 200
    assert requests.get(url, auth=(BOB, "x"), timeout=10).status_code == 200
    control.add_fault("http_status", status=401, face="rest")
    injected = requests.get(url, headers={"Authorization": f"Bearer {ALICE}"}, timeout=10)
    assert injected.status_code == 401
    assert injected.raw.headers.getlist("WWW-Authenticate") == ['Bearer realm="ewsemu", error="invalid_token"',
                                                                'Basic realm="ewsemu"']
    assert [(e["user"], e["status"]) for e in control.ledger(face="rest")] == [(ALICE, 200), (BOB, 200), (ALICE, 401)]


# ---- with a users file nothing of this applies --------------------------------------------------------------


@pytest.fixture
def team_client(database_url: str, clock: Clock) -> Iterator[Client]:
    emulator = Emulator(Settings(database=database_url, seed=7, users=team()), clock)
    if database_url != "sqlite://":
        emulator.reset()
    yield Client(make_app(emulator))
    emulator.close()


@pytest.mark.parametrize("path,code,with_token", [
    ("/v1/tasks", "unauthorized", 200), (f"/beta/tasks/{rest_id(UNKNOWN)}", "InvalidAuthenticationToken", 404)])
def test_with_a_users_file_an_smtp_bearer_token_is_just_an_invalid_token(team_client: Client, path: str, code: str,
                                                                         with_token: int) -> None:
    for authorization in (f"Bearer {ALICE}", basic(ALICE, "secret")):
        r = raw(team_client.app, method="GET", path=path, content_type=None, authorization=authorization)
        assert r.status == 401 and json.loads(r.body)["error"]["code"] == code
        assert challenges(r) == ['Bearer realm="ewsemu"']
    r = raw(team_client.app, method="GET", path=path, content_type=None, authorization="Bearer alice-token")
    assert r.status == with_token  # alice's own token opens the face (and there is no such task on /beta)
    assert raw(team_client.app, envelope(GET_ROOT), authorization=f"Bearer {ALICE}").status == 401  # nor EWS


def test_with_a_users_file_the_document_declares_bearer_tokens_only(team_client: Client) -> None:
    doc = Api(wsgi_sender(team_client)).rest("GET", "/v1/openapi.json", who=None).json()
    assert doc["security"] == [{"bearer": []}] and list(doc["components"]["securitySchemes"]) == ["bearer"]

