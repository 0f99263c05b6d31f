"""FindItem (issue 5, part A): the restriction engine, sorting, paging, shapes and errors, through the endpoint.

Every restriction test runs against a folder of 40 varied tasks and compares the answer with an oracle: a
Python predicate over the tasks as created. Each test also checks that the oracle selects some but not all
of the tasks, so a FindItem that ignored the restriction (or matched nothing) fails.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from dataclasses import dataclass, field
from typing import Callable, Iterator
from xml.sax.saxutils import quoteattr, escape

import pytest
from lxml import etree

from ewsemu.core.clock import Clock
from ewsemu.emulator import Settings

from ..soap import NS, Client, Response, capture, ews_validate

TASKS = '<t:DistinguishedFolderId Id="tasks"/>'
ROMANCE = ('<t:RequestServerVersion Version="Exchange2016"/><t:TimeZoneContext>'
           '<t:TimeZoneDefinition Id="Romance Standard Time"/></t:TimeZoneContext>')
ALL = '<m:IndexedPageItemView MaxEntriesReturned="1000" Offset="0" BasePoint="Beginning"/>'
PRIORITY = 'PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="Priority" PropertyType="Integer"'
LABEL = 'PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="Label" PropertyType="String"'
SEEN = 'PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="Seen" PropertyType="SystemTime"'
STATUSES = ("NotStarted", "InProgress", "Completed", "WaitingOnOthers", "Deferred")
IMPORTANCES = ("Low", "Normal", "High")
WORDS = ("alpha report", "Beta review", "gamma Release", "Café meeting", "delta-plan", "ÉLAN vital",
         "Review board", "cafe au lait")


# ---- the data set -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One task as created: what the oracle predicates look at."""

    subject: str
    categories: tuple[str, ...] = ()
    importance: str = "Normal"
    status: str = "NotStarted"
    due: dt.date | None = None
    start: dt.date | None = None
    total_work: int | None = None
    actual_work: int | None = None
    companies: tuple[str, ...] = ()
    reminder: bool = False
    body: str | None = None
    priority: int | None = None
    label: str | None = None
    seen: str | None = None
    mileage: str | None = None
    created: int = 0  # which batch (hours after 09:00) created it


def data_set() -> list[Spec]:
    specs = []
    for i in range(40):
        due = dt.date(2026, 2, 1) + dt.timedelta(days=i) if i % 5 else None
        specs.append(Spec(
            subject=f"T{i:02d} {WORDS[i % len(WORDS)]}",
            categories=(f"cat{i % 3}",) + (("shared",) if i % 4 == 0 else ()),
            importance=IMPORTANCES[i % 3],
            status=STATUSES[i % 5],
            due=due,
            start=(due - dt.timedelta(days=i % 3)) if due is not None and i % 2 else None,
            total_work=i * 10 if i % 6 else None,
            actual_work=(i * 37) % 100,
            companies=tuple(f"Company {c}" for c in range(i % 4)),
            reminder=i % 2 == 0,
            body=f"Body of task {i}: {'urgent ' if i % 7 == 0 else ''}text" if i % 9 else None,
            priority=i % 7 if i % 2 == 0 else None,
            label=f"Label-{i % 4}" if i % 3 else None,
            seen=(f"2026-01-{1 + i % 20:02d}T{i % 24:02d}:30:00+01:00" if i % 4 == 1 else None),
            mileage=f"{i} km",
            created=0 if i < 20 else 1,
        ))
    return specs


def _strings(tag: str, values: tuple[str, ...]) -> str:
    return f"<t:{tag}>" + "".join(f"<t:String>{escape(v)}</t:String>" for v in values) + f"</t:{tag}>"


def _extended(attrs: str, value: str) -> str:
    return f"<t:ExtendedProperty><t:ExtendedFieldURI {attrs}/><t:Value>{escape(value)}</t:Value></t:ExtendedProperty>"


def task_xml(s: Spec) -> str:
    """A t:Task with the spec's properties, in schema order."""
    parts = [f"<t:Subject>{escape(s.subject)}</t:Subject>"]
    if s.body is not None:
        parts.append(f'<t:Body BodyType="Text">{escape(s.body)}</t:Body>')
    if s.categories:
        parts.append(_strings("Categories", s.categories))
    parts.append(f"<t:Importance>{s.importance}</t:Importance>")
    parts.append(f"<t:ReminderIsSet>{'true' if s.reminder else 'false'}</t:ReminderIsSet>")
    for attrs, value in ((PRIORITY, s.priority), (LABEL, s.label), (SEEN, s.seen)):
        if value is not None:
            parts.append(_extended(attrs, str(value)))
    if s.actual_work is not None:
        parts.append(f"<t:ActualWork>{s.actual_work}</t:ActualWork>")
    if s.companies:
        parts.append(_strings("Companies", s.companies))
    if s.due is not None:
        parts.append(f"<t:DueDate>{s.due.isoformat()}T00:00:00Z</t:DueDate>")
    if s.mileage is not None:
        parts.append(f"<t:Mileage>{escape(s.mileage)}</t:Mileage>")
    if s.start is not None:
        parts.append(f"<t:StartDate>{s.start.isoformat()}T00:00:00Z</t:StartDate>")
    parts.append(f"<t:Status>{s.status}</t:Status>")
    if s.total_work is not None:
        parts.append(f"<t:TotalWork>{s.total_work}</t:TotalWork>")
    return "<t:Task>" + "".join(parts) + "</t:Task>"


def create(client: Client, specs: list[Spec], folder: str = TASKS, headers: str | None = None,
           user: str | None = None) -> list[str]:
    """Create the tasks in one CreateItem; their ItemIds in order."""
    items = "".join(task_xml(s) for s in specs)
    r = client.call(f'<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId>{folder}</m:SavedItemFolderId>'
                    f"<m:Items>{items}</m:Items></m:CreateItem>", headers=headers, user=user)
    assert r.codes() == ["NoError"] * len(specs), r.body
    return [el.get("Id") for el in r.xpath("//m:Items/t:Task/t:ItemId")]


@dataclass
class Folder:
    """The 40 tasks in alice's tasks folder, and their ItemIds by subject."""

    specs: list[Spec]
    ids: dict[str, str] = field(default_factory=dict)

    def subjects(self, predicate: Callable[[Spec], bool]) -> set[str]:
        return {s.subject for s in self.specs if predicate(s)}

    def by_subject(self, subject: str) -> Spec:
        return next(s for s in self.specs if s.subject == subject)


@pytest.fixture
def folder(client: Client, clock: Clock) -> Folder:
    specs = data_set()
    ids: list[str] = []
    for batch in (0, 1):
        chunk = [s for s in specs if s.created == batch]
        ids += create(client, chunk)
        clock.advance(dt.timedelta(hours=1))
    return Folder(specs, dict(zip([s.subject for s in specs], ids)))


# ---- requests ---------------------------------------------------------------------------------------------


def path_xml(uri: str) -> str:
    return uri if uri.startswith("<") else f'<t:FieldURI FieldURI="{uri}"/>'


def cmp(op: str, uri: str, value: str) -> str:
    return (f"<t:{op}>{path_xml(uri)}<t:FieldURIOrConstant><t:Constant Value={quoteattr(value)}/>"
            f"</t:FieldURIOrConstant></t:{op}>")


def eq(uri: str, value: str) -> str:
    return cmp("IsEqualTo", uri, value)


def contains(uri: str, value: str, mode: str = "Substring", comparison: str = "Exact") -> str:
    return (f'<t:Contains ContainmentMode="{mode}" ContainmentComparison="{comparison}">{path_xml(uri)}'
            f"<t:Constant Value={quoteattr(value)}/></t:Contains>")


def ext(attrs: str) -> str:
    return f"<t:ExtendedFieldURI {attrs}/>"


