"""Model checking UpdateItem (issue 6): random ItemChanges through the real endpoint against a reference model.

The reference model below is written from the specification (spec/ews-updateitem.md §2, §4, §5 and
spec/decisions.md D1-D12, D29), not from ewsemu.core: it keeps every task as a plain dict of FieldURI ->
value, applies Set/Append/Delete with the documented error order, the Status/PercentComplete/CompleteDate
coupling, ChangeKey conflicts (D3, with its own version history), the D4 date rule and the recurring-task
rules (normalisation, one-off spawning, next occurrence). Hypothesis drives sequences of UpdateItem requests
(valid and invalid changes of every Task field, random ConflictResolution, ChangeKeys current, stale,
missing, malformed or foreign, ids of other mailboxes) and after every request checks:

* every response message has the model's ResponseCode (and ConflictResults/Count, and a new Id exactly when
  the model spawns a one-off); no response is a 5xx other than a schema fault the model predicted;
* every task reads back (GetItem AllProperties) exactly as the model holds it;
* a task no ItemChange changed reads back byte for byte as before, ChangeKey included;
* a task's ChangeKey changes exactly when the model says the task changed, and never repeats.

The short run is part of the normal suite; ``EWSEMU_SLOW=1`` adds a long run of at least 10,000 ItemChanges.
"""
from __future__ import annotations

import copy
import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from lxml import etree

from ewsemu.core.clock import Clock
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app

from ..soap import NS, Client, Response

NOW = dt.datetime(2026, 1, 13, 9, 0, tzinfo=dt.timezone.utc)
TODAY = NOW.date()
ALICE, BOB = "alice@example.com", "bob@example.com"
UNKNOWN_ID = "AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm"
LABEL = 'PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="Label" PropertyType="String"'
EXT = "ext:Label"
STATUSES = ("NotStarted", "InProgress", "Completed", "WaitingOnOthers", "Deferred")
DESCRIPTIONS = {"NotStarted": "Not Started", "InProgress": "In Progress", "Completed": "Completed",
                "WaitingOnOthers": "Waiting on someone else", "Deferred": "Deferred"}
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


