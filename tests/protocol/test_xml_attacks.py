"""XML attacks: XXE, entity expansion, external DTDs, processing instructions, XInclude, deep nesting (issue 6).

The parser settings are pinned (``protocol/envelope.py`` ``_PARSER_OPTIONS``) and each attack is answered with
an ErrorSchemaValidation fault (D16), reads no file, opens no connection, and finishes in bounded time and
memory. The end-to-end attacks run in a child process under an address-space limit and a timeout, so a
regression fails the test instead of taking the test run down.
"""
from __future__ import annotations

import http.server
import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from lxml import etree

from ewsemu.core.errors import SchemaViolation
from ewsemu.protocol import envelope as envelope_module
from ewsemu.protocol.envelope import new_parser, parse_envelope

from ..soap import NS, ews_validate

ROOT = Path(__file__).resolve().parents[2]
SECRET = "ewsemu-xxe-canary-7f3a"
ENVELOPE_HEAD = (f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}"><s:Body>'
                 '<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>')
ENVELOPE_TAIL = "</m:ItemIds></m:GetItem></s:Body></s:Envelope>"


def soap(item_ids: str, prolog: str = "") -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}{ENVELOPE_HEAD}{item_ids}{ENVELOPE_TAIL}'.encode()


def create_with(subject_xml: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}<s:Envelope xmlns:s="{NS["s"]}" '
            f'xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}"><s:Body><m:CreateItem><m:Items><t:Task>'
            f"<t:Subject>{subject_xml}</t:Subject></t:Task></m:Items></m:CreateItem></s:Body></s:Envelope>").encode()


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY % leak "x">')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def listener():
    """A local HTTP server that counts every request: any hit is an XXE or external-DTD fetch."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.hits
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xxe") / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    # read as a DTD it would define &leak; (and, being half malformed, change the parser's answer)
    path.with_suffix(".dtd").write_text(f'<!ENTITY leak "{SECRET}"> <!BROKEN', encoding="utf-8")
    return path


def attacks(url: str, secret: Path) -> dict[str, bytes]:
    lol = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10 if i > 1 else "lol" * 10}">' for i in range(1, 10))
    big = "A" * 50_000
    return {
        "xxe-file": create_with("&xxe;", f'<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'),
        "xxe-file-in-attribute": soap('<t:ItemId Id="&xxe;"/>',
                                      f'<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'),
        "xxe-network": create_with("&xxe;", f'<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "{url}/entity">]>'),
        "parameter-entity": create_with("x", f'<!DOCTYPE s:Envelope [<!ENTITY % pe SYSTEM "{url}/pe"> %pe;]>'),
        "external-dtd": create_with("x", f'<!DOCTYPE s:Envelope SYSTEM "{url}/evil.dtd">'),
        "external-dtd-public": create_with("x", f'<!DOCTYPE s:Envelope PUBLIC "-//X//Y" "{url}/public.dtd">'),
        "external-dtd-file": create_with("x", f'<!DOCTYPE s:Envelope SYSTEM "{secret.with_suffix(".dtd").as_uri()}">'),
        "external-dtd-missing-file": create_with("x", '<!DOCTYPE s:Envelope SYSTEM "file:///nonexistent/x.dtd">'),
        "parameter-entity-file": create_with(
            "&leak;", f'<!DOCTYPE s:Envelope [<!ENTITY % p SYSTEM "{secret.with_suffix(".dtd").as_uri()}"> %p;]>'),
        "billion-laughs": create_with("&lol9;", f"<!DOCTYPE s:Envelope [{lol}]>"),
        "billion-laughs-attribute": soap('<t:ItemId Id="&lol9;"/>', f"<!DOCTYPE s:Envelope [{lol}]>"),
        "quadratic-blowup": create_with("&big;" * 20_000, f'<!DOCTYPE s:Envelope [<!ENTITY big "{big}">]>'),
        "internal-entity": create_with("&e;", '<!DOCTYPE s:Envelope [<!ENTITY e "harmless">]>'),
        "bare-doctype": create_with("x", "<!DOCTYPE s:Envelope>"),
        "undeclared-entity": create_with("&nope;"),
        "pi-before-root": create_with("x", '<?xml-stylesheet type="text/xsl" href="http://x/evil.xsl"?>'),
        "pi-in-body": create_with("x<?php system('id'); ?>"),
        "xinclude": create_with(f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret.as_uri()}" '
                                'parse="text"/>'),
        "deep-nesting": create_with("<a>" * 100_000 + "</a>" * 100_000),
        "many-namespaces": create_with("x", "").replace(
            b"<s:Envelope ", b"<s:Envelope " + b" ".join(b'xmlns:n%d="urn:n%d"' % (i, i) for i in range(20_000)) + b" "),
        "many-attributes": soap("<t:ItemId Id=\"x\" " + " ".join(f'a{i}="v"' for i in range(20_000)) + "/>"),
    }


#: legal, merely large: accepted (and still bounded)
HARMLESS = {"many-namespaces"}
#: attacks whose fault is a well-formedness error rather than the DOCTYPE/PI refusal
NOT_WELL_FORMED = {"billion-laughs", "billion-laughs-attribute", "quadratic-blowup", "undeclared-entity",
                   "deep-nesting"}

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.path.insert(0, sys.argv[3])
    from tests.hostile import raw, basic
    from ewsemu.emulator import Emulator, Settings
    from ewsemu.server.wsgi import make_app
    payloads = json.load(open(sys.argv[1]))
    app = make_app(Emulator(Settings(database="sqlite://")))
    raw(app, open(payloads.pop("__warmup__"), "rb").read(), authorization=basic("alice@example.com"))
    for name, path in payloads.items():
        body = open(path, "rb").read()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        r = raw(app, body, authorization=basic("alice@example.com"))
        elapsed = time.perf_counter() - started
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        out = open(path + ".response", "wb")
        out.write(r.body)
        print(json.dumps({"name": name, "status": r.status, "code": r.fault_code(), "seconds": elapsed,
                          "grown_kib": grown, "body": r.body.decode("utf-8", "replace")[:2000]}), flush=True)
""")


