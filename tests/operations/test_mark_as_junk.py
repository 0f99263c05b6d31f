"""MarkAsJunk end to end: MoveItem to Junk Email and back to the Inbox (the same ItemId with a new ChangeKey in
MovedItemId, as documented), MoveItem false moving nothing, the mailbox owner's own message staying put
(docs/research/folders.md §0.4), the journal's MOVED entries, exact counts and the errors (each changing
nothing).

Raw SOAP through the endpoint, every response validated against our wsdl/ and Microsoft's schema once the
module has run; exchangelib 5.6.0 over real HTTP at the end (mark_as_junk, bulk_mark_as_junk and its own
test_mark_as_junk_via_queryset).
"""
from __future__ import annotations


import pytest

from ewsemu.emulator import Emulator

from ..folder_state import counts, delivered, dist, folder_id, head, item_entries
from ..harness import Ews, Ref, assert_error, mailbox, names, ref_of, set_field, val
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import Response

ALICE = "alice@example.com"
GONE_ITEM = "AAMkAGdvbmUtaXRlbS0wMQ=="


def junk(ews: Ews, *targets: Ref | str, is_junk: str = "true", move_item: str = "true") -> Response:
    ids = "".join(t.xml() if isinstance(t, Ref) else t for t in targets)
    return ews.call(f'<m:MarkAsJunk IsJunk="{is_junk}" MoveItem="{move_item}"><m:ItemIds>{ids}</m:ItemIds>'
                    "</m:MarkAsJunk>")


def moved_ids(r: Response) -> list[Ref]:
    return [Ref(el.get("Id"), el.get("ChangeKey")) for el in r.xpath("//m:MovedItemId")]


def test_junk_moves_the_message_to_junk_email_keeping_its_id(ews: Ews, emulator: Emulator) -> None:
    ref = delivered(ews)
    before = head(emulator)
    r = junk(ews, ref)
    assert r.codes() == ["NoError"], r.body
    [moved] = moved_ids(r)
    assert moved.id == ref.id and moved.ck != ref.ck
    assert names(r.xpath("//m:MarkAsJunkResponseMessage")[0]) == ["ResponseCode", "MovedItemId"]
    assert (counts(ews, "inbox"), counts(ews, "junkemail")) == ((0, 0), (1, 1))
    item = ews.get(moved)
    assert ref_of(item) == moved and item.find("{*}ParentFolderId").get("Id") == folder_id(ews, "junkemail")
    [entry] = item_entries(emulator, before)
    assert (entry.event, entry.object_id, entry.old_object_id, entry.change_key) == ("moved", ref.id, None, moved.ck)
    assert (entry.folder_id, entry.old_folder_id) == (folder_id(ews, "junkemail"), folder_id(ews, "inbox"))
    # not junk after all: back to the Inbox
    [back] = moved_ids(junk(ews, moved, is_junk="false"))
    assert back.id == ref.id and back.ck != moved.ck
    assert (counts(ews, "inbox"), counts(ews, "junkemail")) == ((1, 1), (0, 0))


def test_move_item_false_moves_nothing(ews: Ews, emulator: Emulator) -> None:
    ref = delivered(ews)
    before, snapshot = head(emulator), ews.snapshot(ref)
    for is_junk in ("true", "false"):
        r = junk(ews, ref, is_junk=is_junk, move_item="false")
        assert r.codes() == ["NoError"] and moved_ids(r) == []
    assert ews.snapshot(ref) == snapshot and item_entries(emulator, before) == []


def test_a_message_already_where_it_would_go_stays_with_its_id(ews: Ews, emulator: Emulator) -> None:
    ref = delivered(ews)
    before = head(emulator)
    assert moved_ids(junk(ews, ref, is_junk="false")) == [ref]
    assert counts(ews, "inbox") == (1, 1) and item_entries(emulator, before) == []


def test_the_owner_s_own_message_stays_where_it_is(ews: Ews, emulator: Emulator) -> None:
    ref = ews.create("Message", f"<t:Subject>mine</t:Subject><t:From>{mailbox(ALICE)}</t:From>", md="SaveOnly",
                     folder=dist("inbox"))
    before, snapshot = head(emulator), ews.snapshot(ref)
    r = junk(ews, ref)
    assert r.codes() == ["NoError"] and moved_ids(r) == []
    assert ews.snapshot(ref) == snapshot and counts(ews, "junkemail") == (0, 0)
    assert item_entries(emulator, before) == []


def test_elements_answer_in_order_each_alone(ews: Ews) -> None:
    first, second = delivered(ews, "one"), delivered(ews, "two")
    r = junk(ews, first, Ref(GONE_ITEM), Ref("AAAA=="), second)
    assert r.codes() == ["NoError", "ErrorItemNotFound", "ErrorInvalidIdMalformed", "NoError"]
    assert len(moved_ids(r)) == 2 and counts(ews, "junkemail") == (2, 2)