class Refused(Exception):
    """The model's verdict for an ItemChange: this ResponseCode, nothing changes."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# ---- the properties: kind and rules, straight from spec §4.1 ----------------------------------------------------


@dataclass(frozen=True)
class Prop:
    uri: str
    kind: str  # text | body | strings | enum | bool | int | datetime | date | percent | recurrence | ext
    writable: bool = True
    deletable: bool = True
    appendable: bool = False
    create_only: bool = False
    choices: tuple[str, ...] = ()

    @property
    def element(self) -> str:
        return self.uri.split(":")[1]


PROPS = {p.uri: p for p in [
    Prop("item:Subject", "text"),
    Prop("item:Body", "body", appendable=True),
    Prop("item:Categories", "strings"),
    Prop("item:Importance", "enum", deletable=False, choices=("Low", "Normal", "High")),
    Prop("item:Sensitivity", "enum", deletable=False, choices=("Normal", "Personal", "Private", "Confidential")),
    Prop("item:InReplyTo", "text"),
    Prop("item:ReminderIsSet", "bool", deletable=False),
    Prop("item:ReminderDueBy", "datetime", deletable=False),
    Prop("item:ReminderMinutesBeforeStart", "int", deletable=False),
    Prop("item:Culture", "text"),
    Prop("item:ItemClass", "itemclass", deletable=False),
    Prop("item:IsAssociated", "bool", deletable=False, create_only=True),
    Prop("item:DateTimeCreated", "datetime", writable=False, deletable=False),
    Prop("item:IsDraft", "bool", writable=False, deletable=False),
    Prop("item:HasAttachments", "bool", writable=False, deletable=False),
    Prop("task:ActualWork", "int"),
    Prop("task:AssignedTime", "datetime", writable=False, deletable=False),
    Prop("task:BillingInformation", "text"),
    Prop("task:ChangeCount", "int", writable=False, deletable=False),
    Prop("task:Companies", "strings"),
    Prop("task:CompleteDate", "date"),
    Prop("task:Contacts", "strings"),
    Prop("task:DelegationState", "enum", writable=False, deletable=False, choices=("Owned", "NoMatch")),
    Prop("task:Delegator", "text", writable=False, deletable=False),
    Prop("task:DueDate", "date"),
    Prop("task:IsAssignmentEditable", "int", writable=False, deletable=False),
    Prop("task:IsComplete", "bool", writable=False, deletable=False),
    Prop("task:IsRecurring", "bool", writable=False, deletable=False),
    Prop("task:IsTeamTask", "bool", writable=False, deletable=False),
    Prop("task:Mileage", "text"),
    Prop("task:Owner", "text", writable=False, deletable=False),
    Prop("task:PercentComplete", "percent", deletable=False),
    Prop("task:Recurrence", "recurrence"),
    Prop("task:StartDate", "date"),
    Prop("task:Status", "enum", deletable=False, choices=STATUSES),
    Prop("task:StatusDescription", "text", writable=False, deletable=False),
    Prop("task:TotalWork", "int"),
]}
#: schema order inside t:Task (ItemType children, then TaskType children) for two-property wrappers
ORDER = list(PROPS)
#: the properties the model tracks and compares after every request (derived ones are computed)
COMPARED = ("item:Subject", "item:Body", "item:Categories", "item:Importance", "item:Sensitivity", "item:InReplyTo",
            "item:ReminderIsSet", "item:ReminderDueBy", "item:ReminderMinutesBeforeStart", "item:Culture",
            "item:ItemClass", "task:ActualWork", "task:BillingInformation", "task:ChangeCount", "task:Companies",
            "task:CompleteDate", "task:Contacts", "task:DueDate", "task:Mileage", "task:PercentComplete",
            "task:Recurrence", "task:StartDate", "task:Status", "task:TotalWork", EXT)


# ---- recurrence values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rec:
    pattern: str  # DailyRecurrence | WeeklyRecurrence | DailyRegeneration
    interval: int
    days: frozenset[str]  # weekly only
    range: str  # NoEndRecurrence | NumberedRecurrence | EndDateRecurrence
    start: dt.date
    count: int | None = None
    end: dt.date | None = None

    @property
    def regenerating(self) -> bool:
        return self.pattern == "DailyRegeneration"

    def on_grid(self, day: dt.date) -> bool:
        if self.pattern == "DailyRecurrence":
            return day >= self.start and (day - self.start).days % self.interval == 0
        return day >= self.start and DAYS[(day.weekday() + 1) % 7] in self.days  # weekly, interval 1

    def first_from(self, day: dt.date, inclusive: bool) -> dt.date | None:
        """The first grid date on or after (or strictly after) ``day``, within the EndDate if any."""
        candidate = max(day if inclusive else day + dt.timedelta(days=1), self.start)
        for _ in range(7 * self.interval + 1):
            if self.end is not None and candidate > self.end:
                return None
            if self.on_grid(candidate):
                return candidate
            candidate += dt.timedelta(days=1)
        raise AssertionError("a daily or weekly grid repeats within 7 x interval days")

    def xml(self) -> str:
        if self.pattern == "WeeklyRecurrence":
            pattern = (f"<t:WeeklyRecurrence><t:Interval>{self.interval}</t:Interval><t:DaysOfWeek>"
                       f"{' '.join(d for d in DAYS if d in self.days)}</t:DaysOfWeek></t:WeeklyRecurrence>")
        else:
            pattern = f"<t:{self.pattern}><t:Interval>{self.interval}</t:Interval></t:{self.pattern}>"
        tail = {"NoEndRecurrence": "", "NumberedRecurrence": f"<t:NumberOfOccurrences>{self.count}"
                                                              "</t:NumberOfOccurrences>",
                "EndDateRecurrence": f"<t:EndDate>{self.end}Z</t:EndDate>"}[self.range]
        return (f"<t:Recurrence>{pattern}<t:{self.range}><t:StartDate>{self.start}Z</t:StartDate>{tail}"
                f"</t:{self.range}></t:Recurrence>")


def check_recurrence(rec: Rec) -> None:
    """Spec §5.1 validation, in the order pattern, range, occurrence."""
    if not 1 <= rec.interval <= (99 if rec.pattern == "WeeklyRecurrence" else 999):
        raise Refused("ErrorCalendarOutOfRange")
    if rec.range == "NumberedRecurrence" and not 1 <= rec.count <= 999:
        raise Refused("ErrorCalendarOutOfRange")
    if rec.range == "EndDateRecurrence" and rec.end < rec.start:
        raise Refused("ErrorCalendarInvalidRecurrence")
    if rec.range == "EndDateRecurrence" and not rec.regenerating and rec.first_from(rec.start, True) is None:
        raise Refused("ErrorRecurrenceHasNoOccurrence")


def normalised(rec: Rec) -> Rec:
    """§5.2: the range StartDate moves forward onto the pattern (regeneration has no grid)."""
    if rec.regenerating:
        return rec
    first = rec.first_from(rec.start, True)
    return rec if first is None else Rec(**{**rec.__dict__, "start": first})


# ---- the model ------------------------------------------------------------------------------------------------


@dataclass
class Change:
    action: str  # Set | Append | Delete
    uri: str
    value: Any = None
    shape: str = "one"  # one | none | two | mismatch (the item element's content)
    wrapper: str = "Task"


@dataclass
class ModelTask:
    id: str
    values: dict[str, Any]
    change_key: str | None
    #: one entry per version: (its ChangeKey, once known; the keys that changed into it)
    history: list[tuple[str | None, frozenset[str]]] = field(default_factory=list)

    def changed_since(self, key: str) -> frozenset[str] | None:
        """None when ``key`` is current; the keys changed after that version; ALL for a key never issued."""
        if key == self.change_key:
            return None
        for index, (known, _) in enumerate(self.history):
            if known == key:
                return frozenset().union(*(keys for _, keys in self.history[index + 1:]))
        return ALL


ALL = frozenset({"*"})


def defaults(subject: str) -> dict[str, Any]:
    return {"item:Subject": subject, "item:ItemClass": "IPM.Task", "item:Sensitivity": "Normal",
            "item:Importance": "Normal", "item:ReminderIsSet": False, "item:ReminderMinutesBeforeStart": 0,
            "task:Status": "NotStarted", "task:PercentComplete": Decimal(0), "task:ChangeCount": 1}


@dataclass
class Verdict:
    code: str = "NoError"
    conflicts: int = 0
    new: dict[str, Any] | None = None  # the target's values afterwards (None: unchanged)
    spawned: dict[str, Any] | None = None  # a one-off's values


class Model:
    """Applies one ItemChange to a task's values, as the spec says."""

    def __init__(self, stored: dict[str, Any], conflict_resolution: str, changed_since: frozenset[str] | None):
        self.stored = stored
        self.w = copy.deepcopy(stored)
        self.cr = conflict_resolution
        self.changed_since = changed_since
        self.named: set[str] = set()
        self.complete_date_set = False
        self.explicit_complete_date: dt.date | None = None
        self.client_date_change = False
        self.reanchored: set[str] = set()

    # -- Status / PercentComplete / CompleteDate (§4.3, D5, D6) --

    def _complete(self, keep_date: bool) -> None:
        w = self.w
        w["task:Status"], w["task:PercentComplete"] = "Completed", Decimal(100)
        if not (keep_date and "task:CompleteDate" in w):
            w["task:CompleteDate"] = TODAY

    def set_status(self, status: str) -> None:
        w = self.w
        if status == "Completed":
            self._complete(self.complete_date_set or w["task:Status"] == "Completed")
            return
        w["task:Status"] = status
        w.pop("task:CompleteDate", None)
        if status == "NotStarted" or w["task:PercentComplete"] == 100:
            w["task:PercentComplete"] = Decimal(0)

    def set_percent(self, percent: Decimal) -> None:
        w = self.w
        if not 0 <= percent <= 100:
            raise Refused("ErrorInvalidPercentCompleteValue")
        if percent == 100:
            self._complete(self.complete_date_set or w["task:Status"] == "Completed")
            return
        w["task:PercentComplete"] = percent
        w.pop("task:CompleteDate", None)
        if percent == 0 and w["task:Status"] in ("Completed", "InProgress"):
            w["task:Status"] = "NotStarted"
        elif percent > 0 and w["task:Status"] in ("NotStarted", "Completed"):
            w["task:Status"] = "InProgress"

    def set_complete_date(self, day: dt.date) -> None:
        if day > TODAY:
            raise Refused("ErrorInvalidCompleteDate")
        self.w.update({"task:Status": "Completed", "task:PercentComplete": Decimal(100), "task:CompleteDate": day})
        self.complete_date_set, self.explicit_complete_date = True, day

    # -- recurrence (§5.2, D12) --

    def _move_to(self, anchor: dt.date) -> None:
        w = self.w
        span = w["task:DueDate"] - w["task:StartDate"] if "task:StartDate" in w and "task:DueDate" in w \
            else dt.timedelta()
        if "task:StartDate" in w:
            w["task:StartDate"], w["task:DueDate"] = anchor, anchor + span
        else:
            w["task:DueDate"] = anchor
        self.reanchored |= {"task:StartDate", "task:DueDate"}

    def set_recurrence(self, new: Rec) -> None:
        check_recurrence(new)
        current = self.w.get("task:Recurrence")
        if current == new:
            return
        if current is None:
            normal = normalised(new)
            self._move_to(normal.start)
            self.w["task:Recurrence"] = normal
        elif new.start != current.start:
            self.w["task:Recurrence"] = new
            if not current.regenerating:
                self.client_date_change = True
        else:
            normal = normalised(new)
            anchor = self.w.get("task:StartDate") or self.w.get("task:DueDate")
            if anchor is not None and not normal.regenerating:
                moved = normal.first_from(anchor, True)
                if moved is None:
                    raise Refused("ErrorRecurrenceHasNoOccurrence")
                self._move_to(moved)
            self.w["task:Recurrence"] = normal

    # -- one change description (§2.2 order) --

    def apply(self, change: Change) -> None:
        if change.action != "Delete":
            if change.shape in ("none", "two"):
                raise Refused("ErrorIncorrectUpdatePropertyCount")
            if change.shape == "mismatch":
                raise Refused("ErrorUpdatePropertyMismatch")
        self.named.add(change.uri)
        if change.uri == EXT:
            if change.action == "Append":
                raise Refused("ErrorInvalidPropertyAppend")
            if change.action == "Delete":
                self.w.pop(EXT, None)
            else:
                self.w[EXT] = change.value
            return
        if change.uri not in PROPS:
            raise Refused("ErrorInvalidPropertyRequest")
        prop, w = PROPS[change.uri], self.w
        if change.action == "Delete":
            if not (prop.writable and prop.deletable):
                raise Refused("ErrorInvalidPropertyDelete")
            if prop.uri == "task:CompleteDate":
                if w["task:Status"] == "Completed":
                    w["task:Status"] = "NotStarted"
                if w["task:PercentComplete"] == 100:
                    w["task:PercentComplete"] = Decimal(0)
            if prop.uri in ("task:StartDate", "task:DueDate") and prop.uri in self.stored:
                self.client_date_change = True
            w.pop(prop.uri, None)
            return
        if not prop.writable or prop.create_only:  # §2.2 rule 4: Set or Append; create-only is read-only now
            raise Refused("ErrorInvalidPropertySet")
        if change.action == "Append":
            if not prop.appendable or (prop.uri in w and w[prop.uri][0] != change.value[0]):
                raise Refused("ErrorInvalidPropertyAppend")
            w[prop.uri] = (change.value[0], w[prop.uri][1] + change.value[1]) if prop.uri in w else change.value
            return
        value = change.value
        if prop.uri in self.reanchored and value == self.stored.get(prop.uri):
            return  # D12: re-sending the stored date does not undo the server's re-anchoring
        if prop.uri == "task:Status":
            self.set_status(value)
        elif prop.uri == "task:PercentComplete":
            self.set_percent(value)
        elif prop.uri == "task:CompleteDate":
            self.set_complete_date(value)
        elif prop.uri == "task:Recurrence":
            self.set_recurrence(value)
        else:
            if prop.uri == "item:ItemClass" and value.split(".")[:2] != ["IPM", "Task"]:
                raise Refused("ErrorObjectTypeChanged")
            if prop.uri in ("task:StartDate", "task:DueDate") and value != self.stored.get(prop.uri):
                self.client_date_change = True
            w[prop.uri] = value[:255] if prop.uri == "item:Subject" else value

    # -- the whole ItemChange --

    def run(self, changes: list[Change]) -> Verdict:
        for change in changes:
            self.apply(change)
        w = self.w
        if "task:StartDate" in w and "task:DueDate" not in w:  # OXOTASK: a start date needs a due date
            w["task:DueDate"] = w["task:StartDate"]
        elif "task:StartDate" in w and w["task:StartDate"] > w["task:DueDate"]:
            raise Refused("ErrorCalendarEndDateIsEarlierThanStartDate")  # D4
        touched = {k for k in self.named if self.stored.get(k) != w.get(k)}
        conflicts = 0
        if self.changed_since is not None:  # D3
            if self.cr == "NeverOverwrite":
                raise Refused("ErrorIrresolvableConflict")
            since = self.changed_since
            if "task:Recurrence" in self.stored and since & {"task:StartDate", "task:DueDate"}:
                # once the current occurrence moved, its state counts as changed too (concurrent completions
                # of one occurrence must not make two one-offs: see core/apply.py _occurrence_moved)
                since = since | {"task:Status", "task:PercentComplete", "task:CompleteDate"}
            overlap = {k for k in touched if "*" in since or k in since}
            if overlap and self.cr == "AutoResolve":
                raise Refused("ErrorIrresolvableConflict")
            conflicts = len(overlap)
        spawned = self.recurring()
        return Verdict(conflicts=conflicts, new=w if w != self.stored else None, spawned=spawned)

    def recurring(self) -> dict[str, Any] | None:
        """§5.5 / §5.6: completing an occurrence or moving its dates splits off a one-off."""
        stored, w = self.stored, self.w
        old: Rec | None = stored.get("task:Recurrence")
        if old is None or w.get("task:Recurrence") is None:
            return None
        completing = w["task:Status"] == "Completed" and stored["task:Status"] != "Completed"
        if not (completing or (self.client_date_change and not old.regenerating)):
            return None
        span = stored["task:DueDate"] - stored["task:StartDate"] \
            if "task:StartDate" in stored and "task:DueDate" in stored else dt.timedelta()
        # the master keeps the client's range (a new range StartDate, say) with the stored visible count (§5.4)
        rec = w["task:Recurrence"]
        if rec.range == "NumberedRecurrence" and old.range == "NumberedRecurrence":
            rec = Rec(**{**rec.__dict__, "count": old.count})
        if old.regenerating:
            due = (self.explicit_complete_date or NOW.date()) + dt.timedelta(days=old.interval)  # D9: UTC date
            start, probe = (due - span if "task:StartDate" in stored else None), due
        else:  # the next date on the stored grid strictly after the stored DueDate (D9)
            bound = stored.get("task:DueDate") or stored.get("task:StartDate")
            probe = old.first_from(bound, False) if bound is not None else None
            start = probe if "task:StartDate" in stored else None
            due = probe + span if probe is not None and "task:StartDate" in stored else probe
        # is there an occurrence after this one, in the range the master keeps?
        exists = probe is not None and (rec.range != "EndDateRecurrence" or probe <= rec.end) and \
            (rec.range != "NumberedRecurrence" or rec.count > 1)
        if not exists:
            if completing:
                del w["task:Recurrence"]  # the last occurrence: the series is over, the task itself completes
            return None
        one_off = copy.deepcopy(w)
        del one_off["task:Recurrence"]
        one_off["task:ChangeCount"] = 1
        if completing:
            one_off["item:ReminderIsSet"] = False
        # the master: the next occurrence, reset, one occurrence fewer (D8)
        if rec.range == "NumberedRecurrence":
            rec = Rec(**{**rec.__dict__, "count": rec.count - 1})
        old_due = w.get("task:DueDate")
        if start is not None:
            w["task:StartDate"] = start
        else:
            w.pop("task:StartDate", None)
        w["task:DueDate"] = due
        w.update({"task:Status": "NotStarted", "task:PercentComplete": Decimal(0), "task:Recurrence": rec,
                  "task:ChangeCount": w["task:ChangeCount"] + 1})
        w.pop("task:CompleteDate", None)
        if w["item:ReminderIsSet"] and "item:ReminderDueBy" in w and old_due is not None:
            w["item:ReminderDueBy"] += dt.datetime.combine(due, dt.time()) - dt.datetime.combine(old_due, dt.time())
        return one_off


