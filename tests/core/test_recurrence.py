"""The recurrence engine: occurrence grids, validation, normalisation and the series after a spawn.

Expected dates are written out by hand (checked against printed calendars), never computed with rrule; the
property tests compare against an independent day-by-day oracle built on :mod:`calendar` only.
"""
from __future__ import annotations

import calendar
import datetime as dt
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ewsemu.core.errors import EwsError
from ewsemu.core.recurrence import (
    DAY_INDEXES,
    DAY_NAMES,
    DAY_TYPES,
    MONTH_NAMES,
    AbsoluteMonthlyRecurrence,
    AbsoluteYearlyRecurrence,
    DailyRecurrence,
    DailyRegeneration,
    EndDateRecurrence,
    MonthlyRegeneration,
    NoEndRecurrence,
    NumberedRecurrence,
    Recurrence,
    RelativeMonthlyRecurrence,
    RelativeYearlyRecurrence,
    WeeklyRecurrence,
    WeeklyRegeneration,
    YearlyRegeneration,
    decremented,
    first_on_or_after,
    has_next,
    next_after,
    normalized,
    occurrences,
    regenerate,
    rule,
    same,
    validate,
)

D = dt.date


def rec(pattern, range_) -> Recurrence:
    return Recurrence(pattern=pattern, range=range_)


def numbered(start: str, count: int) -> NumberedRecurrence:
    return NumberedRecurrence(start=D.fromisoformat(start), count=count)


def until(start: str, end: str) -> EndDateRecurrence:
    return EndDateRecurrence(start=D.fromisoformat(start), end=D.fromisoformat(end))


def no_end(start: str) -> NoEndRecurrence:
    return NoEndRecurrence(start=D.fromisoformat(start))


def dates(*isos: str) -> list[dt.date]:
    return [D.fromisoformat(iso) for iso in isos]


# ---- occurrence tables ----------------------------------------------------------------------------------

