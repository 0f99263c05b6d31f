"""core.mime: the one header table both ways (build -> parse gives the properties back), the body parts, and the
attachments seam."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from ewsemu.core import mime
from ewsemu.core.item import Body, Item
from ewsemu.core.values import Mailbox

UTC = dt.timezone.utc


def smtp(email_: str, name: str | None = None) -> Mailbox:
    return Mailbox(email_, name, "SMTP", "OneOff")


def message(**values) -> Item:
    return Item("AAMkAGl0ZW0", "alice@example.com", "drafts", "Message", 1, "CQAAABYAAAB0ZXN0",
                values={"item:DateTimeCreated": dt.datetime(2026, 1, 13, 9, 0, tzinfo=UTC), **values})


EVERY_HEADER = {
    "message:From": smtp("alice@example.com", "Alice Ø. Example"),
    "message:Sender": smtp("assistant@example.com", "The Assistant"),
    "message:ToRecipients": (smtp("bob@example.com", "Bob, the Builder"), smtp("carol@example.com")),
    "message:CcRecipients": (smtp("dave@example.com"),),
    "message:BccRecipients": (smtp("erin@example.com", "Erin"),),
    "message:ReplyTo": (smtp("replies@example.com"),),
    "item:Subject": "Quarterly report – ütf-8 and a long subject " + "x" * 80,
    "item:DateTimeSent": dt.datetime(2026, 1, 12, 8, 30, tzinfo=UTC),
    "message:InternetMessageId": "<report-1@example.com>",
    "item:InReplyTo": "<question-1@example.com>",
    "message:References": "<thread-1@example.com> <question-1@example.com>",
    "item:Categories": ("work", "reports"),
    "item:Importance": "High",
    "item:Sensitivity": "Confidential",
    "message:IsReadReceiptRequested": True,
    "message:IsDeliveryReceiptRequested": True,
    "item:Body": Body("<p>Hello <b>Bob</b></p>\nSecond line, no final newline", "HTML"),
}


def test_every_property_of_the_table_comes_back_from_the_mime_it_builds() -> None:
    parsed = mime.parse(mime.build(message(**EVERY_HEADER)))
    assert parsed.values == EVERY_HEADER
    assert set(parsed.values) == mime.MIME_URIS


def test_the_headers_are_what_a_mail_client_reads() -> None:
    raw = mime.build(message(**EVERY_HEADER))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == EVERY_HEADER["item:Subject"]
    assert [a.addr_spec for a in msg["To"].addresses] == ["bob@example.com", "carol@example.com"]
    assert msg["To"].addresses[0].display_name == "Bob, the Builder"
    assert msg["Date"].datetime == dt.datetime(2026, 1, 12, 8, 30, tzinfo=UTC)
    assert (msg["Importance"], msg["X-Priority"], msg["Sensitivity"]) == ("high", "1 (Highest)",
                                                                          "Company-Confidential")
    assert msg["Disposition-Notification-To"] == "\"Alice Ø. Example\" <alice@example.com>"
    assert msg.get_content_type() == "text/html" and msg.get_content_charset() == "utf-8"
    assert b"\r\n" in raw and all(len(line) <= 998 for line in raw.split(b"\r\n"))  # SMTP policy


def test_a_draft_without_date_sent_is_dated_by_its_creation_and_normal_values_make_no_headers() -> None:
    msg = email.message_from_bytes(mime.build(message(**{"item:Importance": "Normal",
                                                         "item:Sensitivity": "Normal"})),
                                   policy=email.policy.default)
    assert msg["Date"].datetime == dt.datetime(2026, 1, 13, 9, 0, tzinfo=UTC)
    assert all(h not in msg for h in ("Importance", "X-Priority", "Sensitivity", "From", "To"))
    assert msg.get_content() == ""


def test_the_same_item_gives_the_same_bytes() -> None:
    item = message(**EVERY_HEADER)
    attachment = mime.MimeAttachment("a.txt", b"data", "text/plain")
    assert mime.build(item, [attachment]) == mime.build(item.copy(), [attachment])


def test_attachments_are_parts_after_the_body_and_come_back_as_attachments() -> None:
    attachments = [mime.MimeAttachment("report.pdf", b"%PDF-1.7 \x00\xff", "application/pdf"),
                   mime.MimeAttachment("logo.png", b"\x89PNG", "image/png", content_id="logo@example.com",
                                       is_inline=True)]
    parsed = mime.parse(mime.build(message(**{"item:Body": Body("See the report.")}), attachments))
    assert parsed.values["item:Body"] == Body("See the report.")
    assert parsed.attachments == tuple(attachments)


def test_the_html_part_of_an_alternative_is_the_body() -> None:
    msg = MIMEMultipart("alternative")
    msg["Subject"] = "Both"
    msg.attach(MIMEText("plain text", "plain", "utf-8"))
    msg.attach(MIMEText("<p>html</p>", "html", "utf-8"))
    assert mime.parse(msg.as_bytes()).values["item:Body"] == Body("<p>html</p>", "HTML")


def test_exchangelibs_mime_test_message() -> None:
    msg = MIMEMultipart()
    msg["From"] = msg["To"] = "alice@example.com"
    msg["Subject"] = "abc"
    msg.attach(MIMEText("MIME test mail", "plain", _charset="utf-8"))
    values = mime.parse(msg.as_bytes()).values
    assert values["item:Body"] == Body("MIME test mail")
    assert values["message:From"] == smtp("alice@example.com")
    assert values["message:ToRecipients"] == (smtp("alice@example.com"),)


@pytest.mark.parametrize(("headers", "importance"), [
    ("X-Priority: 5\r\n", "Low"),
    ("X-Priority: 1 (Highest)\r\n", "High"),
    ("Importance: low\r\nX-Priority: 1\r\n", "Low"),  # Importance wins over the older header
])
def test_importance_from_either_header(headers: str, importance: str) -> None:
    raw = f"Subject: x\r\n{headers}\r\nbody\r\n".encode()
    assert mime.parse(raw).values["item:Importance"] == importance


def test_unreadable_headers_set_nothing_and_empty_content_is_an_error() -> None:
    values = mime.parse(b"Subject: ok\r\nDate: not a date\r\nTo: ,,,\r\n\r\nbody").values
    assert values == {"item:Subject": "ok", "item:Body": Body("body")}
    with pytest.raises(mime.MimeError):
        mime.parse(b"  \r\n")
