"""Recurring tasks in the apply engine (spec §5, D7–D12, D17): spawning one-offs, advancing the master."""
from __future__ import annotations

import datetime as dt
from itertools import count

from hypothesis import given, settings
from hypothesis import strategies as st

from ewsemu.core import recurrence as R
from ewsemu.core.apply import ApplyContext, Outcome, apply_item_change, create_item, delete_occurrence
from ewsemu.core.changes import Action, FieldChange
from ewsemu.core.errors import EwsError
from ewsemu.core.item import Item
from ewsemu.core.paths import FieldURI
from ewsemu.core.timezones import UTC

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
_ids = count(1)


def ctx(now: dt.datetime = NOW) -> ApplyContext:
    return ApplyContext(now=now, zone=UTC, new_item_id=lambda: f"ONEOFF{next(_ids)}")


def set_(uri: str, value) -> FieldChange:
    return FieldChange(Action.SET, FieldURI(uri), value, (FieldURI(uri),), "Task")


def task(*props: FieldChange) -> Item:
    return create_item("Task", list(props), ctx(), mailbox="a@x.org", folder_id="F", owner="A")


def apply(item: Item, *changes: FieldChange, now: dt.datetime = NOW) -> Outcome:
    return apply_item_change(item, list(changes), ctx(now))


def rec(pattern, range_) -> R.Recurrence:
    return R.Recurrence(pattern, range_)


def dates(item: Item) -> tuple:
    return item.values.get("task:StartDate"), item.values.get("task:DueDate")


WEEKLY_MON_3 = rec(R.WeeklyRecurrence(1, ("Monday",)), R.NumberedRecurrence(dt.date(2006, 10, 26), 3))


def test_e9_setting_a_recurrence_normalises_and_reanchors() -> None:
    t = task(set_("task:StartDate", dt.date(2006, 1, 1)), set_("task:DueDate", dt.date(2006, 1, 3)))
    out = apply(t, set_("task:Recurrence", WEEKLY_MON_3))
    assert out.spawned is None and out.item.id == t.id and out.item.change_key != t.change_key
    assert out.item.values["task:Recurrence"].range.start == dt.date(2006, 10, 30)
    assert dates(out.item) == (dt.date(2006, 10, 30), dt.date(2006, 11, 1))


def test_e10_e11_completing_occurrences_until_the_last() -> None:
    t = task(set_("task:StartDate", dt.date(2006, 1, 1)), set_("task:DueDate", dt.date(2006, 1, 3)),
             set_("task:Recurrence", WEEKLY_MON_3), set_("item:Categories", ("c1",)),
             set_("item:ReminderIsSet", True))
    first = apply(t, set_("task:Status", "Completed"))
    one_off, master = first.spawned, first.item
    assert one_off is not None and one_off.id != t.id and first.response_item is one_off
    assert dates(one_off) == (dt.date(2006, 10, 30), dt.date(2006, 11, 1))
    assert one_off.values["task:Status"] == "Completed" and one_off.values["task:PercentComplete"] == 100
    assert one_off.values["task:CompleteDate"] == NOW.date()
    assert "task:Recurrence" not in one_off.values and one_off.values["item:Categories"] == ("c1",)
    assert one_off.values["item:ReminderIsSet"] is False and one_off.values["task:ChangeCount"] == 1
    assert master.id == t.id and master.change_key != t.change_key
    assert dates(master) == (dt.date(2006, 11, 6), dt.date(2006, 11, 8))
    assert master.values["task:Status"] == "NotStarted" and "task:CompleteDate" not in master.values
    assert master.values["task:Recurrence"].range.count == 2 and master.values["task:ChangeCount"] == 2
    second = apply(master, set_("task:Status", "Completed"))
    assert dates(second.item) == (dt.date(2006, 11, 13), dt.date(2006, 11, 15))
    assert second.item.values["task:Recurrence"].range.count == 1
    last = apply(second.item, set_("task:Status", "Completed"))
    assert last.spawned is None and last.response_item.id == t.id
    assert last.item.values["task:Status"] == "Completed" and "task:Recurrence" not in last.item.values
    assert dates(last.item) == (dt.date(2006, 11, 13), dt.date(2006, 11, 15))