OCCURRENCE_TABLE = [
    pytest.param(
        rec(DailyRecurrence(3), numbered("2026-01-30", 5)),
        dates("2026-01-30", "2026-02-02", "2026-02-05", "2026-02-08", "2026-02-11"),
        id="every-3-days-across-month-end",
    ),
    pytest.param(
        rec(DailyRecurrence(2), until("2026-01-01", "2026-01-07")),
        dates("2026-01-01", "2026-01-03", "2026-01-05", "2026-01-07"),
        id="every-2-days-end-date-inclusive",
    ),
    pytest.param(
        rec(DailyRecurrence(2), until("2026-01-01", "2026-01-06")),
        dates("2026-01-01", "2026-01-03", "2026-01-05"),
        id="every-2-days-end-date-between-occurrences",
    ),
    pytest.param(
        # Europe/Copenhagen switches to summer time on Sunday 2026-03-29: calendar dates must not move.
        rec(WeeklyRecurrence(1, ("Monday", "Thursday")), until("2026-03-23", "2026-04-06")),
        dates("2026-03-23", "2026-03-26", "2026-03-30", "2026-04-02", "2026-04-06"),
        id="weekly-mon-thu-across-dst",
    ),
    pytest.param(
        rec(WeeklyRecurrence(2, ("Monday", "Wednesday")), numbered("2026-01-04", 6)),
        dates("2026-01-05", "2026-01-07", "2026-01-19", "2026-01-21", "2026-02-02", "2026-02-04"),
        id="biweekly-mon-wed-week-starts-sunday-default",
    ),
    pytest.param(
        rec(WeeklyRecurrence(2, ("Monday", "Wednesday"), "Sunday"), numbered("2026-01-04", 6)),
        dates("2026-01-05", "2026-01-07", "2026-01-19", "2026-01-21", "2026-02-02", "2026-02-04"),
        id="biweekly-mon-wed-week-starts-sunday-explicit",
    ),
    pytest.param(
        # Sun 2026-01-04 closes the week Mon 12-29..Sun 01-04, whose Monday and Wednesday are already past.
        rec(WeeklyRecurrence(2, ("Monday", "Wednesday"), "Monday"), numbered("2026-01-04", 6)),
        dates("2026-01-12", "2026-01-14", "2026-01-26", "2026-01-28", "2026-02-09", "2026-02-11"),
        id="biweekly-mon-wed-week-starts-monday",
    ),
    pytest.param(
        rec(AbsoluteMonthlyRecurrence(1, 31), numbered("2026-01-01", 6)),
        dates("2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"),
        id="monthly-day-31-clamps",
    ),
    pytest.param(
        rec(AbsoluteMonthlyRecurrence(1, 31), numbered("2027-12-15", 3)),
        dates("2027-12-31", "2028-01-31", "2028-02-29"),
        id="monthly-day-31-leap-february",
    ),
    pytest.param(
        rec(AbsoluteMonthlyRecurrence(2, 30), numbered("2025-12-01", 4)),
        dates("2025-12-30", "2026-02-28", "2026-04-30", "2026-06-30"),
        id="every-2-months-day-30",
    ),
    pytest.param(
        rec(AbsoluteMonthlyRecurrence(1, 15), numbered("2026-01-20", 3)),
        dates("2026-02-15", "2026-03-15", "2026-04-15"),
        id="monthly-day-15-start-after-it",
    ),
    pytest.param(
        rec(RelativeMonthlyRecurrence(1, "Tuesday", "Second"), numbered("2026-01-13", 5)),
        dates("2026-01-13", "2026-02-10", "2026-03-10", "2026-04-14", "2026-05-12"),
        id="second-tuesday",
    ),
    pytest.param(
        rec(RelativeMonthlyRecurrence(1, "Weekday", "Last"), numbered("2026-01-01", 6)),
        dates("2026-01-30", "2026-02-27", "2026-03-31", "2026-04-30", "2026-05-29", "2026-06-30"),
        id="last-weekday",
    ),
    pytest.param(
        rec(RelativeMonthlyRecurrence(1, "WeekendDay", "Last"), numbered("2026-01-01", 4)),
        dates("2026-01-31", "2026-02-28", "2026-03-29", "2026-04-26"),
        id="last-weekend-day",
    ),
    pytest.param(
        rec(RelativeMonthlyRecurrence(1, "Day", "First"), numbered("2026-01-15", 3)),
        dates("2026-02-01", "2026-03-01", "2026-04-01"),
        id="first-day",
    ),
    pytest.param(
        rec(RelativeMonthlyRecurrence(1, "Day", "Last"), numbered("2026-01-01", 3)),
        dates("2026-01-31", "2026-02-28", "2026-03-31"),
        id="last-day",
    ),
    pytest.param(
        rec(RelativeMonthlyRecurrence(3, "Weekday", "First"), numbered("2026-01-01", 4)),
        dates("2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"),
        id="first-weekday-quarterly",
    ),
    pytest.param(
        rec(AbsoluteYearlyRecurrence(29, "February"), numbered("2024-01-01", 5)),
        dates("2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"),
        id="feb-29-yearly",
    ),
    pytest.param(
        rec(AbsoluteYearlyRecurrence(31, "April"), numbered("2026-01-01", 2)),
        dates("2026-04-30", "2027-04-30"),
        id="april-31-clamps",
    ),
    pytest.param(
        rec(AbsoluteYearlyRecurrence(30, "February"), numbered("2027-03-01", 2)),
        dates("2028-02-29", "2029-02-28"),
        id="february-30-clamps",
    ),
    pytest.param(
        rec(RelativeYearlyRecurrence("Monday", "First", "September"), numbered("2026-01-01", 3)),
        dates("2026-09-07", "2027-09-06", "2028-09-04"),
        id="first-monday-of-september",
    ),
    pytest.param(
        rec(RelativeYearlyRecurrence("Thursday", "Fourth", "November"), numbered("2026-01-01", 3)),
        dates("2026-11-26", "2027-11-25", "2028-11-23"),
        id="fourth-thursday-of-november",
    ),
    pytest.param(
        rec(RelativeYearlyRecurrence("Thursday", "Last", "November"), numbered("2026-01-01", 3)),
        dates("2026-11-26", "2027-11-25", "2028-11-30"),
        id="last-thursday-of-november",
    ),
    pytest.param(
        rec(RelativeYearlyRecurrence("Monday", "First", "September"), until("2026-09-08", "2028-09-03")),
        dates("2027-09-06"),
        id="yearly-end-date-before-third",
    ),
]


@pytest.mark.parametrize(("recurrence", "expected"), OCCURRENCE_TABLE)
def test_occurrences(recurrence: Recurrence, expected: list[dt.date]) -> None:
    validate(recurrence)
    assert occurrences(recurrence) == expected


def test_weekly_dates_keep_their_local_day_across_the_dst_switch() -> None:
    """Dates are zone-less; their local midnights straddle the switch without shifting the day."""
    copenhagen = ZoneInfo("Europe/Copenhagen")
    series = occurrences(rec(WeeklyRecurrence(1, ("Monday", "Thursday")), until("2026-03-23", "2026-04-06")))
    midnights = [dt.datetime.combine(day, dt.time(), copenhagen) for day in series]
    assert [m.utcoffset() for m in midnights] == [dt.timedelta(hours=h) for h in (1, 1, 2, 2, 2)]
    assert [m.date() for m in midnights] == series


