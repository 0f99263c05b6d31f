"""MoveItem and CopyItem end to end: new ids in the destination (the old id gone after a move),
ReturnNewItemIds, exact folder counts, the journal entries, independent copies of recurring series, delegate
mailboxes, and one test per ResponseCode each showing that nothing changed.

Raw SOAP through the endpoint, every response validated against our wsdl/ and Microsoft's schema once the
module has run; exchangelib 5.6.0 over real HTTP at the end (item.move, item.copy, bulk_move, bulk_copy and
the queryset forms its own test suite uses).
"""
from __future__ import annotations

from typing import Iterator

import pytest

from ewsemu.core.clock import Clock
from ewsemu.core.users import parse_users
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app

from ..folder_state import counts, delivered, dist, folder_id, head, item_entries
from ..harness import Ews, Ref, assert_error, ref_of, set_field, val, vals
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS, Client, Response

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
GONE_FOLDER = "AAEuAGdvbmUtZm9sZGVyLWlkLTAx"  # a well-formed FolderId of no folder
GONE_ITEM = "AAMkAGdvbmUtaXRlbS0wMQ=="  # a well-formed ItemId of no item
DAILY_4 = ("<t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NumberedRecurrence>"
           "<t:StartDate>2026-01-14</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences>"
           "</t:NumberedRecurrence></t:Recurrence>")


def move(ews: Ews, *targets: Ref | str, to: str = dist("deleteditems"), op: str = "MoveItem",
         return_new: str | None = None, user: str | None = None) -> Response:
    ids = "".join(t.xml() if isinstance(t, Ref) else t for t in targets)
    tail = f"<m:ReturnNewItemIds>{return_new}</m:ReturnNewItemIds>" if return_new is not None else ""
    return ews.call(f"<m:{op}><m:ToFolderId>{to}</m:ToFolderId><m:ItemIds>{ids}</m:ItemIds>{tail}</m:{op}>",
                    user=user)


def copy(ews: Ews, *targets: Ref | str, **kw) -> Response:
    return move(ews, *targets, op="CopyItem", **kw)


def new_ids(r: Response, wrapper: str = "Message") -> list[Ref]:
    return [Ref(el.get("Id"), el.get("ChangeKey")) for el in r.xpath(f"//m:Items/t:{wrapper}/t:ItemId")]


def series(ews: Ews) -> Ref:
    """Four daily occurrences from 14 January 2026, 08:00-09:00 UTC."""
    return ews.create("CalendarItem", "<t:Subject>Standup</t:Subject><t:Start>2026-01-14T08:00:00Z</t:Start>"
                      f"<t:End>2026-01-14T09:00:00Z</t:End>{DAILY_4}", smi="SendToNone")


def occurrence(master: Ref, index: int) -> str:
    return f'<t:OccurrenceItemId RecurringMasterId="{master.id}" InstanceIndex="{index}"/>'


# ---- MoveItem ---------------------------------------------------------------------------------------------------


def test_a_moved_item_has_a_new_id_in_its_new_folder_and_the_old_id_is_gone(ews: Ews, emulator: Emulator) -> None:
    ref = delivered(ews)
    assert (counts(ews, "inbox"), counts(ews, "deleteditems")) == ((1, 1), (0, 0))
    before = head(emulator)
    r = move(ews, ref)
    assert r.codes() == ["NoError"], r.body
    [new] = new_ids(r)
    assert new.id != ref.id and new.ck != ref.ck
    assert_error(ews.get_response(ref), "ErrorItemNotFound", container="Items")
    moved = ews.get(new)
    assert ref_of(moved) == new
    assert moved.find("t:ParentFolderId", NS).get("Id") == folder_id(ews, "deleteditems")
    assert (val(moved, "Subject"), val(moved, "IsRead"), vals(moved, "t:From/t:Mailbox/t:EmailAddress")) == (
        "Lunch?", "false", [BOB])
    assert (counts(ews, "inbox"), counts(ews, "deleteditems")) == ((0, 0), (1, 1))
    [entry] = item_entries(emulator, before)
    assert (entry.event, entry.object_id, entry.old_object_id, entry.change_key) == ("moved", new.id, ref.id, new.ck)
    assert (entry.folder_id, entry.old_folder_id) == (folder_id(ews, "deleteditems"), folder_id(ews, "inbox"))
    # the new ChangeKey is the item's current one: an update with it is no conflict
    r = ews.update(new, set_field("item:Subject", "<t:Subject>Lunch!</t:Subject>", "Message"), md="SaveOnly",
                   cr="NeverOverwrite")
    assert r.codes() == ["NoError"], r.body