def find_body(restriction: str = "", *, props: tuple[str, ...] = ("item:Subject",), base: str = "IdOnly",
              view: str = ALL, sort: str = "", folders: str = TASKS, traversal: str = "Shallow",
              shape_extra: str = "") -> str:
    additional = "".join(path_xml(p) for p in props)
    shape = f"<t:BaseShape>{base}</t:BaseShape>{shape_extra}"
    if additional:
        shape += f"<t:AdditionalProperties>{additional}</t:AdditionalProperties>"
    restriction = f"<m:Restriction>{restriction}</m:Restriction>" if restriction else ""
    sort = f"<m:SortOrder>{sort}</m:SortOrder>" if sort else ""
    return (f'<m:FindItem Traversal="{traversal}"><m:ItemShape>{shape}</m:ItemShape>{view}{restriction}{sort}'
            f"<m:ParentFolderIds>{folders}</m:ParentFolderIds></m:FindItem>")


def find(client: Client, restriction: str = "", headers: str | None = None, user: str | None = None,
         **kwargs: object) -> Response:
    return client.call(find_body(restriction, **kwargs), headers=headers, user=user)  # type: ignore[arg-type]


def subjects(r: Response) -> list[str]:
    assert r.codes() == ["NoError"], r.body
    return [s.text for s in r.xpath("//m:RootFolder/t:Items/t:Task/t:Subject")]


def root_folder(r: Response) -> dict[str, str]:
    return dict(r.xpath("//m:RootFolder")[0].attrib)


def check(client: Client, folder: Folder, restriction: str, predicate: Callable[[Spec], bool],
          headers: str | None = None) -> Response:
    """The restriction selects exactly what the predicate selects, and that is neither nothing nor all."""
    expected = folder.subjects(predicate)
    assert 0 < len(expected) < len(folder.specs), f"the oracle must select a proper subset ({len(expected)})"
    r = find(client, restriction, headers=headers)
    got = subjects(r)
    assert len(got) == len(set(got))
    assert set(got) == expected
    assert root_folder(r)["TotalItemsInView"] == str(len(expected))
    return r


# ---- comparisons on single-valued fields --------------------------------------------------------------------


def test_is_equal_to_subject_is_exact(client: Client, folder: Folder) -> None:
    target = folder.specs[7].subject
    check(client, folder, eq("item:Subject", target), lambda s: s.subject == target)
    assert subjects(find(client, eq("item:Subject", target.upper()))) == []


@pytest.mark.parametrize("op, test", [
    ("IsEqualTo", lambda v: v == 200), ("IsNotEqualTo", lambda v: v != 200),
    ("IsGreaterThan", lambda v: v > 200), ("IsGreaterThanOrEqualTo", lambda v: v >= 200),
    ("IsLessThan", lambda v: v < 200), ("IsLessThanOrEqualTo", lambda v: v <= 200),
])
def test_integer_operators(client: Client, folder: Folder, op: str, test: Callable[[int], bool]) -> None:
    """Numeric, not textual, comparison; an absent TotalWork never matches, not even IsNotEqualTo."""
    check(client, folder, cmp(op, "task:TotalWork", "200"), lambda s: s.total_work is not None and test(s.total_work))


@pytest.mark.parametrize("op, test", [
    ("IsEqualTo", lambda r: r == 1), ("IsNotEqualTo", lambda r: r != 1), ("IsGreaterThan", lambda r: r > 1),
    ("IsLessThanOrEqualTo", lambda r: r <= 1),
])
def test_enumerations_compare_by_their_mapi_order(client: Client, folder: Folder, op: str,
                                                  test: Callable[[int], bool]) -> None:
    """Low < Normal < High, as Exchange stores Importance as 0, 1, 2 (not alphabetically)."""
    check(client, folder, cmp(op, "item:Importance", "Normal"), lambda s: test(IMPORTANCES.index(s.importance)))


def test_status_ordering(client: Client, folder: Folder) -> None:
    check(client, folder, cmp("IsLessThan", "task:Status", "Completed"),
          lambda s: s.status in ("NotStarted", "InProgress"))


@pytest.mark.parametrize("constant", ["1", "true"])
def test_booleans(client: Client, folder: Folder, constant: str) -> None:
    check(client, folder, eq("item:ReminderIsSet", constant), lambda s: s.reminder)
    check(client, folder, eq("item:ReminderIsSet", {"1": "0", "true": "false"}[constant]), lambda s: not s.reminder)


def test_task_dates_compare_by_date(client: Client, folder: Folder) -> None:
    day = dt.date(2026, 2, 12)
    check(client, folder, eq("task:DueDate", "2026-02-12T00:00:00Z"), lambda s: s.due == day)
    check(client, folder, cmp("IsGreaterThanOrEqualTo", "task:DueDate", "2026-02-12T00:00:00Z"),
          lambda s: s.due is not None and s.due >= day)
    check(client, folder, cmp("IsLessThan", "task:DueDate", "2026-02-12T15:00:00Z"),
          lambda s: s.due is not None and s.due < day)


@pytest.mark.parametrize("constant, zone, day", [
    ("2026-02-12T00:00:00+01:00", ROMANCE, dt.date(2026, 2, 12)),  # local midnight in the request's zone
    ("2026-02-11T23:00:00Z", ROMANCE, dt.date(2026, 2, 12)),  # the same instant in UTC
    ("2026-02-12T00:00:00Z", ROMANCE, dt.date(2026, 2, 12)),  # exchangelib's form: the literal date (D29)
    ("2026-02-12T23:00:00Z", ROMANCE, dt.date(2026, 2, 13)),  # not midnight anywhere: the request's zone
    ("2026-02-12T23:00:00Z", None, dt.date(2026, 2, 12)),  # no TimeZoneContext: UTC
])
def test_task_date_constants_follow_d29(client: Client, folder: Folder, constant: str, zone: str | None,
                                        day: dt.date) -> None:
    check(client, folder, eq("task:DueDate", constant), lambda s: s.due == day, headers=zone)


def test_datetimes_compare_as_instants(client: Client, folder: Folder) -> None:
    """Batch 0 was created at 09:00Z, batch 1 at 10:00Z; offsets in constants are honoured."""
    check(client, folder, cmp("IsGreaterThan", "item:DateTimeCreated", "2026-01-13T09:30:00Z"),
          lambda s: s.created == 1)
    check(client, folder, cmp("IsLessThan", "item:DateTimeCreated", "2026-01-13T10:30:00+01:00"),
          lambda s: s.created == 0)
    check(client, folder, eq("item:DateTimeCreated", "2026-01-13T11:00:00+01:00"), lambda s: s.created == 1)


def test_field_against_field(client: Client, folder: Folder) -> None:
    check(client, folder, '<t:IsGreaterThan><t:FieldURI FieldURI="task:ActualWork"/><t:FieldURIOrConstant>'
          '<t:FieldURI FieldURI="task:TotalWork"/></t:FieldURIOrConstant></t:IsGreaterThan>',
          lambda s: s.total_work is not None and s.actual_work > s.total_work)
    check(client, folder, '<t:IsEqualTo><t:FieldURI FieldURI="task:StartDate"/><t:FieldURIOrConstant>'
          '<t:FieldURI FieldURI="task:DueDate"/></t:FieldURIOrConstant></t:IsEqualTo>',
          lambda s: s.start is not None and s.start == s.due)


def test_exists(client: Client, folder: Folder) -> None:
    check(client, folder, '<t:Exists><t:FieldURI FieldURI="task:DueDate"/></t:Exists>', lambda s: s.due is not None)
    check(client, folder, '<t:Exists><t:FieldURI FieldURI="item:Body"/></t:Exists>', lambda s: s.body is not None)
    check(client, folder, '<t:Exists><t:FieldURI FieldURI="task:Companies"/></t:Exists>', lambda s: bool(s.companies))


@pytest.mark.parametrize("mask", ["0x10", "16", "0X30"])
def test_excludes_bitmask(client: Client, folder: Folder, mask: str) -> None:
    bits = int(mask, 0)
    restriction = f'<t:Excludes><t:FieldURI FieldURI="task:TotalWork"/><t:Bitmask Value="{mask}"/></t:Excludes>'
    check(client, folder, restriction,
          lambda s: s.total_work is not None and s.total_work & bits == 0)


