"""core/attachments.py and core/bodies.py: attachment ids, Exchange's HasAttachments rule, the limits, and the
body conversions GetAttachment's BodyType asks for."""
from __future__ import annotations

import datetime as dt

import pytest

from ewsemu.core import attachments as A
from ewsemu.core.bodies import as_requested, filtered_html, html_to_text, text_to_html
from ewsemu.core.errors import EwsError
from ewsemu.core.ids import IdFactory
from ewsemu.core.item import Body, Item

ITEM = IdFactory(seed=1).item_id()


def test_an_attachment_id_carries_its_root_item_and_key() -> None:
    key = bytes(range(16))
    value = A.attachment_id(ITEM, key)
    assert A.parse_attachment_id(value) == A.AttachmentRef(ITEM, key)


@pytest.mark.parametrize("value, code", [
    ("", "ErrorInvalidIdEmpty"),
    ("AAMk=", "ErrorInvalidIdMalformed"),
    ("not base64!", "ErrorInvalidIdMalformed"),
    (ITEM, "ErrorInvalidAttachmentId"),  # an item's id
    ("A" * 600, "ErrorInvalidIdMonikerTooLong"),
])
def test_ids_that_name_no_attachment(value: str, code: str) -> None:
    with pytest.raises(EwsError) as err:
        A.parse_attachment_id(value)
    assert err.value.code == code


def _info(inline: bool) -> A.AttachmentInfo:
    return A.AttachmentInfo("file", "x", A.AttachmentMeta(name="a", is_inline=inline), 1)


def test_has_attachments_counts_only_attachments_that_are_not_inline() -> None:
    assert not A.has_attachments([])
    assert not A.has_attachments([_info(True)])
    assert A.has_attachments([_info(True), _info(False)])


def test_the_size_limit_applies_to_files_inside_item_attachments_too() -> None:
    big = A.FileAttachment(A.AttachmentMeta(), b"x" * 11)
    A.check_size(A.FileAttachment(A.AttachmentMeta(), b"x" * 10), 10)
    for attachment in (big, A.ItemAttachment(A.AttachmentMeta(), Item("i", "m", "f", "Message"), (big,))):
        with pytest.raises(EwsError) as err:
            A.check_size(attachment, 10)
        assert err.value.code == "ErrorAttachmentSizeLimitExceeded"


def test_touching_the_root_item_gives_it_its_next_version() -> None:
    item = Item(ITEM, "m", "f", "Message", version=3, change_key=IdFactory.change_key(ITEM, 3))
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    new, changes = A.touched(item, now, 0, 1, True)
    assert (new.version, new.change_key) == (4, IdFactory.change_key(ITEM, 4))
    assert changes[A.ATTACHMENTS] == (0, 1) and changes[A.HAS_ATTACHMENTS] == (False, True)
    assert item.version == 3  # the item as read is left alone


def test_html_as_text_is_its_lines_each_ending_in_crlf() -> None:
    assert html_to_text("<html><body>Hello HTML</body></html>") == "Hello HTML\r\n"
    assert html_to_text("<p>One</p><p>Two <b>bold</b></p><script>x()</script><br>Three") == (
        "One\r\nTwo bold\r\nThree\r\n")


def test_text_as_html_is_escaped_in_exchanges_document() -> None:
    html = text_to_html("a < b\nnext")
    assert "<body>\r\n<div>a &lt; b<br>\r\nnext</div>" in html and html.startswith("<html>\r\n<head>")


def test_the_html_filter_drops_what_runs_and_writes_exchanges_document() -> None:
    out = filtered_html('<html><body onload="x()">Hello <script>evil()</script><a href="javascript:x" '
                        'title="t">HTML</a><iframe src="x"></iframe></body></html>')
    assert "script" not in out and "iframe" not in out and "javascript" not in out and "onload" not in out
    assert out.replace("\r\n", "") == ('<html><head><meta http-equiv="Content-Type" content="text/html; '
                                       'charset=utf-8"></head><body>Hello <a title="t">HTML</a> </body></html>')


def test_as_requested_converts_only_when_asked() -> None:
    html, text = Body("<p>x</p>", "HTML"), Body("x", "Text")
    assert as_requested(html, None) == html and as_requested(html, "Best") == html
    assert as_requested(html, "Text") == Body("x\r\n", "Text")
    assert as_requested(text, "HTML").body_type == "HTML" and as_requested(text, "Text") == text