# ---- strategies ----------------------------------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=12)
LONG_TEXT = st.one_of(TEXT, st.text(st.sampled_from("ab é中"), min_size=250, max_size=300))
DAY = st.integers(-25, 25).map(lambda n: TODAY + dt.timedelta(days=n))
MOMENT = st.integers(-3000, 3000).map(lambda m: NOW + dt.timedelta(minutes=m))


@st.composite
def task_date(draw) -> tuple[dt.date, str]:
    """A task date and how it is written: midnight UTC, another time of day, or midnight in an offset (D29)."""
    day = draw(DAY)
    form = draw(st.sampled_from(["midnight", "afternoon", "offset-midnight", "offset-morning"]))
    if form == "midnight":
        return day, f"{day}T00:00:00Z"
    if form == "afternoon":
        return day, f"{day}T15:30:00Z"
    if form == "offset-midnight":  # midnight in its own offset, 22:00 the day before in UTC: the literal date
        return day, f"{day}T00:00:00+02:00"
    return day - dt.timedelta(days=1), f"{day}T01:00:00+02:00"  # 23:00 UTC the day before: the UTC date

RECURRENCE = st.builds(
    lambda pattern, interval, days, range_, start, count, length: Rec(
        pattern, interval, frozenset(days) if pattern == "WeeklyRecurrence" else frozenset(), range_, start,
        count if range_ == "NumberedRecurrence" else None,
        start + dt.timedelta(days=length) if range_ == "EndDateRecurrence" else None),
    st.sampled_from(["DailyRecurrence", "WeeklyRecurrence", "DailyRegeneration"]),
    st.sampled_from([0, 1, 1, 2, 3]),
    st.sets(st.sampled_from(DAYS), min_size=1, max_size=3),
    st.sampled_from(["NoEndRecurrence", "NumberedRecurrence", "EndDateRecurrence"]),
    DAY, st.sampled_from([0, 1, 2, 3, 4]), st.integers(-1, 12),
).map(lambda r: Rec(**{**r.__dict__, "interval": 1}) if r.pattern == "WeeklyRecurrence" and r.interval > 1 else r)
PERCENT = st.sampled_from(["0", "100", "50", "33.5", "79.60", "99.9", "1", "-1", "100.5", "150"])