def test_body_equality_and_contains(client: Client, folder: Folder) -> None:
    target = folder.specs[14].body
    assert target is not None and "urgent" in target
    check(client, folder, eq("item:Body", target), lambda s: s.body == target)
    check(client, folder, contains("item:Body", "urgent"), lambda s: s.body is not None and "urgent" in s.body)


# ---- Contains: every mode and comparison --------------------------------------------------------------------


def _fold(text: str, ignore_case: bool, ignore_marks: bool) -> str:
    if ignore_marks:
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return text.lower() if ignore_case else text


def _matches(value: str, constant: str, mode: str, comparison: str) -> bool:
    ignore_case = comparison not in ("Exact", "IgnoreNonSpacingCharacters")
    ignore_marks = comparison not in ("Exact", "IgnoreCase")
    v, c = _fold(value, ignore_case, ignore_marks), _fold(constant, ignore_case, ignore_marks)
    words = re.split(r"[\s\-:.]+", v)
    return {
        "FullString": v == c, "Prefixed": v.startswith(c), "Substring": c in v,
        "PrefixOnWords": any(w.startswith(c) for w in words),
        "ExactPhrase": re.search(r"(?:^|[\s\-:.])" + re.escape(c) + r"(?:[\s\-:.]|$)", v) is not None,
    }[mode]


CONTAINS_CASES = [
    ("Substring", "Exact", "Review"), ("Substring", "IgnoreCase", "review"), ("Substring", "Exact", "afé"),
    ("Substring", "IgnoreNonSpacingCharacters", "cafe"), ("Substring", "Loose", "CAFE"),
    ("Substring", "IgnoreCaseAndNonSpacingCharacters", "élan"), ("Substring", "LooseAndIgnoreCase", "Elan"),
    ("Substring", "LooseAndIgnoreNonSpace", "ELAN"), ("Substring", "LooseAndIgnoreCaseAndIgnoreNonSpace", "Café"),
    ("Prefixed", "Exact", "T1"), ("Prefixed", "IgnoreCase", "t2"), ("FullString", "IgnoreCase", "t03 café MEETING"),
    ("FullString", "Exact", "T03 Café meeting"), ("PrefixOnWords", "Exact", "rev"),
    ("PrefixOnWords", "IgnoreCase", "rev"),
    ("PrefixOnWords", "IgnoreCaseAndNonSpacingCharacters", "ela"), ("ExactPhrase", "IgnoreCase", "review board"),
    ("ExactPhrase", "Exact", "plan"), ("ExactPhrase", "Exact", "au lait"),
]


@pytest.mark.parametrize("mode, comparison, constant", CONTAINS_CASES)
def test_contains_modes_and_comparisons(client: Client, folder: Folder, mode: str, comparison: str,
                                        constant: str) -> None:
    check(client, folder, contains("item:Subject", constant, mode, comparison),
          lambda s: _matches(s.subject, constant, mode, comparison))


def test_contains_defaults_to_full_string_exact(client: Client, folder: Folder) -> None:
    target = folder.specs[3].subject
    restriction = f'<t:Contains><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="{target}"/></t:Contains>'
    check(client, folder, restriction, lambda s: s.subject == target)
    assert subjects(find(client, f'<t:Contains><t:FieldURI FieldURI="item:Subject"/>'
                                 f'<t:Constant Value="{target[:5]}"/></t:Contains>')) == []


def test_contains_treats_regex_characters_literally(client: Client) -> None:
    specs = [Spec("a.b*c (x)"), Spec("aXbbc (x)"), Spec("[50%] off_now"), Spec("50 off now")]
    create(client, specs)
    for constant, expected in (("a.b*c", {"a.b*c (x)"}), ("(x)", {"a.b*c (x)", "aXbbc (x)"}),
                               ("[50%]", {"[50%] off_now"}), ("_", {"[50%] off_now"})):
        assert set(subjects(find(client, contains("item:Subject", constant)))) == expected, constant


# ---- multi-valued fields -----------------------------------------------------------------------------------


def test_equality_on_a_list_means_any_element(client: Client, folder: Folder) -> None:
    check(client, folder, eq("item:Categories", "shared"), lambda s: "shared" in s.categories)
    check(client, folder, eq("task:Companies", "Company 2"), lambda s: "Company 2" in s.companies)


def test_list_elements_compare_case_insensitively(client: Client, folder: Folder) -> None:
    """exchangelib's ``categories__contains=["TESTA"]`` finds the category TestA on Exchange Online."""
    check(client, folder, eq("item:Categories", "SHARED"), lambda s: "shared" in s.categories)
    check(client, folder, cmp("IsNotEqualTo", "task:Companies", "COMPANY 1"),
          lambda s: bool(s.companies) and "Company 1" not in s.companies)


def test_a_list_sorts_by_its_lowest_element(client: Client, folder: Folder) -> None:
    """Exchange Online sorts by Categories (exchangelib's test_order_by_on_list_field): items without any first
    when ascending, last when descending."""
    def key(spec: Spec) -> str | None:
        return min((c.lower() for c in spec.categories), default=None)

    for order, descending in (("Ascending", False), ("Descending", True)):
        r = find(client, props=("item:Subject",), sort=f'<t:FieldOrder Order="{order}"><t:FieldURI '
                                                        'FieldURI="item:Categories"/></t:FieldOrder>')
        got = [key(folder.by_subject(s)) for s in subjects(r)]
        present = [k for k in got if k is not None]
        assert present == sorted(present, reverse=descending)
        nones = [i for i, k in enumerate(got) if k is None]
        assert nones == (list(range(len(nones))) if not descending else list(range(len(got) - len(nones), len(got))))


def test_and_of_list_equalities_needs_every_value(client: Client, folder: Folder) -> None:
    """exchangelib's ``categories__contains=[a, b]``: And of IsEqualTo."""
    check(client, folder, f"<t:And>{eq('item:Categories', 'cat0')}{eq('item:Categories', 'shared')}</t:And>",
          lambda s: {"cat0", "shared"} <= set(s.categories))


def test_not_equal_on_a_list_means_no_element(client: Client, folder: Folder) -> None:
    check(client, folder, cmp("IsNotEqualTo", "task:Companies", "Company 1"),
          lambda s: bool(s.companies) and "Company 1" not in s.companies)


def test_contains_and_comparisons_on_list_elements(client: Client, folder: Folder) -> None:
    check(client, folder, contains("task:Companies", "pany 2"), lambda s: "Company 2" in s.companies)
    check(client, folder, contains("item:Categories", "CAT1", "FullString", "IgnoreCase"),
          lambda s: "cat1" in s.categories)
    check(client, folder, cmp("IsGreaterThan", "item:Categories", "cat1"),
          lambda s: any(c > "cat1" for c in s.categories))


# ---- boolean combinations -----------------------------------------------------------------------------------


def test_nested_and_or_not(client: Client, folder: Folder) -> None:
    restriction = (
        "<t:Or>"
        f"<t:And>{eq('item:Categories', 'cat1')}<t:Not>{eq('item:Importance', 'High')}</t:Not></t:And>"
        f"<t:And>{cmp('IsGreaterThan', 'task:TotalWork', '300')}<t:Not><t:Or>{eq('task:Status', 'Completed')}"
        f"{eq('task:Status', 'Deferred')}</t:Or></t:Not></t:And>"
        "</t:Or>"
    )
    check(client, folder, restriction, lambda s: ("cat1" in s.categories and s.importance != "High") or (
        s.total_work is not None and s.total_work > 300 and s.status not in ("Completed", "Deferred")))


def test_not_of_a_leaf_on_an_absent_property_is_true(client: Client, folder: Folder) -> None:
    """Two-valued logic: IsEqualTo on a missing DueDate is false, so its negation is true."""
    check(client, folder, f"<t:Not>{eq('task:DueDate', '2026-02-02T00:00:00Z')}</t:Not>",
          lambda s: s.due != dt.date(2026, 2, 2))
    check(client, folder, "<t:Not><t:Exists><t:FieldURI FieldURI=\"task:TotalWork\"/></t:Exists></t:Not>",
          lambda s: s.total_work is None)


def test_single_operand_or(client: Client, folder: Folder) -> None:
    check(client, folder, f"<t:Or>{eq('item:Categories', 'cat2')}</t:Or>", lambda s: "cat2" in s.categories)


