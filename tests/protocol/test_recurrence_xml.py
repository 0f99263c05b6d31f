"""The ``t:Recurrence`` codec: round trips, lenient input, defensive errors, our schema and Microsoft's as oracles."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

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
    validate,
)
from ewsemu.protocol import validation
from ewsemu.protocol.recurrence_xml import T, parse_recurrence, render_recurrence

from .. import ms_schema
from ..soap import capture as read_capture

M = "http://schemas.microsoft.com/exchange/services/2006/messages"
NSMAP = {"m": M, "t": T}

PATTERNS = [
    RelativeYearlyRecurrence("Monday", "First", "September"),
    AbsoluteYearlyRecurrence(29, "February"),
    RelativeMonthlyRecurrence(2, "Weekday", "Last"),
    AbsoluteMonthlyRecurrence(1, 31),
    WeeklyRecurrence(1, ("Monday", "Wednesday")),
    WeeklyRecurrence(2, ("Sunday", "Saturday"), "Monday"),
    DailyRecurrence(3),
    DailyRegeneration(7),
    WeeklyRegeneration(2),
    MonthlyRegeneration(1),
    YearlyRegeneration(1),
]
RANGES = [
    NoEndRecurrence(dt.date(2016, 1, 1)),
    EndDateRecurrence(dt.date(2016, 1, 1), dt.date(2017, 12, 31)),
    NumberedRecurrence(dt.date(2016, 1, 1), 4),
]
ALL = [Recurrence(p, r) for p in PATTERNS for r in RANGES]


def _ids(value: Recurrence) -> str:
    return f"{type(value.pattern).__name__}-{type(value.range).__name__}"


def xml(text: str) -> etree._Element:
    """A ``t:Recurrence`` from a snippet written with the ``t:`` prefix."""
    return etree.fromstring(f'<t:Recurrence xmlns:t="{T}">{text}</t:Recurrence>')


def render(rec: Recurrence) -> etree._Element:
    parent = etree.Element(f"{{{T}}}Task", nsmap={"t": T})
    return render_recurrence(rec, parent)


def texts(elem: etree._Element) -> list[tuple[str, str | None]]:
    return [(etree.QName(e).localname, e.text) for e in elem.iter() if e is not elem]


# ---- rendering ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rec", ALL, ids=_ids)
def test_round_trip(rec: Recurrence) -> None:
    assert parse_recurrence(render(rec)) == rec


def test_render_appends_to_parent_in_schema_order() -> None:
    parent = etree.Element(f"{{{T}}}Task", nsmap={"t": T})
    elem = render_recurrence(Recurrence(WeeklyRecurrence(1, ("Wednesday", "Monday")), RANGES[2]), parent)
    assert elem.getparent() is parent and elem.tag == f"{{{T}}}Recurrence"
    assert texts(elem) == [
        ("WeeklyRecurrence", None),
        ("Interval", "1"),
        ("DaysOfWeek", "Monday Wednesday"),
        ("NumberedRecurrence", None),
        ("StartDate", "2016-01-01Z"),
        ("NumberOfOccurrences", "4"),
    ]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (RelativeYearlyRecurrence("Monday", "First", "September"),
         [("DaysOfWeek", "Monday"), ("DayOfWeekIndex", "First"), ("Month", "September")]),
        (AbsoluteYearlyRecurrence(29, "February"), [("DayOfMonth", "29"), ("Month", "February")]),
        (RelativeMonthlyRecurrence(2, "Weekday", "Last"),
         [("Interval", "2"), ("DaysOfWeek", "Weekday"), ("DayOfWeekIndex", "Last")]),
        (AbsoluteMonthlyRecurrence(1, 31), [("Interval", "1"), ("DayOfMonth", "31")]),
        (WeeklyRecurrence(2, ("Saturday", "Sunday"), "Monday"),
         [("Interval", "2"), ("DaysOfWeek", "Sunday Saturday"), ("FirstDayOfWeek", "Monday")]),
        (DailyRecurrence(3), [("Interval", "3")]),
        (YearlyRegeneration(5), [("Interval", "5")]),
    ],
)
def test_render_pattern_children(pattern, expected) -> None:
    elem = render(Recurrence(pattern, RANGES[0]))
    pattern_elem = elem[0]
    assert etree.QName(pattern_elem).localname == type(pattern).__name__
    assert [(etree.QName(c).localname, c.text) for c in pattern_elem] == expected


def test_render_end_date_range_with_zone_suffix() -> None:
    elem = render(Recurrence(DailyRecurrence(1), EndDateRecurrence(dt.date(1601, 4, 1), dt.date(4500, 9, 1))))
    assert texts(elem)[2:] == [("EndDateRecurrence", None), ("StartDate", "1601-04-01Z"), ("EndDate", "4500-09-01Z")]


def test_render_declares_no_namespaces_of_its_own() -> None:
    """The caller declares prefixes once for the whole response."""
    envelope = etree.Element(f"{{{M}}}Items", nsmap=NSMAP)
    task = etree.SubElement(envelope, f"{{{T}}}Task")
    render_recurrence(ALL[0], task)
    serialised = etree.tostring(envelope).decode()
    assert serialised.count("xmlns") == 2
    assert "<t:Recurrence><t:RelativeYearlyRecurrence>" in serialised


# ---- parsing --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-01-01", dt.date(2016, 1, 1)),
        ("2016-01-01Z", dt.date(2016, 1, 1)),
        ("2016-01-01+01:00", dt.date(2016, 1, 1)),
        ("2016-01-01-05:00", dt.date(2016, 1, 1)),
        ("2016-02-01T00:00:00Z", dt.date(2016, 2, 1)),  # exchangelib's echo of a bare date (spec §4.2)
        ("2016-01-31T23:00:00Z", dt.date(2016, 1, 31)),  # the literal date part, not a conversion
        ("2016-02-01T00:00:00.000+01:00", dt.date(2016, 2, 1)),
        ("2016-02-01T00:00:00", dt.date(2016, 2, 1)),
        ("  2016-01-01Z\n ", dt.date(2016, 1, 1)),
    ],
)
def test_parse_range_dates_leniently(text: str, expected: dt.date) -> None:
    rec = parse_recurrence(xml(
        "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>"
        f"<t:NoEndRecurrence><t:StartDate>{text}</t:StartDate></t:NoEndRecurrence>"
    ))
    assert rec == Recurrence(DailyRecurrence(1), NoEndRecurrence(expected))


def test_parse_weekly_days_canonically() -> None:
    rec = parse_recurrence(xml(
        "<t:WeeklyRecurrence><t:Interval> 1 </t:Interval>"
        "<t:DaysOfWeek>Saturday  Monday\n Monday Sunday</t:DaysOfWeek></t:WeeklyRecurrence>"
        "<t:NumberedRecurrence><t:StartDate>2024-03-04Z</t:StartDate>"
        "<t:NumberOfOccurrences>10</t:NumberOfOccurrences></t:NumberedRecurrence>"
    ))
    assert rec == Recurrence(
        WeeklyRecurrence(1, ("Sunday", "Monday", "Saturday")), NumberedRecurrence(dt.date(2024, 3, 4), 10)
    )


def test_parse_weekly_group_is_left_for_validate() -> None:
    """The schema allows a group in DaysOfWeekType; the weekly-specific error comes from validate()."""
    rec = parse_recurrence(xml(
        "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek></t:WeeklyRecurrence>"
        "<t:NoEndRecurrence><t:StartDate>2024-03-04Z</t:StartDate></t:NoEndRecurrence>"
    ))
    assert rec.pattern == WeeklyRecurrence(1, ("Weekday",))
    with pytest.raises(EwsError) as info:
        validate(rec)
    assert info.value.code == "ErrorCalendarInvalidDayForWeeklyRecurrence"


def test_parse_out_of_range_values_is_left_for_validate() -> None:
    rec = parse_recurrence(xml(
        "<t:AbsoluteMonthlyRecurrence><t:Interval>0</t:Interval><t:DayOfMonth>32</t:DayOfMonth>"
        "</t:AbsoluteMonthlyRecurrence>"
        "<t:NumberedRecurrence><t:StartDate>2024-03-04Z</t:StartDate>"
        "<t:NumberOfOccurrences>-1</t:NumberOfOccurrences></t:NumberedRecurrence>"
    ))
    assert rec == Recurrence(AbsoluteMonthlyRecurrence(0, 32), NumberedRecurrence(dt.date(2024, 3, 4), -1))


def test_parse_ignores_comments() -> None:
    rec = parse_recurrence(xml(
        "<!-- pattern --><t:DailyRegeneration><!-- n --><t:Interval>2</t:Interval></t:DailyRegeneration>"
        "<t:NoEndRecurrence><t:StartDate>2018-04-03Z</t:StartDate></t:NoEndRecurrence>"
    ))
    assert rec == Recurrence(DailyRegeneration(2), NoEndRecurrence(dt.date(2018, 4, 3)))


@pytest.mark.parametrize("echo", [False, True], ids=["as-captured", "datetime-echo"])
@pytest.mark.parametrize(
    ("capture", "expected"),
    [
        ("recurring-nonregen-step2-complete.request.xml",
         Recurrence(DailyRecurrence(1), NumberedRecurrence(dt.date(2016, 2, 1), 3))),
        ("recurring-regen-step1-change-recurrence-start.request.xml",
         Recurrence(DailyRegeneration(1), NumberedRecurrence(dt.date(2016, 1, 2), 4))),
    ],
)
def test_parse_exchangelib_capture(capture: str, expected: Recurrence, echo: bool) -> None:
    """exchangelib's real full-save requests (tests/captures/). ewsemu writes the range start as ``2016-02-01Z``,
    which exchangelib reads back as a date; from a server that leaves out the zone suffix it reads a datetime and
    sends ``2016-02-01T00:00:00Z`` in the xs:date element (spec §4.2), which is accepted for its date part."""
    root = etree.fromstring(read_capture(f"test_tasks/{capture}"))
    (elem,) = root.iter(f"{{{T}}}Recurrence")
    if echo:
        (start,) = elem.iter(f"{{{T}}}StartDate")
        start.text += "T00:00:00Z"
    assert parse_recurrence(elem) == expected


DAILY = "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>"
NO_END = "<t:NoEndRecurrence><t:StartDate>2016-01-01Z</t:StartDate></t:NoEndRecurrence>"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="empty"),
        pytest.param(DAILY, id="no-range"),
        pytest.param(NO_END, id="no-pattern"),
        pytest.param(NO_END + DAILY, id="range-first"),
        pytest.param(DAILY + NO_END + NO_END, id="two-ranges"),
        pytest.param(DAILY.replace("t:Daily", "t:Hourly") + NO_END, id="unknown-pattern"),
        pytest.param(DAILY + NO_END.replace("t:NoEnd", "t:Forever"), id="unknown-range"),
        pytest.param(DAILY.replace("<t:DailyRecurrence>", '<x:DailyRecurrence xmlns:x="urn:x">')
                     .replace("</t:DailyRecurrence>", "</x:DailyRecurrence>") + NO_END, id="foreign-namespace"),
        pytest.param("<t:DailyRecurrence/>" + NO_END, id="missing-interval"),
        pytest.param(DAILY.replace(">1<", ">abc<") + NO_END, id="interval-not-a-number"),
        pytest.param(DAILY.replace(">1<", ">1.5<") + NO_END, id="interval-decimal"),
        pytest.param(DAILY.replace(">1<", "><") + NO_END, id="interval-empty"),
        pytest.param(DAILY.replace(">1<", ">2147483648<") + NO_END, id="interval-beyond-xs-int"),
        pytest.param(DAILY.replace("</t:Interval>", "</t:Interval><t:Interval>2</t:Interval>") + NO_END,
                     id="interval-twice"),
        pytest.param(DAILY + NO_END.replace("2016-01-01Z", "2016-13-01Z"), id="month-13"),
        pytest.param(DAILY + NO_END.replace("2016-01-01Z", "2016-02-30"), id="february-30"),
        pytest.param(DAILY + NO_END.replace("2016-01-01Z", "20160101"), id="compact-date"),
        pytest.param(DAILY + NO_END.replace("2016-01-01Z", "12016-01-01"), id="five-digit-year"),
        pytest.param(DAILY + NO_END.replace("2016-01-01Z", "2016-01-01T25"), id="broken-time"),
        pytest.param(DAILY + NO_END.replace("2016-01-01Z", ""), id="empty-date"),
        pytest.param(DAILY + "<t:EndDateRecurrence><t:StartDate>2016-01-01</t:StartDate></t:EndDateRecurrence>",
                     id="end-date-missing"),
        pytest.param(DAILY + "<t:NumberedRecurrence><t:NumberOfOccurrences>3</t:NumberOfOccurrences>"
                     "<t:StartDate>2016-01-01</t:StartDate></t:NumberedRecurrence>", id="range-children-swapped"),
        pytest.param("<t:WeeklyRecurrence><t:DaysOfWeek>Monday</t:DaysOfWeek><t:Interval>1</t:Interval>"
                     "</t:WeeklyRecurrence>" + NO_END, id="weekly-children-swapped"),
        pytest.param("<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Funday</t:DaysOfWeek>"
                     "</t:WeeklyRecurrence>" + NO_END, id="weekly-unknown-day"),
        pytest.param("<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek>"
                     "<t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence>" + NO_END, id="weekly-optional-first"),
        pytest.param("<t:RelativeYearlyRecurrence><t:DaysOfWeek>Monday</t:DaysOfWeek>"
                     "<t:DayOfWeekIndex>Fifth</t:DayOfWeekIndex><t:Month>May</t:Month></t:RelativeYearlyRecurrence>"
                     + NO_END, id="unknown-index"),
        pytest.param("<t:AbsoluteYearlyRecurrence><t:DayOfMonth>1</t:DayOfMonth><t:Month>Smarch</t:Month>"
                     "</t:AbsoluteYearlyRecurrence>" + NO_END, id="unknown-month"),
        pytest.param("<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval>"
                     "<t:DaysOfWeek>Monday Tuesday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex>"
                     "</t:RelativeMonthlyRecurrence>" + NO_END, id="relative-day-list"),
    ],
)
def test_parse_rejects_malformed(body: str) -> None:
    with pytest.raises(EwsError) as info:
        parse_recurrence(xml(body))
    assert info.value.code == "ErrorCalendarInvalidRecurrence"


# ---- our schema and Microsoft's as oracles -------------------------------------------------------------


@pytest.fixture(params=["wsdl", "microsoft"])
def schema(request: pytest.FixtureRequest) -> etree.XMLSchema:
    """Our wsdl/ subset, and Microsoft's schema (tests/ms_schema.py: skipped without it, a failure with CI=true)."""
    return validation.schema() if request.param == "wsdl" else ms_schema.require()