def test_return_new_item_ids_false_leaves_items_empty(ews: Ews) -> None:
    ref = delivered(ews)
    r = move(ews, ref, to=dist("drafts"), return_new="false")
    assert r.codes() == ["NoError"]
    [msg] = r.xpath("//m:MoveItemResponseMessage")
    assert [el.tag.rsplit("}")[-1] for el in msg] == ["ResponseCode", "Items"] and len(msg[1]) == 0
    assert ews.find("inbox") == [] and len(ews.find("drafts")) == 1
    r = copy(ews, ref_of(ews.find("drafts")[0]), to=dist("inbox"), return_new="true")
    assert len(new_ids(r)) == 1


def test_every_item_type_moves_and_answers_with_its_own_element(ews: Ews) -> None:
    task = ews.create("Task", "<t:Subject>Task</t:Subject>")
    contact = ews.create("Contact", "<t:GivenName>Carol</t:GivenName>")
    event = series(ews)
    for ref, wrapper in ((task, "Task"), (contact, "Contact"), (event, "CalendarItem")):
        r = move(ews, ref, to=dist("inbox"))
        [new] = new_ids(r, wrapper)
        assert val(ews.get(new), "ItemClass").startswith("IPM.")
    assert (counts(ews, "tasks")[0], counts(ews, "contacts")[0], counts(ews, "calendar")[0]) == (0, 0, 0)
    assert counts(ews, "inbox")[0] == 3


def test_a_recurring_master_moves_with_its_exceptions_and_its_occurrences_follow(ews: Ews) -> None:
    master = series(ews)
    ews.update(occurrence(master, 2), set_field("calendar:Location", "<t:Location>Annex</t:Location>",
                                                "CalendarItem"), smi="SendToNone")
    assert ews.delete(occurrence(master, 3)).codes() == ["NoError"]
    via_occurrence = ref_of(ews.get(occurrence(master, 1)))
    r = move(ews, f'<t:RecurringMasterItemId OccurrenceId="{via_occurrence.id}"/>', to=dist("drafts"))
    [new] = new_ids(r, "CalendarItem")
    moved = ews.get(new)
    assert len(moved.findall("t:ModifiedOccurrences/t:Occurrence", NS)) == 1
    assert vals(moved, "t:DeletedOccurrences/t:DeletedOccurrence/t:Start") == ["2026-01-16T08:00:00Z"]
    assert val(ews.get(occurrence(new, 2)), "Location") == "Annex"
    assert_error(ews.get_response(occurrence(master, 1)), "ErrorItemNotFound")


def test_elements_answer_in_order_each_alone(ews: Ews) -> None:
    first, second = delivered(ews, "one"), delivered(ews, "two")
    r = move(ews, first, Ref(GONE_ITEM), Ref("not base64!"), second)
    assert r.codes() == ["NoError", "ErrorItemNotFound", "ErrorInvalidIdMalformed", "NoError"]
    assert [len(m.find("m:Items", NS)) for m in r.xpath("//m:MoveItemResponseMessage")] == [1, 0, 0, 1]
    assert ews.find("inbox") == [] and counts(ews, "deleteditems") == (2, 2)


# ---- the errors, each changing nothing ---------------------------------------------------------------------


@pytest.fixture
def untouched(ews: Ews) -> Iterator[Ref]:
    """A message in the Inbox that the test's refused requests must leave exactly as it is."""
    ref = delivered(ews)
    before = (ews.snapshot(ref), counts(ews, "inbox"), counts(ews, "deleteditems"), counts(ews, "drafts"))
    yield ref
    assert (ews.snapshot(ref), counts(ews, "inbox"), counts(ews, "deleteditems"), counts(ews, "drafts")) == before