# ---- extended properties ------------------------------------------------------------------------------------


def test_extended_integer_compares_numerically(client: Client, folder: Folder) -> None:
    check(client, folder, eq(ext(PRIORITY), "3"), lambda s: s.priority == 3)
    check(client, folder, cmp("IsGreaterThan", ext(PRIORITY), "4"), lambda s: s.priority is not None and s.priority > 4)
    check(client, folder, cmp("IsNotEqualTo", ext(PRIORITY), "0"), lambda s: s.priority is not None and s.priority != 0)
    check(client, folder, f'<t:Excludes>{ext(PRIORITY)}<t:Bitmask Value="0x2"/></t:Excludes>',
          lambda s: s.priority is not None and s.priority & 2 == 0)


def test_extended_string_and_exists(client: Client, folder: Folder) -> None:
    check(client, folder, eq(ext(LABEL), "Label-2"), lambda s: s.label == "Label-2")
    check(client, folder, contains(ext(LABEL), "label-", "Prefixed", "IgnoreCase"), lambda s: s.label is not None)
    check(client, folder, f"<t:Exists>{ext(LABEL)}</t:Exists>", lambda s: s.label is not None)


def test_extended_system_time_compares_as_instants(client: Client, folder: Folder) -> None:
    """Stored with +01:00 offsets, compared with a UTC constant."""
    def instant(s: Spec) -> dt.datetime | None:
        return dt.datetime.fromisoformat(s.seen).astimezone(dt.timezone.utc) if s.seen else None
    limit = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.timezone.utc)
    check(client, folder, cmp("IsGreaterThan", ext(SEEN), "2026-01-10T12:00:00Z"),
          lambda s: s.seen is not None and instant(s) > limit)
    some = next(s for s in folder.specs if s.seen)
    check(client, folder, eq(ext(SEEN), instant(some).strftime("%Y-%m-%dT%H:%M:%SZ")), lambda s: s.seen == some.seen)


def test_extended_string_array_any_element(client: Client) -> None:
    attrs = 'DistinguishedPropertySetId="PublicStrings" PropertyName="Tags" PropertyType="StringArray"'
    def tagged(subject: str, *tags: str) -> str:
        values = "".join(f"<t:Value>{t}</t:Value>" for t in tags)
        return (f"<t:Task><t:Subject>{subject}</t:Subject><t:ExtendedProperty><t:ExtendedFieldURI {attrs}/>"
                f"<t:Values>{values}</t:Values></t:ExtendedProperty></t:Task>")
    r = client.call('<m:CreateItem MessageDisposition="SaveOnly"><m:Items>' + tagged("one", "red", "green")
                    + tagged("two", "blue") + "<t:Task><t:Subject>three</t:Subject></t:Task></m:Items></m:CreateItem>")
    assert r.codes() == ["NoError"] * 3
    assert set(subjects(find(client, eq(ext(attrs), "green")))) == {"one"}
    assert set(subjects(find(client, f"<t:Not>{eq(ext(attrs), 'green')}</t:Not>"))) == {"two", "three"}


# ---- derived read-only properties --------------------------------------------------------------------------


def test_derived_properties_match_what_getitem_renders(client: Client, folder: Folder) -> None:
    check(client, folder, eq("task:IsComplete", "true"), lambda s: s.status == "Completed")
    check(client, folder, eq("task:StatusDescription", "Waiting on someone else"),
          lambda s: s.status == "WaitingOnOthers")
    r = find(client, props=("item:Size",))
    sizes = [int(x.text) for x in r.xpath("//t:Task/t:Size")]
    assert len(sizes) == 40
    median = sorted(sizes)[20]
    expected = sum(1 for s in sizes if s > median)
    assert 0 < expected < 40
    r = find(client, cmp("IsGreaterThan", "item:Size", str(median)), props=("item:Size",))
    assert sorted(int(x.text) for x in r.xpath("//t:Task/t:Size")) == sorted(s for s in sizes if s > median)


# ---- properties Exchange accepts but never matches ----------------------------------------------------------


@pytest.mark.parametrize("restriction", [
    eq("task:PercentComplete", "0"),  # exchangelib: "don't raise an error but also don't match anything"
    eq("item:ReminderDueBy", "2026-01-13T09:00:00Z"),  # exchangelib's test wants count 0
    eq("message:IsRead", "true"),  # a property of another item type: no task has it
    '<t:Exists><t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/></t:Exists>',
    '<t:Exists><t:FieldURI FieldURI="task:PercentComplete"/></t:Exists>',
])
def test_never_matching_restrictions(client: Client, folder: Folder, restriction: str) -> None:
    r = find(client, restriction)
    assert subjects(r) == [] and root_folder(r)["TotalItemsInView"] == "0"
    assert len(subjects(find(client, f"<t:Not>{restriction}</t:Not>"))) == 40


# ---- errors -------------------------------------------------------------------------------------------------


def _error(r: Response, code: str, path: str | None = None) -> None:
    assert r.status == 200 and r.codes() == [code], r.body
    assert r.xpath("//m:FindItemResponseMessage/@ResponseClass") == ["Error"]
    assert r.xpath("//m:RootFolder") == []
    if path is not None:
        named = r.xpath("//m:MessageXml/t:FieldURI/@FieldURI | //m:MessageXml/t:ExtendedFieldURI/@PropertyName")
        assert named == [path]


ERROR_CASES = [
    (eq("task:Recurrence", "x"), "ErrorUnsupportedPathForQuery", "task:Recurrence"),
    (eq("item:Culture", "en-US"), "ErrorUnsupportedPathForQuery", "item:Culture"),
    (eq("item:MimeContent", "x"), "ErrorUnsupportedPathForQuery", "item:MimeContent"),
    (eq("item:ItemId", "x"), "ErrorUnsupportedPathForQuery", "item:ItemId"),
    (eq("folder:DisplayName", "Tasks"), "ErrorUnsupportedPathForQuery", "folder:DisplayName"),
    (eq("task:TotalWork", "ten"), "ErrorInvalidValueForProperty", "task:TotalWork"),
    (eq("task:TotalWork", "1.5"), "ErrorInvalidValueForProperty", "task:TotalWork"),
    (eq("task:PercentComplete", "lots"), "ErrorInvalidValueForProperty", "task:PercentComplete"),
    (eq("item:ReminderIsSet", "yes"), "ErrorInvalidValueForProperty", "item:ReminderIsSet"),
    (eq("task:DueDate", "tomorrow"), "ErrorInvalidValueForProperty", "task:DueDate"),
    (eq("item:DateTimeCreated", "2026-13-01T00:00:00Z"), "ErrorInvalidValueForProperty", "item:DateTimeCreated"),
    (eq("item:Importance", "Urgent"), "ErrorInvalidValueForProperty", "item:Importance"),
    (eq(ext(PRIORITY), "high"), "ErrorInvalidValueForProperty", "Priority"),
    (contains("task:TotalWork", "1"), "ErrorContainsFilterWrongType", "task:TotalWork"),
    (contains(ext(PRIORITY), "1"), "ErrorContainsFilterWrongType", "Priority"),
    ('<t:Excludes><t:FieldURI FieldURI="item:Subject"/><t:Bitmask Value="1"/></t:Excludes>',
     "ErrorInvalidExcludesRestriction", "item:Subject"),
    ('<t:Excludes><t:FieldURI FieldURI="task:TotalWork"/><t:Bitmask Value=""/></t:Excludes>',
     "ErrorInvalidExcludesRestriction", "task:TotalWork"),
    ('<t:IsEqualTo><t:FieldURI FieldURI="task:TotalWork"/><t:FieldURIOrConstant><t:FieldURI FieldURI="item:Subject"/>'
     '</t:FieldURIOrConstant></t:IsEqualTo>', "ErrorUnsupportedPathForQuery", "item:Subject"),
    (eq('<t:ExtendedFieldURI PropertyName="X" PropertyType="String"/>', "x"), "ErrorInvalidExtendedProperty", "X"),
]


