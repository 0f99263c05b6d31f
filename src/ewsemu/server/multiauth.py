"""The authentication schemes real integrations use, on top of the Basic/anchor/static-token authenticators
of server/auth.py: NTLM and Negotiate (server/ntlm.py) and bearer JWTs (server/oauth.py).

:class:`ConnectAuthenticator` looks at the Authorization scheme and asks the right one; a request without
Authorization on a connection that finished an NTLM handshake is that connection's user. A 401 offers what
Exchange offers, in its order: ``Negotiate``, ``NTLM``, the Exchange Online ``Bearer`` challenge, then what
the base authenticator offers (``Basic realm="ewsemu"``). A request whose answer must carry a particular
challenge (an NTLM Type 2, a Bearer ``error="invalid_token"``) leaves it in the environ under
:data:`CHALLENGE_KEY`; the router sends that instead (:func:`challenge_for`).
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from ..store.schema import mailboxes
from ..core.users import UserDirectory
from . import oauth
from .auth import Authenticator
from .ntlm import CHALLENGE_KEY, NtlmAuthenticator

__all__ = ["CHALLENGE_KEY", "ConnectAuthenticator", "challenge_for", "with_connect_schemes"]


class ConnectAuthenticator:
    def __init__(self, base: Authenticator, users: UserDirectory | None,
                 existing: Callable[[str], list[str]]) -> None:
        self.base = base
        self.realm = getattr(base, "realm", "ewsemu")
        self.ntlm = NtlmAuthenticator(users, existing)
        self.oauth = oauth.OAuthAuthenticator(users)

    def authenticate(self, environ: dict) -> str | None:
        scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        scheme = scheme.lower()
        if scheme in ("ntlm", "negotiate"):
            return self.ntlm.authenticate(environ)
        if scheme == "bearer" and oauth.looks_like_jwt(value.strip()):
            user = self.oauth.authenticate(value.strip(), environ) or self.base.authenticate(environ)
            if user is None:
                environ[CHALLENGE_KEY] = self.challenge(invalid_token=True)
            return user
        if not scheme:
            user = self.ntlm.connection_user(environ)
            if user is not None:
                return user
        return self.base.authenticate(environ)

    def challenge(self, invalid_token: bool = False) -> list[tuple[str, str]]:
        headers = self.ntlm.challenge()
        if self.oauth.offered:
            headers.append(oauth.challenge(error=invalid_token))
            return headers + [h for h in self.base.challenge() if not h[1].lower().startswith("bearer")]
        return headers + self.base.challenge()


def challenge_for(authenticator: Authenticator, environ: dict) -> list[tuple[str, str]]:
    """The WWW-Authenticate headers of this request's 401."""
    return environ.get(CHALLENGE_KEY) or authenticator.challenge()


def with_connect_schemes(base: Authenticator, users: UserDirectory | None, store: object) -> Authenticator:
    """``base`` with NTLM, Negotiate and bearer JWTs added (once)."""
    if isinstance(base, ConnectAuthenticator):
        return base

    def existing(local: str) -> list[str]:
        """Existing mailboxes ``local@…``: how the open default maps ``DOMAIN\\local`` (server/ntlm.py)."""
        pattern = local.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "@%"
        with store.read() as conn:  # type: ignore[attr-defined]
            return [row[0] for row in conn.execute(
                select(mailboxes.c.smtp).where(mailboxes.c.smtp.like(pattern, escape="\\")).limit(50))]

    return ConnectAuthenticator(base, users, existing)
