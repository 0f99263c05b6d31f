"""Who is calling. Pluggable: the router asks an :class:`Authenticator` for the caller's SMTP address.

The open default (issue 3) accepts any Basic credentials and uses the user name as the mailbox; a client
without credentials (exchangelib NOAUTH) is identified by its X-AnchorMailbox header.
"""
from __future__ import annotations

import base64
import binascii
from typing import Protocol


class Authenticator(Protocol):
    def authenticate(self, environ: dict) -> str | None:
        """The caller's SMTP address, or None to answer 401."""

    def challenge(self) -> list[tuple[str, str]]:
        """WWW-Authenticate headers for a 401."""


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


class OpenAuthenticator:
    """Anyone may call; the Basic user name (else X-AnchorMailbox) names the mailbox."""

    realm = "ewsemu"

    def authenticate(self, environ: dict) -> str | None:
        creds = basic_credentials(environ)
        if creds is not None and "@" in creds[0]:
            return creds[0].lower()
        anchor = environ.get("HTTP_X_ANCHORMAILBOX", "")
        return anchor.lower() if "@" in anchor else None

    def challenge(self) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", f'Basic realm="{self.realm}"')]
