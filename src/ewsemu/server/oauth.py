"""Bearer JWTs, as Exchange Online clients send them (``Authorization: Bearer eyJ…``).

The mailbox comes from the token's user claim, in the order Exchange reads them: ``smtp`` (MS-XOAUTH user
context tokens), ``upn`` (Entra ID v1 access tokens, which EWS clients get for outlook.office365.com),
``unique_name``, ``preferred_username`` (v2 tokens), then ``email``. A token without one (an app-only token
with the ``full_access_as_app`` role) acts for the mailbox in ``X-AnchorMailbox``, which such clients send
along with ExchangeImpersonation.

* **Open default**: the signature is not checked (PyJWT decodes the claims unverified), as every other
  credential is accepted there; an expired token still gets in, nothing is fetched.
* **``--users FILE``** with an ``oauth:`` section: the token's ``iss`` picks the configured issuer whose key
  (or secret) must verify the signature; ``exp``/``nbf`` are checked, and ``aud`` when the issuer pins one.
  The user claim must name a user in the file. Everything else is a 401 with the Bearer challenge Exchange
  Online sends (:func:`challenge`).
"""
from __future__ import annotations

import logging

import jwt

from ..core.users import OAuthIssuer, UserDirectory

log = logging.getLogger("ewsemu.oauth")
USER_CLAIMS = ("smtp", "upn", "unique_name", "preferred_username", "email")
#: Exchange Online's own identity and its token issuer (MS-XOAUTH), as its 401 challenge names them
EXCHANGE_CLIENT_ID = "00000002-0000-0ff1-ce00-000000000000"
TRUSTED_ISSUERS = "00000001-0000-0000-c000-000000000000@*"
AUTHORIZATION_URI = "https://login.microsoftonline.com/common/oauth2/authorize"


def looks_like_jwt(token: str) -> bool:
    parts = token.split(".")
    return len(parts) == 3 and all(parts[:2]) and parts[0].startswith("eyJ")


def challenge(error: bool = False) -> tuple[str, str]:
    """``WWW-Authenticate: Bearer …`` in Exchange Online's form (``error="invalid_token"`` for a bad one)."""
    value = (f'Bearer client_id="{EXCHANGE_CLIENT_ID}", trusted_issuers="{TRUSTED_ISSUERS}", '
             f'token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="{AUTHORIZATION_URI}"')
    return ("WWW-Authenticate", value + (', error="invalid_token"' if error else ""))


def mailbox_claim(claims: dict) -> str | None:
    for name in USER_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None


class OAuthAuthenticator:
    """One scheme of :class:`~ewsemu.server.multiauth.ConnectAuthenticator`: Bearer JWTs."""

    def __init__(self, users: UserDirectory | None) -> None:
        self.users = users

    @property
    def offered(self) -> bool:
        """Whether a 401 offers Bearer: always in the open default, with a users file when it names issuers."""
        return self.users is None or bool(self.users.oauth)

    def authenticate(self, token: str, environ: dict) -> str | None:
        if self.users is None:
            try:
                claims = jwt.decode(token, options={"verify_signature": False})
            except jwt.PyJWTError:
                return None
            return mailbox_claim(claims) or _anchor(environ)
        claims = self._verified(token)
        if claims is None:
            return None
        mailbox = mailbox_claim(claims)
        user = self.users.get(mailbox) if mailbox else None
        if user is None:
            log.info("OAuth token of %s names no user in the users file", claims.get("iss"))
        return user.smtp if user is not None else None

    def _verified(self, token: str) -> dict | None:
        assert self.users is not None
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            return None
        signer = next((i for i in self.users.oauth if i.issuer == issuer), None)
        if signer is None:
            log.info("OAuth token from an issuer the users file does not trust")
            return None
        try:
            return jwt.decode(token, _key(signer), algorithms=list(signer.algorithms), issuer=signer.issuer,
                              audience=signer.audience, options={"verify_aud": signer.audience is not None})
        except jwt.PyJWTError as err:
            log.info("OAuth token from %s refused: %s", issuer, err)
            return None


def _key(issuer: OAuthIssuer) -> str:
    return issuer.secret if issuer.secret is not None else issuer.key or ""


def _anchor(environ: dict) -> str | None:
    anchor = environ.get("HTTP_X_ANCHORMAILBOX", "").strip().lower()
    return anchor if "@" in anchor else None
