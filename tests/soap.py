"""Test helpers: build SOAP requests, call the WSGI app in-process, read responses, validate them."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ewsemu.protocol.validation import is_known_header, schema_errors

from .ms_schema import validate as ews_validate  # noqa: F401 - the helper every end-to-end test uses

NS = {
    "s": "http://schemas.xmlsoap.org/soap/envelope/",
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
    "e": "http://schemas.microsoft.com/exchange/services/2006/errors",
}
BASIC_ALICE = "Basic YWxpY2VAZXhhbXBsZS5jb206c2VjcmV0"  # alice@example.com:secret
#: what exchangelib 5.6.0 sends to ewsemu and gets back (tests/captures/README.md)
CAPTURES = Path(__file__).resolve().parent / "captures"


def capture(name: str) -> bytes:
    """A captured exchangelib request (``"flow/09-FindItem-count-restriction.request.xml"``): the SOAP envelope
    after the leading comment that records its HTTP headers."""
    return re.sub(rb"^<!--.*?-->\s*", b"", (CAPTURES / name).read_bytes(), flags=re.S)


def envelope(body: str, headers: str = '<t:RequestServerVersion Version="Exchange2016"/>') -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}">'
        f"<s:Header>{headers}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


#: answers may carry a file attachment's content: one text node past libxml2's 10 MB default
HUGE = etree.XMLParser(huge_tree=True)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def root(self) -> etree._Element:
        return etree.fromstring(self.body, HUGE)

    def xpath(self, expr: str) -> list:
        return self.root.xpath(expr, namespaces=NS)

    def codes(self) -> list[str]:
        return [c.text for c in self.xpath("//m:ResponseCode")]

    def fault_code(self) -> str | None:
        found = self.xpath("//s:Fault/detail/e:ResponseCode")
        return found[0].text if found else None


def assert_valid_against_our_schema(response: Response) -> None:
    """Every EWS answer a test receives validates against our own ``wsdl/`` (issue 20): its body element, and
    each SOAP header element our schema declares. Faults and non-XML answers (401, 413, plain text) are
    checked by the tests that provoke them; Microsoft's schema is checked by the module fixture of
    tests/harness.py where it is available."""
    if not response.headers.get("Content-Type", "").startswith("text/xml"):
        return
    try:
        root = etree.fromstring(response.body, HUGE)
    except etree.XMLSyntaxError:
        return  # not one document (a test of a broken answer, a stream of envelopes): its test reads it
    body = root.find("s:Body", NS)
    if body is None or len(body) != 1 or not body[0].tag.startswith("{" + NS["m"] + "}"):
        return
    errors = schema_errors(body[0])
    header = root.find("s:Header", NS)
    for el in header if header is not None else ():
        if isinstance(el.tag, str) and is_known_header(el.tag):
            errors += schema_errors(el)
    assert not errors, f"the response is not valid against wsdl/: {errors[0]}\n{response.body.decode()[:3000]}"


class Client:
    """Calls a WSGI app with PEP 3333 environs, as a real server would."""

    def __init__(self, app, user: str = "alice@example.com") -> None:
        self.app = app
        self.user = user

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
                query: str = "") -> Response:
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": "text/xml; charset=utf-8",
            "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(), "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        for key, value in (headers or {}).items():
            environ["HTTP_" + key.upper().replace("-", "_")] = value
        captured: dict = {}

        def start_response(status, hdrs, exc_info=None):
            captured["status"], captured["headers"] = status, dict(hdrs)

        out = b"".join(self.app(environ, start_response))
        response = Response(int(captured["status"].split()[0]), captured["headers"], out)
        if path == "/EWS/Exchange.asmx" and method == "POST":
            assert_valid_against_our_schema(response)
        return response

    def post(self, body: bytes, user: str | None = None) -> Response:
        import base64
        who = user or self.user
        auth = "Basic " + base64.b64encode(f"{who}:secret".encode()).decode()
        return self.request("POST", "/EWS/Exchange.asmx", body, {"Authorization": auth})

    def call(self, body: str, headers: str | None = None, user: str | None = None) -> Response:
        data = envelope(body) if headers is None else envelope(body, headers)
        return self.post(data, user)

