"""Response objects in CreateItem through the real endpoint: replies and forwards (recipients, subject, the
quoted body, the three MessageDispositions), the meeting responses (the attendee's tentative calendar copy, the
organizer's MeetingResponse and attendee ResponseType), cancellation and removal, item:ResponseObjects, and one
test per ResponseCode showing nothing changed. Responses validated against our wsdl/ and Microsoft's schema."""
from __future__ import annotations

import base64

from ..harness import Ews, Ref, assert_error, assert_sent, attendees, recipients, ref_of, val, vals
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


def respond(ews: Ews, kind: str, ref: Ref | None, props: str = "", md: str | None = "SendAndSaveCopy",
            user: str | None = None, folder: str = "", tail: str = ""):
    reference = ref.xml("ReferenceItemId") if ref is not None else ""
    a = f' MessageDisposition="{md}"' if md else ""
    saved = f"<m:SavedItemFolderId>{folder}</m:SavedItemFolderId>" if folder else ""
    return ews.call(f"<m:CreateItem{a}>{saved}<m:Items><t:{kind}>{props}{reference}{tail}</t:{kind}></m:Items>"
                    "</m:CreateItem>", user=user)


def mail_to_bob(ews: Ews) -> Ref:
    """Alice writes to Bob, cc Carol; Bob's received copy."""
    ews.create_response("Message", "<t:Subject>Plans</t:Subject><t:Body BodyType=\"Text\">See you.</t:Body>"
                        + recipients("ToRecipients", BOB) + recipients("CcRecipients", CAROL), md="SendOnly")
    [received] = ews.find("inbox", user=BOB)
    return ref_of(received)


def test_reply_goes_to_the_sender_with_re_and_the_quoted_original(ews: Ews) -> None:
    received = mail_to_bob(ews)
    r = respond(ews, "ReplyToItem", received, user=BOB)
    assert_sent(r)
    [reply] = ews.find("inbox")
    assert val(reply, "Subject") == "RE: Plans"
    body = val(ews.get(ref_of(reply)), "Body")
    assert "From: " in body and body.rstrip().endswith("See you.")
    assert [val(i, "Subject") for i in ews.find("sentitems", user=BOB)] == ["RE: Plans"]
    assert ews.find("inbox", user=CAROL) and len(ews.find("inbox", user=CAROL)) == 1  # only the original


def test_reply_all_adds_to_and_cc_less_the_replying_mailbox(ews: Ews) -> None:
    received = mail_to_bob(ews)
    r = respond(ews, "ReplyAllToItem", received, md="SaveOnly", user=BOB)
    assert r.codes() == ["NoError"], r.body
    new = Ref(r.xpath("//m:Items/t:Message/t:ItemId")[0].get("Id"))
    reply = ews.get(new, user=BOB)
    assert vals(reply, "t:ToRecipients/t:Mailbox/t:EmailAddress") == [ALICE]
    assert vals(reply, "t:CcRecipients/t:Mailbox/t:EmailAddress") == [CAROL]
    assert (val(reply, "IsDraft"), val(reply, "Subject")) == ("true", "RE: Plans")
    assert [ref_of(d).id for d in ews.find("drafts", user=BOB)] == [new.id]


def test_forward_goes_to_whom_the_client_names_with_fw(ews: Ews) -> None:
    received = mail_to_bob(ews)
    r = respond(ews, "ForwardItem", received, recipients("ToRecipients", CAROL), md="SendOnly", user=BOB,
                tail='<t:NewBodyContent BodyType="HTML">&lt;p&gt;FYI&lt;/p&gt;</t:NewBodyContent>')
    assert_sent(r)
    subjects = sorted(val(i, "Subject") for i in ews.find("inbox", user=CAROL))
    assert subjects == ["FW: Plans", "Plans"]
    assert ews.find("sentitems", user=BOB) == []
    forwarded = next(i for i in ews.find("inbox", user=CAROL) if val(i, "Subject") == "FW: Plans")
    body = ews.get(ref_of(forwarded), user=CAROL).find("t:Body", NS)
    assert body.get("BodyType") == "HTML" and body.text.startswith("<p>FYI</p>") and "See you." in body.text