@pytest.mark.parametrize("restriction, code, path", ERROR_CASES)
def test_restriction_errors(client: Client, folder: Folder, restriction: str, code: str, path: str) -> None:
    r = find(client, restriction)
    _error(r, code, path)
    ews_validate(r.body)


@pytest.mark.parametrize("body, code", [
    (find_body(view='<m:IndexedPageItemView MaxEntriesReturned="0" Offset="0" BasePoint="Beginning"/>'),
     "ErrorInvalidPagingMaxRows"),
    (find_body(view='<m:IndexedPageItemView MaxEntriesReturned="5" Offset="-1" BasePoint="Beginning"/>'),
     "ErrorInvalidIndexedPagingParameters"),
    (find_body(view='<m:FractionalPageItemView MaxEntriesReturned="5" Numerator="3" Denominator="2"/>'),
     "ErrorInvalidFractionalPagingParameters"),
    (find_body(view='<m:FractionalPageItemView Numerator="0" Denominator="0"/>'),
     "ErrorInvalidFractionalPagingParameters"),
    (find_body(props=("item:TextBody",)), "ErrorInvalidPropertyForOperation"),
    (find_body(props=(), shape_extra="<t:IncludeMimeContent>true</t:IncludeMimeContent>"),
     "ErrorInvalidPropertyForOperation"),
    (find_body(sort='<t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:Body"/></t:FieldOrder>'),
     "ErrorUnsupportedPathForSortGroup"),
    (find_body().replace("</m:ParentFolderIds>", "</m:ParentFolderIds><m:QueryString>subject:(x</m:QueryString>"),
     "ErrorInvalidArgument"),
])
def test_request_errors(client: Client, body: str, code: str) -> None:
    r = client.call(body)
    _error(r, code)
    ews_validate(r.body)


def test_request_errors_are_repeated_for_every_parent_folder(client: Client) -> None:
    r = client.call(find_body(eq("task:Recurrence", "x"), folders=TASKS + '<t:DistinguishedFolderId Id="inbox"/>'))
    assert r.codes() == ["ErrorUnsupportedPathForQuery"] * 2


def test_unknown_folder_is_an_in_band_error_next_to_results(client: Client, folder: Folder) -> None:
    missing = "AAEuAPSxLq5i0R6IfrB2bRh3+MY="
    r = find(client, eq("item:Categories", "shared"),
             folders=f'<t:FolderId Id="{missing}"/>{TASKS}<t:DistinguishedFolderId Id="inbox"/>')
    assert r.codes() == ["ErrorFolderNotFound", "NoError", "NoError"]
    messages = r.xpath("//m:FindItemResponseMessage")
    assert len(messages[1].xpath("m:RootFolder/t:Items/t:Task", namespaces=NS)) == len(
        folder.subjects(lambda s: "shared" in s.categories))
    assert messages[2].xpath("m:RootFolder/@TotalItemsInView", namespaces=NS) == ["0"]
    ews_validate(r.body)


def test_item_id_as_folder_id(client: Client, folder: Folder) -> None:
    r = find(client, folders=f'<t:FolderId Id="{next(iter(folder.ids.values()))}"/>')
    assert r.codes() == ["ErrorCannotUseItemIdForFolderId"]


def test_deep_traversal_is_a_schema_fault(client: Client) -> None:
    """ItemQueryTraversalType has no Deep: FindItem searches one folder at a time."""
    r = client.call(find_body(traversal="Deep"))
    assert r.status == 500 and r.fault_code() == "ErrorSchemaValidation"


# ---- sorting ------------------------------------------------------------------------------------------------


def _order(*keys: tuple[str, str]) -> str:
    return "".join(f'<t:FieldOrder Order="{o}">{path_xml(u)}</t:FieldOrder>' for u, o in keys)


def test_sort_by_subject_ignores_case(client: Client, folder: Folder) -> None:
    got = subjects(find(client, sort=_order(("item:Subject", "Descending"))))
    assert got == sorted(folder.subjects(lambda s: True), key=lambda x: (x.lower(), x), reverse=True)


def test_sort_by_date_puts_absent_values_lowest(client: Client, folder: Folder) -> None:
    by_subject = {s.subject: s for s in folder.specs}
    got = subjects(find(client, sort=_order(("task:DueDate", "Ascending"), ("item:Subject", "Ascending"))))
    assert [by_subject[x].due for x in got] == sorted((s.due for s in folder.specs),
                                                      key=lambda d: (d is not None, d or dt.date.min))
    down = subjects(find(client, sort=_order(("task:DueDate", "Descending"))))
    assert [by_subject[x].due for x in down][-8:] == [None] * 8


def test_multi_key_sort(client: Client, folder: Folder) -> None:
    got = subjects(find(client, sort=_order(("item:Importance", "Descending"), ("task:ActualWork", "Ascending"),
                                            ("item:Subject", "Ascending"))))
    expected = sorted(folder.specs, key=lambda s: (-IMPORTANCES.index(s.importance), s.actual_work, s.subject.lower()))
    assert got == [s.subject for s in expected]


def test_sort_by_extended_property(client: Client, folder: Folder) -> None:
    got = subjects(find(client, f"<t:Exists>{ext(PRIORITY)}</t:Exists>",
                        sort=_order((ext(PRIORITY), "Descending"), ("item:Subject", "Ascending"))))
    expected = sorted((s for s in folder.specs if s.priority is not None),
                      key=lambda s: (-s.priority, s.subject.lower()))
    assert got == [s.subject for s in expected]


def test_default_order_is_creation_then_stable(client: Client, folder: Folder) -> None:
    got = subjects(find(client))
    assert set(got[:20]) == folder.subjects(lambda s: s.created == 0)
    assert got == subjects(find(client))


# ---- paging -------------------------------------------------------------------------------------------------

SORT_SUBJECT = _order(("item:Subject", "Ascending"))


def _page(client: Client, view: str, restriction: str = "") -> tuple[list[str], dict[str, str]]:
    r = find(client, restriction, view=view, sort=SORT_SUBJECT)
    ews_validate(r.body)
    return subjects(r), root_folder(r)


def test_indexed_paging_from_the_beginning(client: Client, folder: Folder) -> None:
    everything = sorted(folder.subjects(lambda s: True), key=str.lower)
    collected, offset = [], 0
    while True:
        page, attrs = _page(client, f'<m:IndexedPageItemView MaxEntriesReturned="7" Offset="{offset}" '
                                    'BasePoint="Beginning"/>')
        collected += page
        assert attrs["TotalItemsInView"] == "40"
        assert attrs["IndexedPagingOffset"] == str(offset + len(page))
        offset += len(page)
        if attrs["IncludesLastItemInRange"] == "true":
            break
        assert len(page) == 7
    assert collected == everything and offset == 40


def test_indexed_paging_counts_the_restricted_view(client: Client, folder: Folder) -> None:
    expected = sorted(folder.subjects(lambda s: "cat1" in s.categories), key=str.lower)
    page, attrs = _page(client, '<m:IndexedPageItemView MaxEntriesReturned="5" Offset="5" BasePoint="Beginning"/>',
                        eq("item:Categories", "cat1"))
    assert len(expected) > 10 and page == expected[5:10]
    assert attrs == {"IndexedPagingOffset": "10", "TotalItemsInView": str(len(expected)),
                     "IncludesLastItemInRange": "false"}


def test_indexed_paging_from_the_end(client: Client, folder: Folder) -> None:
    """Exchange's documented example scaled: offset 25 from the end of 40, 10 entries -> items 5..14."""
    everything = sorted(folder.subjects(lambda s: True), key=str.lower)
    page, attrs = _page(client, '<m:IndexedPageItemView MaxEntriesReturned="10" Offset="25" BasePoint="End"/>')
    assert page == everything[5:15]
    assert attrs == {"IndexedPagingOffset": "35", "TotalItemsInView": "40", "IncludesLastItemInRange": "false"}
    page, attrs = _page(client, '<m:IndexedPageItemView MaxEntriesReturned="10" Offset="35" BasePoint="End"/>')
    assert page == everything[:5] and attrs["IncludesLastItemInRange"] == "true"
    assert attrs["IndexedPagingOffset"] == "40"