@pytest.mark.parametrize("op", ["MoveItem", "CopyItem"])
@pytest.mark.parametrize("target, code", [
    (Ref(GONE_ITEM), "ErrorItemNotFound"),
    (Ref("AAAA=="), "ErrorInvalidIdMalformed"),
    (Ref(""), "ErrorInvalidIdEmpty"),
    (Ref(GONE_FOLDER), "ErrorCannotUseFolderIdForItemId"),
])
def test_a_bad_item_id(ews: Ews, untouched: Ref, op: str, target: Ref, code: str) -> None:
    assert_error(move(ews, target, op=op), code, container="Items")


@pytest.mark.parametrize("op", ["MoveItem", "CopyItem"])
def test_a_malformed_change_key(ews: Ews, untouched: Ref, op: str) -> None:
    assert_error(move(ews, Ref(untouched.id, "XXX"), op=op), "ErrorInvalidChangeKey", container="Items")


@pytest.mark.parametrize("op", ["MoveItem", "CopyItem"])
@pytest.mark.parametrize("to, code", [
    (f'<t:FolderId Id="{GONE_FOLDER}"/>', "ErrorToFolderNotFound"),
    (dist("directory"), "ErrorToFolderNotFound"),  # a distinguished folder the mailbox does not have
    ('<t:FolderId Id="AAAA=="/>', "ErrorInvalidIdMalformed"),
    (f'<t:FolderId Id="{GONE_ITEM}"/>', "ErrorCannotUseItemIdForFolderId"),
    (dist("inbox", "nobody"), "ErrorNonExistentMailbox"),
])
def test_a_bad_destination(ews: Ews, untouched: Ref, op: str, to: str, code: str) -> None:
    assert_error(move(ews, untouched, to=to, op=op), code, container="Items")


def test_moving_into_the_folder_the_item_is_in_fails(ews: Ews, untouched: Ref) -> None:
    assert_error(move(ews, untouched, to=dist("inbox")), "ErrorMoveCopyFailed", container="Items")
    assert_error(move(ews, untouched, to=f'<t:FolderId Id="{folder_id(ews, "inbox")}"/>'), "ErrorMoveCopyFailed",
                 container="Items")


@pytest.mark.parametrize("op", ["MoveItem", "CopyItem"])
def test_an_occurrence_cannot_be_moved_or_copied(ews: Ews, op: str) -> None:
    master = series(ews)
    before = (ews.snapshot(master), counts(ews, "calendar"), counts(ews, "drafts"))
    plain_id = ref_of(ews.get(occurrence(master, 2)))
    for target in (occurrence(master, 2), plain_id):
        assert_error(move(ews, target, to=dist("drafts"), op=op), "ErrorCalendarCannotMoveOrCopyOccurrence",
                     container="Items")
    # the id form's own errors come first
    assert_error(move(ews, occurrence(master, 9), to=dist("drafts"), op=op),
                 "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange", container="Items")
    assert (ews.snapshot(master), counts(ews, "calendar"), counts(ews, "drafts")) == before


@pytest.mark.parametrize("op", ["MoveItem", "CopyItem"])
def test_an_associated_item_cannot_be_moved_or_copied(ews: Ews, op: str) -> None:
    ref = ews.create("Item", "<t:ItemClass>IPM.Configuration.Test</t:ItemClass><t:Subject>view</t:Subject>"
                     "<t:IsAssociated>true</t:IsAssociated>", folder=dist("inbox"))
    before = ews.snapshot(ref)
    assert_error(move(ews, ref, op=op), "ErrorInvalidOperation", container="Items")
    assert ews.snapshot(ref) == before and counts(ews, "deleteditems") == (0, 0)