def test_a_forward_carries_the_attachments_byte_for_byte_and_a_reply_none(ews: Ews) -> None:
    content = bytes(range(256)) * 64
    assert_sent(ews.create_response(
        "Message", "<t:Subject>Report</t:Subject><t:Attachments><t:FileAttachment><t:Name>r.bin</t:Name>"
        f"<t:Content>{base64.b64encode(content).decode()}</t:Content></t:FileAttachment></t:Attachments>"
        + recipients("ToRecipients", BOB), md="SendOnly"))
    [received] = ews.find("inbox", user=BOB)
    assert_sent(respond(ews, "ForwardItem", ref_of(received), recipients("ToRecipients", CAROL), md="SendOnly",
                        user=BOB))
    assert_sent(respond(ews, "ReplyToItem", ref_of(received), md="SendOnly", user=BOB))
    [forwarded] = ews.find("inbox", user=CAROL)
    got = ews.get(ref_of(forwarded), user=CAROL)
    assert (val(got, "Subject"), val(got, "HasAttachments")) == ("FW: Report", "true")
    [aid] = got.xpath("t:Attachments/t:FileAttachment/t:AttachmentId/@Id", namespaces=NS)
    r = ews.call(f'<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="{aid}"/></m:AttachmentIds>'
                 "</m:GetAttachment>", user=CAROL)
    assert base64.b64decode(r.xpath("//t:FileAttachment/t:Content")[0].text) == content
    [reply] = [i for i in ews.find("inbox") if val(i, "Subject") == "RE: Report"]
    assert val(ews.get(ref_of(reply)), "HasAttachments") == "false"


def test_response_objects_lists_what_the_item_allows(ews: Ews) -> None:
    received = mail_to_bob(ews)
    item = ews.get(received, user=BOB)
    assert [c.tag.split("}")[1] for c in item.find("t:ResponseObjects", NS)] == [
        "ReplyToItem", "ReplyAllToItem", "ForwardItem"]


def test_missing_reference_is_error_missing_information_reference_item_id(ews: Ews) -> None:
    assert_error(respond(ews, "ReplyToItem", None), "ErrorMissingInformationReferenceItemId")
    assert_error(respond(ews, "AcceptItem", None), "ErrorMissingInformationReferenceItemId")
    assert ews.find("sentitems") == [] and ews.find("drafts") == []


def test_an_unknown_reference_is_error_item_not_found(ews: Ews) -> None:
    received = mail_to_bob(ews)
    ews.call(f'<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>{received.xml()}</m:ItemIds></m:DeleteItem>',
             user=BOB)
    assert_error(respond(ews, "ForwardItem", received, recipients("ToRecipients", CAROL), user=BOB),
                 "ErrorItemNotFound")
    assert ews.find("sentitems", user=BOB) == [] and len(ews.find("inbox", user=CAROL)) == 1


def test_message_disposition_is_required(ews: Ews) -> None:
    received = mail_to_bob(ews)
    assert_error(respond(ews, "ReplyToItem", received, md=None, user=BOB), "ErrorMessageDispositionRequired")
    assert ews.find("inbox") == [] and ews.find("drafts", user=BOB) == []


def test_replying_to_a_task_is_error_invalid_reference_item(ews: Ews) -> None:
    task = ews.create("Task", "<t:Subject>chores</t:Subject>")
    before = ews.snapshot(task)
    assert_error(respond(ews, "ReplyToItem", task, recipients("ToRecipients", BOB)), "ErrorInvalidReferenceItem")
    assert ews.snapshot(task) == before and ews.find("inbox", user=BOB) == []


# ---- meetings -------------------------------------------------------------------------------------------------

MEETING = ("<t:Subject>Review</t:Subject><t:Start>2026-03-02T10:00:00Z</t:Start><t:End>2026-03-02T11:00:00Z</t:End>"
           + attendees("RequiredAttendees", BOB))


def invite_bob(ews: Ews) -> Ref:
    return ews.create("CalendarItem", MEETING, smi="SendToAllAndSaveCopy")


def test_a_delivered_request_puts_a_tentative_copy_in_the_attendees_calendar(ews: Ews) -> None:
    invite_bob(ews)
    [copy] = ews.find("calendar", user=BOB)
    assert (val(copy, "Subject"), val(copy, "LegacyFreeBusyStatus"), val(copy, "MyResponseType")) == (
        "Review", "Tentative", "NoResponseReceived")
    assert [c.tag.split("}")[1] for c in ews.get(ref_of(copy), user=BOB).find("t:ResponseObjects", NS)][:3] == [
        "AcceptItem", "TentativelyAcceptItem", "DeclineItem"]


