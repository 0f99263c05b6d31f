"""Microsoft's published EWS schema as an external oracle, and schema validation of EWS payloads.

Microsoft's ``messages.xsd`` and ``types.xsd`` are never part of the repository (our ``wsdl/`` is our own
subset). The conformance tests read them from the folder named by ``$EWSEMU_MS_SCHEMA``, or from
``../shared/reference/ews-schema`` beside the repository when that exists. Every Exchange server publishes
them at ``/EWS/messages.xsd`` and ``/EWS/types.xsd``; ``types.xsd`` imports the W3C ``xml`` namespace schema,
for which our own ``wsdl/xml.xsd`` stands in when the folder has none, so the two files are enough.

Without them:

* a test whose point is conformance to Microsoft's schema calls :func:`require` (or :func:`errors`) and is
  skipped with :data:`MISSING` as the reason;
* :func:`validate`, which every end-to-end test calls on the responses it got, still checks them against our
  ``wsdl/`` and only leaves out Microsoft's check; the payloads so left out are counted and reported in the
  terminal summary (``pytest_terminal_summary`` in ``conftest.py``), so the gap is visible.

With ``CI=true`` a missing schema is a failure instead: CI must never pass without the oracle.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, NoReturn, Union

import pytest
from lxml import etree

from ewsemu.protocol import validation

ENV = "EWSEMU_MS_SCHEMA"
REPO = Path(__file__).resolve().parents[1]
BESIDE_REPO = REPO.parent / "shared" / "reference" / "ews-schema"
IN_CI = os.environ.get("CI", "").lower() == "true"
FILES = ("messages.xsd", "types.xsd")
MISSING = (f"Microsoft's EWS schema not found: set {ENV} to a folder with Microsoft's messages.xsd and types.xsd "
           "(every Exchange server serves them at https://<server>/EWS/messages.xsd and /EWS/types.xsd)")

SOAP_ENVELOPES = ("http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope")
#: SOAP header elements Microsoft's types.xsd declares globally; any other header is not an EWS payload
MS_HEADERS = frozenset(f"{{{validation.NS_TYPES}}}{name}" for name in (
    "RequestServerVersion", "ServerVersionInfo", "ExchangeImpersonation", "MailboxCulture", "TimeZoneContext",
    "DateTimePrecision", "SerializedSecurityContext", "OpenAsAdminOrSystemService", "ManagementRole",
    "ProxySecurityContext", "ProxySuggesterSid", "ProxyPartnerToken", "SharingSecurity"))
MAX_MESSAGE = 300  # an enumeration error lists every allowed FieldURI otherwise

#: a document to validate: serialized bytes, a parsed tree or its root element
Document = Union[bytes, etree._Element, etree._ElementTree]


def folder() -> Path | None:
    """The folder holding Microsoft's schema, or None when there is none.

    ``$EWSEMU_MS_SCHEMA`` wins; naming a folder without the two files is a mistake and fails the run rather
    than silently skipping the conformance tests.
    """
    env = os.environ.get(ENV)
    if env:
        path = Path(env).expanduser()
        absent = [name for name in FILES if not (path / name).is_file()]
        if absent:
            raise pytest.UsageError(f"{ENV}={env}: {', '.join(absent)} not found there")
        return path
    if all((BESIDE_REPO / name).is_file() for name in FILES):
        return BESIDE_REPO
    return None


class _OfflineResolver(etree.Resolver):
    """Loads schema imports from local files only; ``xml.xsd`` falls back to our own stand-in in ``wsdl/``."""

    def resolve(self, system_url, public_id, context):  # noqa: D102 - lxml hook
        url = system_url or ""
        local = url[len("file://"):] if url.startswith("file://") else url
        if url.rsplit("/", 1)[-1] == "xml.xsd" and ("://" in local or not Path(local).is_file()):
            return self.resolve_filename(str(validation.WSDL_DIR / "xml.xsd"), context)
        if "://" in local:
            raise OSError(f"refusing to load non-local schema resource {url!r}")
        return None


@lru_cache(maxsize=None)
def compile_schema(directory: Path) -> etree.XMLSchema:
    """Microsoft's schema in ``directory``, compiled offline (once per folder and session)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(_OfflineResolver())
    return etree.XMLSchema(etree.parse(str(directory / "messages.xsd"), parser))


def _missing(reason: str = MISSING) -> NoReturn:
    """Skip the current test because Microsoft's files are absent, or fail it with ``CI=true``."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the Microsoft-schema conformance tests must run)", pytrace=False)
    pytest.skip(reason)


def available() -> bool:
    return folder() is not None


def require() -> etree.XMLSchema:
    """Microsoft's compiled schema (once per session); skips the calling test without it (fails in CI)."""
    directory = folder()
    if directory is None:
        _missing()
    return compile_schema(directory)


