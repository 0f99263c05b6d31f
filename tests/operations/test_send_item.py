"""SendItem through the real endpoint: the canonical exchange is tests/golden/send-item/; here each outcome
and each ResponseCode, every refusal shown to change nothing. Responses validated against our wsdl/ and
Microsoft's schema (the harness)."""
from __future__ import annotations

from ..harness import Ews, Ref, assert_error, recipients, ref_of, val, vals
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)

BOB = "bob@example.com"


def send(ews: Ews, *refs: Ref | str, save: str = "true", folder: str = "") -> object:
    ids = "".join(r.xml() if isinstance(r, Ref) else r for r in refs)
    saved = f"<m:SavedItemFolderId>{folder}</m:SavedItemFolderId>" if folder else ""
    return ews.call(f'<m:SendItem SaveItemToFolder="{save}"><m:ItemIds>{ids}</m:ItemIds>{saved}</m:SendItem>')


def draft(ews: Ews, to: tuple[str, ...] = (BOB,), subject: str = "Status") -> Ref:
    return ews.create("Message", f"<t:Subject>{subject}</t:Subject><t:Body BodyType=\"Text\">fine</t:Body>"
                      + (recipients("ToRecipients", *to) if to else ""), md="SaveOnly")


def test_a_sent_draft_leaves_drafts_reaches_the_recipient_and_is_kept_in_sent_items(ews: Ews) -> None:
    ref = draft(ews)
    r = send(ews, ref)
    assert r.codes() == ["NoError"], r.body
    assert r.xpath("//m:SendItemResponseMessage[@ResponseClass='Success']")
    assert ews.find("drafts") == []
    [sent] = ews.find("sentitems")
    assert (val(sent, "Subject"), val(sent, "IsDraft")) == ("Status", "false")
    [received] = ews.find("inbox", user=BOB)
    assert (val(received, "Subject"), val(received, "IsRead"), val(received, "IsDraft")) == ("Status", "false", "false")
    assert val(received, "t:From/t:Mailbox/t:EmailAddress") == "alice@example.com"


def test_without_save_item_to_folder_no_copy_is_kept(ews: Ews) -> None:
    send(ews, draft(ews), save="false")
    assert ews.find("sentitems") == [] and ews.find("drafts") == []
    assert len(ews.find("inbox", user=BOB)) == 1


def test_the_copy_goes_to_saved_item_folder(ews: Ews) -> None:
    r = send(ews, draft(ews), folder='<t:DistinguishedFolderId Id="inbox"/>')
    assert r.codes() == ["NoError"], r.body
    assert ews.find("sentitems") == [] and [val(i, "Subject") for i in ews.find("inbox")] == ["Status"]


def test_each_draft_has_its_own_message_and_an_error_stops_only_its_own(ews: Ews) -> None:
    good, nobody = draft(ews, subject="one"), draft(ews, to=(), subject="two")
    r = send(ews, good, nobody)
    assert r.codes() == ["NoError", "ErrorInvalidRecipients"], r.body
    assert [val(i, "Subject") for i in ews.find("drafts")] == ["two"]


def test_no_recipients_is_error_invalid_recipients_and_keeps_the_draft(ews: Ews) -> None:
    ref = draft(ews, to=())
    before = ews.snapshot(ref)
    assert_error(send(ews, ref), "ErrorInvalidRecipients")
    assert ews.snapshot(ref) == before and ews.find("sentitems") == []


def test_a_message_already_sent_cannot_be_sent_again(ews: Ews) -> None:
    ref = draft(ews)
    send(ews, ref, save="false")
    [received] = ews.find("inbox", user=BOB)
    received_ref = ref_of(received)
    before = ews.snapshot(received_ref, user=BOB)
    r = ews.call(f'<m:SendItem SaveItemToFolder="false"><m:ItemIds>{received_ref.xml()}</m:ItemIds></m:SendItem>',
                 user=BOB)
    assert_error(r, "ErrorInvalidOperation")
    assert ews.snapshot(received_ref, user=BOB) == before
    assert len(ews.find("inbox")) == 0


def test_an_item_that_is_no_message_is_refused(ews: Ews) -> None:
    task = ews.create("Task", "<t:Subject>not mail</t:Subject>")
    before = ews.snapshot(task)
    assert_error(send(ews, task), "ErrorInvalidItemForOperationSendItem")
    assert ews.snapshot(task) == before


def test_an_unknown_item_is_error_item_not_found(ews: Ews) -> None:
    ref = draft(ews)
    ews.delete(ref)
    assert_error(send(ews, ref), "ErrorItemNotFound")
    assert ews.find("sentitems") == [] and ews.find("inbox", user=BOB) == []


def test_a_stale_change_key_is_error_irresolvable_conflict(ews: Ews) -> None:
    ref = draft(ews)
    ews.update(ref, '<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>new</t:Subject>'
                    '</t:Message></t:SetItemField>', md="SaveOnly")
    assert_error(send(ews, ref), "ErrorIrresolvableConflict")
    assert [val(i, "Subject") for i in ews.find("drafts")] == ["new"] and ews.find("inbox", user=BOB) == []


def test_the_received_copy_carries_no_categories(ews: Ews) -> None:
    ref = ews.create("Message", "<t:Subject>Filed</t:Subject><t:Categories><t:String>mine</t:String></t:Categories>"
                     + recipients("ToRecipients", BOB), md="SaveOnly")
    send(ews, ref)
    [received] = ews.find("inbox", user=BOB)
    [kept] = ews.find("sentitems")
    assert vals(received, "t:Categories/t:String") == [] and vals(kept, "t:Categories/t:String") == ["mine"]
