"""NTLM, as the EWS Managed API, most .NET/Java integrations and exchangelib's ``auth_type=NTLM`` speak it.

The handshake is pyspnego's: Type 1 (``Authorization: NTLM|Negotiate <negotiate>``) → 401 whose
``WWW-Authenticate`` carries pyspnego's Type 2 challenge → Type 3 on the same TCP connection. The state lives
on that connection (server/connections.py), so it cannot outlive it or reach another one; a connection that
finished the handshake stays authenticated, and its later requests need no Authorization (as with IIS).

* **Open default** (no ``--users``): any password is accepted. The Type 3 message is decoded (pyspnego's
  message parser) for the user and domain names only, which name the mailbox (:func:`mailbox_for_logon`).
* **``--users FILE``**: pyspnego's acceptor verifies the response (NTLMv2 or v1, and the MIC) against the
  NT hashes of the users' passwords. pyspnego reads acceptor credentials only from the file that
  ``NTLM_USER_FILE`` names, so ewsemu writes one (NT hashes in smbpasswd form) and points the variable at it;
  every users directory in the process contributes its lines, and a name that two directories define
  differently is refused for both. On Linux the file is an anonymous memory file (``memfd_create``, named as
  ``/proc/self/fd/N``): it exists only while the process does, so nothing is left behind by a worker process
  (which leaves without running ``atexit``) or a killed server. Elsewhere it is a mode-0600 file in a private
  temporary directory, removed at exit.

SPNEGO-wrapped tokens (``Negotiate`` from Windows SSPI or gss-ntlmssp) go through pyspnego's Negotiate
acceptor; that needs the password, so in the open default only raw NTLM tokens are understood (clients then
retry with the ``NTLM`` scheme, which ewsemu also offers).
"""
from __future__ import annotations

import atexit
import base64
import binascii
import logging
import os
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import spnego
from spnego._ntlm_raw.crypto import ntowfv1
from spnego._ntlm_raw.messages import Authenticate
from spnego.exceptions import SpnegoError

from ..core.users import User, UserDirectory
from .connections import connection_of

log = logging.getLogger("ewsemu.ntlm")
SCHEMES = ("Negotiate", "NTLM")
_SIGNATURE = b"NTLMSSP\x00"
_SPNEGO_INIT, _SPNEGO_RESPONSE = b"\x60", b"\xa1"  # ASN.1 tags of NegTokenInit and NegTokenResp
_STATE = "ntlm"
#: environ key: the WWW-Authenticate headers a 401 for this request must carry (an NTLM Type 2 challenge)
CHALLENGE_KEY = "ewsemu.auth.challenge"


@dataclass
class _Handshake:
    scheme: str
    context: Any | None = None
    mailbox: str | None = None


def netbios_domain(smtp: str) -> str:
    """``alice@example.com`` → ``EXAMPLE``: the NetBIOS domain ewsemu derives for a down-level logon name."""
    return smtp.partition("@")[2].split(".")[0].upper()


def logon_names(user: User) -> list[tuple[str, str]]:
    """Every (domain, user name) under which ``user`` may log in with NTLM: the SMTP address and the UPN
    without a domain (exchangelib sends ``\\alice@example.com``), ``EXAMPLE\\alice`` and
    ``example.com\\alice`` derived from the address, and the users file's own ``logon_name``."""
    local, _, domain = user.smtp.partition("@")
    names = [("", user.smtp), (netbios_domain(user.smtp), local), (domain, local)]
    if user.principal_name:
        names.append(("", user.principal_name))
    if user.logon_name:
        dom, _, name = user.logon_name.rpartition("\\")
        names.append((dom, name))
    return [(d.upper(), n.lower()) for d, n in dict.fromkeys(names)]