def test_no_end_is_capped_by_limit() -> None:
    series = occurrences(rec(DailyRecurrence(1), no_end("2026-01-01")), limit=3)
    assert series == dates("2026-01-01", "2026-01-02", "2026-01-03")
    assert len(occurrences(rec(DailyRecurrence(1), no_end("2026-01-01")))) == 1000


def test_rule_is_anchored_at_the_range_start_and_ignores_the_count() -> None:
    """The visible count is what remains, so the grid from the range start must run past it."""
    grid = rule(rec(DailyRecurrence(1), numbered("2016-02-01", 2)))
    assert [when.date() for when in islice(grid, 4)] == dates("2016-02-01", "2016-02-02", "2016-02-03", "2016-02-04")
    assert grid[0] == dt.datetime(2016, 2, 1)


def test_rule_stops_at_the_end_date() -> None:
    grid = rule(rec(WeeklyRecurrence(1, ("Friday",)), until("2026-01-01", "2026-01-16")))
    assert [when.date() for when in grid] == dates("2026-01-02", "2026-01-09", "2026-01-16")


def test_grid_functions_refuse_regenerating_patterns() -> None:
    regen = rec(DailyRegeneration(1), no_end("2026-01-01"))
    with pytest.raises(ValueError):
        rule(regen)
    with pytest.raises(ValueError):
        next_after(regen, D(2026, 1, 1))


# ---- next occurrence ------------------------------------------------------------------------------------

NEXT_TABLE = [
    # (recurrence, day, first_on_or_after, next_after)
    pytest.param(rec(DailyRecurrence(1), numbered("2016-01-01", 4)), "2016-01-01", "2016-01-01", "2016-01-02",
                 id="exchangelib-step1"),
    pytest.param(rec(DailyRecurrence(1), numbered("2016-02-01", 3)), "2016-01-02", "2016-02-01", "2016-02-01",
                 id="exchangelib-step2-range-start-later"),
    pytest.param(rec(WeeklyRecurrence(1, ("Monday",)), no_end("2024-03-04")), "2024-03-06", "2024-03-11",
                 "2024-03-11", id="weekly-after-due-date"),
    pytest.param(rec(WeeklyRecurrence(2, ("Monday",)), no_end("2024-03-04")), "2024-03-06", "2024-03-18",
                 "2024-03-18", id="biweekly-skips-off-week"),
    pytest.param(rec(WeeklyRecurrence(2, ("Monday",)), no_end("2024-03-04")), "2024-03-18", "2024-03-18",
                 "2024-04-01", id="biweekly-on-grid-day"),
    pytest.param(rec(DailyRecurrence(7), no_end("2026-01-01")), "2030-01-01", "2030-01-03", "2030-01-03",
                 id="far-future-thursdays"),
    pytest.param(rec(DailyRecurrence(1), no_end("1601-04-01")), "2026-01-01", "2026-01-01", "2026-01-02",
                 id="from-the-earliest-start"),
    pytest.param(rec(AbsoluteMonthlyRecurrence(5, 31), no_end("2026-01-31")), "2028-02-01", "2028-02-29",
                 "2028-02-29", id="five-monthly-day-31"),
    pytest.param(rec(AbsoluteMonthlyRecurrence(5, 31), no_end("2026-01-31")), "2027-09-30", "2027-09-30",
                 "2028-02-29", id="five-monthly-day-31-on-grid"),
    pytest.param(rec(RelativeYearlyRecurrence("Thursday", "Last", "November"), no_end("2026-01-01")), "2028-11-24",
                 "2028-11-30", "2028-11-30", id="yearly-far"),
    pytest.param(rec(DailyRecurrence(1), until("2026-01-01", "2026-01-05")), "2026-01-05", "2026-01-05", None,
                 id="end-date-reached"),
    pytest.param(rec(DailyRecurrence(1), until("2026-01-01", "2026-01-05")), "2026-01-06", None, None,
                 id="past-end-date"),
    pytest.param(rec(DailyRecurrence(1), numbered("2026-01-01", 1)), "2026-01-01", "2026-01-01", "2026-01-02",
                 id="count-ignored"),
    pytest.param(rec(DailyRecurrence(1), numbered("2026-01-10", 3)), "2026-01-01", "2026-01-10", "2026-01-10",
                 id="before-range-start"),
]