def test_e12_regenerating_next_due_counts_from_completion() -> None:
    daily7 = rec(R.DailyRegeneration(7), R.NoEndRecurrence(dt.date(2018, 4, 3)))
    t = task(set_("task:StartDate", dt.date(2018, 4, 3)), set_("task:DueDate", dt.date(2018, 4, 5)),
             set_("task:Recurrence", daily7))
    assert dates(t) == (dt.date(2018, 4, 3), dt.date(2018, 4, 5))
    out = apply(t, set_("task:Status", "Completed"), now=dt.datetime(2018, 4, 4, 10, tzinfo=UTC))
    assert dates(out.spawned) == (dt.date(2018, 4, 3), dt.date(2018, 4, 5))
    assert out.spawned.values["task:CompleteDate"] == dt.date(2018, 4, 4)
    assert dates(out.item) == (dt.date(2018, 4, 9), dt.date(2018, 4, 11))


def test_regenerating_uses_an_explicit_complete_date() -> None:
    t = task(set_("task:Recurrence", rec(R.WeeklyRegeneration(1), R.NoEndRecurrence(dt.date(2026, 11, 2)))))
    out = apply(t, set_("task:CompleteDate", dt.date(2026, 11, 20)))
    assert out.item.values["task:DueDate"] == dt.date(2026, 11, 27)


def test_e13_moving_the_due_date_splits_off_a_one_off() -> None:
    weekly = rec(R.WeeklyRecurrence(1, ("Monday",)), R.NoEndRecurrence(dt.date(2024, 3, 4)))
    t = task(set_("task:StartDate", dt.date(2024, 3, 4)), set_("task:DueDate", dt.date(2024, 3, 6)),
             set_("task:Recurrence", weekly))
    out = apply(t, set_("task:DueDate", dt.date(2024, 3, 8)))
    assert dates(out.spawned) == (dt.date(2024, 3, 4), dt.date(2024, 3, 8))
    assert out.spawned.values["task:Status"] == "NotStarted"
    assert dates(out.item) == (dt.date(2024, 3, 11), dt.date(2024, 3, 13))
    regen = task(set_("task:StartDate", dt.date(2024, 3, 4)), set_("task:DueDate", dt.date(2024, 3, 6)),
                 set_("task:Recurrence", rec(R.DailyRegeneration(2), R.NoEndRecurrence(dt.date(2024, 3, 4)))))
    moved = apply(regen, set_("task:DueDate", dt.date(2024, 3, 8)))
    assert moved.spawned is None and moved.item.values["task:DueDate"] == dt.date(2024, 3, 8)


def _full_save(item: Item, **overrides) -> list[FieldChange]:
    """What exchangelib's full save sends for these tasks: DueDate, Recurrence, StartDate, Status."""
    values = {**item.values, **overrides}
    changes = [set_("task:DueDate", values["task:DueDate"]), set_("task:Recurrence", values["task:Recurrence"])]
    if values.get("task:StartDate") is None:
        changes.append(FieldChange(Action.DELETE, FieldURI("task:StartDate")))
    else:
        changes.append(set_("task:StartDate", values["task:StartDate"]))
    changes.append(set_("task:Status", values["task:Status"]))
    return changes


