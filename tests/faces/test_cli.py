"""``python -m ewsemu`` as a user runs it: serve until a signal, load fixtures, refuse bad fixture files."""
from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest
import requests
from lxml import etree

from ..soap import NS, envelope

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo.yaml"
DEMO_TASK = "AAMkADk0ZjY1LXRhc2stMDAx"
READY = re.compile(r"ewsemu serving EWS at (http://\S+/EWS/Exchange\.asmx)")
AUTH = ("alice@example.com", "secret")
STARTUP_TIMEOUT = 30


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ewsemu", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONWARNINGS": "ignore"})


class Served:
    """``ewsemu serve`` in a child process; its stdout is read on a thread so the pipe never fills up."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "ewsemu", "serve", *args], cwd=ROOT, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env={**os.environ, "PYTHONWARNINGS": "ignore"})
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout: list[str] = []
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.stdout.append(line)
            self.lines.put(line)
        self.lines.put(None)  # end of output

    def reap(self) -> str:
        """Reap the child and close its pipes; returns what it wrote to stderr."""
        self.proc.wait()
        self._pump_thread.join(timeout=5)
        stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return stderr

    def wait_ready(self) -> str:
        while True:
            try:
                line = self.lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                self.proc.kill()
                raise AssertionError(f"no ready line; stderr: {self.reap()}") from None
            if line is None:
                raise AssertionError(f"exited with {self.proc.wait()}; stderr: {self.reap()}")
            match = READY.search(line)
            if match:
                return match.group(1)

    def stop(self, sig: int, timeout: float = 10) -> tuple[int, str]:
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            stderr = self.reap()
        return code, stderr


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Starts ``ewsemu serve`` children; any still running when the test ends (a failed assertion) is killed."""
    started: list[Served] = []

    def start(*args: str) -> Served:
        started.append(Served(*args))
        return started[-1]

    yield start
    for served in started:
        if served.proc.poll() is None:
            served.proc.kill()
        if not served.proc.stdout.closed:
            served.reap()


def get_subject(url: str, item_id: str) -> str | None:
    body = envelope('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
                    '<t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape><m:ItemIds>'
                    f'<t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    r = requests.post(url, data=body, auth=AUTH, headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=10)
    assert r.status_code == 200
    return etree.fromstring(r.content).findtext(".//t:Subject", namespaces=NS)


def set_subject(url: str, item_id: str, subject: str) -> list[str]:
    body = envelope('<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange>'
                    f'<t:ItemId Id="{item_id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/>'
                    f"<t:Task><t:Subject>{subject}</t:Subject></t:Task></t:SetItemField></t:Updates>"
                    "</t:ItemChange></m:ItemChanges></m:UpdateItem>")
    r = requests.post(url, data=body, auth=AUTH, headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=10)
    return [c.text for c in etree.fromstring(r.content).iterfind(".//m:ResponseCode", NS)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_and_stops_cleanly(tmp_path: Path, serve, sig: int) -> None:
    database = f"sqlite:///{tmp_path}/x.db"
    served = serve("--port", "0", "--database", database, "--fixtures", str(DEMO))
    url = served.wait_ready()
    assert get_subject(url, DEMO_TASK) == "Write the quarterly report"
    assert set_subject(url, DEMO_TASK, "Changed over HTTP") == ["NoError"]
    assert requests.get(url.replace("/EWS/Exchange.asmx", "/health"), timeout=10).json() == {"status": "ok"}
    code, stderr = served.stop(sig)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    wsdl = url.replace("/Exchange.asmx", "/Services.wsdl")
    assert served.stdout[1].strip() == f"WSDL: {wsdl}"
    assert (tmp_path / "x.db").exists()


def test_the_database_survives_a_restart_with_the_same_fixtures(tmp_path: Path, serve) -> None:
    """``make serve`` twice: the fixtures are loaded again into a database that already has them."""
    database = f"sqlite:///{tmp_path}/x.db"
    first = serve("--port", "0", "--database", database, "--fixtures", str(DEMO))
    url = first.wait_ready()
    assert set_subject(url, DEMO_TASK, "Kept across restarts") == ["NoError"]
    assert first.stop(signal.SIGTERM)[0] == 0
    second = serve("--port", "0", "--database", database, "--fixtures", str(DEMO))
    url = second.wait_ready()
    assert get_subject(url, DEMO_TASK) == "Kept across restarts"
    code, stderr = second.stop(signal.SIGTERM)
    assert code == 0, stderr


def test_load_fixtures_into_a_file_database(tmp_path: Path, serve) -> None:
    database = f"sqlite:///{tmp_path}/loaded.db"
    result = run("load-fixtures", str(DEMO), "--database", database)
    assert result.returncode == 0, result.stderr
    assert re.search(r"loaded 3 items into " + re.escape(database), result.stdout)
    # the data is really in the file: a server on it (without --fixtures) finds the pinned task
    served = serve("--port", "0", "--database", database)
    assert get_subject(served.wait_ready(), DEMO_TASK) == "Write the quarterly report"
    assert served.stop(signal.SIGTERM)[0] == 0


@pytest.mark.parametrize("content, message", [
    ("mailboxes:\n  - smtp: a@example.com\n    tasks:\n      - subject: x\n        colour: red\n",
     "unknown property 'colour'"),
    ("mailboxes:\n  - smtp: a@example.com\n    tasks:\n      - subject: x\n        percent_complete: 150\n",
     "ErrorInvalidPercentCompleteValue"),
    ("just: text\n", "expected a mapping with a 'mailboxes' list"),
])
def test_bad_fixture_exits_with_2_and_a_message(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    result = run("load-fixtures", str(bad), "--database", f"sqlite:///{tmp_path}/bad.db")
    assert result.returncode == 2
    assert any(line.startswith("ewsemu: ") and message in line for line in result.stderr.splitlines()), result.stderr
    assert "Traceback" not in result.stderr
    served = run("serve", "--port", "0", "--database", f"sqlite:///{tmp_path}/bad.db", "--fixtures", str(bad))
    assert served.returncode == 2 and message in served.stderr and "Traceback" not in served.stderr


def test_missing_fixture_file_exits_with_2(tmp_path: Path) -> None:
    result = run("load-fixtures", str(tmp_path / "nope.yaml"), "--database", f"sqlite:///{tmp_path}/n.db")
    assert result.returncode == 2
    assert any(line.startswith("ewsemu: ") and "nope.yaml" in line for line in result.stderr.splitlines())
    assert "Traceback" not in result.stderr
