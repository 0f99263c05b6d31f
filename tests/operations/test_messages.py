"""Messages end to end: drafts, MessageDisposition on CreateItem and UpdateItem, delivery between the
mailboxes of the server, the read-only-after-send rules and appends (spec §1.2, §2.2, §3.2).

Raw SOAP through the endpoint, every response validated against Microsoft's schema; exchangelib over HTTP at
the end (a message sent from one mailbox to another).
"""
from __future__ import annotations

import pytest
from exchangelib import Mailbox as XlMailbox
from exchangelib import Message

from ewsemu.core.clock import Clock
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app
from ewsemu.core.users import parse_users

from ..harness import (Ews, Ref, append_field, assert_error, assert_sent, assert_updated, delete_field, mailbox,
                        recipients, ref_of, set_field, val, vals)
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS, Client

ALICE, BOB, CAROL, DAVE = "alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"


def draft(ews: Ews, *, subject: str = "Hello", to: tuple[str, ...] = (BOB,), extra: str = "", **kw) -> Ref:
    props = (f"<t:Subject>{subject}</t:Subject><t:Body BodyType=\"Text\">Hi there</t:Body>"
             + (recipients("ToRecipients", *to) if to else "") + extra)
    return ews.create("Message", props, md=kw.pop("md", "SaveOnly"), **kw)


def inbox(ews: Ews, user: str) -> list:
    return ews.find("inbox", user=user)


# ---- drafts ---------------------------------------------------------------------------------------------------


def test_create_saves_a_draft_in_drafts(ews: Ews) -> None:
    ref = draft(ews)
    found = ews.find("drafts")
    assert [ref_of(m).id for m in found] == [ref.id]
    msg = ews.get(ref)
    assert (val(msg, "ItemClass"), val(msg, "IsDraft"), val(msg, "IsRead"), val(msg, "IsFromMe")) == (
        "IPM.Note", "true", "true", "true")
    assert vals(msg, "t:ToRecipients/t:Mailbox/t:EmailAddress") == [BOB]
    assert val(msg, "DisplayTo") == BOB and val(msg, "ConversationTopic") == "Hello"
    assert val(msg, "InternetMessageId").endswith("@example.com>")
    assert msg.find("t:From", NS) is None  # a draft has no sender until it is sent
    assert inbox(ews, BOB) == []


def test_message_disposition_is_required_for_messages(ews: Ews) -> None:
    r = ews.create_response("Message", "<t:Subject>x</t:Subject>")
    assert_error(r, "ErrorMessageDispositionRequired")
    assert ews.find("drafts") == []
    ref = draft(ews)
    before = ews.snapshot(ref)
    assert_error(ews.update(ref, set_field("item:Subject", "<t:Subject>y</t:Subject>", "Message")),
                 "ErrorMessageDispositionRequired")
    assert ews.snapshot(ref) == before


def test_save_only_updates_the_draft_in_place(ews: Ews) -> None:
    ref = draft(ews)
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>Hello again</t:Subject>", "Message"),
                   set_field("message:IsRead", "<t:IsRead>false</t:IsRead>", "Message"), md="SaveOnly",
                   suppress="true")
    new = assert_updated(r, "Message", ref)
    msg = ews.get(ref)
    assert ref_of(msg) == new
    assert (val(msg, "Subject"), val(msg, "IsRead"), val(msg, "IsDraft")) == ("Hello again", "false", "true")
    assert val(msg, "ConversationTopic") == "Hello again"
    assert inbox(ews, BOB) == []


def test_flag_and_is_read_updates(ews: Ews) -> None:
    ref = draft(ews)
    flag = ("<t:Flag><t:FlagStatus>Flagged</t:FlagStatus><t:StartDate>2026-01-14T08:00:00Z</t:StartDate>"
            "<t:DueDate>2026-01-15T08:00:00Z</t:DueDate></t:Flag>")
    assert_updated(ews.update(ref, set_field("item:Flag", flag, "Message"), md="SaveOnly"), "Message", ref)
    msg = ews.get(ref)
    assert (val(msg, "t:Flag/t:FlagStatus"), val(msg, "t:Flag/t:DueDate")) == ("Flagged", "2026-01-15T08:00:00Z")
    assert_error(ews.update(ref, delete_field("item:Flag"), md="SaveOnly"), "ErrorInvalidPropertyDelete",
                 {"FieldURI": "item:Flag"})
    assert_error(ews.update(ref, delete_field("message:IsRead"), md="SaveOnly"), "ErrorInvalidPropertyDelete",
                 {"FieldURI": "message:IsRead"})