def test_e15_exchangelib_test_recurring_item_sequence() -> None:
    master = task(set_("item:Categories", ("cat",)),
                  set_("task:Recurrence", rec(R.DailyRecurrence(1), R.NumberedRecurrence(dt.date(2016, 1, 1), 4))))
    assert master.values["task:DueDate"] == dt.date(2016, 1, 1) and master.values["task:ChangeCount"] == 1
    moved = rec(R.DailyRecurrence(1), R.NumberedRecurrence(dt.date(2016, 2, 1), 4))
    step1 = apply(master, *_full_save(master, **{"task:Recurrence": moved}))
    assert step1.spawned is not None and step1.spawned.values.get("task:Recurrence") is None
    m1 = step1.item
    assert m1.values["task:ChangeCount"] == 2 and m1.values["task:DueDate"] == dt.date(2016, 1, 2)
    assert m1.values["task:Recurrence"].range == R.NumberedRecurrence(dt.date(2016, 2, 1), 3)
    step2 = apply(m1, *_full_save(m1, **{"task:Status": "Completed"}))
    m2 = step2.item
    assert step2.spawned is not None and step2.spawned.values["item:Categories"] == ("cat",)
    assert m2.values["task:ChangeCount"] == 3 and m2.values["task:DueDate"] == dt.date(2016, 2, 1)
    assert m2.values["task:Recurrence"].range.count == 2

    regen = task(set_("item:Categories", ("cat",)),
                 set_("task:Recurrence", rec(R.DailyRegeneration(1), R.NumberedRecurrence(dt.date(2016, 1, 1), 4))))
    moved = rec(R.DailyRegeneration(1), R.NumberedRecurrence(dt.date(2016, 1, 2), 4))
    r1 = apply(regen, *_full_save(regen, **{"task:Recurrence": moved}))
    assert r1.spawned is None and r1.item.values["task:ChangeCount"] == 1
    r2 = apply(r1.item, *_full_save(r1.item, **{"task:Status": "Completed"}))
    assert r2.spawned is not None and r2.item.values["task:ChangeCount"] == 2
    assert r2.item.values["task:DueDate"] == NOW.date() + dt.timedelta(days=1)
    assert r2.item.values["task:Recurrence"].range.count == 3


def test_resending_the_same_recurrence_is_a_no_op() -> None:
    t = task(set_("task:Recurrence", rec(R.DailyRecurrence(2), R.NoEndRecurrence(dt.date(2026, 1, 1)))))
    out = apply(t, set_("task:Recurrence", t.values["task:Recurrence"]))
    assert not out.changed and out.item.change_key == t.change_key


def test_d12_replacing_the_pattern_moves_forward_never_back() -> None:
    weekly = rec(R.WeeklyRecurrence(1, ("Monday",)), R.NoEndRecurrence(dt.date(2024, 1, 1)))
    t = task(set_("task:StartDate", dt.date(2024, 1, 1)), set_("task:DueDate", dt.date(2024, 1, 3)),
             set_("task:Recurrence", weekly))
    for _ in range(9):  # well into the series: current occurrence 2024-03-04
        t = apply(t, set_("task:Status", "Completed")).item
    assert dates(t) == (dt.date(2024, 3, 4), dt.date(2024, 3, 6))
    wednesdays = rec(R.WeeklyRecurrence(1, ("Wednesday",)), R.NoEndRecurrence(dt.date(2024, 1, 1)))
    # an exchangelib full save: DueDate and StartDate re-sent with their stored values around the Recurrence
    out = apply(t, *_full_save(t, **{"task:Recurrence": wednesdays}))
    assert out.spawned is None
    assert dates(out.item) == (dt.date(2024, 3, 6), dt.date(2024, 3, 8))
    assert out.item.values["task:Recurrence"].range.start == dt.date(2024, 1, 3)


def test_d9_next_occurrence_is_strictly_after_the_due_date() -> None:
    """D34 (D9's consequence): with a Start->Due span as long as the pattern spacing, the next occurrence is the
    first starting after the completed one's due date; the covered dates are skipped, not spawned."""
    t = task(set_("task:StartDate", dt.date(2026, 1, 1)), set_("task:DueDate", dt.date(2026, 1, 2)),
             set_("task:Recurrence", rec(R.DailyRecurrence(1), R.NoEndRecurrence(dt.date(2026, 1, 1)))))
    out = apply(t, set_("task:Status", "Completed"))
    assert dates(out.item) == (dt.date(2026, 1, 3), dt.date(2026, 1, 4))