def require_file(name: str) -> Path:
    """Another file of Microsoft's beside the schema, such as ``services.wsdl`` (served at
    ``/EWS/Services.wsdl``); skips the calling test without it (fails in CI)."""
    directory = folder()
    if directory is None:
        _missing()
    path = directory / name
    if not path.is_file():
        served = "Services.wsdl" if name == "services.wsdl" else name
        _missing(f"Microsoft's {name} not found in {directory} (every Exchange server serves it at "
                 f"https://<server>/EWS/{served})")
    return path


# ---- payloads and errors -----------------------------------------------------------------------------------


def payloads(root: etree._Element, headers: Iterable[str] | None) -> Iterator[etree._Element]:
    """The EWS payload elements of a document: each element child of soap:Body (a soap:Fault is no EWS payload)
    and, unless ``headers`` is None, the soap:Header children whose tag is in ``headers``; a document that is not
    a SOAP envelope is one bare payload (``<m:UpdateItem>``, ``<m:GetItemResponse>``)."""
    q = etree.QName(root)
    if q.localname != "Envelope" or q.namespace not in SOAP_ENVELOPES:
        yield root
        return
    if headers is not None:
        allowed = frozenset(headers)
        yield from (h for h in root.findall(f"{{{q.namespace}}}Header/*") if h.tag in allowed)
    body = root.find(f"{{{q.namespace}}}Body")
    assert body is not None, "SOAP Envelope without a Body"
    children = [c for c in body if isinstance(c.tag, str)]
    assert children, "empty SOAP Body"
    yield from (c for c in children if etree.QName(c).localname != "Fault")


def _messages(schema: etree.XMLSchema, elements: Iterable[etree._Element]) -> list[str]:
    out = []
    for el in elements:
        if not schema.validate(el):
            out += [f"{e.line}: {e.message[:MAX_MESSAGE]}" for e in schema.error_log]
    return out


def _root(doc: Document) -> etree._Element:
    if isinstance(doc, bytes):
        return etree.fromstring(doc, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                     huge_tree=True))
    return doc.getroot() if isinstance(doc, etree._ElementTree) else doc


def errors(doc: Document, headers: bool = True) -> list[str]:
    """Microsoft's schema errors in a document (empty when valid); skips the test without the schema."""
    schema = require()
    return _messages(schema, payloads(_root(doc), MS_HEADERS if headers else None))


def errors_ours(doc: Document, headers: bool = True) -> list[str]:
    """Our ``wsdl/`` schema's errors in a document (empty when valid); headers our subset does not declare are
    left out, as the server itself ignores them (decision D21)."""
    return _messages(validation.schema(), payloads(_root(doc), validation.KNOWN_HEADERS if headers else None))


# ---- validating responses ----------------------------------------------------------------------------------


@dataclass
class Unchecked:
    """What :func:`validate` could not check against Microsoft's schema in this session."""

    documents: int = 0
    modules: set[str] = field(default_factory=set)


UNCHECKED = Unchecked()


def validate(*documents: Document, headers: bool = True) -> None:
    """Assert that EWS documents (responses, usually) are valid: always against our ``wsdl/``, and against
    Microsoft's schema when it is available. Without it Microsoft's check alone is left out, the rest of the
    calling test goes on, and the omission is counted for the terminal summary; with ``CI=true`` it fails."""
    problems = []
    for i, doc in enumerate(documents):
        problems += [f"document {i} (wsdl/): {m}" for m in errors_ours(doc, headers)]
    assert not problems, "\n".join(problems)
    if not available():
        if IN_CI:
            _missing()
        UNCHECKED.documents += len(documents)
        UNCHECKED.modules.add(os.environ.get("PYTEST_CURRENT_TEST", "?").split("::", 1)[0])
        return
    for i, doc in enumerate(documents):
        problems += [f"document {i} (Microsoft's schema): {m}" for m in errors(doc, headers)]
    assert not problems, "\n".join(problems)


# ---- reporting ---------------------------------------------------------------------------------------------


def report_header() -> str:
    directory = folder()
    if directory is None:
        outcome = "fail (CI=true)" if IN_CI else "are skipped"
        return f"Microsoft's EWS schema: not found ({ENV} is not set), the conformance tests {outcome}"
    return f"Microsoft's EWS schema: {directory}"


def summary() -> list[str]:
    """Lines for the terminal summary when Microsoft's checks were left out; empty otherwise."""
    if not UNCHECKED.documents:
        return []
    modules = len(UNCHECKED.modules)
    return [MISSING + ".",
            f"{UNCHECKED.documents} documents in {modules} test module{'s' if modules != 1 else ''} were validated "
            "against wsdl/ only; the tests of conformance to Microsoft's schema were skipped."]