def value_for(draw, prop: Prop) -> tuple[Any, str]:
    """(model value, XML text of the element's content) for a property."""
    kind = prop.kind
    if prop.uri == "item:Culture":  # xs:language
        v = draw(st.sampled_from(["en-US", "da-DK", "de", "fr-CA"]))
        return v, v
    if kind == "text":
        v = draw(LONG_TEXT if prop.uri == "item:Subject" else TEXT)
        return v, escape(v)
    if kind == "body":
        kind_, text = draw(st.sampled_from(["Text", "HTML"])), draw(TEXT)
        return (kind_, text), escape(text)
    if kind == "strings":
        items = draw(st.lists(TEXT, max_size=3))
        return tuple(items), "".join(f"<t:String>{escape(i)}</t:String>" for i in items)
    if kind == "enum":
        v = draw(st.sampled_from(prop.choices))
        return v, v
    if kind == "bool":
        v = draw(st.booleans())
        return v, draw(st.sampled_from(["true", "1"] if v else ["false", "0"]))
    if kind == "int":
        v = draw(st.integers(0, 500))
        return v, str(v)
    if kind == "datetime":
        v = draw(MOMENT)
        return v, v.strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "date":
        return draw(task_date())
    if kind == "percent":
        text = draw(PERCENT)
        return Decimal(text), text
    if kind == "recurrence":
        rec = draw(RECURRENCE)
        return rec, rec.xml()
    if kind == "itemclass":
        v = draw(st.sampled_from(["IPM.Task", "IPM.Task.Custom", "IPM.Note", "IPM.Task.X.Y"]))
        return v, v
    raise AssertionError(kind)


