"""The EWS Managed API's JavaScript port (ews-javascript-api, NTLM through @ewsjs/xhr) against ewsemu.

``tests/js/autodiscover_bind.js`` finds the EWS URL with ``AutodiscoverService.GetUserSettings``, then
creates a task over NTLM and binds it. The packages are pinned by ``tests/js/package-lock.json``; this
module installs them itself (``npm ci --prefix tests/js``) when ``tests/js/node_modules`` is missing. Without
node or npm it skips, except with CI=true, where it fails.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from ewsemu.emulator import Settings
from ewsemu.server.http import ThreadedServer
from ewsemu.core.users import parse_users

JS = Path(__file__).parents[1] / "js"
ALICE = "alice@example.com"


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node and npm are needed for the ews-javascript-api tests (CI=true)")
        pytest.skip("node or npm is not installed")
    # several test runs share the checkout (the matrix legs run in parallel): one installs, the others wait for
    # it, since `npm ci` starts by deleting node_modules
    with open(JS / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (JS / "node_modules" / "ews-javascript-api").exists():
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(JS)],
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, f"npm ci failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return node


def run_client(node: str, server: ThreadedServer, email: str, user: str, password: str,
               subject: str) -> dict:
    env = {**os.environ}
    if server.ca_file is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(server.ca_file)  # node trusts ewsemu's CA; nothing else is relaxed
    done = subprocess.run([node, "autodiscover_bind.js", f"{server.base_url}/autodiscover/autodiscover.svc",
                           email, user, password, subject], cwd=JS, env=env, capture_output=True, text=True,
                          timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no answer from the JavaScript client:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def users_server(database_url: str) -> Iterator[ThreadedServer]:
    users = parse_users({"users": [{"smtp": ALICE, "password": "alice-pw", "display_name": "Alice Liddell"}]})
    with ThreadedServer(settings=Settings(database=database_url, users=users)) as server:
        server.emulator.reset()
        yield server


def test_autodiscover_then_bind_a_task_over_ntlm_and_https(node: str, tls_server: ThreadedServer) -> None:
    tls_server.emulator.store.ensure_mailbox(ALICE, "Alice")  # EXAMPLE\alice names it (server/ntlm.py)
    answer = run_client(node, tls_server, ALICE, "EXAMPLE\\alice", "any password", "From JavaScript")
    assert "error" not in answer, answer
    assert answer["ewsUrl"] == tls_server.url and answer["ewsUrl"].startswith("https://")
    assert answer["settings"]["AutoDiscoverSMTPAddress"] == ALICE
    assert answer["settings"]["UserDisplayName"] == "Alice"
    assert "Exchange2013" in answer["settings"]["EwsSupportedSchemas"]
    assert answer["subject"] == "From JavaScript" and answer["status"] == "InProgress"
    entries = tls_server.emulator.ledger.entries(face="ews")
    assert {e.operation for e in entries} >= {"CreateItem", "GetItem"}
    assert {e.user for e in entries if e.operation in ("CreateItem", "GetItem")} == {ALICE}
    assert {e.auth for e in entries if e.operation == "CreateItem"} == {"Ntlm"}
    assert answer["taskId"] in {i for e in entries if e.operation == "GetItem" for i in e.item_ids}


def test_with_a_users_file_the_password_is_checked(node: str, users_server: ThreadedServer) -> None:
    answer = run_client(node, users_server, ALICE, "alice@example.com", "alice-pw", "Checked")
    assert "error" not in answer, answer
    assert answer["ewsUrl"] == users_server.url and answer["subject"] == "Checked"
    refused = run_client(node, users_server, ALICE, "alice@example.com", "wrong", "Refused")
    assert "error" in refused and "subject" not in refused, refused
