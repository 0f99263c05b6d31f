"""Request envelopes: secure parsing, the D20 namespace rule, and the SOAP headers EWS defines."""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ..core.errors import SchemaViolation
from .namespaces import HTTPS_VARIANTS, SOAP, SOAP12, T, local, t

#: no DTDs, no entities, no network: XXE and entity expansion are impossible by construction. ``huge_tree``
#: lifts libxml2's 10 MB limit on one text node, which would refuse a file attachment's ``t:Content`` long
#: before ``--max-attachment-size`` (25M) does; what bounds a request instead is ``--max-request-size``, checked
#: before parsing, and ``--max-depth``, checked on the tree (server/limits.py)
_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                       huge_tree=True, remove_comments=False, collect_ids=False)


class _NothingExternal(etree.Resolver):
    """Every external DTD or entity resolves to nothing: libxml2 still opens local files for an external subset
    or a parameter entity even with load_dtd=False, which would make the answer reveal which files exist."""

    def resolve(self, system_url, public_id, context):  # noqa: ANN001, ANN201 - lxml's hook
        return self.resolve_string("", context)


def new_parser() -> etree.XMLParser:
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    parser.resolvers.add(_NothingExternal())
    return parser


@dataclass(frozen=True)
class Envelope:
    """What the operations need from the envelope: the body payload and the parsed headers."""

    body: etree._Element
    headers: list[etree._Element] = field(default_factory=list)

    @property
    def operation(self) -> str:
        return local(self.body.tag)

    def header(self, name: str) -> etree._Element | None:
        for h in self.headers:
            if h.tag == t(name):
                return h
        return None


def _rename_https(root: etree._Element) -> bool:
    """Rewrite https:// namespace variants to the canonical URIs in place; True if any was found."""
    found = False
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ns, _, name = el.tag[1:].partition("}") if el.tag.startswith("{") else ("", "", el.tag)
        if ns in HTTPS_VARIANTS:
            el.tag = f"{{{HTTPS_VARIANTS[ns]}}}{name}"
            found = True
        for key in list(el.attrib):
            if key.startswith("{"):
                ans, _, aname = key[1:].partition("}")
                if ans in HTTPS_VARIANTS:
                    el.attrib[f"{{{HTTPS_VARIANTS[ans]}}}{aname}"] = el.attrib.pop(key)
                    found = True
    if found:
        etree.cleanup_namespaces(root)
    return found


def _https_namespace_in(root: etree._Element) -> str | None:
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            ns = el.tag[1:].partition("}")[0]
            if ns in HTTPS_VARIANTS:
                return ns
    return None


def _refuse_dtd_and_pis(root: etree._Element) -> None:
    """SOAP 1.1 §3: a SOAP message MUST NOT contain a Document Type Declaration or processing instructions.

    The parser already resolves no entity and loads no DTD; refusing the declaration outright also keeps
    unexpanded entity references (and what they were meant to smuggle) away from the operations.
    """
    doc = root.getroottree()
    if doc.docinfo.doctype or doc.docinfo.internalDTD is not None:
        raise SchemaViolation("A SOAP message must not contain a Document Type Declaration (SOAP 1.1 section 3); "
                              "DTDs and entity declarations are refused.")
    pis = doc.xpath("//processing-instruction()")
    if pis:
        raise SchemaViolation(f"A SOAP message must not contain processing instructions (SOAP 1.1 section 3): "
                              f"'<?{pis[0].target}'.", pis[0].sourceline or 0)


def parse_envelope(data: bytes, *, lenient_namespaces: bool = False) -> Envelope:
    """Parse a SOAP 1.1 request into its payload and headers, or raise SchemaViolation (a D16 fault)."""
    if not data.strip():
        raise SchemaViolation("The request body is empty.", code="ErrorInvalidRequest")
    try:
        root = etree.fromstring(data, new_parser())
    except etree.XMLSyntaxError as err:
        raise SchemaViolation(f"The request is not well-formed XML: {err.msg}", err.lineno or 0,
                              err.offset or 0) from None
    _refuse_dtd_and_pis(root)
    https = _https_namespace_in(root)
    if https is not None:
        if not lenient_namespaces:
            raise SchemaViolation(
                f"The namespace '{https}' is not an EWS namespace; use "
                f"'{HTTPS_VARIANTS[https]}' (or start ewsemu with --lenient-namespaces).", root.sourceline or 0)
        _rename_https(root)
    if root.tag == f"{{{SOAP12}}}Envelope":
        raise SchemaViolation("SOAP 1.2 envelopes are not supported; EWS uses SOAP 1.1.", root.sourceline or 0)
    if root.tag != f"{{{SOAP}}}Envelope":
        raise SchemaViolation(f"The root element must be the SOAP 1.1 Envelope, not '{local(root.tag)}'.",
                              root.sourceline or 0)
    header = root.find(f"{{{SOAP}}}Header")
    body = root.find(f"{{{SOAP}}}Body")
    if body is None:
        raise SchemaViolation("The SOAP envelope has no Body.", root.sourceline or 0)
    payload = [c for c in body if isinstance(c.tag, str)]
    if len(payload) != 1:
        raise SchemaViolation("The SOAP Body must contain exactly one operation element.", body.sourceline or 0,
                              code="ErrorInvalidRequest" if not payload else "ErrorSchemaValidation")
    headers = [h for h in (header if header is not None else ()) if isinstance(h.tag, str)
               and h.tag.startswith(f"{{{T}}}")]
    return Envelope(body=payload[0], headers=headers)
