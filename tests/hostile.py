"""Helpers for the hostile-input tests (issue 6): raw WSGI requests, a users file, seeded tasks.

:func:`raw` builds the WSGI environ itself so a test controls every byte and header (tests/soap.py's client
always sends ``text/xml`` and a Basic header); :data:`USERS_YAML` is the directory the auth, corpus and
isolation tests share.
"""
from __future__ import annotations

import base64
import io

import yaml

from ewsemu.core.users import UserDirectory, parse_users

from .soap import Client, Response

USERS_YAML = """
users:
  - smtp: alice@example.com
    password: alice-pw
    tokens: [alice-token]
    display_name: Alice
    sid: S-1-5-21-1000-1000-1000-1101
  - smtp: bob@example.com
    password: bob-pw
    display_name: Bob
    sid: S-1-5-21-1000-1000-1000-1102
    principal_name: bob@corp.example
  - smtp: carol@example.com
    password: carol-pw
    impersonate: [bob@example.com, ghost@example.com]
  - smtp: admin@example.com
    password: admin-pw
    tokens: [admin-token]
    role: admin
    impersonate: ["*"]
  - smtp: shared@example.com
    display_name: Shared tasks
"""
PASSWORDS = {"alice@example.com": "alice-pw", "bob@example.com": "bob-pw", "carol@example.com": "carol-pw",
             "admin@example.com": "admin-pw"}


def directory() -> UserDirectory:
    return parse_users(yaml.safe_load(USERS_YAML))


def basic(user: str, password: str | None = None) -> str:
    secret = PASSWORDS.get(user, "x") if password is None else password
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


class UsersClient(Client):
    """tests/soap.py's client, logging in with each user's password from :data:`USERS_YAML`."""

    def post(self, body: bytes, user: str | None = None) -> Response:
        return self.request("POST", "/EWS/Exchange.asmx", body, {"Authorization": basic(user or self.user)})


def impersonation(value: str, form: str = "PrimarySmtpAddress") -> str:
    """SOAP headers impersonating ``value`` (plus the usual RequestServerVersion)."""
    return ('<t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID>'
            f"<t:{form}>{value}</t:{form}></t:ConnectingSID></t:ExchangeImpersonation>")


def raw(app, body: bytes = b"", *, method: str = "POST", path: str = "/EWS/Exchange.asmx",
        content_type: str | None = "text/xml; charset=utf-8", authorization: str | None = None,
        content_length: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """One request with exactly these bytes and headers (None leaves a header out)."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(), "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)) if content_length is None else content_length,
    }
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    for key, value in (headers or {}).items():
        environ["HTTP_" + key.upper().replace("-", "_")] = value
    captured: dict = {}

    def start_response(status, hdrs, exc_info=None):
        captured["status"], captured["headers"] = status, hdrs

    out = b"".join(app(environ, start_response))
    headers_out: dict[str, str] = {}
    for name, value in captured["headers"]:
        headers_out[name] = f"{headers_out[name]}, {value}" if name in headers_out else value
    response = Response(int(captured["status"].split()[0]), headers_out, out)
    response.header_list = captured["headers"]  # type: ignore[attr-defined] - repeated headers (WWW-Authenticate)
    return response


def create_task(client, subject: str, user: str, folder: str = '<t:DistinguishedFolderId Id="tasks"/>',
                extra: str = "") -> tuple[str, str]:
    """CreateItem one task; returns (Id, ChangeKey)."""
    r = client.call(f'<m:CreateItem><m:SavedItemFolderId>{folder}</m:SavedItemFolderId><m:Items>'
                    f'<t:Task><t:Subject>{subject}</t:Subject>{extra}</t:Task></m:Items></m:CreateItem>', user=user)
    assert r.codes() == ["NoError"], r.body
    el = r.xpath("//t:ItemId")[0]
    return el.get("Id"), el.get("ChangeKey")


def get_item_xml(client, item_id: str, user: str) -> bytes:
    """GetItem AllProperties of one item, the response message only (no ServerVersionInfo header)."""
    from lxml import etree

    r = client.call('<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>'
                    f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>', user=user)
    return etree.tostring(r.xpath("//m:GetItemResponseMessage")[0])