def mailbox_for_logon(domain: str, name: str, users: UserDirectory | None,
                      existing: Callable[[str], list[str]], anchor: str = "") -> str | None:
    """Which mailbox an NTLM logon name means.

    With a users file: the user whose :func:`logon_names` include (domain, name), if exactly one. Open
    default: a name with ``@`` is the address itself (the UPN is the SMTP address, whatever the domain
    field); ``example.com\\alice`` is ``alice@example.com``; ``EXAMPLE\\alice`` (or a bare ``alice``) is the
    X-AnchorMailbox the client names if its local part is ``alice``, else the one existing mailbox
    ``alice@example.<anything>`` (``alice@<anything>`` for a bare name), else ``alice@example``.
    """
    domain, name = domain.strip(), name.strip()
    if not name:
        return None
    if users is not None:
        key = ("" if "@" in name else domain.upper(), name.lower())  # a UPN needs no domain
        found = [u.smtp for u in users.users.values() if key in logon_names(u)]
        return found[0] if len(found) == 1 else None
    if "@" in name:
        return name.lower()
    if "." in domain:
        return f"{name}@{domain}".lower()
    anchor = anchor.strip().lower()
    if anchor.partition("@")[0] == name.lower() and "@" in anchor:
        return anchor
    candidates = [smtp for smtp in existing(name.lower())
                  if not domain or netbios_domain(smtp) == domain.upper()]
    if len(candidates) == 1:
        return candidates[0]
    return f"{name}@{domain}".lower() if domain else None


class _CredentialFile:
    """The process's ``NTLM_USER_FILE``: NT hashes of every registered users directory (see the module
    docstring). Rewritten atomically when a directory comes or goes; pyspnego reads it per handshake."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._directories: "weakref.WeakValueDictionary[int, UserDirectory]" = weakref.WeakValueDictionary()
        self._path: Path | None = None
        self._folder: Path | None = None  # the temporary directory, where there are no memory files
        #: the memory files' descriptors, newest last: the one before stays open for a handshake that read the
        #: variable just before a rewrite
        self._kept: list[int] = []
        #: a registered directory has gone: the file still names its users until the next :meth:`refresh`
        self._stale = False

    def register(self, users: UserDirectory) -> None:
        with self._lock:
            self._directories[id(users)] = users
            weakref.finalize(users, self._mark_stale)
            self._rewrite()

    def _mark_stale(self) -> None:
        # a finalizer may run at interpreter exit, after the folder is gone: only note it, rewrite on use
        self._stale = True

    def refresh(self) -> None:
        """Drop the users of directories that have gone, before pyspnego reads the file for a handshake."""
        if self._stale:
            with self._lock:
                if self._stale:
                    self._stale = False
                    self._rewrite()

    def _rewrite(self) -> None:
        hashes: dict[tuple[str, str], set[str]] = {}
        for users in list(self._directories.values()):
            for user in users.users.values():
                if user.password is None:
                    continue
                digest = ntowfv1(user.password).hex().upper()
                for name in logon_names(user):
                    hashes.setdefault(name, set()).add(digest)
        lines = [f"{domain}\\{name}:0:{'0' * 32}:{next(iter(digests))}:[U]:LCT-00000000" if domain else
                 f"{name}:0:{'0' * 32}:{next(iter(digests))}:[U]:LCT-00000000"
                 for (domain, name), digests in sorted(hashes.items()) if len(digests) == 1]
        content = ("\n".join(lines) + "\n").encode("utf-8")
        self._path = _memory_file(content, self._kept) or self._disk_file(content)
        os.environ["NTLM_USER_FILE"] = str(self._path)

    def _disk_file(self, content: bytes) -> Path:
        """Without memory files: a private temporary directory, rewritten atomically, removed at exit."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="ewsemu-ntlm-"))
            atexit.register(shutil.rmtree, self._folder, True)
        path = self._folder / "ntlm_users"
        temp = path.with_suffix(".new")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(temp, path)
        return path

    def ensure(self) -> None:
        """pyspnego's acceptor refuses to start without the file, even when it will not verify."""
        with self._lock:
            if self._path is None or os.environ.get("NTLM_USER_FILE") != str(self._path):
                self._rewrite()


def _memory_file(content: bytes, kept: list[int]) -> Path | None:
    """``content`` in an anonymous memory file, as a path this process can open; None where there are none."""
    if not hasattr(os, "memfd_create"):
        return None
    fd = os.memfd_create("ewsemu-ntlm-users")  # close-on-exec: a child process never sees it
    path = Path(f"/proc/self/fd/{fd}")
    if not path.is_file():  # no /proc
        os.close(fd)
        return None
    with open(fd, "wb", closefd=False) as out:
        out.write(content)
    kept.append(fd)
    while len(kept) > 2:
        os.close(kept.pop(0))
    return path