def test_accepting_a_request_answers_the_organizer(ews: Ews) -> None:
    meeting = invite_bob(ews)
    [request] = ews.find("inbox", user=BOB)
    r = respond(ews, "AcceptItem", ref_of(request), user=BOB)
    assert r.codes() == ["NoError"], r.body
    [copy] = ews.find("calendar", user=BOB)
    assert (val(copy, "MyResponseType"), val(copy, "LegacyFreeBusyStatus")) == ("Accept", "Busy")
    assert ews.find("inbox", user=BOB) == []  # the answered request left the Inbox
    [response] = ews.find("inbox")
    assert (response.tag.split("}")[1], val(response, "Subject")) == ("MeetingResponse", "Accepted: Review")
    organizer = ews.get(Ref(meeting.id))
    assert vals(organizer, "t:RequiredAttendees/t:Attendee/t:ResponseType") == ["Accept"]


def test_declining_removes_the_copy(ews: Ews) -> None:
    invite_bob(ews)
    [copy] = ews.find("calendar", user=BOB)
    assert respond(ews, "DeclineItem", ref_of(copy), md="SendOnly", user=BOB).codes() == ["NoError"]
    assert ews.find("calendar", user=BOB) == []
    assert [val(i, "Subject") for i in ews.find("inbox")] == ["Declined: Review"]


def test_accepting_what_is_no_meeting_is_refused(ews: Ews) -> None:
    received = mail_to_bob(ews)
    before = ews.snapshot(received, user=BOB)
    assert_error(respond(ews, "AcceptItem", received, user=BOB), "ErrorInvalidItemForOperationAcceptItem")
    assert_error(respond(ews, "TentativelyAcceptItem", received, user=BOB), "ErrorInvalidItemForOperationTentative")
    assert_error(respond(ews, "DeclineItem", received, user=BOB), "ErrorInvalidItemForOperationDeclineItem")
    assert ews.snapshot(received, user=BOB) == before and ews.find("inbox") == []


def test_the_organizer_cannot_accept_their_own_meeting(ews: Ews) -> None:
    meeting = invite_bob(ews)
    before = ews.snapshot(Ref(meeting.id))
    assert_error(respond(ews, "AcceptItem", Ref(meeting.id)), "ErrorCalendarIsOrganizerForAccept")
    assert ews.snapshot(Ref(meeting.id)) == before


def test_cancel_tells_the_attendees_and_remove_takes_the_meeting_out(ews: Ews) -> None:
    meeting = invite_bob(ews)
    r = respond(ews, "CancelCalendarItem", Ref(meeting.id))
    assert r.codes() == ["NoError"], r.body
    assert ews.find("calendar") == []
    assert_error(respond(ews, "CancelCalendarItem", Ref(meeting.id)), "ErrorItemNotFound")
    [copy] = ews.find("calendar", user=BOB)
    assert (val(copy, "IsCancelled"), val(copy, "Subject")) == ("true", "Canceled: Review")
    cancellation = next(i for i in ews.find("inbox", user=BOB) if i.tag.endswith("MeetingCancellation"))
    assert respond(ews, "RemoveItem", ref_of(cancellation), md=None, user=BOB).codes() == ["NoError"]
    assert ews.find("calendar", user=BOB) == []


def test_cancelling_a_meeting_without_other_attendees_is_error_invalid_recipients(ews: Ews) -> None:
    own = ews.create("CalendarItem", MEETING.replace(BOB, ALICE), smi="SendToNone")
    before = ews.snapshot(own)
    assert_error(respond(ews, "CancelCalendarItem", own), "ErrorInvalidRecipients")
    assert ews.snapshot(own) == before


def test_cancelling_an_appointment_is_refused(ews: Ews) -> None:
    appointment = ews.create("CalendarItem", "<t:Subject>dentist</t:Subject>", smi="SendToNone")
    before = ews.snapshot(appointment)
    assert_error(respond(ews, "CancelCalendarItem", appointment), "ErrorInvalidItemForOperationCancelItem")
    assert ews.snapshot(appointment) == before


def test_removing_a_meeting_that_is_not_cancelled_is_refused(ews: Ews) -> None:
    invite_bob(ews)
    [copy] = ews.find("calendar", user=BOB)
    before = ews.snapshot(ref_of(copy), user=BOB)
    assert_error(respond(ews, "RemoveItem", ref_of(copy), md=None, user=BOB), "ErrorInvalidItemForOperationRemoveItem")
    assert ews.snapshot(ref_of(copy), user=BOB) == before


# ---- posts ----------------------------------------------------------------------------------------------------


def test_a_post_is_stored_in_any_folder_posted_by_the_mailbox(ews: Ews) -> None:
    ref = ews.create("PostItem", '<t:Subject>Notice</t:Subject><t:Body BodyType="Text">Office closed.</t:Body>',
                     folder='<t:DistinguishedFolderId Id="inbox"/>')
    [found] = ews.find("inbox")
    assert found.tag.endswith("}PostItem") and ref_of(found).id == ref.id
    post = ews.get(ref)
    assert (val(post, "ItemClass"), val(post, "ConversationTopic"), val(post, "IsRead")) == (
        "IPM.Post", "Notice", "true")
    assert val(post, "t:From/t:Mailbox/t:EmailAddress") == ALICE and val(post, "PostedTime")
    assert "PostReplyItem" in [c.tag.split("}")[1] for c in post.find("t:ResponseObjects", NS)]


