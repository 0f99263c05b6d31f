"""``t:Recurrence`` (TaskRecurrenceType) ⇄ :class:`ewsemu.core.recurrence.Recurrence`.

Parsing is defensive even though requests pass schema validation first: range dates are let through as
datetimes (exchangelib sends them so, spec §4.2), and the core must never see a half-parsed value. Every
malformed value therefore becomes ``ErrorCalendarInvalidRecurrence``; semantic checks stay in the core's
``validate``. Rendering follows the schema's child order and D18's zone-suffixed range dates.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from lxml import etree

from ..core.errors import EwsError
from ..core.recurrence import (
    DAY_INDEXES,
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
    Pattern,
    Range,
    Recurrence,
    RelativeMonthlyRecurrence,
    RelativeYearlyRecurrence,
    WeeklyRecurrence,
    WeeklyRegeneration,
    YearlyRegeneration,
    canonical_days,
)

T = "http://schemas.microsoft.com/exchange/services/2006/types"

# xs:date, or (leniently) xs:dateTime; the zone is ignored because a range date is a calendar day.
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?")
_INT = re.compile(r"[+-]?\d+")
_XS_INT_MIN, _XS_INT_MAX = -(2**31), 2**31 - 1

Fields = dict[str, str]

# ---- parsing --------------------------------------------------------------------------------------------


def parse_recurrence(elem: etree._Element) -> Recurrence:
    """The Recurrence in a ``t:Recurrence`` element: one pattern element, then one range element."""
    children = _children(elem)
    if len(children) != 2:
        raise _invalid()
    pattern_elem, range_elem = children
    return Recurrence(pattern=_parse_pattern(pattern_elem), range=_parse_range(range_elem))


def _parse_pattern(elem: etree._Element) -> Pattern:
    spec = _PATTERN_PARSERS.get(_local_name(elem))
    if spec is None:
        raise _invalid()
    required, optional, build = spec
    return build(_fields(elem, required, optional))


def _parse_range(elem: etree._Element) -> Range:
    spec = _RANGE_PARSERS.get(_local_name(elem))
    if spec is None:
        raise _invalid()
    required, build = spec
    return build(_fields(elem, required, ()))


def _children(elem: etree._Element) -> list[etree._Element]:
    """Element children only: comments and processing instructions carry no data."""
    return [child for child in elem if isinstance(child.tag, str)]


def _local_name(elem: etree._Element) -> str | None:
    """The local name of a types-namespace element; anything else matches no parser."""
    qname = etree.QName(elem)
    return qname.localname if qname.namespace == T else None


def _fields(elem: etree._Element, required: tuple[str, ...], optional: tuple[str, ...]) -> Fields:
    """Child texts by name, insisting on the schema sequence: all of ``required``, then ``optional`` in order."""
    children = _children(elem)
    names = [_local_name(child) for child in children]
    expected = list(required) + [name for name in optional if name in names]
    if names != expected:
        raise _invalid()
    return {name: (child.text or "") for name, child in zip(names, children)}


def _int(text: str) -> int:
    value = text.strip()
    if not _INT.fullmatch(value):
        raise _invalid()
    number = int(value)
    if not _XS_INT_MIN <= number <= _XS_INT_MAX:
        raise _invalid()
    return number


def _enum(text: str, allowed: tuple[str, ...]) -> str:
    value = text.strip()
    if value not in allowed:
        raise _invalid()
    return value


def _day_list(text: str) -> tuple[str, ...]:
    """An xs:list of DayOfWeekType. Groups are kept so validate() can give the weekly-specific error."""
    return canonical_days(tuple(_enum(token, DAY_TYPES) for token in text.split()))


def _date(text: str) -> dt.date:
    """The literal date part of an xs:date, or of the xs:dateTime exchangelib puts in its place."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise _invalid()
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise _invalid() from exc


def _invalid() -> EwsError:
    return EwsError("ErrorCalendarInvalidRecurrence")


