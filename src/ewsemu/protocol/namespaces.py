"""Namespace URIs and Clark-notation tag helpers."""
from __future__ import annotations

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"

#: the https:// spellings printed on some documentation pages (D20)
HTTPS_VARIANTS = {
    "https://schemas.microsoft.com/exchange/services/2006/messages": M,
    "https://schemas.microsoft.com/exchange/services/2006/types": T,
    "https://schemas.xmlsoap.org/soap/envelope/": SOAP,
}


def m(name: str) -> str:
    return f"{{{M}}}{name}"


def t(name: str) -> str:
    return f"{{{T}}}{name}"


def s(name: str) -> str:
    return f"{{{SOAP}}}{name}"


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