# ---- appends (spec §2.2) ------------------------------------------------------------------------------------


def test_append_to_recipients_reply_to_and_body(ews: Ews) -> None:
    ref = draft(ews)
    r = ews.update(ref,
                   append_field("message:ToRecipients", recipients("ToRecipients", CAROL), "Message"),
                   append_field("message:CcRecipients", recipients("CcRecipients", DAVE), "Message"),
                   append_field("message:BccRecipients", recipients("BccRecipients", ALICE), "Message"),
                   append_field("message:ReplyTo", recipients("ReplyTo", "replies@example.com"), "Message"),
                   append_field("message:ReplyTo", recipients("ReplyTo", "more@example.com"), "Message"),
                   append_field("item:Body", '<t:Body BodyType="Text"> and more</t:Body>', "Message"),
                   md="SaveOnly")
    assert_updated(r, "Message", ref)
    msg = ews.get(ref)
    assert vals(msg, "t:ToRecipients/t:Mailbox/t:EmailAddress") == [BOB, CAROL]
    assert vals(msg, "t:CcRecipients/t:Mailbox/t:EmailAddress") == [DAVE]
    assert vals(msg, "t:BccRecipients/t:Mailbox/t:EmailAddress") == [ALICE]
    assert vals(msg, "t:ReplyTo/t:Mailbox/t:EmailAddress") == ["replies@example.com", "more@example.com"]
    assert val(msg, "Body") == "Hi there and more"
    assert (val(msg, "DisplayTo"), val(msg, "DisplayCc"), val(msg, "DisplayBcc")) == (
        f"{BOB}; {CAROL}", DAVE, ALICE)


@pytest.mark.parametrize("uri, prop", [
    ("item:Subject", "<t:Subject>x</t:Subject>"),
    ("message:From", f"<t:From>{mailbox(BOB)}</t:From>"),
    ("message:IsRead", "<t:IsRead>true</t:IsRead>"),
    ("message:References", "<t:References>r</t:References>"),
    ("item:Categories", "<t:Categories><t:String>a</t:String></t:Categories>"),
])
def test_append_is_refused_where_the_reference_does_not_allow_it(ews: Ews, uri: str, prop: str) -> None:
    ref = draft(ews)
    before = ews.snapshot(ref)
    assert_error(ews.update(ref, append_field(uri, prop, "Message"), md="SaveOnly"), "ErrorInvalidPropertyAppend",
                 {"FieldURI": uri})
    assert ews.snapshot(ref) == before


def test_append_html_to_a_text_body_is_refused(ews: Ews) -> None:
    ref = draft(ews)
    r = ews.update(ref, append_field("item:Body", '<t:Body BodyType="HTML">&lt;b&gt;x&lt;/b&gt;</t:Body>', "Message"),
                   md="SaveOnly")
    assert_error(r, "ErrorInvalidPropertyAppend", {"FieldURI": "item:Body"})


@pytest.mark.parametrize("uri, prop", [
    ("message:ConversationTopic", "<t:ConversationTopic>x</t:ConversationTopic>"),
    ("message:InternetMessageId", "<t:InternetMessageId>&lt;x@y&gt;</t:InternetMessageId>"),
    ("message:Sender", f"<t:Sender>{mailbox(BOB)}</t:Sender>"),
    ("message:ReceivedBy", f"<t:ReceivedBy>{mailbox(BOB)}</t:ReceivedBy>"),
    ("item:IsDraft", "<t:IsDraft>false</t:IsDraft>"),
])
def test_read_only_and_create_only_message_properties(ews: Ews, uri: str, prop: str) -> None:
    ref = draft(ews)
    before = ews.snapshot(ref)
    assert_error(ews.update(ref, set_field(uri, prop, "Message"), md="SaveOnly"), "ErrorInvalidPropertySet",
                 {"FieldURI": uri})
    assert ews.snapshot(ref) == before


def test_sender_and_internet_message_id_can_be_given_on_creation(ews: Ews) -> None:
    ref = draft(ews, extra=f"<t:InternetMessageId>&lt;given@example.com&gt;</t:InternetMessageId>")
    assert val(ews.get(ref), "InternetMessageId") == "<given@example.com>"