_PatternSpec = tuple[tuple[str, ...], tuple[str, ...], Callable[[Fields], Pattern]]
_PATTERN_PARSERS: dict[str, _PatternSpec] = {
    "RelativeYearlyRecurrence": (
        ("DaysOfWeek", "DayOfWeekIndex", "Month"),
        (),
        lambda f: RelativeYearlyRecurrence(
            days_of_week=_enum(f["DaysOfWeek"], DAY_TYPES),
            day_of_week_index=_enum(f["DayOfWeekIndex"], DAY_INDEXES),
            month=_enum(f["Month"], MONTH_NAMES),
        ),
    ),
    "AbsoluteYearlyRecurrence": (
        ("DayOfMonth", "Month"),
        (),
        lambda f: AbsoluteYearlyRecurrence(day_of_month=_int(f["DayOfMonth"]), month=_enum(f["Month"], MONTH_NAMES)),
    ),
    "RelativeMonthlyRecurrence": (
        ("Interval", "DaysOfWeek", "DayOfWeekIndex"),
        (),
        lambda f: RelativeMonthlyRecurrence(
            interval=_int(f["Interval"]),
            days_of_week=_enum(f["DaysOfWeek"], DAY_TYPES),
            day_of_week_index=_enum(f["DayOfWeekIndex"], DAY_INDEXES),
        ),
    ),
    "AbsoluteMonthlyRecurrence": (
        ("Interval", "DayOfMonth"),
        (),
        lambda f: AbsoluteMonthlyRecurrence(interval=_int(f["Interval"]), day_of_month=_int(f["DayOfMonth"])),
    ),
    "WeeklyRecurrence": (
        ("Interval", "DaysOfWeek"),
        ("FirstDayOfWeek",),
        lambda f: WeeklyRecurrence(
            interval=_int(f["Interval"]),
            days_of_week=_day_list(f["DaysOfWeek"]),
            first_day_of_week=_enum(f["FirstDayOfWeek"], DAY_TYPES) if "FirstDayOfWeek" in f else None,
        ),
    ),
    "DailyRecurrence": (("Interval",), (), lambda f: DailyRecurrence(interval=_int(f["Interval"]))),
    "DailyRegeneration": (("Interval",), (), lambda f: DailyRegeneration(interval=_int(f["Interval"]))),
    "WeeklyRegeneration": (("Interval",), (), lambda f: WeeklyRegeneration(interval=_int(f["Interval"]))),
    "MonthlyRegeneration": (("Interval",), (), lambda f: MonthlyRegeneration(interval=_int(f["Interval"]))),
    "YearlyRegeneration": (("Interval",), (), lambda f: YearlyRegeneration(interval=_int(f["Interval"]))),
}

_RANGE_PARSERS: dict[str, tuple[tuple[str, ...], Callable[[Fields], Range]]] = {
    "NoEndRecurrence": (("StartDate",), lambda f: NoEndRecurrence(start=_date(f["StartDate"]))),
    "EndDateRecurrence": (
        ("StartDate", "EndDate"),
        lambda f: EndDateRecurrence(start=_date(f["StartDate"]), end=_date(f["EndDate"])),
    ),
    "NumberedRecurrence": (
        ("StartDate", "NumberOfOccurrences"),
        lambda f: NumberedRecurrence(start=_date(f["StartDate"]), count=_int(f["NumberOfOccurrences"])),
    ),
}

# ---- rendering ------------------------------------------------------------------------------------------


def render_recurrence(rec: Recurrence, parent: etree._Element) -> etree._Element:
    """Append ``t:Recurrence`` to ``parent``; the caller owns the prefix declarations."""
    elem = etree.SubElement(parent, _q("Recurrence"))
    _render_fields(elem, type(rec.pattern).__name__, _pattern_fields(rec.pattern))
    _render_fields(elem, type(rec.range).__name__, _range_fields(rec.range))
    return elem


def _pattern_fields(pattern: Pattern) -> list[tuple[str, str]]:
    """Children in schema order. The dataclass names are the element names, so only the children differ."""
    match pattern:
        case RelativeYearlyRecurrence(days_of_week=days, day_of_week_index=index, month=month):
            return [("DaysOfWeek", days), ("DayOfWeekIndex", index), ("Month", month)]
        case AbsoluteYearlyRecurrence(day_of_month=day, month=month):
            return [("DayOfMonth", str(day)), ("Month", month)]
        case RelativeMonthlyRecurrence(interval=n, days_of_week=days, day_of_week_index=index):
            return [("Interval", str(n)), ("DaysOfWeek", days), ("DayOfWeekIndex", index)]
        case AbsoluteMonthlyRecurrence(interval=n, day_of_month=day):
            return [("Interval", str(n)), ("DayOfMonth", str(day))]
        case WeeklyRecurrence(interval=n, days_of_week=days, first_day_of_week=first):
            fields = [("Interval", str(n)), ("DaysOfWeek", " ".join(canonical_days(days)))]
            return fields + ([("FirstDayOfWeek", first)] if first is not None else [])
        case _:
            return [("Interval", str(pattern.interval))]  # type: ignore[union-attr]


def _range_fields(range_: Range) -> list[tuple[str, str]]:
    fields = [("StartDate", _render_date(range_.start))]
    if isinstance(range_, EndDateRecurrence):
        fields.append(("EndDate", _render_date(range_.end)))
    elif isinstance(range_, NumberedRecurrence):
        fields.append(("NumberOfOccurrences", str(range_.count)))
    return fields


def _render_fields(parent: etree._Element, name: str, fields: list[tuple[str, str]]) -> None:
    elem = etree.SubElement(parent, _q(name))
    for child_name, text in fields:
        etree.SubElement(elem, _q(child_name)).text = text


def _render_date(day: dt.date) -> str:
    """Always zone-suffixed: exchangelib misreads a bare xs:date and echoes it back as a datetime (D18)."""
    return f"{day.isoformat()}Z"


def _q(name: str) -> str:
    return f"{{{T}}}{name}"
