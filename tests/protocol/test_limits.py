"""Broken and oversized requests get specific answers (issue 6): HTTP-level refusals (400, 413, 415) before any
parsing, SOAP faults for everything that parsed, and configurable limits with messages that name the option.
"""
from __future__ import annotations

import io
import time

import pytest
import requests

from ewsemu import cli
from ewsemu.core.clock import Clock
from ewsemu.core.limits import Limits, parse_size
from ewsemu.operations import OPERATIONS
from ewsemu.emulator import Emulator, Settings
from ewsemu.protocol.operation_names import EWS_OPERATIONS
from ewsemu.server.http import ThreadedServer
from ewsemu.server.wsgi import make_app

from .. import ms_schema
from ..hostile import basic, create_task, get_item_xml, raw
from ..soap import NS, Client, envelope, ews_validate

ALICE = "alice@example.com"
AUTH = basic(ALICE)
GET_ROOT = ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
            '<t:DistinguishedFolderId Id="root"/></m:FolderIds></m:GetFolder>')


def create(subject: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return (f'{declaration}<s:Envelope xmlns:s="{NS["s"]}" xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}"><s:Body>'
            f"<m:CreateItem><m:Items><t:Task><t:Subject>{subject}</t:Subject></t:Task></m:Items></m:CreateItem>"
            "</s:Body></s:Envelope>")


def subject_of(client: Client, r) -> str:
    item_id = r.xpath("//t:ItemId/@Id")[0]
    got = client.call('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
                      '<t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape>'
                      f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    return got.xpath("//t:Subject/text()")[0]


@pytest.fixture
def small(database_url: str, clock: Clock):
    """An emulator with tiny limits, so the tests need no megabytes."""
    limits = Limits(max_request_bytes=4096, max_depth=12, max_items=5, max_string_length=100)
    emu = Emulator(Settings(database=database_url, seed=7, limits=limits), clock)
    if database_url != "sqlite://":
        emu.reset()
    yield make_app(emu)
    emu.close()


def violation(r) -> str:
    return " ".join(r.xpath("//t:Violation/text()") + r.xpath("//e:Message/text()"))


# ---- HTTP level ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type,hint", [
    ("application/json", "got 'application/json'"),
    ("application/x-www-form-urlencoded", "got"),   # curl -d without -H
    ("application/soap+xml; charset=utf-8", "SOAP 1.2"),
    ("application/xml", "got"),
    ("text/plain", "got"),
    (None, "none was given"),
])
def test_wrong_content_type_is_415(client: Client, content_type: str | None, hint: str) -> None:
    r = raw(client.app, envelope(GET_ROOT), content_type=content_type, authorization=AUTH)
    assert r.status == 415 and r.headers["Content-Type"].startswith("text/plain")
    assert b"Content-Type: text/xml" in r.body and hint.encode() in r.body


@pytest.mark.parametrize("content_type", ["text/xml", "TEXT/XML; charset=UTF-8", "text/xml;charset=utf-16",
                                          'text/xml; charset="utf-8"; action="x"'])
def test_text_xml_with_any_parameters_is_accepted(client: Client, content_type: str) -> None:
    r = raw(client.app, envelope(GET_ROOT), content_type=content_type, authorization=AUTH)
    assert r.status == 200 and r.codes() == ["NoError"]


def test_content_length_over_the_default_limit_is_413_before_reading(client: Client) -> None:
    class Untouchable(io.RawIOBase):
        def read(self, *args: object) -> bytes:
            raise AssertionError("the body must not be read")

    captured = {}
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/EWS/Exchange.asmx", "CONTENT_TYPE": "text/xml",
           "CONTENT_LENGTH": str(32 * 2**20 + 1), "HTTP_AUTHORIZATION": AUTH, "wsgi.input": Untouchable()}
    body = b"".join(client.app(env, lambda status, headers, exc=None: captured.setdefault("status", status)))
    assert captured["status"].startswith("413")
    assert b"(33554433 bytes) exceeds the limit of 33554432 bytes (ewsemu serve --max-request-size)" in body


def test_exactly_the_limit_passes_and_one_byte_more_is_413(small) -> None:
    body = create("x").encode()
    padded = body + b" " * (4096 - len(body))
    assert raw(small, padded, authorization=AUTH).status == 200
    assert raw(small, padded + b" ", authorization=AUTH).status == 413


