"""The real HTTP surface: waitress in a thread (ThreadedServer), driven with ``requests`` over keep-alive."""
from __future__ import annotations

import threading
from typing import Iterator
from urllib.parse import urljoin

import pytest
import requests
from lxml import etree

from ewsemu.emulator import Settings
from ewsemu.server.http import ThreadedServer

from ..soap import NS, envelope, ews_validate

AUTH = ("alice@example.com", "secret")
XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
CREATE = envelope("<m:CreateItem><m:Items><t:Task><t:Subject>http</t:Subject></t:Task></m:Items></m:CreateItem>")
INVALID = envelope('<m:UpdateItem ConflictResolution="Sometimes"><m:ItemChanges/></m:UpdateItem>')


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(port=0, database="sqlite://") as srv:
        yield srv


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.auth = AUTH
        s.headers["Content-Type"] = "text/xml; charset=utf-8"
        yield s


def root(r: requests.Response) -> etree._Element:
    return etree.fromstring(r.content)


def codes(r: requests.Response) -> list[str]:
    return [c.text for c in root(r).iterfind(".//m:ResponseCode", NS)]


def open_sockets(session: requests.Session, url: str) -> list[tuple[str, int]]:
    """Local addresses of the session's idle, still-open connections to the server."""
    pools = session.get_adapter(url).poolmanager.pools
    return [conn.sock.getsockname() for key in pools.keys() for conn in list(pools[key].pool.queue)
            if conn is not None and conn.sock is not None]


def test_keep_alive_posts_share_one_connection(server: ThreadedServer, session: requests.Session) -> None:
    created = session.post(server.url, data=CREATE)
    assert created.status_code == 200 and codes(created) == ["NoError"]
    assert created.headers["Content-Type"].startswith("text/xml")
    item = root(created).find(".//t:ItemId", NS)
    update = envelope(
        '<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange>'
        f'<t:ItemId Id="{item.get("Id")}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="task:Status"/>'
        "<t:Task><t:Status>Completed</t:Status></t:Task></t:SetItemField></t:Updates></t:ItemChange>"
        "</m:ItemChanges></m:UpdateItem>")
    get = envelope('<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ItemIds>'
                   f'<t:ItemId Id="{item.get("Id")}"/></m:ItemIds></m:GetItem>')
    first = open_sockets(session, server.url)
    assert len(first) == 1
    responses = []
    for body in (update, INVALID, get):
        responses.append(session.post(server.url, data=body))
        assert open_sockets(session, server.url) == first  # still the same TCP connection, even after a fault
    assert [r.status_code for r in responses] == [200, 500, 200]
    assert codes(responses[0]) == ["NoError"] and codes(responses[2]) == ["NoError"]
    assert root(responses[2]).findtext(".//t:Status", namespaces=NS) == "Completed"
    for r in [created, *responses]:
        assert r.headers.get("Connection", "").lower() != "close"
        assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    ews_validate(created.content, *(r.content for r in responses))


def test_fault_over_http(server: ThreadedServer, session: requests.Session) -> None:
    r = session.post(server.url, data=INVALID)
    assert r.status_code == 500
    assert r.headers["Content-Type"].startswith("text/xml")
    assert r.headers.get("Connection", "").lower() != "close"
    fault = root(r).find(".//s:Fault", NS)
    assert fault.findtext("faultcode") == "a:ErrorSchemaValidation"
    assert fault.findtext("detail/e:ResponseCode", namespaces=NS) == "ErrorSchemaValidation"


def test_soap_action_is_optional_and_never_used_for_dispatch(server: ThreadedServer,
                                                             session: requests.Session) -> None:
    wrong = {"SOAPAction": '"http://schemas.microsoft.com/exchange/services/2006/messages/GetItem"'}
    r = session.post(server.url, data=CREATE, headers=wrong)
    assert r.status_code == 200 and root(r).find(".//m:CreateItemResponse", NS) is not None


def test_path_is_case_insensitive(server: ThreadedServer, session: requests.Session) -> None:
    r = session.post(server.base_url + "/ews/exchange.asmx", data=CREATE)
    assert r.status_code == 200 and codes(r) == ["NoError"]


def _schema_locations(doc: etree._Element) -> list[str]:
    return [el.get("schemaLocation") for el in doc.iter(f"{{{XS}}}import", f"{{{XS}}}include")
            if el.get("schemaLocation")]


