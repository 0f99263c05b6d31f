"""MIME content through the endpoint: GetItem renders it (IncludeMimeContent, item:MimeContent), CreateItem and
UpdateItem (on drafts) set the properties it carries, round trips give the properties back, and each refusal
changes nothing. Every response is validated against our wsdl and Microsoft's schema."""
from __future__ import annotations

import base64
import email
import email.policy
from email.message import EmailMessage

from ..harness import Ews, Ref, assert_error, delete_field, recipients, set_field, val, vals
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS
from .test_attachments import small_limit  # noqa: F401 (fixture: attachments up to 1000 bytes)

ALICE, BOB = "alice@example.com", "bob@example.com"


def eml(subject: str = "From MIME", body: str = "Hello from MIME", *, html: bool = False, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Alice Example <{ALICE}>"
    msg["To"] = f"Bob Example <{BOB}>, carol@example.com"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 12 Jan 2026 09:30:00 +0100"
    msg["Message-ID"] = "<mime-1@example.com>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body, subtype="html" if html else "plain")
    return msg.as_bytes()


BINARY = bytes(range(256)) * 8 + b"\x00\r\n\x00"  # every byte value, and line ends base64 must keep


def with_files(msg: EmailMessage) -> bytes:
    """``msg`` with a binary attachment and an inline picture (a Content-ID, Content-Disposition inline)."""
    msg.add_attachment(BINARY, maintype="application", subtype="x-test", filename="data.bin")
    msg.add_attachment(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", filename="logo.png",
                       disposition="inline", cid="<logo@example.com>")
    return msg.as_bytes()


def attachment_list(ews: Ews, ref: Ref) -> list:
    return ews.get(ref).findall("t:Attachments/t:FileAttachment", NS)


def get_content(ews: Ews, attachment_id: str) -> bytes:
    r = ews.call(f'<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="{attachment_id}"/></m:AttachmentIds>'
                 "</m:GetAttachment>")
    assert r.codes() == ["NoError"], r.body
    return base64.b64decode(r.xpath("//t:FileAttachment/t:Content")[0].text or "")


def mime_prop(raw: bytes) -> str:
    return f'<t:MimeContent CharacterSet="UTF-8">{base64.b64encode(raw).decode()}</t:MimeContent>'


def mime_of(ews: Ews, ref: Ref, **kw) -> email.message.EmailMessage:
    item = ews.get(ref, shape="IdOnly", additional='<t:FieldURI FieldURI="item:MimeContent"/>', **kw)
    el = item.find("t:MimeContent", NS)
    assert el is not None and el.get("CharacterSet") == "UTF-8"
    return email.message_from_bytes(base64.b64decode(el.text), policy=email.policy.default)


def drafts(ews: Ews) -> list:
    return ews.find("drafts")


def test_create_from_mime_only_takes_its_properties(ews: Ews) -> None:
    ref = ews.create("Message", mime_prop(eml(Importance="high", Keywords="work, mime")), md="SaveOnly")
    msg = ews.get(ref)
    assert (val(msg, "Subject"), val(msg, "Body"), val(msg, "t:Body[@BodyType='Text']")) == (
        "From MIME", "Hello from MIME\n", "Hello from MIME\n")
    assert vals(msg, "t:ToRecipients/t:Mailbox/t:EmailAddress") == [BOB, "carol@example.com"]
    assert val(msg, "t:From/t:Mailbox/t:Name") == "Alice Example"
    assert (val(msg, "DateTimeSent"), val(msg, "InternetMessageId")) == ("2026-01-12T08:30:00Z",
                                                                         "<mime-1@example.com>")
    assert (val(msg, "Importance"), vals(msg, "t:Categories/t:String")) == ("High", ["work", "mime"])
    assert (val(msg, "DisplayTo"), val(msg, "ConversationTopic")) == ("Bob Example; carol@example.com",
                                                                      "From MIME")
    assert val(msg, "IsDraft") == "true"
    assert msg.find("t:MimeContent", NS) is None  # AllProperties leaves it out


def test_create_from_mime_then_get_mime_content_parses_to_the_same_message(ews: Ews) -> None:
    sent = email.message_from_bytes(eml(html=True, Reply_To="replies@example.com"), policy=email.policy.default)
    ref = ews.create("Message", mime_prop(sent.as_bytes()), md="SaveOnly")
    got = mime_of(ews, ref)
    for header in ("From", "To", "Subject", "Message-ID", "Reply-To"):
        assert str(got[header]) == str(sent[header]), header
    assert got["Date"].datetime == sent["Date"].datetime  # the same instant, in UTC
    assert got.get_content_type() == "text/html" and got.get_content() == sent.get_content()


def test_properties_given_after_the_mime_content_win(ews: Ews) -> None:
    ref = ews.create("Message", mime_prop(eml()) + "<t:Subject>Overridden</t:Subject>"
                     + recipients("ToRecipients", "dave@example.com"), md="SaveOnly")
    msg = ews.get(ref)
    assert val(msg, "Subject") == "Overridden"
    assert vals(msg, "t:ToRecipients/t:Mailbox/t:EmailAddress") == ["dave@example.com"]
    assert str(mime_of(ews, ref)["To"]) == "dave@example.com"


def test_include_mime_content_renders_a_message_made_of_properties(ews: Ews) -> None:
    ref = ews.create("Message", "<t:Subject>Plain</t:Subject><t:Body BodyType=\"Text\">Line 1\nLine 2</t:Body>"
                     "<t:Importance>Low</t:Importance>" + recipients("CcRecipients", BOB)
                     + "<t:IsReadReceiptRequested>true</t:IsReadReceiptRequested>", md="SaveOnly")
    r = ews.call("<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>"
                 "<t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape>"
                 f"<m:ItemIds>{ref.xml()}</m:ItemIds></m:GetItem>")
    assert r.codes() == ["NoError"], r.body
    [el] = r.xpath("//t:Message/t:MimeContent")
    msg = email.message_from_bytes(base64.b64decode(el.text), policy=email.policy.default)
    assert (msg["Subject"], str(msg["Cc"]), msg["Importance"], msg["X-Priority"]) == (
        "Plain", BOB, "low", "5 (Lowest)")
    assert msg["Message-ID"].endswith("@example.com>") and msg["Date"] is not None
    assert "Disposition-Notification-To" not in msg  # a draft has no From for the receipt to go to yet
    assert msg.get_content() == "Line 1\nLine 2"


def test_tasks_have_mime_content_contacts_and_calendar_items_none(ews: Ews) -> None:
    task = ews.create("Task", "<t:Subject>Task MIME</t:Subject>")
    assert mime_of(ews, task)["Subject"] == "Task MIME"
    for wrapper, props in (("Contact", "<t:GivenName>Ann</t:GivenName>"),
                           ("CalendarItem", "<t:Subject>Meet</t:Subject><t:Start>2026-02-01T10:00:00Z</t:Start>"
                                            "<t:End>2026-02-01T11:00:00Z</t:End>")):
        ref = ews.create(wrapper, props, smi="SendToNone" if wrapper == "CalendarItem" else None)
        item = ews.get(ref, shape="IdOnly", additional='<t:FieldURI FieldURI="item:MimeContent"/>')
        assert item.find("t:MimeContent", NS) is None, wrapper


def test_set_mime_content_on_a_draft_changes_what_it_carries(ews: Ews) -> None:
    ref = ews.create("Message", "<t:Subject>Before</t:Subject><t:Categories><t:String>keep</t:String></t:Categories>"
                     + recipients("ToRecipients", "dave@example.com"), md="SaveOnly")
    r = ews.update(ref, set_field("item:MimeContent", mime_prop(eml("After", "New body")), "Message"),
                   md="SaveOnly")
    assert r.codes() == ["NoError"], r.body
    msg = ews.get(ref)
    assert (val(msg, "Subject"), val(msg, "Body")) == ("After", "New body\n")
    assert vals(msg, "t:ToRecipients/t:Mailbox/t:EmailAddress") == [BOB, "carol@example.com"]
    assert vals(msg, "t:Categories/t:String") == ["keep"]  # the MIME has no Keywords: categories stay
    # read-only properties stay the server's on an update
    assert val(msg, "InternetMessageId") != "<mime-1@example.com>"


def test_delete_mime_content_is_a_no_op(ews: Ews) -> None:
    ref = ews.create("Message", "<t:Subject>Keep</t:Subject>", md="SaveOnly")
    before = ews.snapshot(ref)
    r = ews.update(ref, delete_field("item:MimeContent"), md="SaveOnly")
    assert r.codes() == ["NoError"], r.body
    assert ews.snapshot(ref) == before


def test_create_from_mime_keeps_its_attachments_byte_for_byte(ews: Ews) -> None:
    sent = email.message_from_bytes(eml(), policy=email.policy.default)
    ref = ews.create("Message", mime_prop(with_files(sent)), md="SaveOnly")
    item = ews.get(ref)
    assert val(item, "HasAttachments") == "true"
    data, logo = attachment_list(ews, ref)
    assert [(val(a, "Name"), val(a, "ContentType"), val(a, "IsInline")) for a in (data, logo)] == [
        ("data.bin", "application/x-test", "false"), ("logo.png", "image/png", "true")]
    assert (data.find("t:ContentId", NS), val(logo, "ContentId")) == (None, "logo@example.com")
    assert val(data, "Size") == str(len(BINARY))
    assert get_content(ews, data.find("t:AttachmentId", NS).get("Id")) == BINARY
    got = mime_of(ews, ref)  # GetItem's MimeContent gives the parts back
    parts = list(got.iter_attachments())
    assert [(p.get_filename(), p.get_content_type(), p.get_content_disposition()) for p in parts] == [
        ("data.bin", "application/x-test", "attachment"), ("logo.png", "image/png", "inline")]
    assert parts[0].get_payload(decode=True) == BINARY and str(parts[1]["Content-ID"]) == "<logo@example.com>"
    assert got.get_body(("plain",)).get_content() == "Hello from MIME\n"


def test_an_attached_message_in_mime_becomes_an_item_attachment_and_back(ews: Ews) -> None:
    inner = email.message_from_bytes(eml("Forwarded", "inner body"), policy=email.policy.default)
    inner.add_attachment(BINARY, maintype="application", subtype="x-test", filename="nested.bin")
    outer = email.message_from_bytes(eml(), policy=email.policy.default)
    outer.add_attachment(inner, filename="fwd.eml")
    ref = ews.create("Message", mime_prop(outer.as_bytes()), md="SaveOnly")
    item = ews.get(ref)
    [attached] = item.findall("t:Attachments/t:ItemAttachment", NS)
    assert (val(attached, "Name"), val(item, "HasAttachments")) == ("fwd.eml", "true")
    aid = attached.find("t:AttachmentId", NS).get("Id")
    r = ews.call(f'<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="{aid}"/></m:AttachmentIds></m:GetAttachment>')
    assert r.codes() == ["NoError"], r.body
    [message] = r.xpath("//t:ItemAttachment/t:Message")
    assert (val(message, "Subject"), val(message, "Body"), val(message, "HasAttachments")) == (
        "Forwarded", "inner body\n", "true")
    [nested] = message.findall("t:Attachments/t:FileAttachment", NS)
    assert get_content(ews, nested.find("t:AttachmentId", NS).get("Id")) == BINARY
    [part] = list(mime_of(ews, ref).iter_attachments())  # GetItem's MimeContent: the message as a part again
    assert (part.get_content_type(), part.get_filename()) == ("message/rfc822", "fwd.eml")
    again = part.get_content()
    assert again["Subject"] == "Forwarded" and again.get_body(("plain",)).get_content() == "inner body\n"
    [file] = list(again.iter_attachments())
    assert (file.get_filename(), file.get_payload(decode=True)) == ("nested.bin", BINARY)


def test_a_mime_with_only_inline_parts_has_no_attachments_to_show(ews: Ews) -> None:
    msg = email.message_from_bytes(eml(), policy=email.policy.default)
    msg.add_attachment(b"pic", maintype="image", subtype="gif", filename="p.gif", disposition="inline",
                       cid="<p@example.com>")
    ref = ews.create("Message", mime_prop(msg.as_bytes()), md="SaveOnly")
    assert val(ews.get(ref), "HasAttachments") == "false"
    assert [val(a, "Name") for a in attachment_list(ews, ref)] == ["p.gif"]


def test_mime_attachments_come_before_the_elements_own(ews: Ews) -> None:
    sent = email.message_from_bytes(eml(), policy=email.policy.default)
    own = ("<t:Attachments><t:FileAttachment><t:Name>own.txt</t:Name>"
           f"<t:Content>{base64.b64encode(b'own').decode()}</t:Content></t:FileAttachment></t:Attachments>")
    ref = ews.create("Message", mime_prop(with_files(sent)) + own, md="SaveOnly")
    assert [val(a, "Name") for a in attachment_list(ews, ref)] == ["data.bin", "logo.png", "own.txt"]


def test_set_mime_content_on_a_draft_replaces_its_attachments(ews: Ews) -> None:
    old = ("<t:Attachments><t:FileAttachment><t:Name>old.txt</t:Name>"
           f"<t:Content>{base64.b64encode(b'old').decode()}</t:Content></t:FileAttachment></t:Attachments>")
    ref = ews.create("Message", "<t:Subject>Before</t:Subject>" + old, md="SaveOnly")
    sent = email.message_from_bytes(eml("After"), policy=email.policy.default)
    r = ews.update(ref, set_field("item:MimeContent", mime_prop(with_files(sent)), "Message"), md="SaveOnly")
    assert r.codes() == ["NoError"], r.body
    names = [val(a, "Name") for a in attachment_list(ews, ref)]
    assert names == ["data.bin", "logo.png"]  # the MIME is the whole message: old.txt is gone
    data = attachment_list(ews, ref)[0]
    assert get_content(ews, data.find("t:AttachmentId", NS).get("Id")) == BINARY
    # and a MIME without attachments leaves the draft with none
    r = ews.update(ref, set_field("item:MimeContent", mime_prop(eml("Plain again")), "Message"), md="SaveOnly")
    assert r.codes() == ["NoError"], r.body
    item = ews.get(ref)
    assert (item.find("t:Attachments", NS), val(item, "HasAttachments"), val(item, "Subject")) == (
        None, "false", "Plain again")


# ---- errors, one per ResponseCode, each changing nothing -------------------------------------------------------


def test_mime_content_that_is_not_base64(ews: Ews) -> None:
    r = ews.create_response("Message", '<t:MimeContent CharacterSet="UTF-8">not*base64!</t:MimeContent>',
                            md="SaveOnly")
    assert_error(r, "ErrorMimeContentInvalidBase64String", {"FieldURI": "item:MimeContent"}, container="Items")
    assert drafts(ews) == []


def test_empty_mime_content(ews: Ews) -> None:
    r = ews.create_response("Message", '<t:MimeContent CharacterSet="UTF-8"></t:MimeContent>', md="SaveOnly")
    assert_error(r, "ErrorMimeContentConversionFailed", {"FieldURI": "item:MimeContent"}, container="Items")
    assert drafts(ews) == []


def test_mime_content_on_a_contact(ews: Ews) -> None:
    r = ews.create_response("Contact", mime_prop(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n"))
    assert_error(r, "ErrorUnsupportedMimeConversion", {"FieldURI": "item:MimeContent"}, container="Items")
    assert ews.find("contacts") == []


def test_mime_content_of_a_sent_message_is_read_only(ews: Ews) -> None:
    r = ews.create_response("Message", "<t:Subject>Sent</t:Subject>" + recipients("ToRecipients", BOB),
                            md="SendAndSaveCopy")
    assert r.codes() == ["NoError"], r.body
    [sent] = ews.find("sentitems")
    ref = Ref(sent.find("t:ItemId", NS).get("Id"), sent.find("t:ItemId", NS).get("ChangeKey"))
    before = ews.snapshot(ref)
    r = ews.update(ref, set_field("item:MimeContent", mime_prop(eml("Changed")), "Message"), md="SaveOnly")
    assert_error(r, "ErrorInvalidPropertySet", {"FieldURI": "item:MimeContent"})
    assert ews.snapshot(ref) == before


def test_mime_content_carries_the_file_attachments_as_parts_byte_for_byte(ews: Ews) -> None:
    content = bytes(range(256)) * 4
    attachment = (f"<t:Attachments><t:FileAttachment><t:Name>bytes.bin</t:Name><t:ContentType>application/x-test"
                  f"</t:ContentType><t:Content>{base64.b64encode(content).decode()}</t:Content></t:FileAttachment>"
                  "</t:Attachments>")
    ref = ews.create("Message", f"<t:Subject>with a file</t:Subject><t:Body BodyType=\"Text\">see the file</t:Body>"
                     f"{attachment}{recipients('ToRecipients', BOB)}", md="SaveOnly")
    msg = mime_of(ews, ref)
    assert msg.get_content_type() == "multipart/mixed"
    [part] = list(msg.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("bytes.bin", "application/x-test")
    assert part.get_payload(decode=True) == content
    assert msg.get_body(("plain",)).get_content().rstrip("\n") == "see the file"


def test_a_mime_part_over_the_attachment_size_limit(small_limit: Ews) -> None:
    ews = small_limit
    msg = email.message_from_bytes(eml(), policy=email.policy.default)
    msg.add_attachment(b"x" * 1001, maintype="application", subtype="octet-stream", filename="big.bin")
    r = ews.create_response("Message", mime_prop(msg.as_bytes()), md="SaveOnly")
    assert_error(r, "ErrorAttachmentSizeLimitExceeded", container="Items")
    assert drafts(ews) == []
    ref = ews.create("Message", "<t:Subject>Draft</t:Subject>", md="SaveOnly")
    before = ews.snapshot(ref)
    r = ews.update(ref, set_field("item:MimeContent", mime_prop(msg.as_bytes()), "Message"), md="SaveOnly")
    assert_error(r, "ErrorAttachmentSizeLimitExceeded")
    assert ews.snapshot(ref) == before