def test_a_body_without_content_length_is_read_at_most_one_byte_past_the_limit(small) -> None:
    class Endless(io.RawIOBase):
        served = 0

        def read(self, n: int = -1) -> bytes:
            assert n > 0, "never read to the end of an unbounded stream"
            self.served += n
            return b" " * n

    stream = Endless()
    captured = {}
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/EWS/Exchange.asmx", "CONTENT_TYPE": "text/xml",
           "HTTP_AUTHORIZATION": AUTH, "wsgi.input": stream}
    body = b"".join(small(env, lambda status, headers, exc=None: captured.setdefault("status", status)))
    assert captured["status"].startswith("413") and b"more than 4096 bytes" in body
    assert stream.served == 4097


@pytest.mark.parametrize("declared,sent,message", [
    ("1000", 300, b"truncated: 300 of the 1000 bytes"),
    ("abc", 10, b"Malformed Content-Length"),
    ("-5", 10, b"Malformed Content-Length"),
    ("\u00b2", 10, b"Malformed Content-Length"),  # a digit to str.isdigit(), not to int()
])
def test_broken_content_length_is_400(client: Client, declared: str, sent: int, message: bytes) -> None:
    r = raw(client.app, envelope(GET_ROOT)[:sent], content_length=declared, authorization=AUTH)
    assert r.status == 400 and message in r.body


def test_real_http_server_refuses_large_and_chunked_bodies(database_url: str) -> None:
    settings = Settings(database="sqlite://", limits=Limits(max_request_bytes=2048))
    with ThreadedServer(settings=settings) as server:
        headers = {"Content-Type": "text/xml; charset=utf-8", "Authorization": AUTH}
        big = create("x" * 3000).encode()
        assert requests.post(server.url, data=big, headers=headers, timeout=10).status_code == 413
        chunked = requests.post(server.url, data=iter([big[:1000], big[1000:]]), headers=headers, timeout=10)
        assert chunked.status_code == 413
        ok = requests.post(server.url, data=create("fine").encode(), headers=headers, timeout=10)
        assert ok.status_code == 200


# ---- encodings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding,declared", [
    ("utf-16", "UTF-16"),            # with a byte-order mark
    ("utf-16-le", "UTF-16"),         # without one: detected from '<\\0?\\0'
    ("utf-16-be", "UTF-16BE"),
    ("latin-1", "ISO-8859-1"),
    ("cp1252", "windows-1252"),
    ("utf-8-sig", "utf-8"),          # UTF-8 with a BOM
])
def test_properly_declared_encodings_are_read_correctly(client: Client, encoding: str, declared: str) -> None:
    text = "Grüße, café" + (" €" if encoding != "latin-1" else "")
    body = create(text, f'<?xml version="1.0" encoding="{declared}"?>').encode(encoding)
    r = raw(client.app, body, authorization=AUTH)
    assert r.status == 200 and r.codes() == ["NoError"]
    assert subject_of(client, r) == text


@pytest.mark.parametrize("body,message", [
    (create("Grüße", "").encode("latin-1"), "Invalid bytes in character encoding"),            # undeclared
    (create("Grüße").encode("latin-1"), "Invalid bytes in character encoding"),                # declared utf-8
    (create("x", '<?xml version="1.0" encoding="x-klingon"?>').encode(), "Unsupported encoding"),
    (create("a\x00b").encode(), "Char 0x0 out of allowed range"),
    (create("a\x07b").encode(), "invalid Char value 7"),
    (create("a&#0;b").encode(), "xmlParseCharRef"),
    (b"\xff\xfe\xfa\xde garbage", "not well-formed"),
])
def test_undeclared_or_invalid_encodings_are_schema_faults(client: Client, body: bytes, message: str) -> None:
    r = raw(client.app, body, authorization=AUTH)
    assert r.status == 500 and r.fault_code() == "ErrorSchemaValidation"
    assert message in violation(r)


# ---- envelope-level answers -------------------------------------------------------------------------------------------


SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