# ---- sending ------------------------------------------------------------------------------------------------


def test_update_send_and_save_copy_delivers_and_keeps_a_sent_copy(ews: Ews) -> None:
    ref = draft(ews, extra=recipients("CcRecipients", CAROL) + recipients("BccRecipients", DAVE))
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>Final</t:Subject>", "Message"),
                   md="SendAndSaveCopy", suppress="true")
    assert_sent(r)
    assert_error(ews.get_response(ref), "ErrorItemNotFound")  # the draft is gone
    assert ews.find("drafts") == []
    [sent] = ews.find("sentitems")
    assert (val(sent, "Subject"), val(sent, "IsDraft"), val(sent, "IsRead")) == ("Final", "false", "true")
    assert val(sent, "t:From/t:Mailbox/t:EmailAddress") == ALICE
    assert val(sent, "t:Sender/t:Mailbox/t:EmailAddress") == ALICE
    assert vals(sent, "t:BccRecipients/t:Mailbox/t:EmailAddress") == [DAVE]
    assert val(sent, "DateTimeSent") == "2026-01-13T09:00:00Z"
    for who in (BOB, CAROL, DAVE):
        [got] = inbox(ews, who)
        assert (val(got, "Subject"), val(got, "IsRead"), val(got, "IsDraft"), val(got, "IsFromMe")) == (
            "Final", "false", "false", "false")
        assert val(got, "t:ReceivedBy/t:Mailbox/t:EmailAddress") == who
        assert got.find("t:BccRecipients", NS) is None  # nobody sees the Bcc list but the sender
        assert val(got, "t:From/t:Mailbox/t:Name") == "alice"


def test_update_send_only_keeps_no_copy(ews: Ews) -> None:
    ref = draft(ews)
    assert_sent(ews.update(ref, set_field("item:Importance", "<t:Importance>High</t:Importance>", "Message"),
                           md="SendOnly"))
    assert ews.find("drafts") == [] and ews.find("sentitems") == []
    [got] = inbox(ews, BOB)
    assert (val(got, "Subject"), val(got, "Importance")) == ("Hello", "High")


def test_send_and_save_copy_into_the_saved_item_folder(ews: Ews) -> None:
    ref = draft(ews)
    assert_sent(ews.update(ref, set_field("item:Importance", "<t:Importance>Low</t:Importance>", "Message"),
                           md="SendAndSaveCopy", folder='<t:DistinguishedFolderId Id="inbox"/>'))
    assert ews.find("sentitems") == []
    assert [val(m, "IsDraft") for m in ews.find("inbox")] == ["false"]


@pytest.mark.parametrize("md, kept", [("SendOnly", []), ("SendAndSaveCopy", ["Direct"])])
def test_create_and_send(ews: Ews, md: str, kept: list[str]) -> None:
    r = ews.create_response("Message", "<t:Subject>Direct</t:Subject>" + recipients("ToRecipients", BOB), md=md)
    assert_sent(r)
    assert [val(m, "Subject") for m in ews.find("sentitems")] == kept
    assert ews.find("drafts") == []
    assert [val(m, "Subject") for m in inbox(ews, BOB)] == ["Direct"]


def test_sending_without_recipients_fails_and_changes_nothing(ews: Ews) -> None:
    ref = draft(ews, to=())
    before = ews.snapshot(ref)
    assert_error(ews.update(ref, set_field("item:Subject", "<t:Subject>x</t:Subject>", "Message"), md="SendOnly"),
                 "ErrorInvalidRecipients")
    assert ews.snapshot(ref) == before
    assert_error(ews.create_response("Message", "<t:Subject>nobody</t:Subject>", md="SendAndSaveCopy"),
                 "ErrorInvalidRecipients")
    assert ews.find("sentitems") == []


def test_appending_a_recipient_and_sending_in_one_change(ews: Ews) -> None:
    ref = draft(ews, to=())
    assert_sent(ews.update(ref, append_field("message:ToRecipients", recipients("ToRecipients", CAROL), "Message"),
                           md="SendOnly"))
    assert [val(m, "Subject") for m in inbox(ews, CAROL)] == ["Hello"]


