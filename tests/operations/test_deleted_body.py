"""D33: after ``DeleteItemField item:Body`` GetItem shows an empty ``<t:Body BodyType="Text"/>`` (Exchange's
own test suites read Body.Value), not no element; a shape without the body still shows none."""
from __future__ import annotations

import pytest

from ..harness import Ews, assert_updated, delete_field
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS


@pytest.mark.parametrize(("wrapper", "create", "update"), [
    ("Task", {}, {}), ("Message", {"md": "SaveOnly"}, {"md": "SaveOnly"}), ("Contact", {}, {}),
    ("CalendarItem", {"smi": "SendToNone"}, {"smi": "SendToNone"})])
def test_a_deleted_body_reads_back_empty(ews: Ews, wrapper: str, create: dict, update: dict) -> None:
    body = '<t:Subject>s</t:Subject><t:Body BodyType="HTML">&lt;p&gt;hi&lt;/p&gt;</t:Body>'
    if wrapper == "CalendarItem":
        body += "<t:Start>2026-01-13T09:00:00Z</t:Start><t:End>2026-01-13T10:00:00Z</t:End>"
    ref = ews.create(wrapper, body, **create)
    ref = assert_updated(ews.update(ref, delete_field("item:Body"), **update), wrapper, ref)
    item = ews.get(ref)
    found = item.findall("t:Body", NS)
    assert len(found) == 1 and found[0].get("BodyType") == "Text" and not (found[0].text or "")
    assert ews.get(ref, shape="IdOnly").find("t:Body", NS) is None
    assert ews.get(ref, shape="IdOnly", additional='<t:FieldURI FieldURI="item:Body"/>').find("t:Body", NS) is not None
