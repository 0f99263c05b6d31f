"""Helpers for the REST-face tests: a team users file, JSON callers (in-process or real HTTP), EWS calls on the
same server, and a checker that validates every JSON task API response against the served OpenAPI document.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Callable

import requests
from jsonschema import Draft202012Validator
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ewsemu.core.users import UserDirectory, parse_users

from .soap import NS, Client, envelope

TEAM = {"users": [
    {"smtp": "admin@example.com", "password": "secret", "tokens": ["admin-token"], "role": "admin"},
    {"smtp": "manager@example.com", "password": "secret", "tokens": ["manager-token"], "role": "manager"},
    {"smtp": "alice@example.com", "password": "secret", "tokens": ["alice-token"], "role": "member",
     "display_name": "Alice"},
    {"smtp": "bob@example.com", "password": "secret", "tokens": ["bob-token"], "role": "member"},
]}
TOKENS = {"admin": "admin-token", "manager": "manager-token", "alice": "alice-token", "bob": "bob-token"}


def team() -> UserDirectory:
    return parse_users(TEAM)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")


Send = Callable[[str, str, bytes, dict[str, str]], Reply]


def wsgi_sender(client: Client) -> Send:
    def send(method: str, path: str, body: bytes, headers: dict[str, str]) -> Reply:
        path, _, query = path.partition("?")
        r = client.request(method, path, body, headers, query=query)
        return Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.body)
    return send


def http_sender(base_url: str, session: requests.Session) -> Send:
    def send(method: str, path: str, body: bytes, headers: dict[str, str]) -> Reply:
        r = session.request(method, base_url + path, data=body, headers=headers, timeout=30)
        return Reply(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content)
    return send


@dataclass
class Api:
    """One server, three faces: ``rest(...)`` for /beta and /v1, ``ews(...)`` for SOAP (Basic user:secret).

    With a ``checker``, every reply of the JSON task API is validated against the OpenAPI document as it
    arrives, so a failure points at the request that caused it.
    """

    send: Send
    checker: "OpenApi | None" = None

    def rest(self, method: str, path: str, body: Any = None, *, who: str = "alice", raw: bytes | None = None,
             headers: dict[str, str] | None = None, template: str | None = None) -> Reply:
        hdrs = {"Content-Type": "application/json"}
        if who is not None:
            hdrs["Authorization"] = f"Bearer {TOKENS.get(who, who)}"
        hdrs.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        reply = self.send(method, path, data, hdrs)
        if self.checker is not None and path.startswith("/v1/"):
            self.checker.check(method, template or _template(path), reply)
        return reply

    def ews(self, body_xml: str, user: str = "alice@example.com", headers: str | None = None) -> etree._Element:
        data = envelope(body_xml) if headers is None else envelope(body_xml, headers)
        auth = "Basic " + base64.b64encode(f"{user}:secret".encode()).decode()
        reply = self.send("POST", "/EWS/Exchange.asmx", data, {"Authorization": auth,
                                                               "Content-Type": "text/xml; charset=utf-8"})
        assert reply.status == 200, reply.body
        return etree.fromstring(reply.body)


def _template(path: str) -> str:
    path = path.partition("?")[0]
    return "/v1/tasks/{taskId}" if path.startswith("/v1/tasks/") else path


# ---- EWS on the same server ---------------------------------------------------------------------------------------


def xpath(el: etree._Element, expr: str) -> list:
    return el.xpath(expr, namespaces=NS)


def ews_create(api: Api, props: str, user: str = "alice@example.com") -> tuple[str, str]:
    root = api.ews(f"<m:CreateItem><m:Items><t:Task>{props}</t:Task></m:Items></m:CreateItem>", user)
    (item_id,) = xpath(root, "//t:ItemId")
    return item_id.get("Id"), item_id.get("ChangeKey")


def ews_update(api: Api, item_id: str, change_key: str | None, *updates: str, cr: str = "AutoResolve",
               user: str = "alice@example.com") -> etree._Element:
    ck = f' ChangeKey="{change_key}"' if change_key else ""
    return api.ews(f'<m:UpdateItem ConflictResolution="{cr}" MessageDisposition="SaveOnly"><m:ItemChanges>'
                   f'<t:ItemChange><t:ItemId Id="{item_id}"{ck}/><t:Updates>{"".join(updates)}</t:Updates>'
                   f"</t:ItemChange></m:ItemChanges></m:UpdateItem>", user)


def ews_set(uri: str, prop: str) -> str:
    return f'<t:SetItemField><t:FieldURI FieldURI="{uri}"/><t:Task>{prop}</t:Task></t:SetItemField>'


def ews_get(api: Api, item_id: str, user: str = "alice@example.com") -> etree._Element:
    """The stored task through GetItem AllProperties (extended properties included)."""
    root = api.ews(f"<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>"
                   f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>', user)
    found = xpath(root, "//m:Items/t:Task")
    assert found, etree.tostring(root)
    return found[0]


def text(task: etree._Element, name: str) -> str | None:
    el = task.find(f"{{{NS['t']}}}{name}")
    return el.text if el is not None else None


def named(task: etree._Element, name: str) -> str | None:
    """A PublicStrings named property's value as EWS shows it."""
    for prop in xpath(task, "t:ExtendedProperty"):
        uri = prop.find(f"{{{NS['t']}}}ExtendedFieldURI")
        if uri.get("DistinguishedPropertySetId") == "PublicStrings" and uri.get("PropertyName") == name:
            return prop.findtext(f"{{{NS['t']}}}Value")
    return None


