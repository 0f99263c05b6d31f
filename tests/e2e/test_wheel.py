"""The wheel as a user gets it: built from this checkout, installed into a fresh venv with no source tree on the
path, then ``ewsemu serve`` answering CreateItem and UpdateItem over HTTP, and a user's own project using the
pytest plugin with that venv's pytest.

It runs with the interpreter of the suite (so ``make test-matrix`` checks the wheel on 3.11, 3.12 and 3.13), and
only in the SQLite run: nothing in packaging depends on the database the suite is pointed at.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests
from lxml import etree

import ewsemu
from ewsemu.store import migrations

from ..databases import KIND
from ..soap import NS, envelope

pytestmark = pytest.mark.skipif(KIND != "sqlite", reason="packaging is database-independent: the SQLite run "
                                                          "covers it")

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"ewsemu serving EWS at (http://\S+/EWS/Exchange\.asmx)")
AUTH = ("alice@example.com", "secret")
TIMEOUT = 300  # building and installing, generously: pip may have to fetch what its cache lacks


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    env: dict[str, str]  # the environment of a user's shell with that venv first on PATH and no checkout in sight

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=TIMEOUT)


def _user_environment(venv: Path) -> dict[str, str]:
    """os.environ without what would point Python or pytest at this checkout or this suite's settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PYTEST", "EWSEMU", "VIRTUAL_ENV", "COV_"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


def _pins(path: Path) -> Path:
    """Constraints pinning every distribution of this suite's environment, so the fresh venv gets the versions the
    suite runs with (and pip takes them from its cache instead of resolving anew)."""
    lines = sorted({f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
                    if d.metadata["Name"] and d.metadata["Name"].lower() != "ewsemu"})
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(*args: str, **kwargs) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(ROOT))
    (wheel,) = dist.glob("ewsemu-*.whl")
    venv = work / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    env = _user_environment(venv)
    # this suite's pip installs into the venv (pip --python), which saves the venv a pip of its own
    _run(sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-compile",
         "--constraint", str(_pins(work / "pins.txt")), str(wheel), "pytest", "exchangelib", env=env, cwd=work)
    return Installed(wheel, venv, env)


