"""Schema validation of EWS payloads against the project's own XSD subset.

The schema is ``wsdl/messages.xsd`` (which imports ``types.xsd``, which imports ``xml.xsd``): the
hand-written subset of Microsoft's EWS schema that the emulator also serves to SOAP clients. It is
compiled once per thread, because an :class:`lxml.etree.XMLSchema` keeps its ``error_log`` on the
validator object. Loading is offline: entities are not resolved, no DTD is loaded and any
non-local ``schemaLocation`` is refused.

Typical use by the protocol layer::

    for header in soap_header:
        if is_known_header(header.tag):
            validate(header)
    validate(body_payload)          # e.g. the <m:UpdateItem> element

:func:`validate` raises :class:`~ewsemu.core.errors.SchemaViolation` carrying libxml2's message and
the line number in the *original* request document (lxml validates a sub-element through a
temporary document that borrows the element's children, so their source lines survive). Because of
that borrowing, one document must not be validated from two threads at the same time; separate
documents (one per request) may be validated concurrently.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from lxml import etree

from ewsemu.core.errors import SchemaViolation

__all__ = [
    "NS_MESSAGES",
    "NS_TYPES",
    "KNOWN_HEADERS",
    "WSDL_DIR",
    "wsdl_dir",
    "schema",
    "validate",
    "schema_errors",
    "is_known_header",
]

NS_MESSAGES = "http://schemas.microsoft.com/exchange/services/2006/messages"
NS_TYPES = "http://schemas.microsoft.com/exchange/services/2006/types"

#: SOAP header elements that ``types.xsd`` declares globally (all in the types namespace).
KNOWN_HEADERS: frozenset[str] = frozenset(
    f"{{{NS_TYPES}}}{name}"
    for name in (
        "RequestServerVersion",
        "ServerVersionInfo",
        "ExchangeImpersonation",
        "MailboxCulture",
        "TimeZoneContext",
        "DateTimePrecision",
    )
)

_ENV_VAR = "EWSEMU_WSDL_DIR"
_HERE = Path(__file__).resolve()
_PACKAGE_WSDL = _HERE.parents[1] / "wsdl"  # ewsemu/wsdl, when shipped as package data
_REPO_WSDL = _HERE.parents[3] / "wsdl"  # <repo>/wsdl, in a source checkout
_ENTRY = "messages.xsd"

# Namespaces some documentation pages print by mistake (decision D20).
_HTTPS_PREFIX = "https://schemas.microsoft.com/exchange/services/2006/"


def wsdl_dir() -> Path:
    """The folder holding ``Services.wsdl`` and the XSDs.

    ``$EWSEMU_WSDL_DIR`` if set, else the package-data copy ``ewsemu/wsdl`` if present, else the
    ``wsdl/`` folder of the source checkout.
    """
    env = os.environ.get(_ENV_VAR)
    if env:
        return Path(env)
    if (_PACKAGE_WSDL / _ENTRY).is_file():
        return _PACKAGE_WSDL
    return _REPO_WSDL


#: The folder resolved at import time; :func:`schema` compiles ``WSDL_DIR / "messages.xsd"``.
WSDL_DIR: Path = wsdl_dir()


class _LocalOnlyResolver(etree.Resolver):
    """Refuses to fetch anything that is not a local file (schema imports included)."""

    def resolve(self, system_url, public_id, context):  # noqa: D102 - lxml hook
        if system_url and "://" in system_url and not system_url.startswith("file:"):
            raise OSError(f"refusing to load non-local schema resource {system_url!r}")
        return None  # default handling for local paths


def _secure_parser() -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    parser.resolvers.add(_LocalOnlyResolver())
    return parser


#: libxml2 initialises its built-in schema types lazily and not thread-safely: two threads compiling at once
#: (the first requests of a fresh multi-threaded server) can fail with "xmlSchemaPValAttrNodeValue, the given
#: type is not a built-in type", so compilations take turns (each thread still keeps its own schema)
_COMPILE_LOCK = threading.Lock()


def _compile(directory: Path) -> etree.XMLSchema:
    with _COMPILE_LOCK:
        doc = etree.parse(str(directory / _ENTRY), _secure_parser())
        return etree.XMLSchema(doc)


_local = threading.local()


def schema() -> etree.XMLSchema:
    """This thread's compiled schema for :data:`WSDL_DIR` (compiled on first use, then reused)."""
    directory = WSDL_DIR
    try:
        cached_dir, compiled = _local.entry
    except AttributeError:
        cached_dir = compiled = None
    if compiled is None or (cached_dir is not directory and cached_dir != directory):
        compiled = _compile(directory)
        _local.entry = (directory, compiled)
    return compiled


def is_known_header(tag: str) -> bool:
    """Whether ``tag`` (Clark notation, ``{ns}local``) is an EWS SOAP header our schema declares.

    Unknown header elements are to be ignored rather than validated (decision D21).
    """
    return tag in KNOWN_HEADERS


def schema_errors(element: etree._Element) -> list[etree._LogEntry]:
    """All schema errors for ``element`` (empty if it is valid), in document order."""
    validator = schema()
    if validator.validate(element):
        return []
    return list(validator.error_log)


def validate(element: etree._Element) -> None:
    """Validate one payload element (a body element such as ``m:UpdateItem``, or a header element).

    The element may be the root of its own document or a descendant of a larger one (the SOAP
    envelope); line numbers refer to the document it came from. On failure raises
    :class:`SchemaViolation` with the first error: libxml2's message, its line, column 0 when
    libxml2 gives none (it never does for schema errors).
    """
    validator = schema()
    if validator.validate(element):
        return
    err = validator.error_log[0]
    message = err.message
    if _HTTPS_PREFIX in message:
        message += (
            " (the EWS namespaces are http://schemas.microsoft.com/exchange/services/2006/..., "
            "not https://)"
        )
    raise SchemaViolation(violation=message, line=err.line or 0, column=err.column or 0)