@pytest.mark.parametrize(("recurrence", "day", "on_or_after", "after"), NEXT_TABLE)
def test_next_occurrence(recurrence: Recurrence, day: str, on_or_after: str | None, after: str | None) -> None:
    as_date = lambda iso: D.fromisoformat(iso) if iso else None  # noqa: E731
    assert first_on_or_after(recurrence, D.fromisoformat(day)) == as_date(on_or_after)
    assert next_after(recurrence, D.fromisoformat(day)) == as_date(after)


def test_next_after_at_the_end_of_the_calendar() -> None:
    daily = rec(DailyRecurrence(1), no_end("4500-01-01"))
    assert next_after(daily, D(9999, 12, 30)) == D(9999, 12, 31)
    assert next_after(daily, D(9999, 12, 31)) is None


# ---- normalisation --------------------------------------------------------------------------------------

NORMALISE_TABLE = [
    pytest.param(rec(WeeklyRecurrence(1, ("Monday",)), numbered("2006-10-26", 3)), "2006-10-30", id="spec-example"),
    pytest.param(rec(AbsoluteMonthlyRecurrence(1, 15), no_end("2026-01-20")), "2026-02-15", id="monthly"),
    pytest.param(rec(AbsoluteYearlyRecurrence(29, "February"), until("2025-03-01", "2030-01-01")), "2026-02-28",
                 id="yearly-clamped"),
    pytest.param(rec(RelativeMonthlyRecurrence(1, "Weekday", "Last"), no_end("2026-01-31")), "2026-02-27",
                 id="last-weekday-passed"),
    pytest.param(rec(DailyRecurrence(5), no_end("2026-01-01")), "2026-01-01", id="daily-already-on-grid"),
]


@pytest.mark.parametrize(("recurrence", "start"), NORMALISE_TABLE)
def test_normalized_moves_the_range_start_onto_the_pattern(recurrence: Recurrence, start: str) -> None:
    result = normalized(recurrence)
    assert result.range.start == D.fromisoformat(start)
    assert result.pattern == recurrence.pattern
    assert type(result.range) is type(recurrence.range)


def test_normalized_keeps_the_other_range_values() -> None:
    assert normalized(rec(WeeklyRecurrence(1, ("Monday",)), numbered("2006-10-26", 3))) == rec(
        WeeklyRecurrence(1, ("Monday",)), numbered("2006-10-30", 3)
    )
    assert normalized(rec(WeeklyRecurrence(1, ("Monday",)), until("2006-10-26", "2006-12-01"))).range == until(
        "2006-10-30", "2006-12-01"
    )


def test_normalized_leaves_regenerating_patterns_alone() -> None:
    regen = rec(WeeklyRegeneration(1), numbered("2006-10-26", 3))
    assert normalized(regen) is regen


# ---- regeneration ---------------------------------------------------------------------------------------

REGENERATE_TABLE = [
    pytest.param(DailyRegeneration(7), "2018-04-04", "2018-04-11", id="spec-E12"),
    pytest.param(DailyRegeneration(1), "2025-12-31", "2026-01-01", id="daily-year-end"),
    pytest.param(WeeklyRegeneration(2), "2026-01-01", "2026-01-15", id="weekly"),
    pytest.param(MonthlyRegeneration(1), "2026-01-31", "2026-02-28", id="monthly-clamp"),
    pytest.param(MonthlyRegeneration(1), "2028-01-31", "2028-02-29", id="monthly-clamp-leap"),
    pytest.param(MonthlyRegeneration(1), "2026-03-31", "2026-04-30", id="monthly-clamp-30"),
    pytest.param(MonthlyRegeneration(13), "2026-01-15", "2027-02-15", id="monthly-over-a-year"),
    pytest.param(YearlyRegeneration(1), "2024-02-29", "2025-02-28", id="yearly-leap-clamp"),
    pytest.param(YearlyRegeneration(4), "2024-02-29", "2028-02-29", id="yearly-leap-to-leap"),
]


@pytest.mark.parametrize(("pattern", "completed", "due"), REGENERATE_TABLE)
def test_regenerate(pattern, completed: str, due: str) -> None:
    assert regenerate(rec(pattern, no_end("2016-01-01")), D.fromisoformat(completed)) == D.fromisoformat(due)


def test_regenerate_refuses_grid_patterns() -> None:
    with pytest.raises(ValueError):
        regenerate(rec(DailyRecurrence(1), no_end("2016-01-01")), D(2016, 1, 1))


