"""The bad-input corpus (issue 6): every file in tests/corpus/bad/ sent end to end, answered as
tests/corpus/expected.yaml says, without changing any stored item.

The corpus runs once per module against one emulator with the shared users file and small limits; the seeded
items (alice's task with a current and a stale ChangeKey, bob's task, both tasks folders) fill the
``{{PLACEHOLDERS}}`` of the semantic cases. After each request every seeded item must read back byte for byte
as before, and every XML answer must validate against Microsoft's schema.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from lxml import etree

from ewsemu.core.clock import Clock
from ewsemu.core.limits import Limits
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app

from ..hostile import UsersClient, basic, create_task, directory, get_item_xml, raw
from ..soap import NS, Response, ews_validate

CORPUS = Path(__file__).parents[1] / "corpus"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
FILES = sorted(p.name for p in (CORPUS / "bad").iterdir())
LIMITS = Limits(max_request_bytes=16 * 1024, max_depth=32, max_items=20, max_string_length=2000)
KINDS = ("malformed", "hostile", "schema", "semantic", "http")
ALICE, BOB = "alice@example.com", "bob@example.com"


@dataclass
class Outcome:
    response: Response
    request: bytes
    unchanged: bool


def seed(client: UsersClient) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Placeholders and the (item, owner) pairs that must never change."""
    alice_task, stale = create_task(client, "alice's task", ALICE,
                                    extra="<t:DueDate>2026-01-20T00:00:00Z</t:DueDate>")
    r = client.call('<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange>'
                    f'<t:ItemId Id="{alice_task}"/><t:Updates><t:SetItemField><t:FieldURI '
                    'FieldURI="item:Importance"/><t:Task><t:Importance>High</t:Importance></t:Task></t:SetItemField>'
                    "</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>", user=ALICE)
    current = r.xpath("//t:ItemId/@ChangeKey")[0]
    bob_task, _ = create_task(client, "bob's task", BOB)
    folders = {}
    for who in (ALICE, BOB):
        g = client.call('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
                        '<m:FolderIds><t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>', user=who)
        folders[who] = g.xpath("//t:FolderId/@Id")[0]
    values = {"ALICE_TASK": alice_task, "ALICE_TASK_CK": current, "ALICE_TASK_STALE_CK": stale,
              "ALICE_TASKS_FOLDER": folders[ALICE], "BOB_TASK": bob_task, "BOB_TASKS_FOLDER": folders[BOB]}
    return values, [(alice_task, ALICE), (bob_task, BOB)]


def substitute(data: bytes, values: dict[str, str]) -> bytes:
    for name, value in values.items():
        data = data.replace(b"{{" + name.encode() + b"}}", value.encode())
    assert b"{{" not in data or b"}}" not in data, "unknown placeholder"
    return data


def send(app, data: bytes, spec: dict) -> Response:
    user = spec.get("user", ALICE)
    auth = {"none": None, "wrong": basic(user, "not-the-password")}.get(spec.get("auth", ""), basic(user))
    length = spec.get("content_length")
    return raw(app, data, authorization=auth, content_type=spec.get("content_type", "text/xml; charset=utf-8"),
               content_length=None if length is None else str(length))


@pytest.fixture(scope="module")
def outcomes(database_url: str) -> dict[str, Outcome]:
    clock = Clock()
    clock.freeze(dt.datetime(2026, 1, 13, 9, 0, tzinfo=dt.timezone.utc))
    emulator = Emulator(Settings(database=database_url, seed=7, users=directory(), limits=LIMITS), clock)
    if database_url != "sqlite://":
        emulator.reset()
    try:
        app = make_app(emulator)
        client = UsersClient(app)
        values, guarded = seed(client)
        snapshot = {item: get_item_xml(client, item, owner) for item, owner in guarded}
        found = {}
        for name in FILES:
            data = substitute((CORPUS / "bad" / name).read_bytes(), values)
            response = send(app, data, EXPECTED.get(name, {}))
            unchanged = all(get_item_xml(client, item, owner) == snapshot[item] for item, owner in guarded)
            found[name] = Outcome(response, data, unchanged)
        yield found
    finally:
        emulator.close()


def test_every_file_has_an_expectation_and_every_expectation_a_file() -> None:
    assert sorted(EXPECTED) == FILES
    assert len(FILES) >= 60


def test_the_corpus_covers_every_kind_of_bad_input() -> None:
    kinds = [spec["kind"] for spec in EXPECTED.values()]
    assert set(kinds) == set(KINDS)
    assert all(kinds.count(kind) >= 5 for kind in KINDS)
    assert all(kinds.count(kind) >= 15 for kind in ("malformed", "hostile", "schema", "semantic"))


def _text(r: Response) -> str:
    if r.body.startswith(b"<"):
        try:
            root = etree.fromstring(r.body)
        except etree.XMLSyntaxError:
            return r.body.decode("utf-8", "replace")
        return " ".join(root.itertext())
    return r.body.decode("utf-8", "replace")


@pytest.mark.parametrize("name", FILES)
def test_corpus_file_gets_its_answer_and_changes_nothing(outcomes: dict[str, Outcome], name: str) -> None:
    spec, outcome = EXPECTED[name], outcomes[name]
    r = outcome.response
    assert r.status == spec["status"], r.body[:2000]
    if spec["status"] == 500:
        assert r.fault_code() == spec["code"], r.body[:2000]
        assert r.body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        assert r.xpath("//s:Fault/faultcode/text()") == [f"a:{spec['code']}"]
    elif spec["status"] == 200:
        codes = r.codes()
        assert codes and set(codes) == {spec["code"]}, r.body[:2000]
        assert r.xpath("//m:ResponseMessages/*/@ResponseClass") == ["Error"] * len(codes)
    else:
        assert spec["code"] is None and r.headers["Content-Type"].startswith("text/plain")
    if "message" in spec:
        assert spec["message"] in _text(r), _text(r)[:2000]
    if "absent" in spec:
        assert spec["absent"] not in _text(r)
    assert outcome.unchanged, "a refused request changed a stored item"


def test_no_answer_is_a_server_error_and_no_fault_uses_a_retry_code(outcomes: dict[str, Outcome]) -> None:
    """500 only as an EWS fault; ErrorInvalidRequest (exchangelib re-sends it 10x) only for an empty body."""
    for name, outcome in outcomes.items():
        r = outcome.response
        if not r.body.startswith(b"<?xml"):
            assert r.status in (400, 401, 413, 415), name
            continue
        assert r.fault_code() != "ErrorInternalServerError", name
        if r.status >= 500:
            assert r.status == 500 and r.fault_code() is not None, name
        if r.fault_code() == "ErrorInvalidRequest":
            assert _names_no_operation(outcome.request), name


def _names_no_operation(request: bytes) -> bool:
    if not request.strip():
        return True
    return not etree.fromstring(request).xpath("/s:Envelope/s:Body/*", namespaces=NS)


def test_every_xml_answer_is_schema_valid(outcomes: dict[str, Outcome]) -> None:
    ews_validate(*(o.response.body for o in outcomes.values() if o.response.body.startswith(b"<?xml")))


def test_every_placeholder_is_used() -> None:
    used = b"".join((CORPUS / "bad" / name).read_bytes() for name in FILES)
    for name in ("ALICE_TASK", "ALICE_TASK_CK", "ALICE_TASK_STALE_CK", "ALICE_TASKS_FOLDER", "BOB_TASK",
                 "BOB_TASKS_FOLDER"):
        assert b"{{" + name.encode() + b"}}" in used, name
