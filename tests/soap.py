"""Test helpers: build SOAP requests, call the WSGI app in-process, read responses, validate them."""
from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
VALIDATOR = SHARED / "tools" / "ews-validate"
NS = {
    "s": "http://schemas.xmlsoap.org/soap/envelope/",
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
    "e": "http://schemas.microsoft.com/exchange/services/2006/errors",
}
BASIC_ALICE = "Basic YWxpY2VAZXhhbXBsZS5jb206c2VjcmV0"  # alice@example.com:secret


def envelope(body: str, headers: str = '<t:RequestServerVersion Version="Exchange2016"/>') -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:m="{NS["m"]}" xmlns:t="{NS["t"]}">'
        f"<s:Header>{headers}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def root(self) -> etree._Element:
        return etree.fromstring(self.body)

    def xpath(self, expr: str) -> list:
        return self.root.xpath(expr, namespaces=NS)

    def codes(self) -> list[str]:
        return [c.text for c in self.xpath("//m:ResponseCode")]

    def fault_code(self) -> str | None:
        found = self.xpath("//s:Fault/detail/e:ResponseCode")
        return found[0].text if found else None


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
        return Response(int(captured["status"].split()[0]), captured["headers"], out)

    def post(self, body: bytes, user: str | None = None) -> Response:
        import base64
        who = user or self.user
        auth = "Basic " + base64.b64encode(f"{who}:secret".encode()).decode()
        return self.request("POST", "/EWS/Exchange.asmx", body, {"Authorization": auth})

    def call(self, body: str, headers: str | None = None, user: str | None = None) -> Response:
        data = envelope(body) if headers is None else envelope(body, headers)
        return self.post(data, user)


def ews_validate(*payloads: bytes, headers: bool = True) -> None:
    """Validate responses against Microsoft's published schema with ../shared/tools/ews-validate."""
    if not VALIDATOR.exists():  # pragma: no cover - the shared folder is part of every checkout of the project
        raise AssertionError(f"{VALIDATOR} is missing")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, data in enumerate(payloads):
            p = Path(tmp) / f"r{i}.xml"
            p.write_bytes(data)
            files.append(str(p))
        args = [sys.executable, str(VALIDATOR)] + (["--headers"] if headers else []) + files
        result = subprocess.run(args, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