def state(task: etree._Element, *, extended: bool = False) -> list[tuple[str, str, tuple]]:
    """Everything GetItem shows except identity (ItemId, ChangeKey), for comparing two tasks."""
    out = []
    for el in task.iter():
        name = etree.QName(el).localname
        if name == "ItemId" or (not extended and any(etree.QName(a).localname == "ExtendedProperty"
                                                     for a in [el, *el.iterancestors()])):
            continue
        out.append((el.getparent().tag if el.getparent() is not None else "", el.tag + ":" + (el.text or ""),
                    tuple(sorted((k, v) for k, v in el.attrib.items() if k != "ChangeKey"))))
    return out


def rest_id(ews_id: str) -> str:
    return ews_id.replace("+", "-").replace("/", "_")


def ews_id(rest_id: str) -> str:
    return rest_id.replace("-", "+").replace("_", "/")


# ---- OpenAPI ------------------------------------------------------------------------------------------------------


class OpenApi:
    """Validates a reply against the response the document declares for (path, method, status)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.checked = 0
        resource = Resource(contents=document, specification=DRAFT202012)
        self.registry = Registry().with_resource("urn:ewsemu:openapi", resource)

    def check(self, method: str, template: str, reply: Reply) -> None:
        operation = self.document["paths"].get(template, {}).get(method.lower())
        if operation is None:  # no such operation: a 404/405 in the generic error shape
            assert reply.status in (404, 405), f"{method} {template} is not documented"
            self._validate(reply, "components/schemas/Error")
            self.checked += 1
            return
        responses = operation["responses"]
        key = str(reply.status)
        if key not in responses:
            assert reply.status in (405, 500, 503), f"{method} {template}: {reply.status} is not documented"
            key = "default"
        declared = responses[key]
        for header in declared.get("headers", {}):
            if header != "Ewsemu-Spawned-Task-Id":  # only present after a spawn
                assert header.lower() in reply.headers, f"{method} {template} {reply.status}: no {header} header"
        self.checked += 1
        if "content" not in declared:
            assert reply.body == b"", f"{method} {template} {reply.status} must have no body"
            return
        assert reply.headers["content-type"].startswith("application/json")
        pointer = "/".join(_escape(p) for p in ("paths", template, method.lower(), "responses", key, "content",
                                                  "application/json", "schema"))
        self._validate(reply, pointer)

    def _validate(self, reply: Reply, pointer: str) -> None:
        validator = Draft202012Validator({"$ref": f"urn:ewsemu:openapi#/{pointer}"}, registry=self.registry)
        validator.validate(reply.json())


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")
