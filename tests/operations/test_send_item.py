"""SendItem through the real endpoint: the canonical request (tests/golden/send-item/), then one test
per ResponseCode it can answer, each showing that nothing changed. Every response is validated against our
wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

from pathlib import Path

from ..harness import Ews, ews, schema_valid_responses  # noqa: F401 (fixtures)

CANONICAL = Path(__file__).parents[1] / "golden" / "send-item" / "01-send-item.request.xml"


def test_the_canonical_request_succeeds(ews: Ews) -> None:
    r = ews.post(CANONICAL.read_bytes())
    assert r.status == 200, r.body
    assert r.xpath("//m:ResponseMessages/m:SendItemResponseMessage"), r.body
    assert r.codes() == ["NoError"], r.body
