"""HTTPS for ``ewsemu serve --tls``: a local certificate authority and a server certificate (trustme).

Real integrations talk ``https://`` (exchangelib's own harness forces it), so ewsemu makes the certificate
itself: a CA kept next to the database (so a client that trusts it once keeps trusting it across restarts)
and a fresh server certificate for localhost, 127.0.0.1, ::1, the listening host and any ``--tls-name``,
issued by that CA at every start. Clients trust the CA file (``REQUESTS_CA_BUNDLE``, ``NODE_EXTRA_CA_CERTS``,
``SSL_CERT_FILE``), which is also served at ``GET /_ewsemu/ca.pem``. ``--tls-cert/--tls-key`` use the user's
own certificate instead.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme

CA_FILE = "ewsemu-ca.pem"
CA_KEY_FILE = "ewsemu-ca.key"
CA_PATH = "/_ewsemu/ca.pem"
_WILDCARDS = ("0.0.0.0", "::", "")


class TlsError(ValueError):
    pass


@dataclass(frozen=True)
class TlsFiles:
    """What the server needs (cert chain and key files) and what clients need (``ca``; None for the user's
    own certificate, whose issuer ewsemu does not know)."""

    cert: Path
    key: Path
    ca: Path | None = None

    def ca_pem(self) -> bytes | None:
        return self.ca.read_bytes() if self.ca is not None else None

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(str(self.cert), str(self.key))
        except (OSError, ssl.SSLError) as err:
            raise TlsError(f"cannot load the TLS certificate {self.cert} / key {self.key}: {err}") from None
        return context


def state_dir(database: str) -> Path:
    """Where the CA lives: beside a SQLite database file; otherwise (in-memory SQLite, PostgreSQL) in the
    user's state directory (``$XDG_STATE_HOME/ewsemu``, default ``~/.local/state/ewsemu``)."""
    if database.startswith("sqlite:///") and database.split("?")[0] not in ("sqlite:///:memory:",):
        path = database[len("sqlite:///"):].split("?")[0]
        if path and path != ":memory:":
            return Path(path).expanduser().resolve().parent
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ewsemu"


def server_names(host: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The names the server certificate covers: loopback always, the host it listens on, ``--tls-name``."""
    names = ["localhost", "127.0.0.1", "::1"]
    if host in _WILDCARDS:
        names.append(socket.gethostname())
    else:
        names.append(host)
    names.extend(extra)
    return list(dict.fromkeys(n for n in names if n))


def generate(directory: Path, names: list[str]) -> TlsFiles:
    """Reuse (or create) the CA in ``directory`` and issue a server certificate for ``names`` from it."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_file, ca_key = directory / CA_FILE, directory / CA_KEY_FILE
    if ca_file.exists() and ca_key.exists():
        try:
            ca = trustme.CA.from_pem(ca_file.read_bytes(), ca_key.read_bytes())
        except ValueError as err:
            raise TlsError(f"{ca_file}: not a usable CA ({err}); delete it and {ca_key} to make a new one") from None
    else:
        ca = trustme.CA(organization_name="ewsemu", organization_unit_name="ewsemu local CA")
        _write_private(ca_key, ca.private_key_pem.bytes())
        ca_file.write_bytes(ca.cert_pem.bytes())
    leaf = ca.issue_cert(*[_identity(n) for n in names], common_name=names[0],
                         organization_name="ewsemu")
    # the server key is written to a private temporary directory: it changes every start and is nobody's
    # business; the CA is the only thing a client needs
    run_dir = Path(tempfile.mkdtemp(prefix="ewsemu-tls-"))
    cert, key = run_dir / "server.pem", run_dir / "server.key"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    _write_private(key, leaf.private_key_pem.bytes())
    return TlsFiles(cert=cert, key=key, ca=ca_file)


def user_files(cert: str, key: str | None) -> TlsFiles:
    """``--tls-cert FILE [--tls-key FILE]`` (the key may be inside the cert file)."""
    files = TlsFiles(cert=Path(cert), key=Path(key or cert))
    files.server_context()  # fail at start, with the reason, not at the first handshake
    return files


def _identity(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