def test_regenerate_beyond_the_calendar_is_out_of_range() -> None:
    with pytest.raises(EwsError) as info:
        regenerate(rec(YearlyRegeneration(999), no_end("2016-01-01")), D(9500, 1, 1))
    assert info.value.code == "ErrorCalendarOutOfRange"


# ---- the series after a spawn ---------------------------------------------------------------------------

HAS_NEXT_TABLE = [
    pytest.param(no_end("2026-01-01"), "2026-02-01", True, id="no-end"),
    pytest.param(no_end("2026-01-01"), None, False, id="no-end-exhausted-calendar"),
    pytest.param(until("2026-01-01", "2026-01-31"), "2026-01-31", True, id="end-date-inclusive"),
    pytest.param(until("2026-01-01", "2026-01-31"), "2026-02-01", False, id="past-end-date"),
    pytest.param(until("2026-01-01", "2026-01-31"), None, False, id="end-date-none"),
    pytest.param(numbered("2026-01-01", 2), "2026-01-02", True, id="numbered-two-left"),
    pytest.param(numbered("2026-01-01", 1), "2026-01-02", False, id="numbered-last"),
    pytest.param(numbered("2026-01-01", 2), None, False, id="numbered-none"),
]


@pytest.mark.parametrize(("range_", "next_date", "expected"), HAS_NEXT_TABLE)
def test_has_next(range_, next_date: str | None, expected: bool) -> None:
    recurrence = rec(DailyRecurrence(1), range_)
    assert has_next(recurrence, D.fromisoformat(next_date) if next_date else None) is expected


def test_decremented_counts_down_numbered_ranges_only() -> None:
    four = rec(DailyRecurrence(1), numbered("2016-01-01", 4))
    assert decremented(four) == rec(DailyRecurrence(1), numbered("2016-01-01", 3))
    assert decremented(decremented(four)).range == numbered("2016-01-01", 2)
    assert four.range.count == 4  # frozen values: the input is untouched
    for other in (no_end("2016-01-01"), until("2016-01-01", "2016-02-01")):
        assert decremented(rec(DailyRecurrence(1), other)) == rec(DailyRecurrence(1), other)


def test_decremented_refuses_to_empty_a_series() -> None:
    with pytest.raises(ValueError):
        decremented(rec(DailyRecurrence(1), numbered("2016-01-01", 1)))


def test_same() -> None:
    a = rec(WeeklyRecurrence(1, ("Monday", "Wednesday")), numbered("2024-03-04", 10))
    assert same(a, rec(WeeklyRecurrence(1, ("Wednesday", "Monday")), numbered("2024-03-04", 10)))
    assert same(a, rec(WeeklyRecurrence(1, ("Wednesday", "Monday", "Monday")), numbered("2024-03-04", 10)))
    assert not same(a, rec(WeeklyRecurrence(1, ("Monday",)), numbered("2024-03-04", 10)))
    assert not same(a, rec(WeeklyRecurrence(1, ("Monday", "Wednesday"), "Monday"), numbered("2024-03-04", 10)))
    assert not same(a, rec(WeeklyRecurrence(1, ("Monday", "Wednesday")), numbered("2024-03-05", 10)))
    assert not same(a, rec(WeeklyRecurrence(1, ("Monday", "Wednesday")), numbered("2024-03-04", 9)))
    assert not same(a, rec(WeeklyRecurrence(1, ("Monday", "Wednesday")), no_end("2024-03-04")))
    assert not same(rec(DailyRecurrence(1), no_end("2016-01-01")), rec(DailyRegeneration(1), no_end("2016-01-01")))
    assert same(None, None)
    assert not same(a, None) and not same(None, a)


# ---- validation -----------------------------------------------------------------------------------------

