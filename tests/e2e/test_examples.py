"""The project's example requests in examples/, posted verbatim against the demo fixtures (as the README's curl
recipe does), and answered as the example responses there say."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from ewsemu.double import fixtures
from ewsemu.core.clock import Clock
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app

from ..soap import NS, Client, Response, ews_validate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DEMO = ROOT / "fixtures" / "demo.yaml"
TASK_ID, TASK_CK = "AAMkADk0ZjY1LXRhc2stMDAx", "EwAAABYAAAB0YXNrLWNrLTAwMQ=="
HTTP, HTTPS = "http://", "https://"
CANONICAL = {
    "messages": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "types": "http://schemas.microsoft.com/exchange/services/2006/types",
    "envelope": "http://schemas.xmlsoap.org/soap/envelope/",
}


@pytest.fixture
def settings() -> Settings:
    return Settings(database="sqlite://", seed=7, lenient_namespaces=True)


@pytest.fixture
def demo(client: Client, emulator: Emulator) -> Client:
    fixtures.load_files(emulator, [DEMO])
    return client


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def shape(el: etree._Element, ignore_attrs: frozenset[str] = frozenset(), ignore_text: frozenset[str] = frozenset()):
    """An element tree as nested tuples (tag, attributes, text, children), without comments and whitespace."""
    name = etree.QName(el).localname
    attrs = tuple(sorted((k, v) for k, v in el.attrib.items() if k not in ignore_attrs))
    text = None if name in ignore_text else (el.text or "").strip()
    return (el.tag, attrs, text, tuple(shape(c, ignore_attrs, ignore_text) for c in el if isinstance(c.tag, str)))


def get_task(client: Client, zone: str | None = None) -> etree._Element:
    headers = '<t:RequestServerVersion Version="Exchange2016"/>' + (
        f'<t:TimeZoneContext><t:TimeZoneDefinition Id="{zone}"/></t:TimeZoneContext>' if zone else "")
    ext = ('<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="X-Ewsemu-Reviewer" '
           'PropertyType="String"/>')
    r = client.call(f"<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties>{ext}"
                    f'</t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="{TASK_ID}"/></m:ItemIds>'
                    "</m:GetItem>", headers)
    assert r.codes() == ["NoError"]
    return r.xpath("//m:Items/t:Task")[0]


def assert_like_example_response(r: Response) -> None:
    assert r.status == 200, r.body
    expected = etree.fromstring(example("updateitem-task-response.xml"))
    assert shape(r.root, frozenset({"ChangeKey"})) == shape(expected, frozenset({"ChangeKey"}))
    ck = r.xpath("//m:Items/t:Task/t:ItemId/@ChangeKey")[0]
    assert ck != TASK_CK
    ews_validate(r.body)


def test_valid_update_item_example(demo: Client) -> None:
    r = demo.post(example("updateitem-task-request.xml"))
    assert_like_example_response(r)
    task = get_task(demo, "Romance Standard Time")
    assert task.find("t:ItemId", NS).get("ChangeKey") == r.xpath("//t:ItemId/@ChangeKey")[0]
    values = {name: task.findtext(f"t:{name}", namespaces=NS)
              for name in ("Status", "PercentComplete", "Body", "StartDate", "DueDate", "IsComplete")}
    assert values == {
        "Status": "InProgress", "PercentComplete": "60", "Body": "Draft the report; numbers are in, charts next",
        "StartDate": "2026-01-12T00:00:00+01:00",
        # DueDate was deleted, but a task with a StartDate gets DueDate = StartDate (spec §2.4, OXOTASK)
        "DueDate": "2026-01-12T00:00:00+01:00", "IsComplete": "false"}
    assert task.findtext("t:ExtendedProperty/t:Value", namespaces=NS) == "bob@example.com"


def test_replaying_the_example_is_a_conflict_like_the_error_example(demo: Client) -> None:
    """The second post carries a stale ChangeKey and touches what the first changed: AutoResolve fails (D3)."""
    assert demo.post(example("updateitem-task-request.xml")).codes() == ["NoError"]
    before = etree.tostring(get_task(demo))
    r = demo.post(example("updateitem-task-request.xml"))
    expected = etree.fromstring(example("updateitem-error-response.xml"))
    assert shape(r.root) == shape(expected)
    assert r.codes() == ["ErrorIrresolvableConflict"]
    assert etree.tostring(get_task(demo)) == before
    ews_validate(r.body)


def test_invalid_example_is_a_schema_fault(demo: Client) -> None:
    """The first violation ewsemu reports is the abstract t:Path (a missing ConflictResolution is AutoResolve, D2)."""
    before = etree.tostring(get_task(demo))
    r = demo.post(example("invalid-updateitem-request.xml"))
    assert r.status == 500
    assert r.body.startswith(b"<?xml")
    assert r.fault_code() == "ErrorSchemaValidation"
    assert r.xpath("//s:Fault/faultcode/text()") == ["a:ErrorSchemaValidation"]
    (path,) = etree.fromstring(example("invalid-updateitem-request.xml")).iter(f"{{{NS['t']}}}Path")
    assert r.xpath("//t:MessageXml/t:LineNumber/text()") == [str(path.sourceline)]
    assert "abstract" in r.xpath("//s:Fault/faultstring/text()")[0]
    assert etree.tostring(get_task(demo)) == before


def _https(data: bytes, *which: str) -> bytes:
    text = data.decode()
    for key in which:
        text = text.replace(f'"{CANONICAL[key]}"', f'"{CANONICAL[key].replace(HTTP, HTTPS, 1)}"')
    return text.encode()


VARIANTS = [("messages",), ("types",), ("envelope",), ("messages", "types", "envelope")]


@pytest.mark.parametrize("which", VARIANTS)
def test_https_namespaces_are_accepted_when_lenient(demo: Client, which: tuple[str, ...]) -> None:
    data = _https(example("updateitem-task-request.xml"), *which)
    assert data != example("updateitem-task-request.xml")
    r = demo.post(data)
    assert_like_example_response(r)
    assert HTTPS.encode() not in r.body  # answered in the canonical namespaces


@pytest.mark.parametrize("which", VARIANTS)
def test_https_namespaces_fault_by_default(clock: Clock, which: tuple[str, ...]) -> None:
    emulator = Emulator(Settings(database="sqlite://", seed=7), clock)
    try:
        fixtures.load_files(emulator, [DEMO])
        client = Client(make_app(emulator))
        r = client.post(_https(example("updateitem-task-request.xml"), *which))
        assert r.status == 500 and r.body.startswith(b"<?xml")
        assert r.fault_code() == "ErrorSchemaValidation"
        named = [CANONICAL[k].replace(HTTP, HTTPS, 1) for k in which]
        message = r.xpath("//s:Fault/faultstring/text()")[0]
        assert any(ns in message for ns in named), message
        assert get_task(client).find("t:ItemId", NS).get("ChangeKey") == TASK_CK  # nothing applied
        assert client.post(example("updateitem-task-request.xml")).codes() == ["NoError"]
    finally:
        emulator.close()
