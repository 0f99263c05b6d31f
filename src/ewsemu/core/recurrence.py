"""Task recurrence: patterns, ranges, validation, normalisation and next-occurrence arithmetic.

Value objects mirror ``t:TaskRecurrenceType`` (one pattern + one range). Calendar arithmetic is left to
dateutil (rrule for the occurrence grid, relativedelta for month/year steps) so that month lengths, leap years
and week starts are never re-derived here; nothing here knows XML (see ``protocol/recurrence_xml.py``).

Pattern dates are zone-less calendar dates: a task occurrence is a day, so time zones and DST cannot move it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, YEARLY, rrule, weekday

from .errors import EwsError

# ---- patterns -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelativeYearlyRecurrence:
    days_of_week: str  # Sunday..Saturday | Day | Weekday | WeekendDay
    day_of_week_index: str  # First..Fourth | Last
    month: str  # January..December


@dataclass(frozen=True)
class AbsoluteYearlyRecurrence:
    day_of_month: int
    month: str


@dataclass(frozen=True)
class RelativeMonthlyRecurrence:
    interval: int
    days_of_week: str
    day_of_week_index: str


@dataclass(frozen=True)
class AbsoluteMonthlyRecurrence:
    interval: int
    day_of_month: int


@dataclass(frozen=True)
class WeeklyRecurrence:
    interval: int
    days_of_week: tuple[str, ...]
    first_day_of_week: str | None = None


@dataclass(frozen=True)
class DailyRecurrence:
    interval: int


@dataclass(frozen=True)
class DailyRegeneration:
    interval: int


@dataclass(frozen=True)
class WeeklyRegeneration:
    interval: int


@dataclass(frozen=True)
class MonthlyRegeneration:
    interval: int


@dataclass(frozen=True)
class YearlyRegeneration:
    interval: int


Pattern = (
    RelativeYearlyRecurrence | AbsoluteYearlyRecurrence | RelativeMonthlyRecurrence | AbsoluteMonthlyRecurrence
    | WeeklyRecurrence | DailyRecurrence | DailyRegeneration | WeeklyRegeneration | MonthlyRegeneration
    | YearlyRegeneration
)
REGENERATING = (DailyRegeneration, WeeklyRegeneration, MonthlyRegeneration, YearlyRegeneration)

# ---- ranges ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoEndRecurrence:
    start: dt.date


@dataclass(frozen=True)
class EndDateRecurrence:
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class NumberedRecurrence:
    start: dt.date
    count: int


Range = NoEndRecurrence | EndDateRecurrence | NumberedRecurrence


@dataclass(frozen=True)
class Recurrence:
    pattern: Pattern
    range: Range

    @property
    def regenerating(self) -> bool:
        return isinstance(self.pattern, REGENERATING)


# ---- vocabulary -----------------------------------------------------------------------------------------

#: Single days in Exchange's canonical (Sunday-first) order; weekly day lists are kept in this order.
DAY_NAMES: tuple[str, ...] = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
#: ``t:DayOfWeekType``: the single days followed by the three day groups.
DAY_TYPES: tuple[str, ...] = DAY_NAMES + ("Day", "Weekday", "WeekendDay")
DAY_INDEXES: tuple[str, ...] = ("First", "Second", "Third", "Fourth", "Last")
MONTH_NAMES: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

#: Documented limits (REF startdate-recurrence.md / enddate-recurrence.md).
MIN_START = dt.date(1601, 4, 1)
MAX_END = dt.date(4500, 9, 1)
MAX_OCCURRENCES = 999

_RRULE_DAY: dict[str, weekday] = dict(zip(DAY_NAMES, (SU, MO, TU, WE, TH, FR, SA)))
_DAY_GROUPS: dict[str, tuple[weekday, ...]] = {
    **{name: (day,) for name, day in _RRULE_DAY.items()},
    "Day": (MO, TU, WE, TH, FR, SA, SU),
    "Weekday": (MO, TU, WE, TH, FR),
    "WeekendDay": (SA, SU),
}
_SETPOS: dict[str, int] = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
_MAX_INTERVAL: dict[type, int] = {
    DailyRecurrence: 999,
    WeeklyRecurrence: 99,
    AbsoluteMonthlyRecurrence: 99,
    RelativeMonthlyRecurrence: 99,
    DailyRegeneration: 999,
    WeeklyRegeneration: 999,
    MonthlyRegeneration: 999,
    YearlyRegeneration: 999,
}
_REGENERATION_UNIT: dict[type, str] = {
    DailyRegeneration: "days",
    WeeklyRegeneration: "weeks",
    MonthlyRegeneration: "months",
    YearlyRegeneration: "years",
}


def canonical_days(days: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """A weekly day list as a set in Sunday..Saturday order, so that re-sent lists compare equal with ``==``.

    Unknown names (including the groups, which validate() rejects for weekly patterns) sort after the days
    instead of being dropped, so the error is reported rather than hidden.
    """
    order = {name: i for i, name in enumerate(DAY_TYPES)}
    return tuple(sorted(set(days), key=lambda name: (order.get(name, len(order)), name)))


# ---- validation -----------------------------------------------------------------------------------------


def validate(rec: Recurrence, *, strict: bool = False) -> None:
    """Raise the EwsError Exchange answers for a semantically invalid recurrence.

    The schema only types Interval/DayOfMonth/NumberOfOccurrences as xs:int; their documented ranges are
    checked here (spec §5.1). ``strict`` rejects regeneration + EndDate, which D10 accepts by default.
    """
    _check_pattern(rec.pattern)
    _check_range(rec.range)
    if strict and rec.regenerating and isinstance(rec.range, EndDateRecurrence):
        raise EwsError("ErrorUnsupportedRecurrence")
    _check_has_occurrence(rec)


def _check_pattern(pattern: Pattern) -> None:
    limit = _MAX_INTERVAL.get(type(pattern))
    if limit is not None and not 1 <= pattern.interval <= limit:  # type: ignore[union-attr]
        raise EwsError("ErrorCalendarOutOfRange")
    if isinstance(pattern, (AbsoluteMonthlyRecurrence, AbsoluteYearlyRecurrence)):
        if not 1 <= pattern.day_of_month <= 31:  # beyond the month's length is clamped, not an error
            raise EwsError("ErrorCalendarOutOfRange")
    if isinstance(pattern, WeeklyRecurrence):
        _check_weekly_days(pattern)
    if isinstance(pattern, (RelativeMonthlyRecurrence, RelativeYearlyRecurrence)):
        _require(pattern.days_of_week in DAY_TYPES and pattern.day_of_week_index in DAY_INDEXES)
    if isinstance(pattern, (AbsoluteYearlyRecurrence, RelativeYearlyRecurrence)):
        _require(pattern.month in MONTH_NAMES)


def _check_weekly_days(pattern: WeeklyRecurrence) -> None:
    """Weekly lists take single days only; a group (or a group as week start) is its own documented error."""
    days_ok = bool(pattern.days_of_week) and all(day in DAY_NAMES for day in pattern.days_of_week)
    first_ok = pattern.first_day_of_week is None or pattern.first_day_of_week in DAY_NAMES
    if not (days_ok and first_ok):
        raise EwsError("ErrorCalendarInvalidDayForWeeklyRecurrence")


def _check_range(range_: Range) -> None:
    if range_.start < MIN_START:
        raise EwsError("ErrorCalendarOutOfRange")
    if range_.start > MAX_END:
        # No occurrence may lie beyond the documented end limit; also keeps rrule clear of date.max.
        raise EwsError("ErrorCalendarOutOfRange")
    if isinstance(range_, EndDateRecurrence):
        if range_.end > MAX_END:
            raise EwsError("ErrorRecurrenceEndDateTooBig")
        if range_.end < range_.start:
            raise EwsError("ErrorCalendarInvalidRecurrence")
    if isinstance(range_, NumberedRecurrence) and not 1 <= range_.count <= MAX_OCCURRENCES:
        raise EwsError("ErrorCalendarOutOfRange")


def _check_has_occurrence(rec: Recurrence) -> None:
    """Only an EndDate range can be empty: every pattern recurs at least yearly, and the others never end."""
    range_ = rec.range
    if rec.regenerating or not isinstance(range_, EndDateRecurrence):
        return
    if first_on_or_after(rec, range_.start) is None:
        raise EwsError(
            "ErrorRecurrenceHasNoOccurrence",
            values=(("EffectiveStartDate", range_.start.isoformat()), ("EffectiveEndDate", range_.end.isoformat())),
        )


def _require(ok: bool) -> None:
    """Enumeration values outside the schema vocabulary can only come from a bypassed parser."""
    if not ok:
        raise EwsError("ErrorCalendarInvalidRecurrence")


# ---- the occurrence grid (non-regenerating patterns) ----------------------------------------------------


def rule(rec: Recurrence) -> rrule:
    """The series grid anchored at the range StartDate, bounded by an EndDate but not by a count.

    The visible NumberOfOccurrences counts the occurrences that remain (spec §5.4), so it cannot bound a grid
    anchored at the range start; callers that want the numbered series use :func:`occurrences`.
    """
    return _grid(rec, rec.range.start)


def occurrences(rec: Recurrence, limit: int = 1000) -> list[dt.date]:
    """The series as its range defines it, capped at ``limit`` dates whatever the range (NoEnd is infinite)."""
    count = rec.range.count if isinstance(rec.range, NumberedRecurrence) else limit
    return [when.date() for when in islice(rule(rec), max(0, min(count, limit)))]


def first_on_or_after(rec: Recurrence, day: dt.date) -> dt.date | None:
    """The grid date on or after ``day`` (EndDate respected, count ignored); None when the series is over."""
    found = _grid(rec, _fast_forward(rec, day)).after(_midnight(day), inc=True)
    return found.date() if found is not None else None


def next_after(rec: Recurrence, day: dt.date) -> dt.date | None:
    """The grid date strictly after ``day``: the next occurrence after the pre-update DueDate (D9)."""
    found = _grid(rec, _fast_forward(rec, day)).after(_midnight(day), inc=False)
    return found.date() if found is not None else None


def normalized(rec: Recurrence) -> Recurrence:
    """The recurrence with its range StartDate moved forward onto the pattern (spec §5.2).

    Regenerating patterns have no grid (every day is a candidate), and an empty EndDate range has nowhere to
    move to; both come back unchanged, the latter for validate() to reject.
    """
    if rec.regenerating:
        return rec
    first = first_on_or_after(rec, rec.range.start)
    if first is None or first == rec.range.start:
        return rec
    return replace(rec, range=replace(rec.range, start=first))


def _grid(rec: Recurrence, start: dt.date) -> rrule:
    if rec.regenerating:
        raise ValueError("regenerating patterns have no occurrence grid; use regenerate()")
    until = _midnight(rec.range.end) if isinstance(rec.range, EndDateRecurrence) else None
    return rrule(dtstart=_midnight(start), until=until, **_rrule_args(rec.pattern))


def _rrule_args(pattern: Pattern) -> dict[str, Any]:
    """rrule keywords per pattern; every by-part is explicit so dtstart only bounds, never shapes, the grid."""
    match pattern:
        case DailyRecurrence(interval=n):
            return {"freq": DAILY, "interval": n}
        case WeeklyRecurrence(interval=n, days_of_week=days, first_day_of_week=first):
            wkst = _RRULE_DAY[first or "Sunday"]  # Exchange's default week start
            return {"freq": WEEKLY, "interval": n, "byweekday": [_RRULE_DAY[d] for d in days], "wkst": wkst}
        case AbsoluteMonthlyRecurrence(interval=n, day_of_month=day):
            return {"freq": MONTHLY, "interval": n, **_clamped_month_day(day)}
        case RelativeMonthlyRecurrence(interval=n, days_of_week=days, day_of_week_index=index):
            return {"freq": MONTHLY, "interval": n, **_nth_day(days, index)}
        case AbsoluteYearlyRecurrence(day_of_month=day, month=month):
            return {"freq": YEARLY, "bymonth": _month_number(month), **_clamped_month_day(day)}
        case RelativeYearlyRecurrence(days_of_week=days, day_of_week_index=index, month=month):
            return {"freq": YEARLY, "bymonth": _month_number(month), **_nth_day(days, index)}
    raise ValueError(f"no grid for {type(pattern).__name__}")


def _clamped_month_day(day: int) -> dict[str, Any]:
    """DayOfMonth beyond the month's length means its last day (spec §5.1).

    rrule skips months lacking ``bymonthday=31``; offering 28..day and keeping the last one that exists yields
    min(day, month length), since every month has a 28th.
    """
    if day <= 28:
        return {"bymonthday": day}
    return {"bymonthday": tuple(range(28, day + 1)), "bysetpos": -1}


def _nth_day(days: str, index: str) -> dict[str, Any]:
    """First..Fourth/Last of a day or day group, counted among the matching days of the month."""
    return {"byweekday": _DAY_GROUPS[days], "bysetpos": _SETPOS[index]}


def _month_number(month: str) -> int:
    return MONTH_NAMES.index(month) + 1


def _fast_forward(rec: Recurrence, day: dt.date) -> dt.date:
    """A later grid anchor that leaves every date from ``day`` on unchanged, so look-ups cost O(1) periods.

    It is the first day of the last grid period (interval-aligned day, week, month or year) that starts after
    the range StartDate and on or before ``day``; whole periods keep the interval's phase, and starting at a
    period's first day keeps all its dates. Without such a period the range StartDate itself is returned.
    """
    start, pattern = rec.range.start, rec.pattern
    if day <= start:
        return start
    match pattern:
        case DailyRecurrence(interval=n):
            return start + dt.timedelta(days=(day - start).days // n * n)
        case WeeklyRecurrence(interval=n, first_day_of_week=first):
            week_start = start - dt.timedelta(days=(start.weekday() - _RRULE_DAY[first or "Sunday"].weekday) % 7)
            periods = (day - week_start).days // (7 * n)
            return week_start + dt.timedelta(weeks=periods * n) if periods > 0 else start
        case AbsoluteMonthlyRecurrence(interval=n) | RelativeMonthlyRecurrence(interval=n):
            months = (day.year - start.year) * 12 + day.month - start.month
            periods = months // n
            return start.replace(day=1) + relativedelta(months=periods * n) if periods > 0 else start
        case AbsoluteYearlyRecurrence() | RelativeYearlyRecurrence():
            return dt.date(day.year, 1, 1) if day.year > start.year else start
    return start


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


# ---- regeneration and the series after a spawn ----------------------------------------------------------


def regenerate(rec: Recurrence, completed_on: dt.date) -> dt.date:
    """The next due date of a regenerating task: Interval units after the completion (spec §5.4).

    relativedelta clamps month and year steps to the month's end (Jan 31 + 1 month = Feb 28/29).
    """
    unit = _REGENERATION_UNIT.get(type(rec.pattern))
    if unit is None:
        raise ValueError("regenerate() needs a regenerating pattern; use next_after()")
    try:
        return completed_on + relativedelta(**{unit: rec.pattern.interval})  # type: ignore[union-attr]
    except (OverflowError, ValueError) as exc:
        raise EwsError("ErrorCalendarOutOfRange") from exc


def has_next(rec: Recurrence, next_date: dt.date | None) -> bool:
    """Whether the series goes on after the current occurrence, i.e. whether a spawn leaves a live master.

    A Numbered range's visible count includes the current occurrence, so one more needs a count above 1.
    """
    if next_date is None:
        return False
    if isinstance(rec.range, EndDateRecurrence):
        return next_date <= rec.range.end
    if isinstance(rec.range, NumberedRecurrence):
        return rec.range.count > 1
    return True


def decremented(rec: Recurrence) -> Recurrence:
    """The master's recurrence after spawning a one-off: the visible count drops by one (D8, EXL 4 → 3 → 2)."""
    if not isinstance(rec.range, NumberedRecurrence):
        return rec
    if rec.range.count <= 1:
        raise ValueError("the last occurrence is not spawned; the series ends instead (D8)")
    return replace(rec, range=replace(rec.range, count=rec.range.count - 1))


def same(a: Recurrence | None, b: Recurrence | None) -> bool:
    """Whether ``b`` re-sends ``a`` unchanged (D12: clients re-send the stored recurrence on every save).

    Weekly day lists compare as sets; everything else, including the range dates, by value.
    """
    if a is None or b is None:
        return a is b
    return _canonical(a) == _canonical(b)


def _canonical(rec: Recurrence) -> Recurrence:
    if isinstance(rec.pattern, WeeklyRecurrence):
        return replace(rec, pattern=replace(rec.pattern, days_of_week=canonical_days(rec.pattern.days_of_week)))
    return rec