def element(prop: Prop, text: str, value: Any) -> str:
    if prop.kind == "body":
        return f'<t:Body BodyType="{value[0]}">{text}</t:Body>'
    if prop.kind == "recurrence":
        return text
    return f"<t:{prop.element}>{text}</t:{prop.element}>"


#: what a change names: the coupled and recurring-task properties most, then every other writable one, then
#: read-only, create-only and non-task properties (which always fail)
URIS = (["task:Status", "task:PercentComplete", "task:CompleteDate", "task:StartDate", "task:DueDate"] * 5
        + ["task:Recurrence"] * 6 + [EXT] * 2
        + [u for u, p in PROPS.items() if p.writable and not p.create_only] + ["item:ReminderIsSet"] * 2
        + [u for u, p in PROPS.items() if not p.writable or p.create_only][::2] + ["calendar:Start"])


@st.composite
def changes(draw) -> tuple[Change, str]:
    """One Set/Append/Delete and its XML; mostly valid, sometimes each kind of invalid."""
    uri = draw(st.sampled_from(URIS))
    action = draw(st.sampled_from(["Set"] * 7 + ["Delete"] * 3 + ["Append"]))
    if uri == "calendar:Start":
        return Change("Delete", uri), '<t:DeleteItemField><t:FieldURI FieldURI="calendar:Start"/></t:DeleteItemField>'
    path = f'<t:ExtendedFieldURI {LABEL}/>' if uri == EXT else f'<t:FieldURI FieldURI="{uri}"/>'
    if action == "Delete":
        return Change("Delete", uri), f"<t:DeleteItemField>{path}</t:DeleteItemField>"
    if uri == EXT:
        value = draw(TEXT)
        inner = f"<t:ExtendedProperty>{path}<t:Value>{escape(value)}</t:Value></t:ExtendedProperty>"
        wrapper = "Task"
    else:
        prop = PROPS[uri]
        value, text = value_for(draw, prop)
        inner = element(prop, text, value)
        wrapper = draw(st.sampled_from(["Task", "Item"])) if uri.startswith("item:") else "Task"
    shape = draw(st.sampled_from(["one"] * 30 + ["none", "two", "mismatch"]))
    if shape == "none":
        inner = ""
    elif shape in ("two", "mismatch"):
        other = "task:Mileage" if uri != "task:Mileage" else "task:BillingInformation"
        extra = f"<t:{PROPS[other].element}>x</t:{PROPS[other].element}>"
        if shape == "mismatch":
            inner = extra
        elif uri == EXT:
            inner = inner + extra if ORDER.index(other) > ORDER.index("item:HasAttachments") else extra + inner
        else:
            inner = inner + extra if ORDER.index(other) > ORDER.index(uri) else extra + inner
        wrapper = "Task"
    tag = {"Set": "SetItemField", "Append": "AppendToItemField"}[action]
    return Change(action, uri, value, shape, wrapper=wrapper), \
        f"<t:{tag}>{path}<t:{wrapper}>{inner}</t:{wrapper}></t:{tag}>"