INVALID_TABLE = [
    pytest.param(rec(DailyRecurrence(0), no_end("2026-01-01")), "ErrorCalendarOutOfRange", id="daily-interval-0"),
    pytest.param(rec(DailyRecurrence(1000), no_end("2026-01-01")), "ErrorCalendarOutOfRange", id="daily-1000"),
    pytest.param(rec(WeeklyRecurrence(100, ("Monday",)), no_end("2026-01-01")), "ErrorCalendarOutOfRange",
                 id="weekly-100"),
    pytest.param(rec(WeeklyRecurrence(0, ("Monday",)), no_end("2026-01-01")), "ErrorCalendarOutOfRange",
                 id="weekly-0"),
    pytest.param(rec(AbsoluteMonthlyRecurrence(100, 1), no_end("2026-01-01")), "ErrorCalendarOutOfRange",
                 id="abs-monthly-100"),
    pytest.param(rec(RelativeMonthlyRecurrence(-1, "Monday", "First"), no_end("2026-01-01")),
                 "ErrorCalendarOutOfRange", id="rel-monthly-negative"),
    pytest.param(rec(RelativeMonthlyRecurrence(100, "Monday", "First"), no_end("2026-01-01")),
                 "ErrorCalendarOutOfRange", id="rel-monthly-100"),
    pytest.param(rec(DailyRegeneration(0), no_end("2026-01-01")), "ErrorCalendarOutOfRange", id="regen-0"),
    pytest.param(rec(YearlyRegeneration(1000), no_end("2026-01-01")), "ErrorCalendarOutOfRange", id="regen-1000"),
    pytest.param(rec(AbsoluteMonthlyRecurrence(1, 32), no_end("2026-01-01")), "ErrorCalendarOutOfRange",
                 id="day-of-month-32"),
    pytest.param(rec(AbsoluteMonthlyRecurrence(1, 0), no_end("2026-01-01")), "ErrorCalendarOutOfRange",
                 id="day-of-month-0"),
    pytest.param(rec(AbsoluteYearlyRecurrence(32, "January"), no_end("2026-01-01")), "ErrorCalendarOutOfRange",
                 id="yearly-day-32"),
    pytest.param(rec(DailyRecurrence(1), numbered("2026-01-01", 0)), "ErrorCalendarOutOfRange", id="count-0"),
    pytest.param(rec(DailyRecurrence(1), numbered("2026-01-01", 1000)), "ErrorCalendarOutOfRange", id="count-1000"),
    pytest.param(rec(WeeklyRecurrence(1, ("Weekday",)), no_end("2026-01-01")),
                 "ErrorCalendarInvalidDayForWeeklyRecurrence", id="weekly-weekday"),
    pytest.param(rec(WeeklyRecurrence(1, ("Monday", "Day")), no_end("2026-01-01")),
                 "ErrorCalendarInvalidDayForWeeklyRecurrence", id="weekly-day"),
    pytest.param(rec(WeeklyRecurrence(1, ("WeekendDay",)), no_end("2026-01-01")),
                 "ErrorCalendarInvalidDayForWeeklyRecurrence", id="weekly-weekend-day"),
    pytest.param(rec(WeeklyRecurrence(1, ()), no_end("2026-01-01")),
                 "ErrorCalendarInvalidDayForWeeklyRecurrence", id="weekly-empty"),
    pytest.param(rec(WeeklyRecurrence(1, ("Monday",), "Weekday"), no_end("2026-01-01")),
                 "ErrorCalendarInvalidDayForWeeklyRecurrence", id="weekly-first-day-group"),
    pytest.param(rec(RelativeMonthlyRecurrence(1, "Funday", "First"), no_end("2026-01-01")),
                 "ErrorCalendarInvalidRecurrence", id="bad-day-name"),
    pytest.param(rec(RelativeYearlyRecurrence("Monday", "Fifth", "May"), no_end("2026-01-01")),
                 "ErrorCalendarInvalidRecurrence", id="bad-index"),
    pytest.param(rec(AbsoluteYearlyRecurrence(1, "Smarch"), no_end("2026-01-01")),
                 "ErrorCalendarInvalidRecurrence", id="bad-month"),
    pytest.param(rec(DailyRecurrence(1), no_end("1601-03-31")), "ErrorCalendarOutOfRange", id="start-before-1601"),
    pytest.param(rec(DailyRecurrence(1), no_end("4500-09-02")), "ErrorCalendarOutOfRange", id="start-after-4500"),
    pytest.param(rec(DailyRecurrence(1), until("2026-01-01", "4500-09-02")), "ErrorRecurrenceEndDateTooBig",
                 id="end-after-4500"),
    pytest.param(rec(DailyRegeneration(1), until("2026-01-01", "4500-09-02")), "ErrorRecurrenceEndDateTooBig",
                 id="regen-end-after-4500"),
    pytest.param(rec(DailyRecurrence(1), until("2026-01-02", "2026-01-01")), "ErrorCalendarInvalidRecurrence",
                 id="end-before-start"),
    pytest.param(rec(WeeklyRecurrence(1, ("Saturday",)), until("2026-01-05", "2026-01-09")),
                 "ErrorRecurrenceHasNoOccurrence", id="weekly-no-occurrence"),
    pytest.param(rec(AbsoluteYearlyRecurrence(1, "March"), until("2026-03-02", "2027-02-28")),
                 "ErrorRecurrenceHasNoOccurrence", id="yearly-no-occurrence"),
]


