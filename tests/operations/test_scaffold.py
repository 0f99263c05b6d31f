"""scripts/new_operation.py, the scaffold of a new operation (issue 14), run on a copy of this checkout: what it
writes is found by the registry, compiles against our schema, and refuses what it must without writing."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "new_operation.py"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The parts of the checkout the scaffold reads and writes."""
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "wsdl", tmp_path / "wsdl")
    (tmp_path / "tests" / "operations").mkdir(parents=True)
    (tmp_path / "tests" / "golden").mkdir()
    return tmp_path


def scaffold(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=60)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def inspect(root: Path, name: str) -> dict:
    """Import the scaffolded tree in a fresh interpreter: the registry's entry, the schema and the WSDL."""
    code = f"""
import json
from lxml import etree
from ewsemu import operations
from ewsemu.protocol import validation
op = operations.REGISTRY[{name!r}]
schema = validation.schema()
wsdl = etree.parse(str(validation.wsdl_dir() / "Services.wsdl"))
ns = {{"w": "http://schemas.xmlsoap.org/wsdl/"}}
print(json.dumps({{
    "module": operations.__file__, "kind": type(op).__name__, "status": op.status,
    "port": wsdl.xpath("//w:portType/w:operation/@name", namespaces=ns),
    "binding": wsdl.xpath("//w:binding/w:operation/@name", namespaces=ns),
    "messages": wsdl.xpath("//w:message/@name", namespaces=ns),
}}))
"""
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "EWSEMU_WSDL_DIR": str(root / "wsdl")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_per_element_operation_is_registered_and_declared_in_the_schema(checkout: Path) -> None:
    result = scaffold(checkout, "DisconnectPhoneCall", "--container", "Items")
    assert result.returncode == 0, result.stderr
    written = {line.removeprefix("wrote ") for line in result.stdout.splitlines() if line.startswith("wrote ")}
    assert written == {"src/ewsemu/protocol/disconnect_phone_call.py", "src/ewsemu/operations/disconnect_phone_call.py",
                       "tests/operations/test_disconnect_phone_call.py",
                       "tests/golden/disconnect-phone-call/01-disconnect-phone-call.request.xml",
                       "wsdl/Services.wsdl", "wsdl/messages.xsd"}
    found = inspect(checkout, "DisconnectPhoneCall")
    assert found["module"].startswith(str(checkout)), found
    assert (found["kind"], found["status"]) == ("PerElement", "partial")
    assert found["port"].count("DisconnectPhoneCall") == found["binding"].count("DisconnectPhoneCall") == 1
    assert {"DisconnectPhoneCallSoapIn", "DisconnectPhoneCallSoapOut"} <= set(found["messages"])
    xsd = (checkout / "wsdl/messages.xsd").read_text()
    assert '<xs:element name="DisconnectPhoneCallResponseMessage" type="m:ResponseMessageType"/>' in xsd
    operation = (checkout / "src/ewsemu/operations/disconnect_phone_call.py").read_text()
    assert 'container="Items"' in operation and "lxml" not in operation
    test = (checkout / "tests/operations/test_disconnect_phone_call.py").read_text()
    assert '"disconnect-phone-call" / "01-disconnect-phone-call.request.xml"' in test
    compile(test, "test_disconnect_phone_call.py", "exec")


def test_a_whole_request_operation_renders_its_own_response(checkout: Path) -> None:
    result = scaffold(checkout, "PlayOnPhone", "--whole-request")
    assert result.returncode == 0, result.stderr
    found = inspect(checkout, "PlayOnPhone")
    assert (found["kind"], found["status"]) == ("WholeRequest", "partial")
    xsd = (checkout / "wsdl/messages.xsd").read_text()
    assert '<xs:element name="PlayOnPhoneResponse" type="m:PlayOnPhoneResponseMessageType"/>' in xsd
    assert "PlayOnPhoneResponseMessage\"" not in xsd  # not a message inside ResponseMessages
    protocol = (checkout / "src/ewsemu/protocol/play_on_phone.py").read_text()
    assert "def render(request: PlayOnPhoneRequest, result: PlayOnPhoneResult)" in protocol


@pytest.mark.parametrize("args, reason", [
    (["NoSuchOperation"], "is not an EWS operation"),
    (["GetFolder", "--container", "Folders"], "is already served"),
])
def test_refusals_write_nothing(checkout: Path, args: list[str], reason: str) -> None:
    before = snapshot(checkout)
    result = scaffold(checkout, *args)
    assert result.returncode == 2 and reason in result.stderr and "nothing written" in result.stderr
    assert snapshot(checkout) == before


def test_a_second_run_refuses_and_leaves_the_first_runs_files(checkout: Path) -> None:
    assert scaffold(checkout, "DisconnectPhoneCall").returncode == 0
    before = snapshot(checkout)
    result = scaffold(checkout, "DisconnectPhoneCall")
    assert result.returncode == 2 and "already" in result.stderr, result.stderr
    assert snapshot(checkout) == before