@pytest.mark.parametrize("target, code", [
    (Ref(GONE_ITEM), "ErrorItemNotFound"),
    (Ref("AAAA=="), "ErrorInvalidIdMalformed"),
    (Ref("AAEuAGdvbmUtZm9sZGVyLWlkLTAx"), "ErrorCannotUseFolderIdForItemId"),
])
def test_a_bad_id_changes_nothing(ews: Ews, target: Ref, code: str) -> None:
    ref = delivered(ews)
    snapshot = ews.snapshot(ref)
    assert_error(junk(ews, target), code)
    assert ews.snapshot(ref) == snapshot and counts(ews, "junkemail") == (0, 0)


def test_a_malformed_change_key_changes_nothing(ews: Ews) -> None:
    ref = delivered(ews)
    snapshot = ews.snapshot(ref)
    assert_error(junk(ews, Ref(ref.id, "XXX")), "ErrorInvalidChangeKey")
    assert ews.snapshot(ref) == snapshot


def test_an_occurrence_cannot_be_moved_to_junk(ews: Ews) -> None:
    master = ews.create("CalendarItem", "<t:Subject>Standup</t:Subject><t:Start>2026-01-14T08:00:00Z</t:Start>"
                        "<t:End>2026-01-14T09:00:00Z</t:End><t:Recurrence><t:DailyRecurrence><t:Interval>1"
                        "</t:Interval></t:DailyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-14</t:StartDate>"
                        "<t:NumberOfOccurrences>2</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>",
                        smi="SendToNone")
    snapshot = ews.snapshot(master)
    occurrence = f'<t:OccurrenceItemId RecurringMasterId="{master.id}" InstanceIndex="1"/>'
    assert_error(junk(ews, occurrence), "ErrorCalendarCannotMoveOrCopyOccurrence")
    assert junk(ews, occurrence, move_item="false").codes() == ["NoError"]
    assert ews.snapshot(master) == snapshot


# ---- exchangelib over real HTTP ----------------------------------------------------------------------------


@pytest.fixture
def account(exchangelib_account) -> object:  # noqa: ANN001 - the conftest's
    return exchangelib_account(ALICE)


def test_exchangelib_mark_as_junk(account, ews: Ews) -> None:  # noqa: ANN001
    delivered(ews, "spam?")
    [item] = account.inbox.filter(subject="spam?")
    item.mark_as_junk(is_junk=True, move_item=True)
    assert item.folder == account.junk
    assert account.junk.get(id=item.id, changekey=item.changekey).subject == "spam?"
    item.mark_as_junk(is_junk=False, move_item=True)
    assert item.folder == account.inbox and account.junk.all().count() == 0
    ids = [(m.id, m.changekey) for m in account.inbox.filter(subject="spam?")]
    assert [r[0] for r in account.bulk_mark_as_junk(ids, is_junk=True, move_item=True)] == [ids[0][0]]
    # nothing moved: no MovedItemId, so exchangelib yields nothing for the message
    assert account.bulk_mark_as_junk(ids, is_junk=True, move_item=False) == []


def test_exchangelib_mark_as_junk_via_queryset(account) -> None:  # noqa: ANN001
    """exchangelib's own test (tests/test_items/test_queryset.py): its test message is from the account itself."""
    from exchangelib import Mailbox, Message

    Message(account=account, folder=account.inbox, subject="own", categories=["xl-junk"],
            author=Mailbox(email_address=ALICE)).save()
    qs = account.inbox.filter(categories__contains=["xl-junk"])
    qs.mark_as_junk(is_junk=False, move_item=False)
    assert account.inbox.filter(categories__contains=["xl-junk"]).count() == 1
    qs.mark_as_junk(is_junk=True, move_item=False)
    assert account.inbox.filter(categories__contains=["xl-junk"]).count() == 1
    qs.mark_as_junk(is_junk=True, move_item=True)
    assert account.inbox.filter(categories__contains=["xl-junk"]).count() == 1


def test_a_change_key_from_before_a_junk_move_still_updates(ews: Ews) -> None:
    """MarkAsJunk keeps the id with a new ChangeKey and changes no property, so the key the client had is
    stale but conflicts with nothing (D3's AutoResolve)."""
    message = ews.create("Message", f"<t:Subject>spam?</t:Subject><t:From>{mailbox('bob@example.com')}</t:From>",
                         md="SaveOnly", folder='<t:DistinguishedFolderId Id="inbox"/>')
    r = junk(ews, message)
    [moved] = r.xpath("//m:MovedItemId")
    assert moved.get("Id") == message.id and moved.get("ChangeKey") != message.ck
    r = ews.update(message, set_field("item:Subject", "<t:Subject>renamed</t:Subject>", "Message"), md="SaveOnly")
    assert r.codes() == ["NoError"], r.body