@pytest.mark.parametrize("body,code,message", [
    (b"", "ErrorInvalidRequest", "empty"),
    (b"   \n ", "ErrorInvalidRequest", "empty"),
    (create("x")[:-40].encode(), "ErrorSchemaValidation", "not well-formed"),          # truncated XML
    (f'<e:Envelope xmlns:e="{SOAP12}" xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}"><e:Body>{GET_ROOT}</e:Body>'
     "</e:Envelope>".encode(),
     "ErrorSchemaValidation", "SOAP 1.2"),
    (f'<s:Envelope xmlns:s="{NS["s"]}"><s:Header/></s:Envelope>'.encode(), "ErrorSchemaValidation", "no Body"),
    (f'<s:Envelope xmlns:s="{NS["s"]}"><s:Body/></s:Envelope>'.encode(), "ErrorInvalidRequest", "exactly one"),
    (envelope(GET_ROOT + GET_ROOT), "ErrorSchemaValidation", "exactly one"),
    (f'<m:GetFolder xmlns:m="{NS["m"]}"/>'.encode(), "ErrorSchemaValidation", "SOAP 1.1 Envelope"),
    (envelope("<m:GetInboxRules/>"), "ErrorInvalidOperation", "does not implement the EWS operation"),
    (envelope("<m:Frobnicate/>"), "ErrorSchemaValidation", "No matching global declaration"),
    (envelope('<x:GetFolder xmlns:x="urn:not-ews"/>'), "ErrorSchemaValidation", "No matching global"),
    (envelope(GET_ROOT).replace(b'"http://schemas.microsoft.com/exchange/services/2006/messages"',
                                b'"https://schemas.microsoft.com/exchange/services/2006/messages"'),
     "ErrorSchemaValidation", "--lenient-namespaces"),
])
def test_envelope_problems_get_specific_faults(client: Client, body: bytes, code: str, message: str) -> None:
    r = raw(client.app, body, authorization=AUTH)
    assert (r.status, r.fault_code()) == (500, code), r.body
    assert message in violation(r) + " " + " ".join(r.xpath("//faultstring/text()"))
    assert r.body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')


def test_unimplemented_operation_fault_names_what_is_implemented(client: Client) -> None:
    r = client.call("<m:GetInboxRules/>")
    text = " ".join(r.xpath("//e:Message/text()"))
    assert all(name in text for name in OPERATIONS)
    ews_validate(r.body)


def test_operation_names_are_real_ews_operations() -> None:
    from lxml import etree

    assert set(OPERATIONS) <= EWS_OPERATIONS
    wsdl = etree.parse(str(ms_schema.require_file("services.wsdl")))
    published = set(wsdl.xpath("//wsdl:portType/wsdl:operation/@name",
                               namespaces={"wsdl": "http://schemas.xmlsoap.org/wsdl/"}))
    assert EWS_OPERATIONS <= published


def test_https_namespaces_are_accepted_when_lenient(database_url: str, clock: Clock) -> None:
    emu = Emulator(Settings(database=database_url, lenient_namespaces=True), clock)
    try:
        body = envelope(GET_ROOT)
        for uri in (b"messages", b"types"):
            body = body.replace(b'"http://schemas.microsoft.com/exchange/services/2006/' + uri + b'"',
                                b'"https://schemas.microsoft.com/exchange/services/2006/' + uri + b'"')
        r = raw(make_app(emu), body, authorization=AUTH)
        assert r.status == 200 and r.codes() == ["NoError"]
    finally:
        emu.close()


# ---- configurable limits --------------------------------------------------------------------------------------------


def nested(depth: int) -> str:
    """A Subject whose content nests ``depth`` elements (Envelope/Body/CreateItem/Items/Task/Subject = 6)."""
    return "<t:x>" * depth + "</t:x>" * depth


def test_depth_limit(small) -> None:
    ok = raw(small, create(nested(6)).encode(), authorization=AUTH)  # 12 deep: at the limit, then the schema
    assert "deep" not in violation(ok)
    r = raw(small, create(nested(7)).encode(), authorization=AUTH)
    assert (r.status, r.fault_code()) == (500, "ErrorSchemaValidation")
    assert "more than 12 deep (ewsemu serve --max-depth)" in violation(r)
    assert r.xpath("//t:LineNumber/text()") == ["1"]


def test_default_depth_limit_is_64(client: Client) -> None:
    assert "deep" not in violation(raw(client.app, create(nested(58)).encode(), authorization=AUTH))
    r = raw(client.app, create(nested(59)).encode(), authorization=AUTH)
    assert "more than 64 deep" in violation(r)


