"""The journal entry -> events rule and the subscription model (core/notifications.py), and watermarks
(core/watermarks.py): pure domain, no database."""
from __future__ import annotations

import datetime as dt

import pytest

from ewsemu.core import notifications as N, watermarks
from ewsemu.core.errors import EwsError
from ewsemu.core.folders import Folder
from ewsemu.store import journal
from ewsemu.store.journal import JournalEntry

T0 = dt.datetime(2026, 1, 13, 9, tzinfo=dt.timezone.utc)
BOX = "alice@example.com"
ROOT = Folder("root", BOX, None, "root", "", None, 1)
TOP = Folder("top", BOX, "root", "msgfolderroot", "Top", None, 1)
INBOX = Folder("inbox", BOX, "top", "inbox", "Inbox", "IPF.Note", 1)
DRAFTS = Folder("drafts", BOX, "top", "drafts", "Drafts", "IPF.Note", 1)
CALENDAR = Folder("cal", BOX, "top", "calendar", "Calendar", "IPF.Appointment", 1)
FOLDERS = {f.id: f for f in (ROOT, TOP, INBOX, DRAFTS, CALENDAR)}


def entry(event: str, folder_id: str | None, object_id: str = "i1", kind: str = N.ITEM, position: int = 7,
          **kw) -> JournalEntry:
    return JournalEntry(position, T0, BOX, folder_id, object_id, kind, event, change_key="ck", **kw)


def sub(folders=None, types=N.EVENT_TYPES, **kw) -> N.Subscription:
    return N.Subscription("s1", BOX, BOX, N.PULL, frozenset(folders) if folders is not None else None,
                          frozenset(types), 0, T0, T0, timeout=10, **kw)


def kinds(events) -> list[tuple[str, str, str]]:
    return [(e.type, e.kind, e.id) for e in events]


def test_the_journal_names_agree():
    assert (N.ITEM, N.FOLDER) == (journal.ITEM, journal.FOLDER)
    assert (N.J_CREATED, N.J_MODIFIED, N.J_DELETED, N.J_MOVED, N.J_COPIED) == journal.EVENTS


def test_item_created_raises_created_and_the_folder_modified():
    events = N.events_of(entry("created", "drafts"), FOLDERS)
    assert kinds(events) == [("CreatedEvent", "item", "i1"), ("ModifiedEvent", "folder", "drafts")]
    assert events[0].parent_id == "drafts" and events[1].parent_id == "top"
    assert {e.position for e in events} == {7}


def test_delivered_mail_raises_new_mail():
    events = N.events_of(entry("created", "inbox", changes={N.DELIVERED: [None, True]}), FOLDERS)
    assert [e.type for e in events] == ["CreatedEvent", "NewMailEvent", "ModifiedEvent"]


def test_calendar_items_raise_free_busy_changed():
    assert [e.type for e in N.events_of(entry("modified", "cal"), FOLDERS)] == ["ModifiedEvent",
                                                                               "FreeBusyChangedEvent"]


def test_read_flag_change_modifies_the_folder_too():
    plain = N.events_of(entry("modified", "inbox", changes={"item:Subject": ["a", "b"]}), FOLDERS)
    read = N.events_of(entry("modified", "inbox", changes={N.IS_READ: [False, True]}), FOLDERS)
    assert len(plain) == 1 and kinds(read)[1] == ("ModifiedEvent", "folder", "inbox")


def test_move_names_old_and_new_and_modifies_both_folders():
    events = N.events_of(entry("moved", "drafts", object_id="new", old_folder_id="inbox", old_object_id="i1"),
                         FOLDERS)
    moved = events[0]
    assert (moved.type, moved.id, moved.parent_id, moved.old_id, moved.old_parent_id) == (
        "MovedEvent", "new", "drafts", "i1", "inbox")
    assert kinds(events[1:]) == [("ModifiedEvent", "folder", "inbox"), ("ModifiedEvent", "folder", "drafts")]


def test_folder_move_keeps_its_id_as_old_id():
    events = N.events_of(entry("moved", "inbox", object_id="drafts", kind=N.FOLDER, old_folder_id="top"),
                         FOLDERS)
    assert (events[0].old_id, events[0].old_parent_id) == ("drafts", "top")


def test_a_subscription_sees_its_folders_contents_and_the_folders_themselves():
    events = N.events_of(entry("created", "drafts"), FOLDERS)
    assert [N.sees(sub({"drafts"}), e) for e in events] == [True, True]
    assert [N.sees(sub({"inbox"}), e) for e in events] == [False, False]
    assert [N.sees(sub({"top"}), e) for e in events] == [False, True]  # a child folder's change
    assert [N.sees(sub(None), e) for e in events] == [True, True]
    assert [N.sees(sub(None, types=["CreatedEvent"]), e) for e in events] == [True, False]
    moved = N.events_of(entry("moved", "drafts", old_folder_id="inbox", old_object_id="i0"), FOLDERS)[0]
    assert N.sees(sub({"inbox"}), moved) and N.sees(sub({"drafts"}), moved)


def test_select_stops_at_whole_entries():
    entries = [entry("created", "drafts", object_id=f"i{p}", position=p) for p in range(1, 6)]
    first = N.select(sub({"drafts"}), entries, FOLDERS, 0, limit=3)
    assert (len(first.events), first.through, first.complete) == (2, 1, False)
    rest = N.select(sub({"drafts"}), entries[1:], FOLDERS, first.through, limit=100)
    assert (len(rest.events), rest.through, rest.complete) == (8, 5, True)
    unseen = N.select(sub({"inbox"}), entries, FOLDERS, 0)
    assert (unseen.events, unseen.through, unseen.complete) == ((), 5, True)


def test_pull_expiry_and_push_retries():
    pull = sub(None)
    assert N.expiry(pull) == T0 + dt.timedelta(minutes=10)
    assert not N.expired(pull, T0 + dt.timedelta(minutes=9)) and N.expired(pull, T0 + dt.timedelta(minutes=10))
    push = N.Subscription("p", BOX, BOX, N.PUSH, None, frozenset(N.EVENT_TYPES), 0, T0, T0, status_frequency=2,
                          url="http://127.0.0.1:1/")
    assert N.expiry(push) is None
    due = []
    state, now = push, T0
    while (state := N.after_failure(state, now)) is not None:
        due.append((state.next_attempt - T0).total_seconds())
        now = state.next_attempt
    assert due == [30, 60, 120]  # 240 s would pass StatusFrequency (2 minutes): the subscription ends
    ok = N.after_success(push, T0, 9, more=False)
    assert (ok.position, ok.next_attempt, ok.retries) == (9, T0 + dt.timedelta(minutes=2), 0)


def test_watermarks_are_signed_and_bound_to_the_mailbox():
    key = b"k" * 32
    token = watermarks.encode(key, BOX, 42)
    assert watermarks.decode(key, BOX.upper(), token) == 42
    for bad in (token[:-4] + "AAA=", "not base64!", "", watermarks.encode(b"x" * 32, BOX, 42)):
        with pytest.raises(EwsError) as err:
            watermarks.decode(key, BOX, bad)
        assert err.value.code == "ErrorInvalidWatermark"
    with pytest.raises(EwsError):
        watermarks.decode(key, "bob@example.com", token)
