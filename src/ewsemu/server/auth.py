"""Who is calling. Pluggable: the router asks one :class:`Authenticator` for every face.

EWS (and the control plane) ask :meth:`Authenticator.authenticate` for the caller's SMTP address; the REST
faces ask :meth:`Authenticator.rest_caller` for the calling :class:`~ewsemu.core.users.User` (the JSON task API
needs a role), or a :class:`Refusal` saying what would have been accepted.

The open default (issue 3) accepts any Basic credentials and uses the user name as the mailbox, or a bearer
token that is an SMTP address; on EWS a client without credentials (exchangelib NOAUTH) is identified by its
X-AnchorMailbox header. With a users file (``--users``) :class:`UsersAuthenticator` checks Basic passwords
(EWS) and static Bearer tokens (EWS and REST) and answers 401 otherwise. Neither ever keeps or logs the
credentials it checks, nor quotes them in a refusal.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Protocol

from ..core.users import User, UserDirectory, open_default_user

REALM = "ewsemu"
#: one address: no second ``@``, no white space or control character (it becomes a mailbox name)
_SMTP = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Refusal:
    """Why a REST call is 401: a message safe to show (it never quotes the credentials) and the challenge."""

    message: str
    challenge: tuple[tuple[str, str], ...]


class Authenticator(Protocol):
    def authenticate(self, environ: dict) -> str | None:
        """EWS and the control plane: the caller's SMTP address, or None to answer 401."""

    def challenge(self) -> list[tuple[str, str]]:
        """WWW-Authenticate headers for an EWS 401."""

    def rest_caller(self, environ: dict) -> User | Refusal:
        """The REST faces: the calling user, or why not (the face answers 401 in its own error format)."""

    def rest_challenge(self, environ: dict) -> list[tuple[str, str]]:
        """WWW-Authenticate headers for a REST 401 (also an injected one)."""


def basic_credentials(environ: dict) -> tuple[str, str] | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def bearer_token(environ: dict) -> str | None:
    scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    token = value.strip()
    return token if scheme.lower() == "bearer" and token else None


def smtp_address(value: str) -> str | None:
    """``value`` lower-cased if it is one SMTP address, else None."""
    value = value.strip()
    return value.lower() if _SMTP.fullmatch(value) else None


#: what the open default accepts, for a REST 401 (the REST faces have no anchor mailbox)
OPEN_DEFAULT_ACCEPTS = ("ewsemu runs in the open default (no users file), which accepts "
                        "`Authorization: Bearer <smtp address>` or HTTP Basic with an SMTP address as the user "
                        "name and any password; that address is the mailbox.")


class OpenAuthenticator:
    """Anyone may call; the Basic user name, a bearer token that is an SMTP address, or (EWS only, without
    credentials) X-AnchorMailbox names the mailbox. On the REST faces the caller has every role."""

    realm = REALM

    def authenticate(self, environ: dict) -> str | None:
        smtp = self._credentials(environ)
        if smtp is not None:
            return smtp
        anchor = environ.get("HTTP_X_ANCHORMAILBOX", "")
        return anchor.lower() if "@" in anchor else None

    def challenge(self) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", f'Basic realm="{self.realm}"')]

    def rest_caller(self, environ: dict) -> User | Refusal:
        smtp = self._credentials(environ)
        if smtp is not None:
            return open_default_user(smtp)
        if bearer_token(environ) is not None:
            reason = "The bearer token is not an SMTP address. "
        elif basic_credentials(environ) is not None:
            reason = "The Basic user name is not an SMTP address. "
        else:
            reason = ""
        return Refusal(reason + OPEN_DEFAULT_ACCEPTS, tuple(self.rest_challenge(environ)))

    def rest_challenge(self, environ: dict) -> list[tuple[str, str]]:
        # RFC 6750 §3.1: error="invalid_token" when a token was sent (and refused), no error code otherwise
        invalid = ', error="invalid_token"' if bearer_token(environ) is not None else ""
        return [("WWW-Authenticate", f'Bearer realm="{self.realm}"{invalid}'),
                ("WWW-Authenticate", f'Basic realm="{self.realm}"')]

    def _credentials(self, environ: dict) -> str | None:
        """The mailbox the Authorization header names (Basic as EWS clients send it, or Bearer)."""
        creds = basic_credentials(environ)
        if creds is not None:
            return creds[0].lower() if "@" in creds[0] else None
        token = bearer_token(environ)
        return self.bearer_mailbox(token) if token is not None else None

    def bearer_mailbox(self, token: str) -> str | None:
        """The mailbox a bearer token names: the token itself when it is an SMTP address. This is the one
        place the open default reads a token (an OAuth JWT's ``upn`` claim belongs here too)."""
        return smtp_address(token)


class UsersAuthenticator:
    """Basic against the users file's passwords, Bearer against its static tokens; nothing else gets in."""

    realm = REALM

    def __init__(self, users: UserDirectory) -> None:
        self.users = users

    def authenticate(self, environ: dict) -> str | None:
        creds = basic_credentials(environ)
        if creds is not None:
            user = self.users.by_password(*creds)
        else:
            token = bearer_token(environ)
            user = self.users.by_token(token) if token is not None else None
        return user.smtp if user is not None else None

    def challenge(self) -> list[tuple[str, str]]:
        headers = [("WWW-Authenticate", f'Basic realm="{self.realm}"')]
        if self.users.has_tokens:
            headers.append(("WWW-Authenticate", f'Bearer realm="{self.realm}"'))
        return headers

    def rest_caller(self, environ: dict) -> User | Refusal:
        """Bearer tokens only: the REST faces declare bearer security, so a Basic password does not open them."""
        token = bearer_token(environ)
        user = self.users.by_token(token) if token is not None else None
        if user is not None:
            return user
        message = ("Send `Authorization: Bearer <token>` with a token from the users file." if token is None
                   else "The bearer token is not valid.")
        return Refusal(message, tuple(self.rest_challenge(environ)))

    def rest_challenge(self, environ: dict) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", f'Bearer realm="{self.realm}"')]


def authenticator_for(users: UserDirectory | None) -> Authenticator:
    """The users file's authenticator, or the open default when there is none."""
    return UsersAuthenticator(users) if users is not None else OpenAuthenticator()