def test_offset_past_the_end(client: Client, folder: Folder) -> None:
    page, attrs = _page(client, '<m:IndexedPageItemView MaxEntriesReturned="10" Offset="55" BasePoint="Beginning"/>')
    assert page == [] and attrs["IncludesLastItemInRange"] == "true" and attrs["TotalItemsInView"] == "40"


@pytest.mark.parametrize("numerator, denominator, size", [(0, 4, 10), (1, 4, 10), (3, 4, 15), (1, 3, 5), (4, 4, 3)])
def test_fractional_paging(client: Client, folder: Folder, numerator: int, denominator: int, size: int) -> None:
    everything = sorted(folder.subjects(lambda s: True), key=str.lower)
    page, attrs = _page(client, f'<m:FractionalPageItemView MaxEntriesReturned="{size}" Numerator="{numerator}" '
                                f'Denominator="{denominator}"/>')
    start = 40 * numerator // denominator
    stop = min(40, start + size)
    assert page == everything[start:stop]
    assert attrs == {"NumeratorOffset": str(stop), "AbsoluteDenominator": "40", "TotalItemsInView": "40",
                     "IncludesLastItemInRange": "true" if stop == 40 else "false"}


def test_no_view_returns_every_match(client: Client, folder: Folder) -> None:
    page, attrs = _page(client, "")
    assert len(page) == 40
    assert attrs == {"IndexedPagingOffset": "40", "TotalItemsInView": "40", "IncludesLastItemInRange": "true"}


def test_empty_folder(client: Client) -> None:
    r = find(client)
    assert subjects(r) == [] and r.xpath("//m:RootFolder/t:Items") != []
    assert root_folder(r) == {"IndexedPagingOffset": "0", "TotalItemsInView": "0", "IncludesLastItemInRange": "true"}
    ews_validate(r.body)


# ---- shapes: FindItem returns what GetItem returns -----------------------------------------------------------


def _get_items(client: Client, ids: list[str], base: str, props: str = "",
               headers: str | None = None) -> dict[str, etree._Element]:
    item_ids = "".join(f'<t:ItemId Id="{i}"/>' for i in ids)
    additional = f"<t:AdditionalProperties>{props}</t:AdditionalProperties>" if props else ""
    r = client.call(f"<m:GetItem><m:ItemShape><t:BaseShape>{base}</t:BaseShape>{additional}</m:ItemShape>"
                    f"<m:ItemIds>{item_ids}</m:ItemIds></m:GetItem>", headers=headers)
    return {el.find("t:ItemId", NS).get("Id"): el for el in r.xpath("//m:Items/t:Task")}


def _without_bodies(el: etree._Element) -> bytes:
    for child in list(el):
        if etree.QName(child).localname in ("Body", "TextBody", "MimeContent", "UniqueBody", "NormalizedBody"):
            el.remove(child)
    return etree.tostring(el, method="c14n")


@pytest.mark.parametrize("base", ["Default", "AllProperties"])
def test_shapes_equal_getitem_without_bodies(client: Client, folder: Folder, base: str) -> None:
    r = find(client, props=(), base=base,
             view='<m:IndexedPageItemView MaxEntriesReturned="12" Offset="0" BasePoint="Beginning"/>')
    ews_validate(r.body)
    found = r.xpath("//m:RootFolder/t:Items/t:Task")
    assert len(found) == 12
    assert all(t.find("t:Body", NS) is None and t.find("t:TextBody", NS) is None for t in found)
    assert any(t.find("t:Subject", NS) is not None for t in found)
    got = _get_items(client, [t.find("t:ItemId", NS).get("Id") for t in found], base)
    for t in found:
        assert etree.tostring(t, method="c14n") == _without_bodies(got[t.find("t:ItemId", NS).get("Id")])


def test_additional_properties_equal_getitem(client: Client, folder: Folder) -> None:
    """flow/10's projection, plus the list, date and extended properties exchangelib may ask for."""
    props = ("item:Subject", "task:Status", "item:Categories", "task:DueDate", "task:Companies", "item:Importance",
             ext(PRIORITY), ext(LABEL))
    r = find(client, props=props, headers=ROMANCE)
    ews_validate(r.body)
    found = r.xpath("//m:RootFolder/t:Items/t:Task")
    assert len(found) == 40
    ids = [t.find("t:ItemId", NS).get("Id") for t in found]
    got = _get_items(client, ids, "IdOnly", "".join(path_xml(p) for p in props), headers=ROMANCE)
    for t in found:
        assert etree.tostring(t, method="c14n") == etree.tostring(got[t.find("t:ItemId", NS).get("Id")], method="c14n")
    assert any(t.find("t:ExtendedProperty", NS) is not None for t in found)


def test_long_text_fields_match_getitem(client: Client) -> None:
    """exchangelib's test_text_field_settings: Subject is cut to 255 in both; other text fields stay whole."""
    create(client, [Spec("S" * 4000, mileage="M" * 4000)])
    r = find(client, props=("item:Subject", "task:Mileage"))
    (task,) = r.xpath("//m:RootFolder/t:Items/t:Task")
    assert len(task.findtext("t:Subject", namespaces=NS)) == 255
    assert len(task.findtext("t:Mileage", namespaces=NS)) == 4000
    full = _get_items(client, [task.find("t:ItemId", NS).get("Id")], "IdOnly",
                      '<t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="task:Mileage"/>')
    assert etree.tostring(task, method="c14n") == etree.tostring(next(iter(full.values())), method="c14n")


# ---- traversal, folders and mailboxes -----------------------------------------------------------------------


def test_associated_items_only_in_associated_traversal(client: Client) -> None:
    r = client.call('<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Task><t:Subject>hidden</t:Subject>'
                    "<t:IsAssociated>true</t:IsAssociated></t:Task><t:Task><t:Subject>visible</t:Subject></t:Task>"
                    "</m:Items></m:CreateItem>")
    assert r.codes() == ["NoError", "NoError"]
    assert subjects(find(client)) == ["visible"]
    assert subjects(find(client, traversal="Associated")) == ["hidden"]
    assert subjects(find(client, traversal="SoftDeleted")) == []


def test_each_parent_folder_gets_its_own_message(client: Client, folder: Folder) -> None:
    create(client, [Spec("in the inbox", categories=("shared",))], folder='<t:DistinguishedFolderId Id="inbox"/>')
    r = find(client, eq("item:Categories", "shared"), folders=TASKS + '<t:DistinguishedFolderId Id="inbox"/>')
    assert r.codes() == ["NoError", "NoError"]
    tasks_msg, inbox_msg = r.xpath("//m:FindItemResponseMessage")
    assert {s.text for s in tasks_msg.xpath(".//t:Subject", namespaces=NS)} == folder.subjects(
        lambda s: "shared" in s.categories)
    assert [s.text for s in inbox_msg.xpath(".//t:Subject", namespaces=NS)] == ["in the inbox"]
    ews_validate(r.body)


def test_mailboxes_are_isolated(client: Client, folder: Folder) -> None:
    create(client, [Spec("bob's task", categories=("shared",))], user="bob@example.com")
    assert subjects(find(client, eq("item:Subject", "bob's task"))) == []
    other = ('<t:DistinguishedFolderId Id="tasks"><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress>'
             "</t:Mailbox></t:DistinguishedFolderId>")
    # open default: naming bob's mailbox opens it as a delegate, as GetFolder does (README Security); with
    # --users that needs the right (tests/faces/test_auth.py)
    assert subjects(find(client, folders=other)) == ["bob's task"]
    assert subjects(find(client, user="bob@example.com")) == ["bob's task"]


# ---- exchangelib's captured requests ------------------------------------------------------------------------


def test_flow_09_count_by_category(client: Client) -> None:
    create(client, [Spec("one", categories=("cat1",)), Spec("two", categories=("cat2", "cat1")),
                    Spec("three", categories=("cat2",)), Spec("four")])
    r = client.post(capture("flow/09-FindItem-count-restriction.request.xml"))
    assert r.codes() == ["NoError"]
    assert len(r.xpath("//m:RootFolder/t:Items/t:Task/t:ItemId")) == 2
    assert root_folder(r) == {"IndexedPagingOffset": "2", "TotalItemsInView": "2", "IncludesLastItemInRange": "true"}
    assert r.xpath("//t:Task/*[not(self::t:ItemId)]") == []  # IdOnly
    ews_validate(r.body)