@pytest.fixture(scope="module")
def results(listener, secret_file, tmp_path_factory) -> dict[str, dict]:
    url, _ = listener
    folder = tmp_path_factory.mktemp("attacks")
    files = {}
    for name, data in {**attacks(url, secret_file), "__warmup__": create_with("warm-up")}.items():
        files[name] = str(folder / f"{name}.xml")
        Path(files[name]).write_bytes(data)
    (folder / "payloads.json").write_text(json.dumps(files), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", CHILD, str(folder / "payloads.json"), str(2 * 2**30), str(ROOT)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = {}
    for line in proc.stdout.splitlines():
        entry = json.loads(line)
        entry["raw"] = Path(files[entry["name"]] + ".response").read_bytes()
        found[entry["name"]] = entry
    return found


def test_parser_options_are_pinned() -> None:
    # huge_tree only lifts libxml2's 10 MB text-node limit (a file attachment's t:Content) and raises its depth
    # limit from 256 to 2048: entities stay unresolved, --max-request-size bounds the text, --max-depth the tree
    assert envelope_module._PARSER_OPTIONS == dict(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=True,
        remove_comments=False, collect_ids=False)


def test_the_parser_itself_never_resolves_external_entities(secret_file: Path, listener) -> None:
    url, hits = listener
    doc = (f'<!DOCTYPE r [<!ENTITY f SYSTEM "{secret_file.as_uri()}"><!ENTITY n SYSTEM "{url}/direct">]>'
           "<r>&f;&n;</r>")
    root = etree.fromstring(doc.encode(), new_parser())
    assert SECRET not in etree.tostring(root, encoding="unicode") and SECRET not in "".join(root.itertext())
    dtd = secret_file.with_suffix(".dtd").as_uri()
    for doc in (f'<!DOCTYPE r SYSTEM "{dtd}"><r/>', f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{dtd}"> %p;]><r/>'):
        root = etree.fromstring(doc.encode(), new_parser())  # no syntax error: the half-malformed DTD was not read
        external = root.getroottree().docinfo.externalDTD
        assert external is None or list(external.iterentities()) == []
    assert not [h for h in hits if h == "/direct"]
    with pytest.raises(etree.XMLSyntaxError):  # libxml2 bounds depth even with XML_PARSE_HUGE (2048)
        etree.fromstring(b"<a>" * 10_000 + b"</a>" * 10_000, new_parser())


@pytest.mark.parametrize("name", sorted(attacks("http://127.0.0.1:9", Path("/x"))))
def test_attack_is_a_schema_fault_in_bounded_time_and_memory(results: dict[str, dict], name: str) -> None:
    r = results[name]
    expected = (200, None) if name in HARMLESS else (500, "ErrorSchemaValidation")
    assert (r["status"], r["code"]) == expected, r["body"]
    # time is bounded by the child's timeout (a blow-up never finishes); how fast is bench's business, not a test's
    assert r["grown_kib"] < 200 * 1024, r  # peak RSS grew by less than 200 MiB
    assert SECRET not in r["body"]
    if name not in NOT_WELL_FORMED and "DOCTYPE" in r["body"]:
        assert "Document Type Declaration" in r["body"]


def test_doctype_and_pi_faults_say_why(results: dict[str, dict]) -> None:
    for name in ("xxe-file", "xxe-network", "external-dtd", "external-dtd-public", "internal-entity", "bare-doctype",
                 "parameter-entity", "external-dtd-file", "external-dtd-missing-file", "parameter-entity-file"):
        assert "must not contain a Document Type Declaration" in results[name]["body"], name
    for name in ("pi-before-root", "pi-in-body"):
        assert "must not contain processing instructions" in results[name]["body"], name


def test_local_files_are_never_read_so_answers_reveal_nothing(results: dict[str, dict]) -> None:
    """An existing and a missing external DTD get the same answer: the file is not even opened."""
    assert results["external-dtd-file"]["raw"] == results["external-dtd-missing-file"]["raw"]
    assert all("external subset" not in r["body"] for r in results.values())


def test_no_attack_fetched_anything(results: dict[str, dict], listener) -> None:
    _, hits = listener
    assert hits == []


def test_attack_faults_are_schema_valid(results: dict[str, dict]) -> None:
    ews_validate(*(r["raw"] for r in results.values()))


def test_parse_envelope_refuses_doctype_and_pis_directly() -> None:
    with pytest.raises(SchemaViolation, match="Document Type Declaration"):
        parse_envelope(soap('<t:ItemId Id="x"/>', "<!DOCTYPE s:Envelope>"))
    with pytest.raises(SchemaViolation, match="processing instructions"):
        parse_envelope(soap('<t:ItemId Id="x"/><?pi?>'))
    parse_envelope(soap('<!-- comments are fine --><t:ItemId Id="x"/>'))