def create_item(rec: Recurrence) -> etree._Element:
    request = etree.Element(f"{{{M}}}CreateItem", nsmap=NSMAP)
    task = etree.SubElement(etree.SubElement(request, f"{{{M}}}Items"), f"{{{T}}}Task")
    etree.SubElement(task, f"{{{T}}}Subject").text = "recurring"
    render_recurrence(rec, task)
    return request


def update_item(rec: Recurrence) -> etree._Element:
    request = etree.Element(f"{{{M}}}UpdateItem", nsmap=NSMAP, ConflictResolution="AutoResolve")
    change = etree.SubElement(etree.SubElement(request, f"{{{M}}}ItemChanges"), f"{{{T}}}ItemChange")
    etree.SubElement(change, f"{{{T}}}ItemId", Id="AAMkR1=", ChangeKey="EwAAAR5")
    set_field = etree.SubElement(etree.SubElement(change, f"{{{T}}}Updates"), f"{{{T}}}SetItemField")
    etree.SubElement(set_field, f"{{{T}}}FieldURI", FieldURI="task:Recurrence")
    render_recurrence(rec, etree.SubElement(set_field, f"{{{T}}}Task"))
    return request


def assert_valid(schema: etree.XMLSchema, doc: etree._Element) -> None:
    # Re-parse so the schema sees exactly what goes over the wire.
    reparsed = etree.fromstring(etree.tostring(doc))
    assert schema.validate(reparsed), "\n".join(str(e) for e in schema.error_log)


