"""The NT-hash file pyspnego's NTLM acceptor reads (server/ntlm.py) is never left behind: on Linux it is an
anonymous memory file, gone with its process, so neither a worker process (which leaves without running
``atexit``) nor a killed server leaves a ``/tmp/ewsemu-ntlm-*`` directory."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import requests

from ewsemu.server.ntlm import NtlmAuthenticator

from ..hostile import USERS_YAML, directory
from ..servers import ServerProcess
from ..soap import envelope

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="memory files are Linux's")
GET_TASKS = ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
             '<t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>')


def test_the_credential_file_is_a_memory_file() -> None:
    users = directory()
    NtlmAuthenticator(users, lambda local: [])
    path = Path(os.environ["NTLM_USER_FILE"])
    assert str(path).startswith("/proc/self/fd/") and path.is_file()
    assert "alice" in path.read_text(encoding="utf-8").lower()


def ntlm_get_tasks(url: str, user: str, password: str) -> int:
    from requests_ntlm import HttpNtlmAuth

    with requests.Session() as session:  # the handshake needs one connection for its three messages
        session.auth = HttpNtlmAuth(user, password)
        r = session.post(url, data=envelope(GET_TASKS), headers={"Content-Type": "text/xml; charset=utf-8"},
                         timeout=60)
        return r.status_code


@pytest.mark.parametrize("workers", [1, 2])
def test_servers_leave_no_credential_files(tmp_path: Path, workers: int) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    users = tmp_path / "users.yaml"
    users.write_text(USERS_YAML, encoding="utf-8")
    with ServerProcess(f"sqlite:///{tmp_path}/ews.db", workers=workers, args=("--users", str(users)),
                       env={"TMPDIR": str(temp)}) as server:
        for _ in range(4):  # new sessions: new connections, spread over the workers
            assert ntlm_get_tasks(server.url, "alice@example.com", "alice-pw") == 200, server.log()
        assert ntlm_get_tasks(server.url, "alice@example.com", "wrong") == 401
        if workers == 1:
            server.kill()  # no clean-up of any kind
    assert [p.name for p in temp.iterdir()] == []
