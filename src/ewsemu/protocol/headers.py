"""The SOAP headers an operation acts on, typed: ``t:TimeZoneContext``, ``t:ExchangeImpersonation`` and
``t:MailboxCulture``.

The headers are parsed here, once per request, so the request context (:mod:`ewsemu.operations.context`) is
built from values and never sees the envelope; what the values mean (which zone, who may impersonate whom)
is decided there.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .envelope import Envelope
from .namespaces import local, t


@dataclass(frozen=True)
class Impersonation:
    """``t:ConnectingSID``: how the account is named (PrimarySmtpAddress, SmtpAddress, PrincipalName or SID)
    and the name; ``form`` is None when the header names no account (a fault, decided by the operations)."""

    form: str | None
    value: str = ""


@dataclass(frozen=True)
class RequestHeaders:
    #: ``t:TimeZoneContext/t:TimeZoneDefinition/@Id``, a Windows zone id (D23); None: UTC
    time_zone_id: str | None = None
    impersonation: Impersonation | None = None
    #: ``t:MailboxCulture`` (RFC 3066, ``da-DK``): the language a mailbox this request creates is named in (D42)
    mailbox_culture: str | None = None


NO_HEADERS = RequestHeaders()


def parse_headers(envelope: Envelope) -> RequestHeaders:
    if not envelope.headers:
        return NO_HEADERS
    time_zone_id = None
    tz_header = envelope.header("TimeZoneContext")
    if tz_header is not None:
        definition = tz_header.find(t("TimeZoneDefinition"))
        time_zone_id = definition.get("Id") if definition is not None else None
    header = envelope.header("ExchangeImpersonation")
    culture = envelope.header("MailboxCulture")
    return RequestHeaders(time_zone_id, _impersonation(header) if header is not None else None,
                          _text(culture))


def _text(header: etree._Element | None) -> str | None:
    text = (header.text or "").strip() if header is not None else ""
    return text or None


def _impersonation(header: etree._Element) -> Impersonation:
    sid = header.find(t("ConnectingSID"))
    named = next((c for c in sid if isinstance(c.tag, str)), None) if sid is not None else None
    if named is None:
        return Impersonation(None)
    return Impersonation(local(named.tag), (named.text or "").strip())