def test_flow_10_only_subject_and_status(client: Client) -> None:
    create(client, [Spec("Write report", status="Completed"), Spec("Daily")])
    r = client.post(capture("flow/10-FindItem-only-subject-status.request.xml"))
    tasks = r.xpath("//m:RootFolder/t:Items/t:Task")
    assert [[etree.QName(c).localname for c in t] for t in tasks] == [["ItemId", "Subject", "Status"]] * 2
    assert {(t.findtext("t:Subject", namespaces=NS), t.findtext("t:Status", namespaces=NS)) for t in tasks} == {
        ("Write report", "Completed"), ("Daily", "NotStarted")}
    ews_validate(r.body)


def constants(name: str, field_uri: str) -> list[str]:
    """The Constant values a captured restriction compares ``field_uri`` with, in document order."""
    root = etree.fromstring(capture(name))
    return root.xpath(f'//m:Restriction//*[t:FieldURI/@FieldURI="{field_uri}"]//t:Constant/@Value', namespaces=NS)


AND_CONTAINS, DUE_DATE, TEARDOWN, IN_LIST = (f"test_tasks/FindItem-{name}.request.xml" for name in (
    "And-Contains-restriction", "IsEqualTo-DueDate", "teardown-Or-restriction", "in-on-list-field"))
#: the values exchangelib's requests carry (tests/captures/regenerate.py chose them)
CATEGORY, = constants(AND_CONTAINS, "item:Categories")
BODY_NEEDLE, = constants(AND_CONTAINS, "item:Body")
DUE, = (dt.date.fromisoformat(v[:10]) for v in constants(DUE_DATE, "task:DueDate"))
PREFIX, = constants(TEARDOWN, "item:Subject")


@pytest.mark.parametrize("name, matching, decoys", [
    (AND_CONTAINS,
     [Spec("m1", categories=(CATEGORY,), body="prefix " + BODY_NEEDLE + " suffix")],
     [Spec("d1", categories=("other",), body=BODY_NEEDLE), Spec("d2", categories=(CATEGORY,),
                                                                  body=BODY_NEEDLE.lower()),
      Spec("d3", categories=(CATEGORY,))]),
    (DUE_DATE,
     [Spec("m1", categories=(CATEGORY,), due=DUE)],
     [Spec("d1", categories=(CATEGORY,), due=DUE + dt.timedelta(days=1)),
      Spec("d2", categories=(CATEGORY,), due=DUE - dt.timedelta(days=1)),
      Spec("d3", categories=("x",), due=DUE), Spec("d4", categories=(CATEGORY,))]),
    (TEARDOWN,
     [Spec("m1", categories=(CATEGORY,)), Spec(PREFIX + "hello")],
     [Spec("d1", categories=("other",)), Spec(PREFIX.lower() + "case"), Spec("Re: " + PREFIX + "x")]),
], ids=["And-Contains", "IsEqualTo-DueDate", "teardown-Or"])
def test_captured_exchangelib_restrictions(client: Client, name: str, matching: list[Spec], decoys: list[Spec]) -> None:
    create(client, matching + decoys, headers=ROMANCE)
    r = client.post(capture(name))
    assert r.codes() == ["NoError"], r.body
    ids = {el.get("Id") for el in r.xpath("//m:RootFolder/t:Items/t:Task/t:ItemId")}
    got = _get_items(client, list(ids), "IdOnly", '<t:FieldURI FieldURI="item:Subject"/>')
    names = {el.findtext("t:Subject", namespaces=NS) for el in got.values()}
    assert names == {s.subject for s in matching}
    ews_validate(r.body)


def test_captured_in_on_a_list_field(client: Client) -> None:
    companies = constants(IN_LIST, "task:Companies")
    assert len(companies) == 4 and constants(IN_LIST, "item:Categories") == [CATEGORY]
    category = CATEGORY
    create(client, [Spec("m1", categories=(category,), companies=(companies[2], "Another")),
                    Spec("m2", categories=(category,), companies=(companies[0],)),
                    Spec("d1", categories=(category,), companies=("Another",)),
                    Spec("d2", categories=("x",), companies=(companies[1],)),
                    Spec("d3", categories=(category,), companies=(companies[3][:-1],))], headers=ROMANCE)
    r = client.post(capture(IN_LIST))
    ids = [el.get("Id") for el in r.xpath("//m:RootFolder/t:Items/t:Task/t:ItemId")]
    got = _get_items(client, ids, "IdOnly", '<t:FieldURI FieldURI="item:Subject"/>')
    assert {el.findtext("t:Subject", namespaces=NS) for el in got.values()} == {"m1", "m2"}


# ---- exchangelib end to end ---------------------------------------------------------------------------------


@pytest.fixture
def account(database_url: str) -> Iterator[object]:
    import logging
    from zoneinfo import ZoneInfo

    from exchangelib import BASIC, DELEGATE, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import close_connections

    from ewsemu.server.http import ThreadedServer

    logging.getLogger("exchangelib").setLevel(logging.WARNING)
    with ThreadedServer(port=0, settings=Settings(database=database_url)) as server:
        server.emulator.reset()  # the suite's database may be a shared PostgreSQL one
        config = Configuration(service_endpoint=server.url, credentials=Credentials("alice@example.com", "secret"),
                               auth_type=BASIC, version=Version(build=Build(15, 1, 2507, 6)))
        try:
            yield Account("alice@example.com", config=config, autodiscover=False, access_type=DELEGATE,
                          default_timezone=ZoneInfo("Europe/Copenhagen"))
        finally:
            close_connections()


def test_exchangelib_querysets(account) -> None:  # noqa: ANN001 - exchangelib's Account
    from exchangelib import Q
    from exchangelib.errors import ErrorUnsupportedPathForQuery
    from exchangelib.items import Task

    tasks = account.tasks
    for i in range(12):
        Task(folder=tasks, subject=f"el {i:02d} {'Report' if i % 3 == 0 else 'misc'}", categories=["el", f"g{i % 2}"],
             due_date=dt.date(2026, 3, 1) + dt.timedelta(days=i), total_work=i * 5,
             companies=[f"Co{i % 4}"], body=f"body {i}").save()
    Task(folder=tasks, subject="outsider", categories=["other"]).save()
    qs = tasks.filter(categories__contains=["el"])
    assert qs.count() == 12
    assert tasks.filter(categories__contains=["el", "g1"]).count() == 6
    assert qs.filter(subject__icontains="report").count() == 4
    assert qs.filter(subject__startswith="el 1").count() == 2
    assert qs.filter(due_date__range=(dt.date(2026, 3, 3), dt.date(2026, 3, 6))).count() == 4
    assert qs.filter(total_work__gt=30).count() == 5
    assert qs.filter(companies__in=["Co1", "Co2"]).count() == 6
    assert qs.filter(~Q(total_work__lt=50)).count() == 2
    assert qs.filter(body__contains="body 1").count() == 3
    assert qs.filter(due_date=dt.date(2026, 3, 5)).get().subject == "el 04 misc"
    assert not qs.filter(subject="nothing").exists()
    assert [t.subject for t in qs.order_by("-due_date").only("subject")[:3]] == ["el 11 misc", "el 10 misc",
                                                                                "el 09 Report"]
    assert [t.total_work for t in qs.order_by("total_work")[4:7]] == [20, 25, 30]
    only = list(qs.filter(subject__startswith="el 0").only("subject", "status"))
    assert len(only) == 10 and all(t.status == "NotStarted" for t in only)
    # test_queryset_nonsearchable_fields: forced searches either work or raise one of two errors, and
    # reminder_due_by filters are accepted but count 0
    fields = {f.name: f for f in Task.FIELDS}
    for name, value in (("reminder_due_by", dt.datetime(2026, 3, 1, tzinfo=account.default_timezone)),
                        ("status", "NotStarted"), ("culture", "da-DK"), ("percent_complete", Decimal(0))):
        f = fields[name]
        f.is_searchable = True
        try:
            if name in ("reminder_due_by", "percent_complete"):
                assert tasks.filter(**{name: value}).count() == 0
            elif name == "status":
                assert tasks.filter(status=value).count() == 13
            else:
                with pytest.raises(ErrorUnsupportedPathForQuery):
                    list(tasks.filter(**{name: value}))
        finally:
            f.is_searchable = False
    # paging: exchangelib asks for pages of 3 and follows IndexedPagingOffset
    paged = qs.order_by("subject").only("subject")
    paged.page_size = 3
    assert [t.subject for t in paged] == sorted(
        f"el {i:02d} {'Report' if i % 3 == 0 else 'misc'}" for i in range(12))
    qs.delete()
    assert tasks.filter(categories__contains=["el"]).count() == 0 and tasks.all().count() == 1


