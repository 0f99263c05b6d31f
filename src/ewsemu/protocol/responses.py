"""Response envelopes, response messages and SOAP faults (spec §3, D16, D19)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, TypeVar

from lxml import etree

from ..core.errors import EwsError, SchemaViolation
from .namespaces import E, M, SOAP, T, XML, m, s, t
from .paths import render_path

S = TypeVar("S")

XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
_NSMAP = {"m": M, "t": T}


@dataclass(frozen=True)
class ServerVersion:
    """D19: what ``t:ServerVersionInfo`` advertises; exchangelib adopts it, so keep it stable."""

    major: int = 15
    minor: int = 1
    major_build: int = 2507
    minor_build: int = 6
    version: str = "V2017_07_11"

    def attributes(self) -> dict[str, str]:
        return {"MajorVersion": str(self.major), "MinorVersion": str(self.minor),
                "MajorBuildNumber": str(self.major_build), "MinorBuildNumber": str(self.minor_build),
                "Version": self.version}


def response_root(operation: str) -> tuple[etree._Element, etree._Element]:
    """``m:<Op>Response`` with the m/t declarations on it (as Exchange does) and its ResponseMessages."""
    root = etree.Element(m(f"{operation}Response"), nsmap=_NSMAP)
    return root, etree.SubElement(root, m("ResponseMessages"))


def success(messages: etree._Element, operation: str) -> etree._Element:
    msg = etree.SubElement(messages, m(f"{operation}ResponseMessage"), ResponseClass="Success")
    etree.SubElement(msg, m("ResponseCode")).text = "NoError"
    return msg


def error(messages: etree._Element, operation: str, err: EwsError, container: str | None = None) -> etree._Element:
    """An Error message: MessageText, ResponseCode, DescriptiveLinkKey, MessageXml, then the empty
    container the schema requires (``Items``/``Folders``)."""
    msg = etree.SubElement(messages, m(f"{operation}ResponseMessage"), ResponseClass="Error")
    etree.SubElement(msg, m("MessageText")).text = err.message
    etree.SubElement(msg, m("ResponseCode")).text = err.code
    etree.SubElement(msg, m("DescriptiveLinkKey")).text = "0"
    if err.path is not None or err.values:
        xml = etree.SubElement(msg, m("MessageXml"))
        if err.path is not None:
            render_path(err.path, xml)
        for name, value in err.values:
            etree.SubElement(xml, t("Value"), Name=name).text = value
    if container is not None:
        etree.SubElement(msg, m(container))
    return msg


def element_responses(operation: str, outcomes: Iterable[S | EwsError], container: str | None,
                      render_success: Callable[[S, etree._Element], None]) -> etree._Element:
    """``m:<Op>Response`` for a per-element operation: one message per outcome, in request order; an
    :class:`EwsError` is that element's Error message (with ``container``, the empty element the schema
    requires), any other outcome a Success message whose content ``render_success`` adds."""
    root, messages = response_root(operation)
    for outcome in outcomes:
        if isinstance(outcome, EwsError):
            error(messages, operation, outcome, container)
        else:
            render_success(outcome, success(messages, operation))
    return root


def envelope(payload: etree._Element, version: ServerVersion) -> bytes:
    env = etree.Element(s("Envelope"), nsmap={"s": SOAP})
    header = etree.SubElement(env, s("Header"))
    etree.SubElement(header, f"{{{T}}}ServerVersionInfo", version.attributes(), nsmap={"h": T})
    etree.SubElement(env, s("Body")).append(payload)
    return XML_DECLARATION + etree.tostring(env, encoding="utf-8")


def fault(violation: SchemaViolation | EwsError) -> bytes:
    """D16: faultcode ``a:<Code>``, faultstring, detail with e:ResponseCode, e:Message, t:MessageXml."""
    if isinstance(violation, SchemaViolation):
        code, text, line, column, detail_text = (violation.code, violation.violation, violation.line,
                                                 violation.column, violation.violation)
        message = "The request failed schema validation." if code == "ErrorSchemaValidation" else (
            EwsError(code).message)
        faultstring = f"{message.rstrip('.')}: {text}" if code == "ErrorSchemaValidation" else f"{message} {text}"
    else:
        code, message, line, column, detail_text = violation.code, violation.message, 0, 0, None
        faultstring = message
    env = etree.Element(s("Envelope"), nsmap={"s": SOAP})
    body = etree.SubElement(env, s("Body"))
    f = etree.SubElement(body, s("Fault"))
    etree.SubElement(f, "faultcode", nsmap={"a": T}).text = f"a:{code}"
    fs = etree.SubElement(f, "faultstring")
    fs.set(f"{{{XML}}}lang", "en-US")
    fs.text = faultstring
    detail = etree.SubElement(f, "detail")
    etree.SubElement(detail, f"{{{E}}}ResponseCode", nsmap={"e": E}).text = code
    etree.SubElement(detail, f"{{{E}}}Message", nsmap={"e": E}).text = message
    if detail_text is not None:
        xml = etree.SubElement(detail, t("MessageXml"), nsmap={"t": T})
        etree.SubElement(xml, t("LineNumber")).text = str(line)
        etree.SubElement(xml, t("LinePosition")).text = str(column)
        etree.SubElement(xml, t("Violation")).text = detail_text
    elif isinstance(violation, EwsError) and violation.values:
        xml = etree.SubElement(detail, t("MessageXml"), nsmap={"t": T})
        for name, value in violation.values:
            etree.SubElement(xml, t("Value"), Name=name).text = value
    return XML_DECLARATION + etree.tostring(env, encoding="utf-8")