def test_a_stale_change_key_sends_nothing(ews: Ews) -> None:
    ref = draft(ews)
    assert_updated(ews.update(ref, set_field("item:Subject", "<t:Subject>v2</t:Subject>", "Message"), md="SaveOnly"),
                   "Message", ref)
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>v3</t:Subject>", "Message"), md="SendAndSaveCopy",
                   cr="NeverOverwrite")
    assert_error(r, "ErrorIrresolvableConflict")
    assert inbox(ews, BOB) == [] and ews.find("sentitems") == []
    assert [val(m, "Subject") for m in ews.find("drafts")] == ["v2"]


# ---- after sending: what the copies may still change ----------------------------------------------------------


@pytest.fixture
def received(ews: Ews) -> Ref:
    assert_sent(ews.create_response("Message", "<t:Subject>News</t:Subject>" + recipients("ToRecipients", BOB),
                                    md="SendOnly"))
    return ref_of(inbox(ews, BOB)[0])


@pytest.mark.parametrize("change, code", [
    (set_field("message:ToRecipients", recipients("ToRecipients", CAROL), "Message"), "ErrorInvalidPropertySet"),
    (append_field("message:CcRecipients", recipients("CcRecipients", CAROL), "Message"), "ErrorInvalidPropertySet"),
    (set_field("message:From", f"<t:From>{mailbox(CAROL)}</t:From>", "Message"), "ErrorInvalidPropertySet"),
    (set_field("message:IsReadReceiptRequested", "<t:IsReadReceiptRequested>true</t:IsReadReceiptRequested>",
               "Message"), "ErrorInvalidPropertySet"),
    (delete_field("message:ReplyTo"), "ErrorInvalidPropertyDelete"),
    (delete_field("message:ToRecipients"), "ErrorInvalidPropertyDelete"),
])
def test_recipients_are_read_only_after_send(ews: Ews, received: Ref, change: str, code: str) -> None:
    before = ews.snapshot(received, user=BOB)
    r = ews.update(received, change, md="SaveOnly", user=BOB)
    assert_error(r, code)
    assert ews.snapshot(received, user=BOB) == before


def test_a_received_message_can_be_marked_read_and_edited(ews: Ews, received: Ref) -> None:
    r = ews.update(received, set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "Message"),
                   set_field("item:Categories", "<t:Categories><t:String>read</t:String></t:Categories>", "Message"),
                   md="SaveOnly", suppress="false", user=BOB)
    assert_updated(r, "Message", received)
    msg = ews.get(received, user=BOB)
    assert (val(msg, "IsRead"), vals(msg, "t:Categories/t:String")) == ("true", ["read"])


def test_only_drafts_can_be_sent(ews: Ews, received: Ref) -> None:
    resend = set_field("item:Importance", "<t:Importance>High</t:Importance>", "Message")
    assert_error(ews.update(received, resend, md="SendAndSaveCopy", user=BOB), "ErrorInvalidOperation")


def test_find_unread_messages_by_restriction(ews: Ews) -> None:
    for subject in ("one", "two"):
        assert_sent(ews.create_response("Message", f"<t:Subject>{subject}</t:Subject>"
                                        + recipients("ToRecipients", BOB), md="SendOnly"))
    first = next(ref_of(m) for m in inbox(ews, BOB) if val(m, "Subject") == "one")
    ews.update(first, set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "Message"), md="SaveOnly", user=BOB)
    unread = ('<t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/><t:FieldURIOrConstant>'
              '<t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo>')
    assert [val(m, "Subject") for m in ews.find("inbox", restriction=unread, user=BOB)] == ["two"]
    to_bob = ('<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase">'
              '<t:FieldURI FieldURI="item:DisplayTo"/><t:Constant Value="BOB"/></t:Contains>')
    assert len(ews.find("inbox", restriction=to_bob, user=BOB)) == 2


# ---- who is a recipient on this server ------------------------------------------------------------------------


def test_open_mode_creates_the_recipients_mailbox_on_first_use(ews: Ews, emulator: Emulator) -> None:
    with emulator.store.read() as conn:
        assert not emulator.store.mailbox_exists(conn, "newcomer@example.org")
    assert_sent(ews.create_response("Message", "<t:Subject>Welcome</t:Subject>"
                                    + recipients("ToRecipients", "Newcomer@Example.org"), md="SendOnly"))
    assert [val(m, "Subject") for m in inbox(ews, "newcomer@example.org")] == ["Welcome"]


