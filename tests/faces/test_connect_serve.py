"""``ewsemu serve`` with HTTPS: waitress behind its TLS terminator, in one process and in each ``--workers N`` process (issue 22).

Real processes, started once per test: the CA beside the database (printed, served, reused by the next
start), exchangelib over NTLM through each server, the user's own certificate, and the option errors.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import trustme

from ewsemu import cli

from ..servers import ServerProcess

ALICE = "alice@example.com"


def exchangelib_task(url: str, subject: str, monkeypatch: pytest.MonkeyPatch, ca: Path) -> int:
    from exchangelib import DELEGATE, NTLM, UTC, Account, Build, Configuration, Credentials, Version
    from exchangelib.items import Task
    from exchangelib.protocol import close_connections

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    config = Configuration(service_endpoint=url, credentials=Credentials(ALICE, "pw"), auth_type=NTLM,
                           version=Version(build=Build(15, 1, 2507, 6)))
    try:
        account = Account(ALICE, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC)
        Task(folder=account.tasks, subject=subject).save()
        return account.tasks.filter(subject=subject).count()
    finally:
        close_connections()


def printed_ca(server: ServerProcess) -> Path:
    found = [m.group(1) for line in server.lines if (m := re.search(r"TLS CA: (\S+)", line))]
    assert found, server.lines
    return Path(found[0])


def test_waitress_with_tls_keeps_its_ca_beside_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = f"sqlite:///{tmp_path}/ews.db"
    ca = tmp_path / "ewsemu-ca.pem"
    with ServerProcess(database, args=("--tls",), verify=str(ca)) as server:
        assert server.url.startswith("https://127.0.0.1:")
        assert printed_ca(server) == ca and ca.exists()
        assert exchangelib_task(server.url, "waitress tls", monkeypatch, ca) == 1
        base = server.url.rsplit("/EWS/", 1)[0]
        assert requests.get(f"{base}/_ewsemu/ca.pem", verify=str(ca), timeout=10).content == ca.read_bytes()
    first = ca.read_bytes()
    with ServerProcess(database, args=("--tls",), verify=str(ca)) as again:  # the same CA: clients still trust it
        assert ca.read_bytes() == first
        assert exchangelib_task(again.url, "waitress tls", monkeypatch, ca) == 2


def test_workers_serve_https_and_ntlm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ca = tmp_path / "ewsemu-ca.pem"
    with ServerProcess(f"sqlite:///{tmp_path}/ews.db", workers=2, args=("--tls",), verify=str(ca)) as server:
        assert server.url.startswith("https://") and printed_ca(server) == ca
        for n in range(3):  # each run opens new connections, which the kernel spreads over the workers
            assert exchangelib_task(server.url, "workers tls", monkeypatch, ca) == n + 1


def test_the_users_own_certificate(tmp_path: Path) -> None:
    authority = trustme.CA()
    leaf = authority.issue_cert("127.0.0.1", "localhost")
    cert, key, ca = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    with ServerProcess("sqlite://", args=("--tls-cert", str(cert), "--tls-key", str(key)), verify=str(ca)) as server:
        assert not [line for line in server.lines if "TLS CA:" in line]  # ewsemu does not know its issuer
        base = server.url.rsplit("/EWS/", 1)[0]
        assert requests.get(f"{base}/health", verify=str(ca), timeout=10).json() == {"status": "ok"}
        assert requests.get(f"{base}/_ewsemu/ca.pem", verify=str(ca), timeout=10).status_code == 404


def test_tls_option_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--tls-key", str(tmp_path / "k.pem"), "--database", "sqlite://"]) == 2
    assert "--tls-key needs --tls-cert" in capsys.readouterr().err
    (tmp_path / "bad.pem").write_text("not a certificate")
    assert cli.main(["serve", "--tls-cert", str(tmp_path / "bad.pem"), "--database", "sqlite://"]) == 2
    assert "cannot load the TLS certificate" in capsys.readouterr().err


def test_serve_help_lists_the_tls_options() -> None:
    out = subprocess.run([sys.executable, "-m", "ewsemu", "serve", "--help"], capture_output=True, text=True).stdout
    for option in ("--tls", "--tls-cert", "--tls-key", "--tls-name", "--tls-dir"):
        assert option in out