def test_string_length_limit_for_text_and_attributes(small) -> None:
    assert raw(small, create("x" * 100).encode(), authorization=AUTH).codes() == ["NoError"]
    r = raw(small, create("x" * 101).encode(), authorization=AUTH)
    assert r.fault_code() == "ErrorSchemaValidation" and "A text value is longer than 100 characters" in violation(r)
    long_id = envelope('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>'
                       f'<t:ItemId Id="{"A" * 101}"/></m:ItemIds></m:GetItem>')
    assert "attribute 'Id' is longer than 100" in violation(raw(small, long_id, authorization=AUTH))


def test_string_length_counts_characters_not_bytes(small) -> None:
    assert raw(small, create("é" * 100).encode(), authorization=AUTH).codes() == ["NoError"]  # 200 bytes


def test_default_string_limit_is_one_mebibyte(client: Client) -> None:
    r = raw(client.app, create("x" * (2**20 + 1)).encode(), authorization=AUTH)
    assert "longer than 1048576 characters" in violation(r)


def item_change(item_id: str, subject: str) -> str:
    return (f'<t:ItemChange><t:ItemId Id="{item_id}"/><t:Updates><t:SetItemField><t:FieldURI '
            f'FieldURI="item:Subject"/><t:Task><t:Subject>{subject}</t:Subject></t:Task></t:SetItemField>'
            "</t:Updates></t:ItemChange>")


def test_batch_limit_refuses_the_whole_request_and_applies_nothing(small) -> None:
    client = Client(small)
    task_id, _ = create_task(client, "before", ALICE)
    before = get_item_xml(client, task_id, ALICE)
    r = client.call('<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges>'
                    + item_change(task_id, "after") * 6 + "</m:ItemChanges></m:UpdateItem>")
    assert (r.status, r.fault_code()) == (500, "ErrorRequestStreamTooBig")
    assert "m:ItemChanges (line 2) holds 6 entries; the limit is 5 per request (ewsemu serve --max-items)" \
        in violation(r)
    assert get_item_xml(client, task_id, ALICE) == before
    ok = client.call('<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges>'
                     + item_change(task_id, "after") * 5 + "</m:ItemChanges></m:UpdateItem>")
    assert ok.codes() == ["NoError"] * 5
    ews_validate(r.body)


def test_batch_limit_counts_elements_not_comments(small) -> None:
    client = Client(small)
    ids = '<t:ItemId Id="AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm"/><!-- c -->' * 5
    r = client.call('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                    f"<m:ItemIds>{ids}</m:ItemIds></m:GetItem>")
    assert r.codes() == ["ErrorItemNotFound"] * 5


def test_default_batch_limit_is_ten_thousand(client: Client) -> None:
    ids = '<t:ItemId Id="AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm"/>' * 10_001
    started = time.perf_counter()
    r = client.call('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                    f"<m:ItemIds>{ids}</m:ItemIds></m:GetItem>")
    assert r.fault_code() == "ErrorRequestStreamTooBig" and "holds 10001 entries" in violation(r)
    assert time.perf_counter() - started < 2


def test_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        Limits(max_depth=0)
    assert [parse_size(s) for s in ("32M", "512k", "1048576", "1GiB", " 2 mb ".replace(" ", ""))] == \
        [32 * 2**20, 512 * 1024, 2**20, 2**30, 2 * 2**20]
    with pytest.raises(ValueError):
        parse_size("12Q")


def test_cli_options_set_the_limits(monkeypatch) -> None:
    import ewsemu.server.http as http

    seen = {}
    monkeypatch.setattr(http, "serve_forever", lambda emulator, *a, **k: seen.setdefault("limits",
                                                                                          emulator.settings.limits))
    assert cli.main(["serve", "--database", "sqlite://", "--max-request-size", "1M", "--max-depth", "20",
                     "--max-items", "50", "--max-string-length", "4096"]) == 0
    assert seen["limits"] == Limits(max_request_bytes=2**20, max_depth=20, max_items=50, max_string_length=4096)


@pytest.mark.parametrize("argv", [["--max-depth", "0"], ["--max-items", "-1"], ["--max-request-size", "lots"]])
def test_cli_refuses_bad_limits(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--database", "sqlite://", *argv])
    assert exit_.value.code == 2 and argv[0] in capsys.readouterr().err
