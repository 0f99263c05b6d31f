"""The shell's guards: what a request must satisfy before any operation runs (issue 6).

Two kinds of answer, so a client can tell them apart:

* **HTTP-level** (the router, before any XML is parsed): a wrong ``Content-Type`` is ``415``, a body larger
  than ``max_request_bytes`` is ``413`` (decided from Content-Length, or by reading at most one byte past the
  limit when there is none), a body shorter than its Content-Length or a malformed Content-Length is ``400``.
  These are plain-text answers: the request never became a SOAP message.
* **SOAP-level** (the shell, after the secure parse): nesting deeper than ``max_depth``, a text or attribute
  value longer than ``max_string_length`` (ErrorSchemaValidation, with the line of the offending element), and
  an element with more than ``max_items`` children, e.g. ItemChanges (ErrorRequestStreamTooBig): SOAP faults
  with HTTP 500, like every other whole-request failure (D16).

The checks run in libxml2 (XPath) where they can and are skipped when the body is too small to break them,
so an ordinary request pays for one XPath evaluation.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from lxml import etree

from ..core.errors import EwsError, SchemaViolation
from ..core.limits import Limits

EWS_CONTENT_TYPE = "text/xml"
_READ_BLOCK = 64 * 1024


@dataclass
class Rejected(Exception):
    """An HTTP-level refusal: status line and a one-line explanation."""

    status: str
    message: str


def check_content_type(environ: dict) -> None:
    """EWS is SOAP 1.1 over ``text/xml`` (any charset parameter: the XML declaration decides the encoding)."""
    given = environ.get("CONTENT_TYPE", "")
    mime = given.split(";", 1)[0].strip().lower()
    if mime == EWS_CONTENT_TYPE:
        return
    if mime == "application/soap+xml":
        hint = "that is SOAP 1.2; EWS speaks SOAP 1.1"
    else:
        hint = f"got '{given}'" if given else "none was given"
    raise Rejected("415 Unsupported Media Type",
                   f"EWS requests need Content-Type: text/xml; charset=utf-8 ({hint})")


def _too_large(size: str, limits: Limits) -> Rejected:
    return Rejected("413 Request Entity Too Large",
                    f"The request body ({size}) exceeds the limit of {limits.max_request_bytes} bytes "
                    f"(ewsemu serve --max-request-size)")


def read_body(environ: dict, limits: Limits) -> bytes:
    """The whole request body, read at most one byte past the limit; the environ is rewound to re-read it."""
    stream = environ.get("wsgi.input") or io.BytesIO()
    header = (environ.get("CONTENT_LENGTH") or "").strip()
    if header:
        if not (header.isascii() and header.isdigit()):
            raise Rejected("400 Bad Request", f"Malformed Content-Length: '{header[:40]}'")
        length = int(header)
        if length > limits.max_request_bytes:
            raise _too_large(f"{length} bytes", limits)
        wanted = length
    else:
        wanted = limits.max_request_bytes + 1
    chunks, got = [], 0
    while got < wanted:
        chunk = stream.read(min(_READ_BLOCK, wanted - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    if header and got < wanted:
        raise Rejected("400 Bad Request",
                       f"The request body is truncated: {got} of the {wanted} bytes of its Content-Length arrived")
    if got > limits.max_request_bytes:
        raise _too_large(f"more than {limits.max_request_bytes} bytes", limits)
    body = b"".join(chunks)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _line(node: object) -> int:
    """Source line of an element, or of the element holding a text or attribute result."""
    if isinstance(node, etree._Element):
        return node.sourceline or 0
    parent = node.getparent() if hasattr(node, "getparent") else None
    return (parent.sourceline or 0) if parent is not None else 0


def _name(el: etree._Element) -> str:
    prefix = el.prefix
    name = etree.QName(el).localname
    return f"{prefix}:{name}" if prefix else name


def check_tree(root: etree._Element, limits: Limits, data: bytes) -> None:
    """Depth, value lengths and batch sizes of the envelope parsed from ``data``; raises the fault's error.

    ``data`` bounds what the tree can hold (no value has more characters than the body has bytes, no tree more
    elements than the body has ``<`` bytes, in every encoding libxml2 reads), so checks that cannot fail are
    skipped: a typical request pays for the depth check alone.
    """
    tags = data.count(b"<")
    if tags > limits.max_depth:
        too_deep = root.xpath("(/" + "/".join(["*"] * (limits.max_depth + 1)) + ")[1]")
        if too_deep:
            raise SchemaViolation(f"The request nests elements more than {limits.max_depth} deep "
                                  f"(ewsemu serve --max-depth).", _line(too_deep[0]))
    n = limits.max_string_length
    if len(data) > n:
        # an attachment's content is bounded by max_attachment_bytes (ErrorAttachmentSizeLimitExceeded), not here
        too_long = root.xpath(f"(//text()[string-length(.) > {n}][not(parent::*[local-name() = 'Content'])]"
                              f" | //@*[string-length(.) > {n}])[1]")
        if too_long:
            value = too_long[0]
            what = f"attribute '{value.attrname}'" if getattr(value, "is_attribute", False) else "text value"
            raise SchemaViolation(f"A {what} is longer than {n} characters (ewsemu serve --max-string-length).",
                                  _line(value))
    if tags > limits.max_items:
        for el in root.iter():
            if len(el) > limits.max_items:  # len() counts comments too: count the elements before refusing
                count = sum(1 for c in el if isinstance(c.tag, str))
                if count > limits.max_items:
                    raise EwsError("ErrorRequestStreamTooBig", message=(
                        f"{_name(el)} (line {el.sourceline}) holds {count} entries; the limit is "
                        f"{limits.max_items} per request (ewsemu serve --max-items)."))