@pytest.mark.parametrize(("recurrence", "code"), INVALID_TABLE)
def test_validate_rejects(recurrence: Recurrence, code: str) -> None:
    with pytest.raises(EwsError) as info:
        validate(recurrence)
    assert info.value.code == code


def test_no_occurrence_carries_the_effective_dates() -> None:
    with pytest.raises(EwsError) as info:
        validate(rec(WeeklyRecurrence(1, ("Saturday",)), until("2026-01-05", "2026-01-09")))
    assert info.value.values == (("EffectiveStartDate", "2026-01-05"), ("EffectiveEndDate", "2026-01-09"))


VALID_TABLE = [
    pytest.param(rec(DailyRecurrence(999), no_end("1601-04-01")), id="daily-999-earliest-start"),
    pytest.param(rec(WeeklyRecurrence(99, DAY_NAMES, "Saturday"), numbered("2026-01-01", 999)), id="weekly-max"),
    pytest.param(rec(AbsoluteMonthlyRecurrence(99, 31), until("2026-01-01", "4500-09-01")), id="monthly-max"),
    pytest.param(rec(AbsoluteYearlyRecurrence(31, "February"), no_end("2026-01-01")), id="feb-31-clamped"),
    pytest.param(rec(RelativeYearlyRecurrence("WeekendDay", "Last", "December"), numbered("2026-01-01", 1)),
                 id="relative-yearly"),
    pytest.param(rec(DailyRecurrence(1), until("2026-01-01", "2026-01-01")), id="single-day-range"),
    pytest.param(rec(MonthlyRegeneration(999), numbered("2026-01-01", 1)), id="regen-max"),
    # D10: accepted by default; regeneration has no grid, so even a one-day range is not "empty".
    pytest.param(rec(DailyRegeneration(1), until("2026-01-01", "2026-01-01")), id="regen-end-date"),
]


@pytest.mark.parametrize("recurrence", VALID_TABLE)
def test_validate_accepts(recurrence: Recurrence) -> None:
    validate(recurrence)


def test_strict_rejects_regeneration_with_end_date() -> None:
    regen = rec(WeeklyRegeneration(1), until("2026-01-01", "2026-06-01"))
    validate(regen)
    with pytest.raises(EwsError) as info:
        validate(regen, strict=True)
    assert info.value.code == "ErrorUnsupportedRecurrence"
    validate(rec(WeeklyRegeneration(1), no_end("2026-01-01")), strict=True)
    validate(rec(WeeklyRecurrence(1, ("Monday",)), until("2026-01-01", "2026-06-01")), strict=True)


def test_core_module_stays_free_of_xml_and_sql() -> None:
    source = (Path(__file__).resolve().parents[2] / "src/ewsemu/core/recurrence.py").read_text()
    assert "lxml" not in source and "sqlalchemy" not in source.lower()


# ---- properties against an independent oracle -----------------------------------------------------------


def _day_name(day: dt.date) -> str:
    return DAY_NAMES[(day.weekday() + 1) % 7]