@st.composite
def item_changes(draw) -> dict:
    return {
        "target": draw(st.sampled_from(["task"] * 20 + ["unknown", "malformed", "bobs"])),
        "index": draw(st.integers(0, 50)),
        "key": draw(st.sampled_from(["current"] * 8 + ["stale"] * 3 + ["missing"] * 2 + ["malformed", "foreign"])),
        "key_index": draw(st.integers(0, 50)),
        "changes": draw(st.lists(changes(), min_size=1, max_size=3)),
    }


# ---- reading the server back -----------------------------------------------------------------------------------------


def _date(text: str) -> dt.date:
    assert text.endswith("T00:00:00Z"), text  # D29 output in UTC
    return dt.date.fromisoformat(text[:10])


def _recurrence(el: etree._Element) -> Rec:
    pattern, range_ = [c for c in el]
    name, rname = etree.QName(pattern).localname, etree.QName(range_).localname
    get = lambda parent, tag: parent.findtext(f"{{{NS['t']}}}{tag}")  # noqa: E731
    days = frozenset((get(pattern, "DaysOfWeek") or "").split()) if name == "WeeklyRecurrence" else frozenset()
    count = get(range_, "NumberOfOccurrences")
    end = get(range_, "EndDate")
    return Rec(name, int(get(pattern, "Interval")), days, rname, dt.date.fromisoformat(get(range_, "StartDate")[:10]),
               int(count) if count else None, dt.date.fromisoformat(end[:10]) if end else None)


def read_back(task: etree._Element) -> dict[str, Any]:
    """The compared properties of a rendered t:Task, as model values."""
    out: dict[str, Any] = {}
    for el in task:
        name = etree.QName(el).localname
        uri = next((u for u in COMPARED if u.split(":")[-1] == name), None)
        if name == "ExtendedProperty":
            out[EXT] = el.findtext(f"{{{NS['t']}}}Value") or ""
        if uri is None or uri == EXT:
            continue
        kind, text = PROPS[uri].kind, el.text or ""
        if kind == "body":
            out[uri] = (el.get("BodyType"), text)
        elif kind == "strings":
            out[uri] = tuple(s.text or "" for s in el)
        elif kind == "bool":
            assert text in ("true", "false"), text
            out[uri] = text == "true"
        elif kind == "int":
            out[uri] = int(text)
        elif kind == "datetime":
            out[uri] = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        elif kind == "date":
            out[uri] = _date(text)
        elif kind == "percent":
            out[uri] = Decimal(text)
        elif kind == "recurrence":
            out[uri] = _recurrence(el)
        else:
            out[uri] = text
    derived = {"task:IsComplete": out.get("task:Status") == "Completed",
               "task:IsRecurring": "task:Recurrence" in out,
               "task:StatusDescription": DESCRIPTIONS.get(out.get("task:Status"))}
    shown = {"task:IsComplete": task.findtext(f"{{{NS['t']}}}IsComplete") == "true",
             "task:IsRecurring": task.findtext(f"{{{NS['t']}}}IsRecurring") == "true",
             "task:StatusDescription": task.findtext(f"{{{NS['t']}}}StatusDescription")}
    assert shown == derived, (shown, derived)
    return out


# ---- the state machine -------------------------------------------------------------------------------------------------

_shared: dict[str, Any] = {}
COUNTER = {"item_changes": 0, "requests": 0}


def shared_client() -> Client:
    """One emulator for all examples (each example makes its own tasks): creating one per example is slow."""
    if "client" not in _shared:
        clock = Clock()
        clock.freeze(NOW)
        emulator = Emulator(Settings(database="sqlite://", seed=11), clock)
        _shared["emulator"], _shared["client"] = emulator, Client(make_app(emulator))
    return _shared["client"]


def create(client: Client, subject: str, user: str = ALICE) -> str:
    r = client.call(f"<m:CreateItem><m:Items><t:Task><t:Subject>{subject}</t:Subject></t:Task></m:Items>"
                    "</m:CreateItem>", user=user)
    assert r.codes() == ["NoError"], r.body
    return r.xpath("//t:ItemId/@Id")[0]


