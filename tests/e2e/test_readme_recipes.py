"""The README's client recipes, run as written against a server on a free port (only the URL is swapped)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from lxml import etree

from ewsemu.double import fixtures
from ewsemu.server.http import ThreadedServer

from ..soap import NS, envelope

ROOT = Path(__file__).resolve().parents[2]
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


# ---- the REST faces ---------------------------------------------------------------------------------------------


def recipes(heading: str, language: str) -> list[str]:
    """Every ``language`` code block under ``### heading``, up to the next heading."""
    section = re.split(r"\n#{2,4} ", README.split(f"\n### {heading}\n", 1)[1], maxsplit=1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def run_sh(block: str, base_url: str) -> dict:
    command = block.replace("\\\n", " ").replace(DOC_URL, base_url)
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_rest_recipes_in_the_open_default(server: ThreadedServer) -> None:
    listing, json_patch, graph_patch = recipes("REST faces", "sh")
    tasks = run_sh(listing, server.base_url)["items"]
    assert [t["title"] for t in tasks] == ["Write the quarterly report", "Water the plants", "Renew the passport"]
    task_id = tasks[2]["id"]
    assert f"/v1/tasks/{task_id} " in json_patch and f"/beta/tasks/{task_id} " in graph_patch

    patched = run_sh(json_patch, server.base_url)
    assert (patched["id"], patched["status"], patched["priority"]) == (task_id, "REVIEW", "URGENT")
    graph = run_sh(graph_patch, server.base_url)
    assert (graph["id"], graph["percentComplete"], graph["appliedCategories"]) == (task_id, 75, {"category1": True})

    # what the README says EWS then shows
    body = ('<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>'
            f'<t:ItemId Id="{task_id}"/></m:ItemIds></m:GetItem>')
    reply = requests.post(server.url, data=envelope(body), auth=("alice@example.com", "x"), timeout=30,
                          headers={"Content-Type": "text/xml; charset=utf-8"})
    (task,) = etree.fromstring(reply.content).xpath("//t:Task", namespaces=NS)
    shown = {name: task.findtext(f"t:{name}", namespaces=NS) for name in ("Status", "Importance", "PercentComplete")}
    assert shown == {"Status": "WaitingOnOthers", "Importance": "High", "PercentComplete": "75"}
    assert "category1" in task.xpath("t:Categories/t:String/text()", namespaces=NS)
    # running them again (a second `make serve` session) succeeds too
    assert run_sh(json_patch, server.base_url)["status"] == "REVIEW"
    assert run_sh(graph_patch, server.base_url)["percentComplete"] == 75