# ---- delegate mailboxes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["MoveItem", "CopyItem"])
def test_into_another_mailbox_no_id_comes_back_and_each_journal_sees_its_side(ews: Ews, emulator: Emulator,
                                                                            op: str) -> None:
    ref = delivered(ews)
    counts(ews, "inbox", user=CAROL)  # carol's mailbox exists
    before = head(emulator)
    r = move(ews, ref, to=dist("inbox", CAROL), op=op)
    assert r.codes() == ["NoError"] and len(r.xpath("//m:Items")[0]) == 0, r.body
    [theirs] = ews.find("inbox", user=CAROL)
    assert val(theirs, "Subject") == "Lunch?" and ref_of(theirs).id != ref.id
    assert counts(ews, "inbox", user=CAROL) == (1, 1)
    [copied] = item_entries(emulator, before, CAROL)
    assert (copied.event, copied.object_id, copied.old_object_id) == ("copied", ref_of(theirs).id, ref.id)
    if op == "MoveItem":
        assert counts(ews, "inbox") == (0, 0)
        assert [(e.event, e.object_id) for e in item_entries(emulator, before, ALICE)] == [("deleted", ref.id)]
    else:
        assert counts(ews, "inbox") == (1, 1)
        assert item_entries(emulator, before, ALICE) == []


def test_a_delegate_without_the_right_is_refused(database_url: str, clock: Clock) -> None:
    directory = parse_users({"users": [{"smtp": ALICE, "password": "secret"}, {"smtp": BOB, "password": "secret"}]})
    emu = Emulator(Settings(database=database_url, seed=7, users=directory), clock)
    if database_url != "sqlite://":
        emu.reset()
    try:
        ews = Ews(Client(make_app(emu)))
        ref = ews.create("Task", "<t:Subject>mine</t:Subject>")
        before = ews.snapshot(ref)
        for op in ("MoveItem", "CopyItem"):
            assert_error(move(ews, ref, to=dist("inbox", BOB), op=op), "ErrorAccessDenied", container="Items")
        assert ews.snapshot(ref) == before and ews.find("inbox", user=BOB) == []
    finally:
        emu.close()


# ---- CopyItem -----------------------------------------------------------------------------------------------


def test_a_copy_is_a_new_independent_item_and_the_original_stays(ews: Ews, emulator: Emulator) -> None:
    ref = delivered(ews)
    original = ews.snapshot(ref)
    before = head(emulator)
    r = copy(ews, ref, to=dist("drafts"))
    [new] = new_ids(r)
    assert new.id != ref.id
    assert ews.snapshot(ref) == original
    assert (counts(ews, "inbox"), counts(ews, "drafts")) == ((1, 1), (1, 1))
    [entry] = item_entries(emulator, before)
    assert (entry.event, entry.object_id, entry.old_object_id, entry.version) == ("copied", new.id, ref.id, 1)
    assert (entry.folder_id, entry.old_folder_id) == (folder_id(ews, "drafts"), folder_id(ews, "inbox"))
    # updating the copy leaves the original alone, and the other way round
    ews.update(new, set_field("item:Subject", "<t:Subject>Copy</t:Subject>", "Message"), md="SaveOnly")
    ews.update(ref, set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "Message"), md="SaveOnly")
    assert (val(ews.get(ref), "Subject"), val(ews.get(new), "Subject")) == ("Lunch?", "Copy")
    assert (val(ews.get(ref), "IsRead"), val(ews.get(new), "IsRead")) == ("true", "false")
    assert (counts(ews, "inbox"), counts(ews, "drafts")) == ((1, 0), (1, 1))


def test_a_copy_into_the_same_folder_makes_a_second_item(ews: Ews) -> None:
    ref = delivered(ews)
    [new] = new_ids(copy(ews, ref, to=dist("inbox")))
    assert sorted(ref_of(m).id for m in ews.find("inbox")) == sorted([ref.id, new.id])
    assert counts(ews, "inbox") == (2, 2)


