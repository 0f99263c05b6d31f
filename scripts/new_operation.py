"""Scaffold a new EWS operation: ``python scripts/new_operation.py CreateFolder --container Folders``.

Writes what docs/adding-an-operation.md asks for, so a new operation starts on the contract and nowhere else:

* ``src/ewsemu/protocol/<operation>.py``: the typed request, ``parse`` and the success renderer;
* ``src/ewsemu/operations/<operation>.py``: the work and the one ``OPERATION`` declaration (status ``partial``
  until you say otherwise), found by the registry without a list;
* ``wsdl/``: the SoapIn/SoapOut messages, the port type and binding operations (Services.wsdl), the request and
  response elements and the response message in ResponseMessages (messages.xsd);
* ``tests/operations/test_<operation>.py``: the canonical request through the real endpoint, schema-validated;
* ``tests/golden/<operation>/01-<operation>.request.xml``: the golden stub, whose response
  ``EWSEMU_GOLDEN_UPDATE=1 pytest tests/e2e/test_golden.py`` writes once the operation works.

The generated parser, work and renderer raise NotImplementedError, and the generated tests fail until they are
written: the scaffold gives the places, not the behaviour. It refuses a name that is not an EWS operation, one
ewsemu already serves, and any file that already exists, and changes nothing then.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_WSDL_HEADERS = ("Impersonation", "MailboxCulture", "RequestVersion", "TimeZoneContext")


@dataclass(frozen=True)
class Spec:
    """What the templates need to know about the new operation."""

    name: str
    whole_request: bool
    container: str | None  # the empty element of an Error message (Items, Folders), per-element only
    message_type: str  # the response message's schema type (per-element) in messages.xsd

    @property
    def module(self) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.name).lower()

    @property
    def golden(self) -> str:
        return self.module.replace("_", "-")


class ScaffoldError(Exception):
    """Why nothing was written."""


def _ews_operations(root: Path) -> frozenset[str]:
    text = (root / "src/ewsemu/protocol/operation_names.py").read_text(encoding="utf-8")
    names = re.search(r'frozenset\("""(.*?)"""', text, re.S)
    assert names, "operation_names.py has no EWS_OPERATIONS"
    return frozenset(names.group(1).split())


def _served(root: Path) -> set[str]:
    pattern = re.compile(r'\b(?:PerElement|WholeRequest)\(\s*"(\w+)"')
    return {name for path in (root / "src/ewsemu/operations").glob("*.py")
            for name in pattern.findall(path.read_text(encoding="utf-8"))}


def protocol_module(spec: Spec) -> str:
    if spec.whole_request:
        return f'''"""m:{spec.name} -> the typed request; the typed result -> m:{spec.name}Response."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from .namespaces import m


@dataclass(frozen=True)
class {spec.name}Request:
    """What the request asks, typed (write its fields)."""


@dataclass(frozen=True)
class {spec.name}Result:
    """What the answer carries, typed (write its fields)."""


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> {spec.name}Request:
    raise NotImplementedError("{spec.name}: parse m:{spec.name} (protocol/{spec.module}.py)")


def render(request: {spec.name}Request, result: {spec.name}Result) -> etree._Element:
    response = etree.Element(m("{spec.name}Response"))
    raise NotImplementedError("{spec.name}: render m:{spec.name}Response (protocol/{spec.module}.py)")
    return response
'''
    return f'''"""m:{spec.name} -> the typed request, one element per response message; the Success message's content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.errors import EwsError
from .namespaces import m


@dataclass(frozen=True)
class {spec.name}Request:
    #: one entry per response message, in request order; an element that does not parse is its EwsError
    elements: list[object | EwsError]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> {spec.name}Request:
    raise NotImplementedError("{spec.name}: parse m:{spec.name} (protocol/{spec.module}.py)")


def render_success(request: {spec.name}Request, value: object, msg: etree._Element) -> None:
    raise NotImplementedError(f"{spec.name}: render the Success message's content into {{m('{spec.name}')}}")
'''


def operation_module(spec: Spec) -> str:
    if spec.whole_request:
        return f'''"""{spec.name}: (say what it does, as Exchange does it)."""
from __future__ import annotations

from ..protocol import {spec.module} as wire
from ..protocol.{spec.module} import {spec.name}Request, {spec.name}Result
from .base import WholeRequest
from .context import RequestContext


def _run(ctx: RequestContext, request: {spec.name}Request) -> {spec.name}Result:
    raise NotImplementedError("{spec.name}: the work (operations/{spec.module}.py)")


OPERATION = WholeRequest(
    "{spec.name}", "partial", "scaffolded: say what it covers and what it does not",
    parse=wire.parse, run=_run, render=wire.render)
'''
    container = f', container="{spec.container}"' if spec.container else ""
    return f'''"""{spec.name}: (say what it does, as Exchange does it): one response message per element, in request