def _month_length(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _nth(year: int, month: int, days: str, index: str) -> dt.date:
    group = {"Day": DAY_NAMES, "Weekday": DAY_NAMES[1:6], "WeekendDay": ("Saturday", "Sunday")}.get(days, (days,))
    month_days = [D(year, month, k) for k in range(1, _month_length(year, month) + 1)]
    matching = [day for day in month_days if _day_name(day) in group]
    return matching[{"First": 0, "Second": 1, "Third": 2, "Fourth": 3, "Last": -1}[index]]


def _week_start(day: dt.date, first: str) -> dt.date:
    return day - dt.timedelta(days=(DAY_NAMES.index(_day_name(day)) - DAY_NAMES.index(first)) % 7)


def _on_grid(recurrence: Recurrence, day: dt.date) -> bool:
    """Whether ``day`` belongs to the series, from the pattern definitions alone (no rrule)."""
    start, p = recurrence.range.start, recurrence.pattern
    if day < start or (isinstance(recurrence.range, EndDateRecurrence) and day > recurrence.range.end):
        return False
    if isinstance(p, DailyRecurrence):
        return (day - start).days % p.interval == 0
    if isinstance(p, WeeklyRecurrence):
        first = p.first_day_of_week or "Sunday"
        weeks = (_week_start(day, first) - _week_start(start, first)).days // 7
        return weeks % p.interval == 0 and _day_name(day) in p.days_of_week
    if isinstance(p, AbsoluteMonthlyRecurrence):
        return (_months_between(start, day) % p.interval == 0
                and day.day == min(p.day_of_month, _month_length(day.year, day.month)))
    if isinstance(p, RelativeMonthlyRecurrence):
        return (_months_between(start, day) % p.interval == 0
                and day == _nth(day.year, day.month, p.days_of_week, p.day_of_week_index))
    month = MONTH_NAMES.index(p.month) + 1
    if isinstance(p, AbsoluteYearlyRecurrence):
        return day.month == month and day.day == min(p.day_of_month, _month_length(day.year, month))
    return day.month == month and day == _nth(day.year, month, p.days_of_week, p.day_of_week_index)


def _oracle_series(recurrence: Recurrence, count: int) -> list[dt.date]:
    found, day = [], recurrence.range.start
    last = recurrence.range.end if isinstance(recurrence.range, EndDateRecurrence) else D(9999, 12, 31)
    while len(found) < count and day <= last:
        if _on_grid(recurrence, day):
            found.append(day)
        day += dt.timedelta(days=1)
    return found


def _oracle_first_on_or_after(recurrence: Recurrence, day: dt.date) -> dt.date | None:
    day = max(day, recurrence.range.start)
    last = recurrence.range.end if isinstance(recurrence.range, EndDateRecurrence) else D(9999, 12, 31)
    while day <= last:
        if _on_grid(recurrence, day):
            return day
        day += dt.timedelta(days=1)
    return None


patterns = st.one_of(
    st.builds(DailyRecurrence, st.integers(1, 999)),
    st.builds(
        WeeklyRecurrence,
        st.integers(1, 99),
        st.sets(st.sampled_from(DAY_NAMES), min_size=1).map(lambda s: tuple(d for d in DAY_NAMES if d in s)),
        st.none() | st.sampled_from(DAY_NAMES),
    ),
    st.builds(AbsoluteMonthlyRecurrence, st.integers(1, 99), st.integers(1, 31)),
    st.builds(RelativeMonthlyRecurrence, st.integers(1, 99), st.sampled_from(DAY_TYPES), st.sampled_from(DAY_INDEXES)),
    st.builds(AbsoluteYearlyRecurrence, st.integers(1, 31), st.sampled_from(MONTH_NAMES)),
    st.builds(RelativeYearlyRecurrence, st.sampled_from(DAY_TYPES), st.sampled_from(DAY_INDEXES),
              st.sampled_from(MONTH_NAMES)),
)
starts = st.dates(D(1990, 1, 1), D(2040, 12, 31))


@st.composite
def ranges(draw):
    start = draw(starts)
    kind = draw(st.sampled_from(("no_end", "end", "numbered")))
    if kind == "no_end":
        return NoEndRecurrence(start)
    if kind == "end":
        return EndDateRecurrence(start, start + dt.timedelta(days=draw(st.integers(0, 1500))))
    return NumberedRecurrence(start, draw(st.integers(1, 12)))


recurrences = st.builds(Recurrence, patterns, ranges())
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(recurrences)
def test_property_series_is_consistent(recurrence: Recurrence) -> None:
    series = occurrences(recurrence, limit=12)
    assert all(a < b for a, b in zip(series, series[1:]))
    wanted = min(12, recurrence.range.count) if isinstance(recurrence.range, NumberedRecurrence) else 12
    assert series == _oracle_series(recurrence, wanted)
    for day in series:
        assert first_on_or_after(recurrence, day) == day
    for before, after in zip(series, series[1:]):
        assert next_after(recurrence, before) == after
        assert first_on_or_after(recurrence, before + dt.timedelta(days=1)) == after


@PROPERTY_SETTINGS
@given(recurrences)
def test_property_validate_and_normalise_agree_with_the_series(recurrence: Recurrence) -> None:
    series = occurrences(recurrence, limit=12)
    if not series:
        with pytest.raises(EwsError) as info:
            validate(recurrence)
        assert info.value.code == "ErrorRecurrenceHasNoOccurrence"
        return
    validate(recurrence)
    moved = normalized(recurrence)
    assert moved.range.start == series[0]
    assert occurrences(moved, limit=12) == series  # re-anchoring on the first occurrence keeps the grid
    assert normalized(moved) == moved


@PROPERTY_SETTINGS
@given(recurrences, st.integers(0, 30 * 366))
def test_property_look_ups_far_from_the_start(recurrence: Recurrence, offset: int) -> None:
    """Look-ups long after the range start (the server's usual case) match the oracle."""
    probe = recurrence.range.start + dt.timedelta(days=offset)
    expected = _oracle_first_on_or_after(recurrence, probe)
    assert first_on_or_after(recurrence, probe) == expected
    assert next_after(recurrence, probe - dt.timedelta(days=1)) == expected