def test_deleting_the_recurrence_keeps_dates() -> None:
    t = task(set_("task:Recurrence", rec(R.DailyRecurrence(1), R.NoEndRecurrence(dt.date(2026, 1, 1)))))
    out = apply(t, FieldChange(Action.DELETE, FieldURI("task:Recurrence")))
    assert "task:Recurrence" not in out.item.values and out.item.values["task:DueDate"] == dt.date(2026, 1, 1)


def test_end_date_range_ends_the_series() -> None:
    t = task(set_("task:Recurrence", rec(R.DailyRecurrence(1),
                                          R.EndDateRecurrence(dt.date(2026, 1, 1), dt.date(2026, 1, 2)))))
    first = apply(t, set_("task:Status", "Completed"))
    assert first.spawned is not None and first.item.values["task:DueDate"] == dt.date(2026, 1, 2)
    last = apply(first.item, set_("task:Status", "Completed"))
    assert last.spawned is None and "task:Recurrence" not in last.item.values


def test_delete_specified_occurrence() -> None:
    t = task(set_("task:Recurrence", rec(R.DailyRecurrence(1), R.NumberedRecurrence(dt.date(2026, 1, 1), 2))))
    out = delete_occurrence(t, NOW)
    assert out.item.values["task:DueDate"] == dt.date(2026, 1, 2)
    assert out.item.values["task:Recurrence"].range.count == 1
    for item in (out.item, task()):
        try:
            delete_occurrence(item, NOW)
        except EwsError as err:
            assert err.code == "ErrorCannotDeleteTaskOccurrence"
        else:  # pragma: no cover - the assertion documents the expectation
            raise AssertionError("expected ErrorCannotDeleteTaskOccurrence")


PATTERNS = st.one_of(
    st.builds(R.DailyRecurrence, st.integers(1, 10)),
    st.builds(R.WeeklyRecurrence, st.integers(1, 3),
              st.sets(st.sampled_from(["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                       "Saturday"]), min_size=1).map(lambda s: R.canonical_days(tuple(s)))),
    st.builds(R.AbsoluteMonthlyRecurrence, st.integers(1, 3), st.integers(1, 31)),
    st.builds(R.RelativeMonthlyRecurrence, st.integers(1, 2),
              st.sampled_from(["Monday", "Friday", "Day", "Weekday", "WeekendDay"]),
              st.sampled_from(["First", "Second", "Third", "Fourth", "Last"])),
)


@settings(max_examples=60, deadline=None)
@given(pattern=PATTERNS, start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), n=st.integers(2, 8),
       k=st.integers(1, 8), with_start=st.booleans())
def test_completing_k_times_spawns_k_one_offs_on_the_first_k_occurrences(pattern, start, n, k,
                                                                          with_start) -> None:
    """Due dates (StartDate = DueDate when the task has a start) walk the series one occurrence at a time."""
    k, span = min(k, n), 0
    recurrence = rec(pattern, R.NumberedRecurrence(start, n))
    expected = R.occurrences(recurrence)  # the series as defined when it is set
    props = [set_("task:Recurrence", recurrence)]
    if with_start:
        props = [set_("task:StartDate", start), set_("task:DueDate", start + dt.timedelta(days=span))] + props
    master = task(*props)
    one_offs = []
    for _ in range(k):
        out = apply(master, set_("task:Status", "Completed"))
        master = out.item
        if out.spawned is not None:
            one_offs.append(out.spawned)
    anchors = [o.values["task:StartDate" if with_start else "task:DueDate"] for o in one_offs]
    if k < n:
        assert anchors == expected[:k]
        anchor = master.values["task:StartDate" if with_start else "task:DueDate"]
        assert anchor == expected[k] and master.values["task:Status"] == "NotStarted"
        assert master.values["task:Recurrence"].range.count == n - k
    else:
        assert anchors == expected[: k - 1] and master.values["task:Status"] == "Completed"
        assert "task:Recurrence" not in master.values