@pytest.fixture
def users_ews(database_url: str, clock: Clock):
    directory = parse_users({"users": [{"smtp": ALICE, "password": "secret"}, {"smtp": BOB, "password": "secret"}]})
    emu = Emulator(Settings(database=database_url, seed=7, users=directory), clock)
    if database_url != "sqlite://":
        emu.reset()
    yield emu, Ews(Client(make_app(emu)))
    emu.close()


def test_with_a_users_file_only_its_users_receive(users_ews) -> None:
    emu, ews = users_ews
    assert_sent(ews.create_response("Message", "<t:Subject>Memo</t:Subject>"
                                    + recipients("ToRecipients", BOB, "outsider@example.net"), md="SendAndSaveCopy"))
    assert [val(m, "Subject") for m in inbox(ews, BOB)] == ["Memo"]
    with emu.store.read() as conn:
        assert not emu.store.mailbox_exists(conn, "outsider@example.net")
    [sent] = ews.find("sentitems")
    assert vals(sent, "t:ToRecipients/t:Mailbox/t:EmailAddress") == [BOB, "outsider@example.net"]


# ---- exchangelib over HTTP --------------------------------------------------------------------------------------


def test_exchangelib_sends_a_message_between_two_mailboxes(ewsemu_account) -> None:
    alice, bob = ewsemu_account(ALICE), ewsemu_account(BOB)
    draft_ = Message(account=alice, folder=alice.drafts, subject="Lunch?", body="At noon",
                     to_recipients=[XlMailbox(email_address=BOB)], cc_recipients=[CAROL])
    draft_.save()
    draft_.refresh()
    assert draft_.is_draft is True and draft_.author is None
    draft_.subject = "Lunch at noon?"
    draft_.save()  # a full save of a draft: every writable field, recipients included
    assert alice.drafts.get(id=draft_.id).subject == "Lunch at noon?"
    Message(account=alice, subject="Lunch at noon?", body="At noon", to_recipients=[BOB]).send_and_save()
    [got] = list(bob.inbox.all())
    assert (got.subject, str(got.body), got.is_read, got.is_draft) == ("Lunch at noon?", "At noon", False, False)
    assert got.author.email_address == ALICE and got.received_by.email_address == BOB
    got.is_read = True
    got.save()  # a full save of a received message leaves the read-only-after-send fields out
    assert bob.inbox.get(id=got.id).is_read is True
    assert [m.subject for m in alice.sent.all()] == ["Lunch at noon?"]
    assert [m.subject for m in ewsemu_account(CAROL).inbox.all()] == []
    Message(account=alice, subject="Bye", to_recipients=[BOB]).send(save_copy=False)  # SendOnly: no copy
    assert sorted(m.subject for m in bob.inbox.all()) == ["Bye", "Lunch at noon?"]
    assert [m.subject for m in alice.sent.all()] == ["Lunch at noon?"]


def test_get_folder_counts_unread_messages(ews: Ews) -> None:
    for subject in ("one", "two", "three"):
        assert_sent(ews.create_response("Message", f"<t:Subject>{subject}</t:Subject>"
                                        + recipients("ToRecipients", BOB), md="SendOnly"))
    ews.update(ref_of(inbox(ews, BOB)[0]), set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "Message"),
               md="SaveOnly", user=BOB)
    r = ews.call('<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>'
                 '<t:DistinguishedFolderId Id="inbox"/><t:DistinguishedFolderId Id="drafts"/></m:FolderIds>'
                 "</m:GetFolder>", user=BOB)
    assert r.xpath("//t:Folder/t:TotalCount/text()") == ["3", "0"]
    assert r.xpath("//t:Folder/t:UnreadCount/text()") == ["2", "0"]


def test_internet_message_headers_are_read_only(ews: Ews) -> None:
    ref = draft(ews)
    header = '<t:IndexedFieldURI FieldURI="item:InternetMessageHeader" FieldIndex="X-Mailer"/>'
    assert_error(ews.update(ref, f"<t:DeleteItemField>{header}</t:DeleteItemField>", md="SaveOnly"),
                 "ErrorInvalidPropertyDelete", {"FieldURI": "item:InternetMessageHeader", "FieldIndex": "X-Mailer"},
                 kind="IndexedFieldURI")