@pytest.mark.parametrize("rec", ALL, ids=_ids)
@pytest.mark.parametrize("envelope", [create_item, update_item], ids=["CreateItem", "UpdateItem"])
def test_rendered_recurrence_is_schema_valid(schema: etree.XMLSchema, envelope, rec: Recurrence) -> None:
    assert_valid(schema, envelope(rec))


def test_schema_oracle_has_teeth(schema: etree.XMLSchema) -> None:
    """The datetime form we accept leniently is what the schema forbids, so the test above means something."""
    doc = create_item(ALL[0])
    (start,) = doc.iter(f"{{{T}}}StartDate")
    start.text = "2016-02-01T00:00:00Z"
    assert not schema.validate(etree.fromstring(etree.tostring(doc)))


# ---- property -------------------------------------------------------------------------------------------

dates = st.dates(dt.date(1601, 4, 1), dt.date(4500, 9, 1))
intervals = st.integers(1, 999)
any_patterns = st.one_of(
    st.builds(RelativeYearlyRecurrence, st.sampled_from(DAY_TYPES), st.sampled_from(DAY_INDEXES),
              st.sampled_from(MONTH_NAMES)),
    st.builds(AbsoluteYearlyRecurrence, st.integers(1, 31), st.sampled_from(MONTH_NAMES)),
    st.builds(RelativeMonthlyRecurrence, intervals, st.sampled_from(DAY_TYPES), st.sampled_from(DAY_INDEXES)),
    st.builds(AbsoluteMonthlyRecurrence, intervals, st.integers(1, 31)),
    st.builds(WeeklyRecurrence, intervals,
              st.sets(st.sampled_from(DAY_NAMES), min_size=1).map(lambda s: tuple(d for d in DAY_NAMES if d in s)),
              st.none() | st.sampled_from(DAY_NAMES)),
    *(st.builds(cls, intervals) for cls in (DailyRecurrence, DailyRegeneration, WeeklyRegeneration,
                                            MonthlyRegeneration, YearlyRegeneration)),
)
any_ranges = st.one_of(
    st.builds(NoEndRecurrence, dates),
    st.builds(EndDateRecurrence, dates, dates),
    st.builds(NumberedRecurrence, dates, st.integers(1, 999)),
)


@settings(max_examples=200, deadline=None)
@given(st.builds(Recurrence, any_patterns, any_ranges))
def test_property_round_trip(rec: Recurrence) -> None:
    assert parse_recurrence(render(rec)) == rec