order, errors in-band."""
from __future__ import annotations

from ..protocol import {spec.module} as wire
from ..protocol.{spec.module} import {spec.name}Request
from .base import Batch, PerElement


def _one(batch: Batch[{spec.name}Request], element: object) -> object:
    """One element's work; raise EwsError for its error. Writes go through common.with_retries(ctx, work),
    whose ``work`` gets the unit of work, so every write is journaled."""
    raise NotImplementedError("{spec.name}: one element's work (operations/{spec.module}.py)")


OPERATION = PerElement(
    "{spec.name}", "partial", "scaffolded: say what it covers and what it does not",
    parse=wire.parse, element=_one, render=wire.render_success{container})
'''


def test_module(spec: Spec) -> str:
    if spec.whole_request:
        check = f'''    [response] = r.xpath("/soap:Envelope/soap:Body/m:{spec.name}Response")
    assert response.get("ResponseClass") == "Success", r.body'''
    else:
        check = f'''    assert r.xpath("//m:ResponseMessages/m:{spec.name}ResponseMessage"), r.body
    assert r.codes() == ["NoError"], r.body'''
    return f'''"""{spec.name} through the real endpoint: the canonical request (tests/golden/{spec.golden}/), then one test
per ResponseCode it can answer, each showing that nothing changed. Every response is validated against our
wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

from pathlib import Path

from ..harness import Ews, ews, schema_valid_responses  # noqa: F401 (fixtures)

CANONICAL = Path(__file__).parents[1] / "golden" / "{spec.golden}" / "01-{spec.golden}.request.xml"


def test_the_canonical_request_succeeds(ews: Ews) -> None:
    r = ews.post(CANONICAL.read_bytes())
    assert r.status == 200, r.body
{check}
'''


def golden_request(spec: Spec) -> str:
    return f'''<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
               xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
               xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
  <soap:Header>
    <t:RequestServerVersion Version="Exchange2016"/>
  </soap:Header>
  <soap:Body>
    <m:{spec.name}>
      <!-- the canonical request: Microsoft's documented example, with this fixture's mailbox -->
    </m:{spec.name}>
  </soap:Body>
