"""The README's client recipes, run as written against a server on a free port (only the URL is swapped)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ewsemu import fixtures
from ewsemu.server.http import ThreadedServer

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOC_URL = "http://127.0.0.1:8000"


def recipe(heading: str, language: str) -> str:
    """The first ``language`` code block after ``### heading``."""
    section = README.split(f"\n### {heading}\n", 1)[1]
    match = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert match, f"no {language} block under {heading}"
    return match.group(1)


@pytest.fixture
def server():
    with ThreadedServer(port=0, database="sqlite://") as srv:
        fixtures.load_files(srv.emulator, [ROOT / "fixtures" / "demo.yaml"])
        yield srv


def run_python(code: str, base_url: str) -> str:
    result = subprocess.run([sys.executable, "-c", code.replace(DOC_URL, base_url)], capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_exchangelib_recipe(server: ThreadedServer) -> None:
    assert run_python(recipe("exchangelib", "python"), server.base_url) == "1"


def test_zeep_recipe(server: ThreadedServer) -> None:
    assert run_python(recipe("zeep", "python"), server.base_url) == "NoError"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_recipe(server: ThreadedServer) -> None:
    command = recipe("curl", "sh").replace("\\\n", " ").replace(DOC_URL, server.base_url)
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert '<m:UpdateItemResponseMessage ResponseClass="Success">' in result.stdout
    assert "<m:ResponseCode>NoError</m:ResponseCode>" in result.stdout
