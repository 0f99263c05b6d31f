"""Who is calling. Pluggable: the router asks an :class:`Authenticator` for the caller's SMTP address.

The open default (issue 3) accepts any Basic credentials and uses the user name as the mailbox; a client
without credentials (exchangelib NOAUTH) is identified by its X-AnchorMailbox header. With a users file
(``--users``) :class:`UsersAuthenticator` checks Basic passwords and static Bearer tokens and answers 401
otherwise. Neither ever keeps or logs the credentials it checks.
"""
from __future__ import annotations

import base64
import binascii
from typing import Protocol

from ..users import UserDirectory

REALM = "ewsemu"


class Authenticator(Protocol):
    def authenticate(self, environ: dict) -> str | None:
        """The caller's SMTP address, or None to answer 401."""

    def challenge(self) -> list[tuple[str, str]]:
        """WWW-Authenticate headers for a 401."""


def auth_scheme(environ: dict) -> str:
    """The Authorization scheme alone (``Basic``, ``Bearer``, …; ``-`` if none): safe to log."""
    scheme = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[0]
    return scheme.capitalize() if scheme.isalpha() and len(scheme) <= 16 else ("-" if not scheme else "other")


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


class OpenAuthenticator:
    """Anyone may call; the Basic user name (else X-AnchorMailbox) names the mailbox."""

    realm = REALM

    def authenticate(self, environ: dict) -> str | None:
        creds = basic_credentials(environ)
        if creds is not None and "@" in creds[0]:
            return creds[0].lower()
        anchor = environ.get("HTTP_X_ANCHORMAILBOX", "")
        return anchor.lower() if "@" in anchor else None

    def challenge(self) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", f'Basic realm="{self.realm}"')]


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


def authenticator_for(users: UserDirectory | None) -> Authenticator:
    """The users file's authenticator, or the open default when there is none."""
    return UsersAuthenticator(users) if users is not None else OpenAuthenticator()