_credentials = _CredentialFile()


class NtlmAuthenticator:
    """One scheme of :class:`~ewsemu.server.multiauth.ConnectAuthenticator`: NTLM and Negotiate."""

    def __init__(self, users: UserDirectory | None, existing: Callable[[str], list[str]]) -> None:
        self.users, self.existing = users, existing
        if users is not None:
            _credentials.register(users)
        else:
            _credentials.ensure()

    @staticmethod
    def challenge() -> list[tuple[str, str]]:
        """The bare offers, in Exchange's order: Negotiate first, then NTLM."""
        return [("WWW-Authenticate", scheme) for scheme in SCHEMES]

    def connection_user(self, environ: dict) -> str | None:
        """The mailbox this request's connection authenticated as earlier, if it did."""
        conn = connection_of(environ)
        state = conn.state.get(_STATE) if conn is not None else None
        return state.mailbox if state is not None else None

    def authenticate(self, environ: dict) -> str | None:
        scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        scheme = next((s for s in SCHEMES if s.lower() == scheme.lower()), "")
        conn = connection_of(environ)
        try:
            token = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            token = b""
        if conn is None or not token:
            return None  # an in-process call has no connection to authenticate
        with conn.lock:
            if token.startswith(_SIGNATURE + b"\x01") or token[:1] == _SPNEGO_INIT:
                return self._negotiate(environ, conn, scheme, token)
            if token.startswith(_SIGNATURE + b"\x03") or token[:1] == _SPNEGO_RESPONSE:
                return self._authenticate(environ, conn, token)
            return None

    def _negotiate(self, environ: dict, conn: Any, scheme: str, token: bytes) -> None:
        """Type 1 (or SPNEGO's first token): a new handshake on this connection; answer the challenge."""
        conn.state.pop(_STATE, None)  # a new handshake re-authenticates the connection
        spnego_wrapped = not token.startswith(_SIGNATURE)
        if spnego_wrapped and self.users is None:
            environ[CHALLENGE_KEY] = [("WWW-Authenticate", "NTLM")]
            return None
        _credentials.refresh()
        try:
            context = spnego.server(protocol="negotiate" if spnego_wrapped else "ntlm",
                                    options=spnego.NegotiateOptions.use_ntlm if not spnego_wrapped
                                    else spnego.NegotiateOptions.none)
            answer = context.step(token)
        except (SpnegoError, ValueError) as err:
            log.info("NTLM negotiate refused: %s", err)
            return None
        conn.state[_STATE] = _Handshake(scheme=scheme, context=context)
        environ[CHALLENGE_KEY] = [("WWW-Authenticate", f"{scheme} {base64.b64encode(answer or b'').decode()}")]
        return None

    def _authenticate(self, environ: dict, conn: Any, token: bytes) -> str | None:
        """Type 3 (or SPNEGO's next token), on the connection that got the challenge."""
        state: _Handshake | None = conn.state.pop(_STATE, None)
        if state is None or state.context is None:
            return None  # Type 3 without a challenge on this connection (another connection's, or replayed)
        if self.users is None:
            try:
                message = Authenticate.unpack(token)
            except Exception:  # noqa: BLE001 - pyspnego's parser raises assorted errors on garbage
                return None
            domain, name = message.domain_name or "", message.user_name or ""
        else:
            try:
                answer = state.context.step(token)
            except SpnegoError as err:
                log.info("NTLM authentication failed: %s", err.message if hasattr(err, "message") else err)
                return None
            if not state.context.complete:
                conn.state[_STATE] = state
                environ[CHALLENGE_KEY] = [("WWW-Authenticate",
                                           f"{state.scheme} {base64.b64encode(answer or b'').decode()}")]
                return None
            domain, _, name = (state.context.client_principal or "").rpartition("\\")
        mailbox = mailbox_for_logon(domain, name, self.users, self.existing, environ.get("HTTP_X_ANCHORMAILBOX", ""))
        if mailbox is None:
            log.info("NTLM logon name %s\\%s names no mailbox", domain, name)
            return None
        conn.state[_STATE] = _Handshake(scheme=state.scheme, mailbox=mailbox)
        return mailbox