def test_wsdl_and_every_schema_it_imports_are_served(server: ThreadedServer) -> None:
    wsdl_url = server.base_url + "/EWS/Services.wsdl"
    wsdl = requests.get(wsdl_url)
    assert wsdl.status_code == 200 and wsdl.headers["Content-Type"].startswith("text/xml")
    assert requests.get(server.url + "?wsdl").content == wsdl.content
    doc = etree.fromstring(wsdl.content)
    assert doc.tag == f"{{{WSDL}}}definitions"
    assert doc.find(f"{{{WSDL}}}binding[@name='ExchangeServiceBinding']") is not None
    assert doc.find(f"{{{WSDL}}}service") is None  # like Microsoft's: clients name the endpoint
    operations = {op.get("name") for op in doc.iterfind(f"{{{WSDL}}}portType/{{{WSDL}}}operation")}
    assert {"CreateItem", "GetItem", "UpdateItem", "DeleteItem"} <= operations
    seen, todo = set(), [(wsdl_url, loc) for loc in _schema_locations(doc)]
    while todo:
        base, loc = todo.pop()
        url = urljoin(base, loc)
        if url in seen:
            continue
        seen.add(url)
        r = requests.get(url)
        assert r.status_code == 200, url
        schema = etree.fromstring(r.content)
        assert schema.tag == f"{{{XS}}}schema", url
        todo.extend((url, nested) for nested in _schema_locations(schema))
    assert {u.rsplit("/", 1)[-1] for u in seen} >= {"messages.xsd", "types.xsd"}


def test_health(server: ThreadedServer) -> None:
    r = requests.get(server.base_url + "/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/nope", 404),
    ("POST", "/EWS/Other.asmx", 404),
    ("GET", "/EWS/Exchange.asmx", 405),
    ("PUT", "/EWS/Exchange.asmx", 405),
    ("DELETE", "/EWS/Exchange.asmx", 405),
])
def test_not_found_and_method_not_allowed(server: ThreadedServer, method: str, path: str, status: int) -> None:
    r = requests.request(method, server.base_url + path, auth=AUTH)
    assert r.status_code == status
    if status == 405:
        assert r.headers["Allow"] == "POST"


def test_credentials_are_required(server: ThreadedServer) -> None:
    r = requests.post(server.url, data=CREATE, headers={"Content-Type": "text/xml"})
    assert r.status_code == 401
    assert 'Basic realm="ewsemu"' in r.raw.headers.getlist("WWW-Authenticate")
    r = requests.post(server.url, data=CREATE, headers={"Content-Type": "text/xml"}, auth=("not-an-address", "x"))
    assert r.status_code == 401
    r = requests.post(server.url, data=CREATE, headers={"Content-Type": "text/xml"}, auth=AUTH)
    assert r.status_code == 200


def test_mailboxes_are_separate(server: ThreadedServer) -> None:
    created = requests.post(server.url, data=CREATE, auth=AUTH, headers={"Content-Type": "text/xml"})
    item_id = root(created).find(".//t:ItemId", NS).get("Id")
    get = envelope('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>'
                   f'<t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    bob = requests.post(server.url, data=get, auth=("bob@example.com", "pw"), headers={"Content-Type": "text/xml"})
    alice = requests.post(server.url, data=get, auth=AUTH, headers={"Content-Type": "text/xml"})
    assert (codes(bob), codes(alice)) == (["ErrorItemNotFound"], ["NoError"])


def test_concurrent_writers_with_one_change_key_cannot_both_win(tmp_path) -> None:
    """The store's conditional write: N clients holding the same ChangeKey, NeverOverwrite, one wins."""
    settings = Settings(database=f"sqlite:///{tmp_path}/race.db")
    with ThreadedServer(port=0, settings=settings, threads=8) as srv:
        created = requests.post(srv.url, data=CREATE, auth=AUTH, headers={"Content-Type": "text/xml"})
        item = root(created).find(".//t:ItemId", NS)
        barrier, results = threading.Barrier(6), []

        def writer(n: int) -> None:
            body = envelope(
                '<m:UpdateItem ConflictResolution="NeverOverwrite"><m:ItemChanges><t:ItemChange>'
                f'<t:ItemId Id="{item.get("Id")}" ChangeKey="{item.get("ChangeKey")}"/><t:Updates><t:SetItemField>'
                f'<t:FieldURI FieldURI="item:Subject"/><t:Task><t:Subject>writer {n}</t:Subject></t:Task>'
                "</t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>")
            barrier.wait()
            r = requests.post(srv.url, data=body, auth=AUTH, headers={"Content-Type": "text/xml"})
            results.append((n, codes(r)))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        winners = [n for n, c in results if c == ["NoError"]]
        assert len(results) == 6 and len(winners) == 1
        assert all(c == ["ErrorIrresolvableConflict"] for n, c in results if n not in winners)
        get = envelope('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
                       '<t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape><m:ItemIds>'
                       f'<t:ItemId Id="{item.get("Id")}"/></m:ItemIds></m:GetItem>')
        r = requests.post(srv.url, data=get, auth=AUTH, headers={"Content-Type": "text/xml"})
        assert root(r).findtext(".//t:Subject", namespaces=NS) == f"writer {winners[0]}"


def test_stopping_right_after_a_request_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    """stop() used to close waitress's trigger while a worker was still finishing the request it had just
    answered; that worker then failed with EBADF ("Exception when servicing"). One in about eight stops did."""
    caplog.set_level("ERROR", logger="waitress")
    for _ in range(16):
        with ThreadedServer(port=0, database="sqlite://") as srv, requests.Session() as s:
            assert s.post(srv.url, data=CREATE, auth=AUTH, headers={"Content-Type": "text/xml"}).status_code == 200
    assert not [r for r in caplog.records if r.name.startswith("waitress")]