def test_the_wheel_carries_the_schema_the_migrations_and_the_one_version(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert {f"ewsemu/wsdl/{f.name}" for f in (ROOT / "wsdl").iterdir()} <= names
    revisions = ROOT / "src" / "ewsemu" / "store" / "migrations"
    assert {f"ewsemu/store/migrations/{f.relative_to(revisions).as_posix()}"
            for f in revisions.rglob("*") if f.is_file() and "__pycache__" not in f.parts} <= names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", "wsdl/"))]
    assert installed.wheel.name == f"ewsemu-{ewsemu.__version__}-py3-none-any.whl"


def test_the_installed_package_runs_from_site_packages(installed: Installed, tmp_path: Path) -> None:
    probe = ("import importlib.metadata, json, ewsemu\n"
             "from ewsemu.protocol import validation\n"
             "print(json.dumps({'file': ewsemu.__file__, 'wsdl': str(validation.wsdl_dir()),"
             " 'version': ewsemu.__version__, 'metadata': importlib.metadata.version('ewsemu')}))")
    found = installed.run(installed.bin("python"), "-c", probe, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    seen = json.loads(found.stdout)
    site = installed.venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    assert Path(seen["file"]) == site / "ewsemu" / "__init__.py"
    assert Path(seen["wsdl"]) == site / "ewsemu" / "wsdl"
    assert seen["version"] == seen["metadata"] == ewsemu.__version__
    version = installed.run(installed.bin("ewsemu"), "--version", cwd=tmp_path)
    assert version.stdout.strip() == f"ewsemu {ewsemu.__version__}"


class Served:
    """``ewsemu serve`` from the venv; stdout is read on a thread so the pipe never fills up."""

    def __init__(self, installed: Installed, cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen([installed.bin("ewsemu"), "serve", *args], cwd=cwd, env=installed.env,
                                     text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def url(self) -> str:
        while (line := self.lines.get(timeout=60)) is not None:
            if match := READY.search(line):
                return match.group(1)
        raise AssertionError(f"exited with {self.proc.wait()}: {self.proc.stderr.read()}")

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30), self.proc.stderr.read()
        finally:
            self.proc.kill()
            self.proc.stdout.close()
            self.proc.stderr.close()


@pytest.fixture
def served(installed: Installed, tmp_path: Path) -> Iterator[tuple[Served, Path]]:
    database = tmp_path / "ewsemu.db"
    server = Served(installed, tmp_path, "--host", "127.0.0.1", "--port", "0", "--database", f"sqlite:///{database}")
    yield server, database
    if server.proc.poll() is None:
        server.proc.kill()


def _post(url: str, body: str) -> etree._Element:
    r = requests.post(url, data=envelope(body), auth=AUTH, headers={"Content-Type": "text/xml; charset=utf-8"},
                      timeout=30)
    assert r.status_code == 200, r.text
    return etree.fromstring(r.content)


def test_ewsemu_serve_from_the_wheel_answers_update_item(served: tuple[Served, Path]) -> None:
    server, database = served
    url = server.url()
    created = _post(url, '<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="tasks"/>'
                         '</m:SavedItemFolderId><m:Items><t:Task><t:Subject>Packed</t:Subject></t:Task></m:Items>'
                         '</m:CreateItem>')
    assert created.findtext(".//m:ResponseCode", namespaces=NS) == "NoError"
    item_id = created.find(".//t:ItemId", NS)
    updated = _post(url, '<m:UpdateItem ConflictResolution="NeverOverwrite"><m:ItemChanges><t:ItemChange>'
                         f'<t:ItemId Id="{item_id.get("Id")}" ChangeKey="{item_id.get("ChangeKey")}"/><t:Updates>'
                         '<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Task><t:Subject>Unpacked'
                         '</t:Subject></t:Task></t:SetItemField><t:SetItemField>'
                         '<t:FieldURI FieldURI="task:PercentComplete"/><t:Task><t:PercentComplete>50'
                         '</t:PercentComplete></t:Task></t:SetItemField></t:Updates></t:ItemChange>'
                         '</m:ItemChanges></m:UpdateItem>')
    assert updated.findtext(".//m:ResponseCode", namespaces=NS) == "NoError"
    new_id = updated.find(".//t:ItemId", NS)
    assert new_id.get("Id") == item_id.get("Id") and new_id.get("ChangeKey") != item_id.get("ChangeKey")
    got = _post(url, '<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>'
                     f'<t:ItemId Id="{item_id.get("Id")}"/></m:ItemIds></m:GetItem>')
    assert (got.findtext(".//t:Subject", namespaces=NS), got.findtext(".//t:PercentComplete", namespaces=NS)) \
        == ("Unpacked", "50")
    code, stderr = server.stop()
    assert code == 0 and "Traceback" not in stderr, stderr
    with closing(sqlite3.connect(database)) as db:  # the Alembic revisions shipped in the wheel made this database
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrations.head(),)]


SAMPLE_TEST = '''
    from exchangelib import Task


    def test_update_a_task(ewsemu_account, ewsemu_control):
        account = ewsemu_account("alice@example.com")
        task = Task(folder=account.tasks, subject="Draft").save()
        task.subject = "Final"
        task.save(update_fields=["subject"])
        assert [t.subject for t in account.tasks.all()] == ["Final"]
        assert [e["codes"] for e in ewsemu_control.ledger(operation="UpdateItem")] == [["NoError"]]


    def test_each_test_starts_empty(ewsemu_account, ewsemu_url, ewsemu_server):
        assert ewsemu_url == ewsemu_server.url
        assert list(ewsemu_account("alice@example.com").tasks.all()) == []
'''


def test_a_project_using_the_pytest_plugin_from_the_wheel(installed: Installed, tmp_path: Path) -> None:
    project = tmp_path / "sample"
    project.mkdir()
    (project / "test_sample.py").write_text(textwrap.dedent(SAMPLE_TEST))
    result = installed.run(installed.bin("python"), "-m", "pytest", "-p", "no:cacheprovider", "-q", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^2 passed\b", result.stdout, re.M), result.stdout