def test_post_reply_posts_beside_the_original(ews: Ews) -> None:
    ref = ews.create("PostItem", '<t:Subject>Notice</t:Subject><t:Body BodyType="Text">Office closed.</t:Body>',
                     folder='<t:DistinguishedFolderId Id="inbox"/>')
    r = respond(ews, "PostReplyItem", ref, md="SaveOnly",
                tail='<t:NewBodyContent BodyType="Text">Noted.</t:NewBodyContent>')
    assert r.codes() == ["NoError"], r.body
    subjects = sorted(val(i, "Subject") for i in ews.find("inbox"))
    assert subjects == ["Notice", "RE: Notice"]
    reply = ews.get(Ref(r.xpath("//m:Items/t:PostItem/t:ItemId")[0].get("Id")))
    assert val(reply, "Body").startswith("Noted.") and val(reply, "InReplyTo") == val(ews.get(ref),
                                                                                      "InternetMessageId")


def test_an_updated_request_changes_the_attendees_copy(ews: Ews) -> None:
    meeting = invite_bob(ews)
    r = ews.update(Ref(meeting.id), '<t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem>'
                   '<t:Location>Room 4</t:Location></t:CalendarItem></t:SetItemField>', smi="SendToAllAndSaveCopy")
    assert r.codes() == ["NoError"], r.body
    [copy] = ews.find("calendar", user=BOB)
    assert (val(copy, "Location"), val(copy, "MyResponseType")) == ("Room 4", "NoResponseReceived")


def test_deleting_a_meeting_with_cancellations_marks_the_copies_cancelled(ews: Ews) -> None:
    meeting = invite_bob(ews)
    assert ews.delete(Ref(meeting.id), cancellations="SendToAllAndSaveCopy").codes() == ["NoError"]
    [copy] = ews.find("calendar", user=BOB)
    assert val(copy, "IsCancelled") == "true"
    assert any(i.tag.endswith("MeetingCancellation") for i in ews.find("inbox", user=BOB))
    assert [i.tag.split("}")[1] for i in ews.find("sentitems")] == ["MeetingRequest", "MeetingCancellation"]


def test_deleting_without_cancellations_tells_nobody(ews: Ews) -> None:
    meeting = invite_bob(ews)
    assert ews.delete(Ref(meeting.id), cancellations="SendToNone").codes() == ["NoError"]
    [copy] = ews.find("calendar", user=BOB)
    assert val(copy, "IsCancelled") == "false"


def test_tentative_save_only_keeps_a_draft_response_and_sends_nothing(ews: Ews) -> None:
    invite_bob(ews)
    [request] = ews.find("inbox", user=BOB)
    r = respond(ews, "TentativelyAcceptItem", ref_of(request), md="SaveOnly", user=BOB)
    assert r.codes() == ["NoError"], r.body
    [draft] = ews.find("drafts", user=BOB)
    assert (draft.tag.split("}")[1], val(draft, "Subject")) == ("MeetingResponse", "Tentative: Review")
    [copy] = ews.find("calendar", user=BOB)
    assert val(copy, "MyResponseType") == "Tentative"
    assert ews.find("inbox") == []


def test_the_organizer_cannot_accept_the_request_kept_in_sent_items(ews: Ews) -> None:
    meeting = invite_bob(ews)
    [kept] = ews.find("sentitems")
    before = ews.snapshot(Ref(meeting.id))
    assert_error(respond(ews, "DeclineItem", ref_of(kept)), "ErrorCalendarIsOrganizerForDecline")
    assert ews.snapshot(Ref(meeting.id)) == before and len(ews.find("sentitems")) == 1


def test_suppress_read_receipt_is_accepted_for_a_message_only(ews: Ews) -> None:
    received = mail_to_bob(ews)
    before = ews.snapshot(received, user=BOB)
    assert respond(ews, "SuppressReadReceipt", received, md=None, user=BOB).codes() == ["NoError"]
    assert ews.snapshot(received, user=BOB) == before and ews.find("inbox") == []
    task = ews.create("Task", "<t:Subject>t</t:Subject>")
    assert_error(respond(ews, "SuppressReadReceipt", task, md=None), "ErrorInvalidReferenceItem")
