"""The apply engine without XML or a database: order, coupling, every error path, conflicts, no-ops."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

import pytest

from ewsemu.core.apply import ALL_CHANGED, ApplyContext, apply_item_change, create_item
from ewsemu.core.changes import UNPARSED, Action, ConflictResolution, FieldChange
from ewsemu.core.errors import EwsError
from ewsemu.core.item import Body, Item
from ewsemu.core.paths import ExtendedFieldURI, FieldURI, IndexedFieldURI
from ewsemu.core.timezones import UTC, zone_for_windows_id

NOW = dt.datetime(2026, 1, 13, 9, 0, tzinfo=UTC)
_ids = count(1)


def ctx(**kw) -> ApplyContext:
    kw.setdefault("now", NOW)
    kw.setdefault("zone", UTC)
    return ApplyContext(new_item_id=lambda: f"NEW{next(_ids)}", **kw)


def set_(uri: str, value, wrapper: str = "Task") -> FieldChange:
    return FieldChange(Action.SET, FieldURI(uri), value, (FieldURI(uri),), wrapper)


def delete(uri: str) -> FieldChange:
    return FieldChange(Action.DELETE, FieldURI(uri))


def append(uri: str, value) -> FieldChange:
    return FieldChange(Action.APPEND, FieldURI(uri), value, (FieldURI(uri),), "Task")


def new_task(*props: FieldChange, c: ApplyContext | None = None) -> Item:
    return create_item("Task", list(props), c or ctx(), mailbox="a@x.org", folder_id="F", owner="A")


def run(item: Item, *changes: FieldChange, **kw) -> Item:
    changed_since = kw.pop("changed_since", None)
    return apply_item_change(item, list(changes), ctx(**kw), changed_since).item


def code(item: Item, *changes: FieldChange, **kw) -> str:
    with pytest.raises(EwsError) as info:
        run(item, *changes, **kw)
    return info.value.code


# ---- defaults and order -------------------------------------------------------------------------------------


def test_create_defaults() -> None:
    t = new_task(set_("item:Subject", "x" * 300))
    assert t.values["item:Subject"] == "x" * 255
    assert t.values["task:Status"] == "NotStarted" and t.values["task:PercentComplete"] == 0
    assert t.values["task:ChangeCount"] == 1 and t.values["item:ItemClass"] == "IPM.Task"
    assert t.version == 1 and t.change_key


def test_updates_apply_in_document_order_last_wins() -> None:
    t = new_task()
    out = run(t, set_("task:PercentComplete", Decimal(100)), set_("task:CompleteDate", dt.date(2007, 1, 1)),
              set_("task:Status", "NotStarted"))
    assert out.values["task:Status"] == "NotStarted"
    assert out.values["task:PercentComplete"] == 0
    assert "task:CompleteDate" not in out.values
    rev = run(t, set_("task:Status", "NotStarted"), set_("task:PercentComplete", Decimal(100)),
              set_("task:CompleteDate", dt.date(2007, 1, 1)))
    assert (rev.values["task:Status"], rev.values["task:PercentComplete"], rev.values["task:CompleteDate"]) == (
        "Completed", 100, dt.date(2007, 1, 1))


# ---- coupling (spec §4.3, D5) -------------------------------------------------------------------------------

@pytest.mark.parametrize("start, changes, expected", [
    (("NotStarted", 0), [("task:Status", "Completed")], ("Completed", 100, dt.date(2026, 1, 13))),
    (("NotStarted", 0), [("task:PercentComplete", Decimal(100))], ("Completed", 100, dt.date(2026, 1, 13))),
    (("InProgress", 50), [("task:Status", "NotStarted")], ("NotStarted", 0, None)),
    (("InProgress", 50), [("task:PercentComplete", Decimal(0))], ("NotStarted", 0, None)),
    (("WaitingOnOthers", 50), [("task:PercentComplete", Decimal(0))], ("WaitingOnOthers", 0, None)),
    (("NotStarted", 0), [("task:PercentComplete", Decimal("37.25"))], ("InProgress", Decimal("37.25"), None)),
    (("Deferred", 10), [("task:PercentComplete", Decimal(20))], ("Deferred", 20, None)),
    (("Completed", 100), [("task:Status", "InProgress")], ("InProgress", 0, None)),
    (("Completed", 100), [("task:Status", "Deferred")], ("Deferred", 0, None)),
    (("InProgress", 30), [("task:Status", "WaitingOnOthers")], ("WaitingOnOthers", 30, None)),
    (("Completed", 100), [("task:PercentComplete", Decimal(40))], ("InProgress", 40, None)),
    # exchangelib's schema-ordered sequences
    (("NotStarted", 0), [("task:PercentComplete", Decimal("37.25")), ("task:Status", "WaitingOnOthers")],
     ("WaitingOnOthers", Decimal("37.25"), None)),
    (("NotStarted", 0), [("task:PercentComplete", Decimal("79.60")), ("task:Status", "InProgress")],
     ("InProgress", Decimal("79.6"), None)),
    (("NotStarted", 0), [("task:PercentComplete", Decimal(0)), ("task:Status", "Completed")],
     ("Completed", 100, dt.date(2026, 1, 13))),
    (("NotStarted", 0), [("task:PercentComplete", Decimal(100)), ("task:Status", "Completed")],
     ("Completed", 100, dt.date(2026, 1, 13))),
    (("NotStarted", 0), [("task:CompleteDate", dt.date(2026, 1, 2)), ("task:Status", "Completed")],
     ("Completed", 100, dt.date(2026, 1, 2))),
])
def test_coupling(start, changes, expected) -> None:
    t = new_task(set_("task:PercentComplete", Decimal(start[1])), set_("task:Status", start[0]))
    if start[0] == "Completed":
        t.values["task:CompleteDate"] = dt.date(2026, 1, 1)
        expected = expected if expected[2] is None else (expected[0], expected[1], dt.date(2026, 1, 1))
    out = run(t, *(set_(uri, v) for uri, v in changes))
    assert (out.values["task:Status"], out.values["task:PercentComplete"],
            out.values.get("task:CompleteDate")) == expected


def test_recompleting_never_restamps() -> None:
    t = new_task(set_("task:CompleteDate", dt.date(2026, 1, 2)))
    out = run(t, set_("task:Status", "Completed"))
    assert out.values["task:CompleteDate"] == dt.date(2026, 1, 2)


def test_delete_complete_date_reopens() -> None:
    t = new_task(set_("task:Status", "Completed"))
    out = run(t, delete("task:CompleteDate"))
    assert (out.values["task:Status"], out.values["task:PercentComplete"]) == ("NotStarted", 0)


def test_today_is_in_the_request_zone() -> None:
    late = dt.datetime(2026, 1, 13, 23, 30, tzinfo=UTC)
    out = apply_item_change(new_task(), [set_("task:Status", "Completed")],
                            ctx(now=late, zone=zone_for_windows_id("Romance Standard Time"))).item
    assert out.values["task:CompleteDate"] == dt.date(2026, 1, 14)


# ---- error mapping (spec §2.2) -----------------------------------------------------------------------------


def test_property_count_and_mismatch() -> None:
    t = new_task()
    two = FieldChange(Action.SET, FieldURI("item:Subject"), UNPARSED,
                      (FieldURI("item:Subject"), FieldURI("item:Body")), "Task")
    assert code(t, two) == "ErrorIncorrectUpdatePropertyCount"
    none = FieldChange(Action.SET, FieldURI("item:Subject"), UNPARSED, (), "Task")
    assert code(t, none) == "ErrorIncorrectUpdatePropertyCount"
    mismatch = FieldChange(Action.SET, FieldURI("item:Subject"), "High", (FieldURI("item:Importance"),), "Task")
    with pytest.raises(EwsError) as info:
        run(t, mismatch)
    assert info.value.code == "ErrorUpdatePropertyMismatch" and info.value.path == FieldURI("item:Subject")


@pytest.mark.parametrize("change, expected", [
    (set_("calendar:Start", UNPARSED), "ErrorInvalidPropertyRequest"),
    (delete("message:IsRead"), "ErrorInvalidPropertyRequest"),
    (FieldChange(Action.DELETE, IndexedFieldURI("contacts:EmailAddress", "EmailAddress1")),
     "ErrorInvalidPropertyRequest"),
    (set_("task:IsComplete", UNPARSED), "ErrorInvalidPropertySet"),
    (set_("task:DelegationState", UNPARSED), "ErrorInvalidPropertySet"),
    (set_("item:DateTimeCreated", UNPARSED), "ErrorInvalidPropertySet"),
    (set_("item:IsAssociated", True), "ErrorInvalidPropertySet"),
    (delete("task:Status"), "ErrorInvalidPropertyDelete"),
    (delete("task:PercentComplete"), "ErrorInvalidPropertyDelete"),
    (delete("item:ItemId"), "ErrorInvalidPropertyDelete"),
    (delete("item:Importance"), "ErrorInvalidPropertyDelete"),
    (append("item:Categories", ("a",)), "ErrorInvalidPropertyAppend"),
    (append("task:Companies", ("a",)), "ErrorInvalidPropertyAppend"),
    (append("task:IsComplete", True), "ErrorInvalidPropertySet"),
    (append("item:Body", Body("x", "HTML")), "ErrorInvalidPropertyAppend"),
    (set_("task:PercentComplete", Decimal(101)), "ErrorInvalidPercentCompleteValue"),
    (set_("task:PercentComplete", Decimal(-1)), "ErrorInvalidPercentCompleteValue"),
    (set_("task:CompleteDate", dt.date(2026, 1, 14)), "ErrorInvalidCompleteDate"),
    (set_("item:ItemClass", "IPM.Note"), "ErrorObjectTypeChanged"),
])
def test_error_codes(change, expected) -> None:
    t = new_task(set_("item:Body", Body("hello", "Text")))
    assert code(t, change) == expected


def test_errors_leave_the_item_untouched() -> None:
    t = new_task(set_("item:Subject", "before"))
    snapshot = t.copy()
    assert code(t, set_("item:Subject", "after"), delete("task:Status")) == "ErrorInvalidPropertyDelete"
    assert t == snapshot


def test_start_after_due_is_rejected_after_all_updates() -> None:
    t = new_task(set_("task:StartDate", dt.date(2026, 1, 10)), set_("task:DueDate", dt.date(2026, 1, 12)))
    with pytest.raises(EwsError) as info:
        run(t, set_("task:StartDate", dt.date(2026, 1, 20)))
    assert info.value.code == "ErrorCalendarEndDateIsEarlierThanStartDate"
    assert info.value.path == FieldURI("task:DueDate")
    out = run(t, set_("task:StartDate", dt.date(2026, 1, 20)), set_("task:DueDate", dt.date(2026, 1, 21)))
    assert out.values["task:StartDate"] == dt.date(2026, 1, 20)


def test_start_without_due_gets_due() -> None:
    out = run(new_task(), set_("task:StartDate", dt.date(2026, 1, 20)))
    assert out.values["task:DueDate"] == dt.date(2026, 1, 20)


def test_append_body_and_delete_absent() -> None:
    t = new_task(set_("item:Body", Body("a", "Text")))
    out = run(t, append("item:Body", Body(" b", "Text")), delete("task:Mileage"))
    assert out.values["item:Body"] == Body("a b", "Text")


def test_sent_task_request_and_send_dispositions() -> None:
    t = new_task()
    assert code(t, set_("item:Subject", "x"), message_disposition="SendAndSaveCopy") == "ErrorInvalidOperation"
    assert code(t, set_("item:Subject", "x"), message_disposition="SendOnly") == "ErrorInvalidOperation"
    assert run(t, set_("item:Subject", "x"), message_disposition="SaveOnly").values["item:Subject"] == "x"
    t.task_request_sent = True
    assert code(t, set_("item:Subject", "x")) == "ErrorSentTaskRequestUpdate"


# ---- extended properties ---------------------------------------------------------------------------------------

EXT = ExtendedFieldURI("String", property_set_id="c11ff724-aa03-4555-9952-8fa248a11c3e", property_name="External ID")


def ext_set(path: ExtendedFieldURI, value) -> FieldChange:
    return FieldChange(Action.SET, path, value, (path,), "Task")


def test_extended_set_and_delete() -> None:
    out = run(new_task(), ext_set(EXT, "42"))
    assert out.extended[EXT.key].value == "42"
    assert EXT.key not in run(out, FieldChange(Action.DELETE, EXT)).extended
    assert run(new_task(), FieldChange(Action.DELETE, EXT)).version == 1  # absent: a no-op


@pytest.mark.parametrize("path, value, expected", [
    (ExtendedFieldURI("String", property_tag="0x8001"), "x", "ErrorNoPropertyTagForCustomProperties"),
    (ExtendedFieldURI("String", property_tag="0x1000", property_name="x"), "x", "ErrorInvalidExtendedProperty"),
    (ExtendedFieldURI("String", distinguished_property_set_id="PublicStrings"), "x", "ErrorInvalidExtendedProperty"),
    (ExtendedFieldURI("Integer", distinguished_property_set_id="PublicStrings", property_name="n"), "abc",
     "ErrorInvalidExtendedPropertyValue"),
    (ExtendedFieldURI("StringArray", distinguished_property_set_id="PublicStrings", property_name="n"), "abc",
     "ErrorInvalidExtendedPropertyValue"),
])
def test_extended_errors(path, value, expected) -> None:
    assert code(new_task(), ext_set(path, value)) == expected


# ---- ChangeKeys and conflicts (D3) -------------------------------------------------------------------------------


def test_noop_update_keeps_version_and_change_key() -> None:
    t = new_task(set_("item:Subject", "same"))
    out = apply_item_change(t, [set_("item:Subject", "same"), delete("task:Mileage")], ctx())
    assert out.item.version == t.version and out.item.change_key == t.change_key and not out.changed


def test_change_bumps_version_and_change_key() -> None:
    t = new_task()
    out = apply_item_change(t, [set_("item:Subject", "new")], ctx(now=NOW + dt.timedelta(hours=1)))
    assert out.item.version == 2 and out.item.change_key != t.change_key
    assert set(out.changed) == {"item:Subject", "item:LastModifiedTime"}


@pytest.mark.parametrize("mode, since, expected", [
    (ConflictResolution.NEVER_OVERWRITE, frozenset({"item:Body"}), "ErrorIrresolvableConflict"),
    (ConflictResolution.NEVER_OVERWRITE, frozenset({"item:Subject"}), "ErrorIrresolvableConflict"),
    (ConflictResolution.AUTO_RESOLVE, frozenset({"item:Body"}), 0),
    (ConflictResolution.AUTO_RESOLVE, frozenset({"item:Subject"}), "ErrorIrresolvableConflict"),
    (ConflictResolution.AUTO_RESOLVE, ALL_CHANGED, "ErrorIrresolvableConflict"),
    (ConflictResolution.ALWAYS_OVERWRITE, frozenset({"item:Body"}), 0),
    (ConflictResolution.ALWAYS_OVERWRITE, frozenset({"item:Subject"}), 1),
    (ConflictResolution.NEVER_OVERWRITE, None, 0),
])
def test_stale_change_key_rules(mode, since, expected) -> None:
    t = new_task()
    if isinstance(expected, str):
        with pytest.raises(EwsError) as info:
            apply_item_change(t, [set_("item:Subject", "x")], ctx(conflict_resolution=mode), since)
        assert info.value.code == expected
    else:
        out = apply_item_change(t, [set_("item:Subject", "x")], ctx(conflict_resolution=mode), since)
        assert out.conflicts == expected and out.item.values["item:Subject"] == "x"


def test_resent_unchanged_value_is_not_a_conflict() -> None:
    t = new_task(set_("item:Subject", "s"))
    out = apply_item_change(t, [set_("item:Subject", "s"), set_("task:Mileage", "5")], ctx(),
                            frozenset({"item:Subject"}))
    assert out.item.values["task:Mileage"] == "5"