def get(client: Client, item_id: str) -> tuple[bytes, etree._Element]:
    r = client.call('<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties>'
                    f"<t:ExtendedFieldURI {LABEL}/></t:AdditionalProperties></m:ItemShape><m:ItemIds>"
                    f'<t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    assert r.status == 200 and r.codes() == ["NoError"], r.body
    message = r.xpath("//m:GetItemResponseMessage")[0]
    return etree.tostring(message), r.xpath("//t:Task")[0]


class UpdateItemMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.client = shared_client()
        self.tasks: dict[str, ModelTask] = {}
        self.seen_keys: set[str] = set()
        self.bobs = ""

    @initialize(recurrence=st.sampled_from([
        Rec("WeeklyRecurrence", 1, frozenset({"Monday", "Wednesday", "Friday"}), "NumberedRecurrence",
            TODAY - dt.timedelta(days=6), count=4),
        Rec("DailyRecurrence", 2, frozenset(), "NoEndRecurrence", TODAY - dt.timedelta(days=3)),
        Rec("DailyRecurrence", 1, frozenset(), "EndDateRecurrence", TODAY, end=TODAY + dt.timedelta(days=2)),
        Rec("DailyRegeneration", 1, frozenset(), "NumberedRecurrence", TODAY - dt.timedelta(days=1), count=3),
        Rec("DailyRegeneration", 2, frozenset(), "NoEndRecurrence", TODAY)]),
        with_start=st.booleans())
    def make_tasks(self, recurrence: Rec, with_start: bool) -> None:
        for n in range(2):
            item_id = create(self.client, f"task {n}")
            self.tasks[item_id] = ModelTask(item_id, defaults(f"task {n}"), None, [])
        self.bobs = create(self.client, "bob's", BOB)
        self.snapshots = {i: self.check(i) for i in self.tasks}
        # the second task starts out recurring (through the same path), so completions and splits are common
        first = [(Change("Set", "task:Recurrence", recurrence),
                  f'<t:SetItemField><t:FieldURI FieldURI="task:Recurrence"/><t:Task>{recurrence.xml()}</t:Task>'
                  "</t:SetItemField>")]
        if with_start:
            first.insert(0, (Change("Set", "task:StartDate", TODAY - dt.timedelta(days=8)),
                             '<t:SetItemField><t:FieldURI FieldURI="task:StartDate"/><t:Task><t:StartDate>'
                             f"{TODAY - dt.timedelta(days=8)}T00:00:00Z</t:StartDate></t:Task></t:SetItemField>"))
        self.update([{"target": "task", "index": 1, "key": "current", "key_index": 0, "changes": first}],
                    "AutoResolve", "SaveOnly", False)
        assert "task:Recurrence" in self.tasks[sorted(self.tasks)[1]].values

    def check(self, item_id: str) -> bytes:
        """The task reads back as the model holds it; returns its GetItem message bytes."""
        raw, task = get(self.client, item_id)
        model = self.tasks[item_id]
        assert read_back(task) == model.values, (item_id, read_back(task), model.values)
        key = task.find(f"{{{NS['t']}}}ItemId").get("ChangeKey")
        if model.change_key is None:  # first read of a new version: learn its key, which must be new
            assert key not in self.seen_keys
            model.change_key = key
            self.seen_keys.add(key)
            if model.history and model.history[-1][0] is None:
                model.history[-1] = (key, model.history[-1][1])
            elif not model.history:
                model.history.append((key, frozenset()))
        assert key == model.change_key
        return raw

    def _target(self, spec: dict) -> tuple[str, str | None, ModelTask | None]:
        ids = sorted(self.tasks)
        task = self.tasks[ids[spec["index"] % len(ids)]]
        item_id = {"task": task.id, "unknown": UNKNOWN_ID, "malformed": "not-an-id!", "bobs": self.bobs}[
            spec["target"]]
        known = [k for k, _ in task.history if k is not None and k != task.change_key]
        others = [t.change_key for t in self.tasks.values() if t is not task]
        key = {"current": task.change_key, "missing": None, "malformed": "bm90IGEga2V5",
               "stale": known[spec["key_index"] % len(known)] if known else task.change_key,
               "foreign": others[spec["key_index"] % len(others)] if others else None}[spec["key"]]
        return item_id, key, task if spec["target"] == "task" else None

    def _predict(self, item_id: str, key: str | None, task: ModelTask | None, cr: str | None,
                 disposition: str | None, spec: dict) -> Verdict:
        if spec["target"] == "malformed":
            return Verdict("ErrorInvalidIdMalformed")
        if key is not None and key == "bm90IGEga2V5":
            return Verdict("ErrorInvalidChangeKey")
        if task is None:
            return Verdict("ErrorItemNotFound")
        if disposition == "SendOnly":
            return Verdict("ErrorInvalidOperation")  # D13
        model = Model(task.values, cr or "AutoResolve", task.changed_since(key) if key is not None else None)
        try:
            return model.run([c for c, _ in spec["changes"]])
        except Refused as refused:
            return Verdict(refused.code)

    @rule(batch=st.lists(item_changes(), min_size=1, max_size=3),
          cr=st.sampled_from([None, "NeverOverwrite", "AutoResolve", "AutoResolve", "AlwaysOverwrite"]),
          disposition=st.sampled_from(["SaveOnly"] * 20 + [None] * 5 + ["SendOnly"]),
          schema_invalid=st.sampled_from([False] * 29 + [True]))
    def update(self, batch: list[dict], cr: str | None, disposition: str | None, schema_invalid: bool) -> None:
        parts, plans = [], []
        for spec in batch:
            item_id, key, task = self._target(spec)
            key_attr = f" ChangeKey={quoteattr(key)}" if key is not None else ""
            updates = "".join(xml for _, xml in spec["changes"])
            if schema_invalid:
                updates += ('<t:SetItemField><t:FieldURI FieldURI="task:Status"/><t:Task><t:Status>Done</t:Status>'
                            "</t:Task></t:SetItemField>")
            parts.append(f"<t:ItemChange><t:ItemId Id={quoteattr(item_id)}{key_attr}/><t:Updates>{updates}"
                         "</t:Updates></t:ItemChange>")
            plans.append((spec, item_id, key, task))
        attrs = (f' ConflictResolution="{cr}"' if cr else "") + \
                (f' MessageDisposition="{disposition}"' if disposition else "")
        r = self.client.call(f"<m:UpdateItem{attrs}><m:ItemChanges>{''.join(parts)}</m:ItemChanges></m:UpdateItem>")
        COUNTER["requests"] += 1
        COUNTER["item_changes"] += len(batch)
        if schema_invalid:
            assert (r.status, r.fault_code()) == (500, "ErrorSchemaValidation"), r.body
            changed: set[str] = set()
        else:
            assert r.status == 200, r.body
            changed = self._check_messages(r, plans, cr, disposition)
        for item_id in sorted(self.tasks):
            if item_id in changed or item_id not in self.snapshots:
                self.snapshots[item_id] = self.check(item_id)
            else:
                assert self.check(item_id) == self.snapshots[item_id], "an unchanged task must read back identically"

    def _check_messages(self, r: Response, plans: list, cr: str | None, disposition: str | None) -> set[str]:
        messages = r.xpath("//m:UpdateItemResponseMessage")
        assert len(messages) == len(plans)
        changed = set()
        for msg, (spec, item_id, key, task) in zip(messages, plans):
            verdict = self._predict(item_id, key, task, cr, disposition, spec)
            code = msg.findtext(f"{{{NS['m']}}}ResponseCode")
            assert code == verdict.code, (code, verdict, [c for c, _ in spec["changes"]], key)
            if code != "NoError":
                assert msg.get("ResponseClass") == "Error" and msg.find(f"{{{NS['m']}}}Items") is not None
                continue
            assert msg.findtext(f"{{{NS['m']}}}ConflictResults/{{{NS['t']}}}Count") == str(verdict.conflicts)
            (returned,) = msg.xpath("m:Items/t:Task/t:ItemId", namespaces=NS)
            new_id, new_key = returned.get("Id"), returned.get("ChangeKey")
            if verdict.spawned is not None:
                assert new_id not in self.tasks and new_key not in self.seen_keys
                self.seen_keys.add(new_key)
                self.tasks[new_id] = ModelTask(new_id, verdict.spawned, new_key, [(new_key, frozenset())])
                changed.add(new_id)
            else:
                assert new_id == item_id
            if verdict.new is not None:
                before = task.values
                task.values = verdict.new
                keys = frozenset(k for k in before.keys() | verdict.new.keys() if before.get(k) != verdict.new.get(k))
                changed.add(item_id)
                if verdict.spawned is None:  # the response names the master's new key
                    assert new_key not in self.seen_keys
                    self.seen_keys.add(new_key)
                    task.history.append((new_key, keys))
                    task.change_key = new_key
                else:  # the response names the one-off: the master's new key is learnt by reading it
                    task.history.append((None, keys))
                    task.change_key = None
            elif verdict.spawned is None:  # nothing changed: the same key
                if task.change_key is None:
                    task.change_key = new_key
                    task.history[-1] = (new_key, task.history[-1][1])
                    assert new_key not in self.seen_keys
                    self.seen_keys.add(new_key)
                assert new_key == task.change_key
        return changed

    @invariant()
    def keys_are_unique_per_task(self) -> None:
        for task in self.tasks.values():
            known = [k for k, _ in task.history if k is not None]
            assert len(known) == len(set(known))


SHORT = settings(max_examples=30, stateful_step_count=8, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
LONG = settings(max_examples=600, stateful_step_count=12, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_update_item_matches_the_reference_model() -> None:
    before = COUNTER["item_changes"]
    UpdateItemMachine.TestCase.settings = SHORT
    UpdateItemMachine.TestCase().runTest()
    assert COUNTER["item_changes"] - before >= 200  # the short run is a real run


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("EWSEMU_SLOW") != "1", reason="long model-checking run: set EWSEMU_SLOW=1")
def test_update_item_matches_the_reference_model_long_run() -> None:
    before = COUNTER["item_changes"]
    UpdateItemMachine.TestCase.settings = LONG
    UpdateItemMachine.TestCase().runTest()
    while COUNTER["item_changes"] - before < 10_000:
        UpdateItemMachine.TestCase().runTest()
    assert COUNTER["item_changes"] - before >= 10_000


def _set(uri: str, value: Any, content: str) -> tuple[Change, str]:
    prop = PROPS[uri]
    return Change("Set", uri, value), (f'<t:SetItemField><t:FieldURI FieldURI="{uri}"/><t:Task>'
                                       f"{element(prop, content, value)}</t:Task></t:SetItemField>")


def _replay(recurrence: Rec, *changes: tuple[Change, str]) -> UpdateItemMachine:
    """The second (recurring) task gets one ItemChange; the machine checks the answer and the read-back."""
    machine = UpdateItemMachine()
    machine.make_tasks(recurrence=recurrence, with_start=False)
    machine.update([{"target": "task", "index": 1, "key": "current", "key_index": 0, "changes": list(changes)}],
                   "AutoResolve", "SaveOnly", False)
    return machine


def test_regression_new_numbered_range_with_one_occurrence_on_a_moved_task() -> None:
    """Was HTTP 500 (ErrorInternalServerError): the spawn decremented the client's count of 1 to 0. With one
    occurrence left in the range the master keeps, the moved occurrence is the last: changed in place."""
    rec = Rec("DailyRecurrence", 1, frozenset(), "NoEndRecurrence", TODAY)
    moved = Rec("DailyRecurrence", 1, frozenset(), "NumberedRecurrence", TODAY + dt.timedelta(days=1), count=1)
    machine = _replay(rec, _set("task:Recurrence", moved, moved.xml()))
    assert len(machine.tasks) == 2  # no one-off
    (task,) = [t for t in machine.tasks.values() if "task:Recurrence" in t.values]
    assert task.values["task:Recurrence"] == moved


def test_regression_regenerated_master_without_start_date_gets_none() -> None:
    """Was a stored StartDate after the DueDate: completing a regenerating task that had no StartDate, while
    setting one, kept the client's StartDate on the master (spec §5.4: no start date unless it had one)."""
    rec = Rec("DailyRegeneration", 1, frozenset(), "NoEndRecurrence", TODAY)
    start, due = TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(days=17)
    machine = _replay(rec, _set("task:StartDate", start, f"{start}T00:00:00Z"),
                      _set("task:DueDate", due, f"{due}T00:00:00Z"), _set("task:Status", "Completed", "Completed"))
    master = machine.tasks[sorted(t for t in machine.tasks if t in machine.snapshots and
                                  "task:Recurrence" in machine.tasks[t].values)[0]]
    assert "task:StartDate" not in master.values and master.values["task:DueDate"] == TODAY + dt.timedelta(days=1)
    assert len(machine.tasks) == 3  # the one-off keeps the client's dates