def test_datasets_are_what_the_tests_think(folder: Folder) -> None:
    """Guards the oracle: the data set exercises absent values, every status and both creation batches."""
    specs = folder.specs
    assert {s.status for s in specs} == set(STATUSES) and {s.created for s in specs} == {0, 1}
    assert any(s.due is None for s in specs) and any(s.total_work is None for s in specs)
    assert any(s.body is None for s in specs) and any(not s.companies for s in specs)
    assert len(folder.ids) == 40 and len(set(folder.ids.values())) == 40


def test_exchangelib_filter_on_all_fields(account) -> None:  # noqa: ANN001 - exchangelib's Account
    """exchangelib's test_filter_on_all_fields, stricter: every searchable Task field, read back from the
    server, filters with =, __in and __contains to exactly the item, plus the decoy where it shares the value."""
    from exchangelib.errors import ErrorUnsupportedPathForQuery
    from exchangelib.fields import ChoiceField, TextField
    from exchangelib.items import Task

    task = Task(folder=account.tasks, subject="Hello there world", body="some body text here",
                categories=["abc", "def"], importance="High", sensitivity="Private", in_reply_to="irt value",
                reminder_minutes_before_start=15, actual_work=5, total_work=10, billing_information="bill info",
                companies=["Acme Corp", "Foo Ltd"], contacts=["Carl", "Dora"], mileage="12 km",
                due_date=dt.date(2026, 3, 5), start_date=dt.date(2026, 3, 5), status="InProgress",
                percent_complete=Decimal(40))
    task.save()
    decoy = Task(folder=account.tasks, subject="decoy", categories=["abc", "def"]).save()
    task, decoy = account.tasks.get(id=task.id), account.tasks.get(id=decoy.id)  # with the server's values
    common = account.tasks.filter(categories__contains=["abc", "def"])
    checked = set()
    for f in Task.FIELDS:
        value = getattr(task, f.name)
        if not f.is_searchable or value is None or f.name in ("parent_folder_id", "effective_rights", "attachments"):
            continue  # exchangelib itself cannot write those values into a restriction
        other = getattr(decoy, f.name)
        shared = other == value or bool(f.is_list and other and set(other) & set(value))
        if f.is_list:
            lookups = [{f"{f.name}__in": value}, {f"{f.name}__contains": value}]
        else:
            lookups = [{f.name: value}, {f"{f.name}__in": [value]}]
            if isinstance(f, TextField) and not isinstance(f, ChoiceField):
                lookups.append({f"{f.name}__contains": value[1:-1]})
        for lookup in lookups:
            if f.name == "text_body":  # the registry marks item:TextBody not searchable
                with pytest.raises(ErrorUnsupportedPathForQuery):
                    common.filter(**lookup).count()
                continue
            ids = set(common.filter(**lookup).values_list("id", flat=True))
            assert task.id in ids, lookup
            assert ids == ({task.id, decoy.id} if shared else {task.id}), lookup
            checked.add(f.name)
    assert {"subject", "body", "importance", "due_date", "companies", "is_complete", "size", "owner",
            "last_modified_name", "datetime_created", "status_description"} <= checked


def test_calendar_and_contacts_views_in_the_tasks_folder(client: Client, folder: Folder) -> None:
    """A CalendarView needs a calendar folder; a ContactsView lists contacts only (test_calendar.py and
    test_contacts.py cover both views where they find something)."""
    r = find(client, view='<m:CalendarView StartDate="2026-01-01T00:00:00Z" EndDate="2026-12-31T00:00:00Z"/>')
    assert r.codes() == ["ErrorCalendarFolderIsInvalidForCalendarView"]
    ews_validate(r.body)
    r = find(client, view='<m:ContactsView MaxEntriesReturned="10"/>')
    assert subjects(r) == [] and root_folder(r)["TotalItemsInView"] == "0"
    ews_validate(r.body)


# ---- Contains patterns mean the same in SQLite (Python re) and PostgreSQL ------------------------------------

PATTERN_SAMPLES = ["Hello World", "hello-world", "a.b*c", "x[y]z", "tab\there", "new\nline", "café au lait", "CAFE",
                   "Ærø", "50% off_now", "back\\slash", "(p) ^c$ {b} |p| ?q +p", "naïve", "e\u0301lan", "Élan", "ß",
                   "", " lead", "end ", "-dash", "]bracket"]
PATTERN_CONSTANTS = ["World", "world", "a.b", "[y]", "\t", "\n", "cafe", "CAFÉ", "ærø", "%", "_", "\\", "^c$",
                     "{b}", "|", "?", "+", "ï", "élan", "ELAN", "ß", "", " ", "-", "]", "(", "e"]


@pytest.mark.postgres
def test_contains_patterns_agree_between_python_and_postgresql() -> None:
    from sqlalchemy import bindparam, create_engine, text
    from sqlalchemy.dialects.postgresql import ARRAY, TEXT

    from ewsemu.core.query import CONTAINMENT_MODES
    from ewsemu.store.query import contains_pattern

    from .. import databases

    databases.require_postgres()
    engine = create_engine(databases.PG_ADMIN_URL)
    statement = text("SELECT s ~ :p FROM unnest(:samples) WITH ORDINALITY AS t(s, n) ORDER BY n").bindparams(
        bindparam("samples", type_=ARRAY(TEXT)))
    checked = 0
    try:
        with engine.connect() as conn:
            for mode in CONTAINMENT_MODES:
                for ignore_case in (False, True):
                    for ignore_marks in (False, True):
                        for constant in PATTERN_CONSTANTS:
                            pattern = contains_pattern(constant, mode, ignore_case, ignore_marks)
                            rows = conn.execute(statement, {"p": pattern, "samples": PATTERN_SAMPLES})
                            got = [row[0] for row in rows]
                            assert got == [re.search(pattern, s) is not None for s in PATTERN_SAMPLES], (mode, constant)
                            checked += sum(got)
    finally:
        engine.dispose()
    assert checked > 500  # the matrix matches often enough to mean something


def test_body_asked_for_explicitly_comes_back_cut_to_255_characters(client: Client) -> None:
    """D32: FindItem returns item:Body only when the shape names it, cut to 255 characters; GetItem returns the
    whole body."""
    long_text = "b" * 1000
    r = client.call('<m:CreateItem><m:Items><t:Task><t:Subject>long body</t:Subject>'
                    f'<t:Body BodyType="Text">{long_text}</t:Body></t:Task></m:Items></m:CreateItem>')
    item_id = r.xpath("//t:ItemId")[0].get("Id")
    found = find(client, eq("item:Subject", "long body"), props=("item:Subject", "item:Body"))
    ews_validate(found.body)
    bodies = found.xpath("//m:RootFolder/t:Items/t:Task/t:Body")
    assert [(b.get("BodyType"), b.text) for b in bodies] == [("Text", "b" * 255)]
    every = find(client, eq("item:Subject", "long body"), props=(), base="AllProperties")
    assert every.xpath("//m:RootFolder/t:Items/t:Task/t:Subject") and not every.xpath("//t:Body")
    full = _get_items(client, [item_id], "IdOnly", '<t:FieldURI FieldURI="item:Body"/>')[item_id]
    assert full.find("t:Body", NS).text == long_text
