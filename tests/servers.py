"""Real ewsemu processes for concurrency and crash tests, and a small EWS-over-HTTP client.

:class:`ServerProcess` runs ``python -m ewsemu serve --port 0`` (optionally ``--workers N``) in its own
process group, so a test can SIGKILL exactly the processes it started, master and workers together.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

import requests

from .soap import Response, envelope

READY = re.compile(r"ewsemu serving EWS at (\S+)")


class ServerProcess:
    """``ewsemu serve`` in a subprocess. Its stderr (the master's and the workers' tracebacks) goes to a file:
    :meth:`log` reads it, and a failing test shows it (tests/conftest.py adds every running server's log to
    the failure report)."""

    #: the servers started and not yet stopped, for the failure reports
    running: "set[ServerProcess]" = set()

    def __init__(self, database: str, workers: int = 1, threads: int = 8, args: tuple[str, ...] = (),
                 verify: str | bool = True, env: dict[str, str] | None = None) -> None:
        self.database, self.workers, self.threads = database, workers, threads
        self.env = env or {}  # more environment variables for the server
        self.args, self.verify = args, verify  # more ``serve`` options; the CA for an HTTPS /health check
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._log = tempfile.TemporaryFile(mode="w+")

    def start(self, timeout: float = 60) -> "ServerProcess":
        cmd = [sys.executable, "-m", "ewsemu", "serve", "--port", "0", "--database", self.database,
               "--workers", str(self.workers), "--threads", str(self.threads), *self.args]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, text=True,
                                      start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env})
        ServerProcess.running.add(self)
        found = threading.Event()
        self.lines: list[str] = []  # everything the server printed

        def read() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            for line in self._proc.stdout:
                self.lines.append(line)
                m = READY.search(line)
                if m and not found.is_set():
                    self.url = m.group(1)
                    found.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        if not found.wait(timeout):
            self.kill()
            raise AssertionError(f"ewsemu did not start: {self.log()}")
        base = self.url.rsplit("/EWS/", 1)[0]
        deadline = time.monotonic() + timeout
        while True:  # every worker shares the socket; wait until one answers
            try:
                if requests.get(f"{base}/health", timeout=5, verify=self.verify).status_code == 200 \
                        and listening_sockets(int(base.rsplit(":", 1)[1])) >= self.workers:
                    return self
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"ewsemu never answered /health on all {self.workers} workers: {self.log()}")
            time.sleep(0.05)

    def log(self, tail: int = 4000) -> str:
        """The end of what the server wrote to stderr (worker exceptions included)."""
        if self._log.closed:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read()[-tail:]

    def log_on_failure(self, detail: object) -> str:
        """An assertion message: ``detail`` and the server's log."""
        return f"{detail}\n---- ewsemu server log ----\n{self.log() or '(empty)'}"

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, no clean-up of any kind."""
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=30)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._proc is not None and self._proc.stdout is not None:
            self._reader.join(timeout=10)  # EOF once every process of the group is gone
            self._proc.stdout.close()
        ServerProcess.running.discard(self)
        self._log.close()

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()
        self.stop()


def listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` (Linux): every worker has its own (SO_REUSEPORT), so a server with
    N workers is fully up, and the kernel spreads new connections over all of them, once there are N."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            count += state == "0A" and int(local.rsplit(":", 1)[1], 16) == port
    return count


# ---- EWS over HTTP ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    id: str
    ck: str


class EwsHttp:
    """One keep-alive connection (a ``requests.Session``) per instance: use one per client thread."""

    def __init__(self, url: str, user: str = "alice@example.com") -> None:
        self.url = url
        self.session = requests.Session()
        self.session.auth = (user, "secret")

    def call(self, body: str) -> Response:
        r = self.session.post(self.url, data=envelope(body), timeout=120,
                              headers={"Content-Type": "text/xml; charset=utf-8"})
        return Response(r.status_code, dict(r.headers), r.content)

    def create_task(self, props: str = "<t:Subject>task</t:Subject>") -> Ref:
        r = self.call(f"<m:CreateItem><m:Items><t:Task>{props}</t:Task></m:Items></m:CreateItem>")
        assert r.codes() == ["NoError"], r.body
        el = r.xpath("//m:Items/t:Task/t:ItemId")[0]
        return Ref(el.get("Id"), el.get("ChangeKey"))

    def update(self, *changes: str, cr: str = "AutoResolve") -> Response:
        return self.call(f'<m:UpdateItem ConflictResolution="{cr}" MessageDisposition="SaveOnly">'
                         f"<m:ItemChanges>{''.join(changes)}</m:ItemChanges></m:UpdateItem>")

    def get(self, ids: list[str], additional: str = "", shape: str = "AllProperties") -> Response:
        extra = f"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" if additional else ""
        item_ids = "".join(f'<t:ItemId Id="{i}"/>' for i in ids)
        return self.call(f"<m:GetItem><m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{extra}</m:ItemShape>"
                         f"<m:ItemIds>{item_ids}</m:ItemIds></m:GetItem>")

    def close(self) -> None:
        self.session.close()


def item_change(ref: Ref, *updates: str) -> str:
    """An ItemChange on ``ref``; an empty ChangeKey is left out (D1: no concurrency check)."""
    ck = f' ChangeKey="{ref.ck}"' if ref.ck else ""
    return f'<t:ItemChange><t:ItemId Id="{ref.id}"{ck}/><t:Updates>{"".join(updates)}</t:Updates></t:ItemChange>'


def set_field(uri: str, prop: str) -> str:
    return f'<t:SetItemField><t:FieldURI FieldURI="{uri}"/><t:Task>{prop}</t:Task></t:SetItemField>'


def ext_path(name: str) -> str:
    return (f'<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="{name}" '
            f'PropertyType="String"/>')


def set_extended(name: str, value: str) -> str:
    path = ext_path(name)
    return (f"<t:SetItemField>{path}<t:Task><t:ExtendedProperty>{path}<t:Value>{value}</t:Value>"
            f"</t:ExtendedProperty></t:Task></t:SetItemField>")