def test_a_copied_series_keeps_its_exceptions_and_deleted_occurrences(ews: Ews) -> None:
    master = series(ews)
    ews.update(occurrence(master, 2), set_field("calendar:Location", "<t:Location>Annex</t:Location>",
                                                "CalendarItem"), smi="SendToNone")
    assert ews.delete(occurrence(master, 4)).codes() == ["NoError"]
    original = ews.snapshot(master)
    [new] = new_ids(copy(ews, master, to=dist("calendar")), "CalendarItem")
    copied = ews.get(new)
    assert val(copied, "CalendarItemType") == "RecurringMaster"
    assert [val(o, "Start") for o in copied.findall("t:ModifiedOccurrences/t:Occurrence", NS)] == [
        "2026-01-15T08:00:00Z"]
    assert vals(copied, "t:DeletedOccurrences/t:DeletedOccurrence/t:Start") == ["2026-01-17T08:00:00Z"]
    assert val(ews.get(occurrence(new, 2)), "Location") == "Annex"
    assert_error(ews.get_response(occurrence(new, 4)), "ErrorCalendarOccurrenceIsDeletedFromRecurrence")
    # the copy's exception is its own: changing it leaves the original's
    ews.update(occurrence(new, 2), set_field("calendar:Location", "<t:Location>Hall</t:Location>", "CalendarItem"),
               smi="SendToNone")
    assert val(ews.get(occurrence(master, 2)), "Location") == "Annex"
    assert ews.snapshot(master) == original


# ---- exchangelib over real HTTP ----------------------------------------------------------------------------


@pytest.fixture
def account(exchangelib_account) -> object:  # noqa: ANN001 - the conftest's
    return exchangelib_account(ALICE)


def test_exchangelib_item_move_and_copy(account) -> None:  # noqa: ANN001
    from exchangelib import Message
    from exchangelib.errors import ErrorItemNotFound

    item = Message(account=account, folder=account.inbox, subject="Move me", categories=["xl-move"])
    item.save()
    old_id = item.id
    item.move(account.trash)
    assert item.id != old_id and item.folder == account.trash
    assert account.trash.get(id=item.id, changekey=item.changekey).subject == "Move me"
    with pytest.raises(ErrorItemNotFound):
        account.inbox.get(id=old_id)
    copied = item.copy(account.inbox)
    assert copied[0] != item.id
    assert account.inbox.filter(categories__contains=["xl-move"]).count() == 1
    assert account.trash.filter(categories__contains=["xl-move"]).count() == 1
    item_id, changekey = item.id, item.changekey
    item.delete()
    item.id, item.changekey = item_id, changekey  # as exchangelib's test_invalid_direct_args does
    with pytest.raises(ErrorItemNotFound):
        item.copy(account.inbox)
    with pytest.raises(ErrorItemNotFound):
        item.move(account.inbox)


def test_exchangelib_bulk_move_and_copy(account) -> None:  # noqa: ANN001
    from exchangelib import Message

    ids = account.bulk_create(folder=account.inbox, items=[
        Message(account=account, subject=f"bulk {i}", categories=["xl-bulk"]) for i in range(3)])
    copied = account.bulk_copy(ids=ids, to_folder=account.trash)
    assert len(copied) == 3 and all(isinstance(c, tuple) and len(c) == 2 for c in copied)
    moved = account.bulk_move(ids=copied, to_folder=account.drafts)
    assert len(moved) == 3 and {m[0] for m in moved}.isdisjoint({c[0] for c in copied})
    assert account.inbox.filter(categories__contains=["xl-bulk"]).count() == 3
    assert account.trash.filter(categories__contains=["xl-bulk"]).count() == 0
    assert account.drafts.filter(categories__contains=["xl-bulk"]).count() == 3
    account.inbox.refresh()
    assert account.inbox.total_count == 3


def test_exchangelib_queryset_copy_and_move(account) -> None:  # noqa: ANN001
    """exchangelib's own test_copy_via_queryset and test_move_via_queryset (tests/test_items/test_queryset.py)."""
    from exchangelib import Message

    Message(account=account, folder=account.inbox, subject="qs", categories=["xl-qs"]).save()
    qs = account.inbox.filter(categories__contains=["xl-qs"])
    trash_qs = account.trash.filter(categories__contains=["xl-qs"])
    assert (qs.count(), trash_qs.count()) == (1, 0)
    qs.copy(to_folder=account.trash)
    assert (qs.count(), trash_qs.count()) == (1, 1)
    qs.move(to_folder=account.trash)
    assert (qs.count(), trash_qs.count()) == (0, 2)