</soap:Envelope>
'''


def _insert_before(text: str, marker: str, addition: str, where: str) -> str:
    at = text.rfind(marker)
    if at < 0:
        raise ScaffoldError(f"{where}: {marker!r} not found")
    line = text.rfind("\n", 0, at) + 1
    return text[:line] + addition + text[line:]


def services_wsdl(spec: Spec, text: str) -> str:
    headers = "".join(f'    <wsdl:part name="{h}" element="t:{e}"/>\n' for h, e in zip(
        _WSDL_HEADERS, ("ExchangeImpersonation", "MailboxCulture", "RequestServerVersion", "TimeZoneContext")))
    messages = (f'  <wsdl:message name="{spec.name}SoapIn">\n'
                f'    <wsdl:part name="request" element="tns:{spec.name}"/>\n{headers}'
                f"  </wsdl:message>\n"
                f'  <wsdl:message name="{spec.name}SoapOut">\n'
                f'    <wsdl:part name="{spec.name}Result" element="tns:{spec.name}Response"/>\n'
                f'    <wsdl:part name="ServerVersion" element="t:ServerVersionInfo"/>\n'
                f"  </wsdl:message>\n")
    port = (f'    <wsdl:operation name="{spec.name}">\n'
            f'      <wsdl:input message="tns:{spec.name}SoapIn"/>\n'
            f'      <wsdl:output message="tns:{spec.name}SoapOut"/>\n'
            f"    </wsdl:operation>\n")
    in_headers = "".join(f'        <soap:header message="tns:{spec.name}SoapIn" part="{h}" use="literal"/>\n'
                         for h in _WSDL_HEADERS)
    binding = (f'    <wsdl:operation name="{spec.name}">\n'
               f'      <soap:operation soapAction="http://schemas.microsoft.com/exchange/services/2006/messages/'
               f'{spec.name}"/>\n'
               f"      <wsdl:input>\n{in_headers}"
               f'        <soap:body parts="request" use="literal"/>\n'
               f"      </wsdl:input>\n"
               f"      <wsdl:output>\n"
               f'        <soap:body parts="{spec.name}Result" use="literal"/>\n'
               f'        <soap:header message="tns:{spec.name}SoapOut" part="ServerVersion" use="literal"/>\n'
               f"      </wsdl:output>\n"
               f"    </wsdl:operation>\n")
    text = _insert_before(text, "<wsdl:portType ", messages, "Services.wsdl")
    text = _insert_before(text, "</wsdl:portType>", port, "Services.wsdl")
    return _insert_before(text, "</wsdl:binding>", binding, "Services.wsdl")


def messages_xsd(spec: Spec, text: str) -> str:
    """messages.xsd with the new operation: a per-element operation's response message in the choice of
    ArrayOfResponseMessagesType, then the request and response elements at the end."""
    if spec.whole_request:
        response = (f'  <xs:complexType name="{spec.name}ResponseMessageType">\n'
                    f"    <xs:complexContent>\n"
                    f'      <xs:extension base="m:ResponseMessageType">\n'
                    f"        <xs:sequence>\n"
                    f"          <!-- the answer's elements, from Microsoft's documentation -->\n"
                    f"        </xs:sequence>\n"
                    f"      </xs:extension>\n"
                    f"    </xs:complexContent>\n"
                    f"  </xs:complexType>\n"
                    f'  <xs:element name="{spec.name}Response" type="m:{spec.name}ResponseMessageType"/>\n')
    else:
        response = (f'  <xs:complexType name="{spec.name}ResponseType">\n'
                    f"    <xs:complexContent>\n"
                    f'      <xs:extension base="m:BaseResponseMessageType"/>\n'
                    f"    </xs:complexContent>\n"
                    f"  </xs:complexType>\n"
                    f'  <xs:element name="{spec.name}Response" type="m:{spec.name}ResponseType"/>\n')
        array = text.find('<xs:complexType name="ArrayOfResponseMessagesType">')
        end = text.find("</xs:choice>", array)
        if array < 0 or end < 0:
            raise ScaffoldError("messages.xsd: ArrayOfResponseMessagesType's choice not found")
        line = text.rfind("\n", 0, end) + 1
        text = (text[:line] + f'      <xs:element name="{spec.name}ResponseMessage" type="m:{spec.message_type}"/>\n'
                + text[line:])
    section = (f"\n  <!-- {spec.name} (scaffolded: write the request's elements from Microsoft's documentation)"
               f" -->\n"
               f'  <xs:complexType name="{spec.name}Type">\n'
               f"    <xs:complexContent>\n"
               f'      <xs:extension base="m:BaseRequestType">\n'
               f"        <xs:sequence>\n"
               f"        </xs:sequence>\n"
               f"      </xs:extension>\n"
               f"    </xs:complexContent>\n"
               f"  </xs:complexType>\n"
               f'  <xs:element name="{spec.name}" type="m:{spec.name}Type"/>\n\n{response}')
    return _insert_before(text, "</xs:schema>", section, "messages.xsd")


def plan(root: Path, spec: Spec) -> dict[Path, str]:
    """Every file the scaffold writes or rewrites, with its new content; raises ScaffoldError instead."""
    if spec.name not in _ews_operations(root):
        raise ScaffoldError(f"{spec.name} is not an EWS operation (protocol/operation_names.py)")
    if spec.name in _served(root):
        raise ScaffoldError(f"{spec.name} is already served (operations/)")
    new = {
        root / "src/ewsemu/protocol" / f"{spec.module}.py": protocol_module(spec),
        root / "src/ewsemu/operations" / f"{spec.module}.py": operation_module(spec),
        root / "tests/operations" / f"test_{spec.module}.py": test_module(spec),
        root / "tests/golden" / spec.golden / f"01-{spec.golden}.request.xml": golden_request(spec),
    }
    existing = [str(p.relative_to(root)) for p in new if p.exists()]
    if existing:
        raise ScaffoldError(f"already there: {', '.join(existing)}")
    wsdl, xsd = root / "wsdl/Services.wsdl", root / "wsdl/messages.xsd"
    for marker, path in ((f'name="{spec.name}SoapIn"', wsdl), (f'name="{spec.name}Type"', xsd)):
        if marker in path.read_text(encoding="utf-8"):
            raise ScaffoldError(f"{path.relative_to(root)} already declares {spec.name}")
    new[wsdl] = services_wsdl(spec, wsdl.read_text(encoding="utf-8"))
    new[xsd] = messages_xsd(spec, xsd.read_text(encoding="utf-8"))
    return new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the EWS operation, e.g. CreateFolder")
    parser.add_argument("--whole-request", action="store_true",
                        help="one answer for the whole request (GetUserAvailability), not one message per element")
    parser.add_argument("--container", choices=("Items", "Folders"),
                        help="the empty element an Error message carries (per-element operations)")
    parser.add_argument("--message-type", default="ResponseMessageType",
                        help="the response message's type in messages.xsd (default: ResponseMessageType)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.whole_request and args.container:
        parser.error("--container is for per-element operations")
    spec = Spec(args.name, args.whole_request, args.container, args.message_type)
    try:
        files = plan(args.root, spec)
    except ScaffoldError as error:
        print(f"new_operation: {error}; nothing written", file=sys.stderr)
        return 2
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        print(f"wrote {path.relative_to(args.root)}")
    print("next: docs/adding-an-operation.md (fill in the parser, the work, the renderer, the schema, the tests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
