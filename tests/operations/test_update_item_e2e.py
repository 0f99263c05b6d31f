"""Issue 3 end to end: raw SOAP through the WSGI endpoint, checking the response AND the stored state.

Every test drives the in-process endpoint (`client` fixture), reads the result back with GetItem and, for
failures, checks that nothing changed (same ChangeKey, same properties). Every response body a test
receives is kept and validated against Microsoft's published schema once the module has run.
"""
from __future__ import annotations

import base64
import datetime as dt
import re
from functools import partial
from typing import Iterator

import pytest
from lxml import etree

from ewsemu.core.clock import Clock
from ewsemu.core.ids import IdFactory
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app

from .. import harness
from ..harness import (RSV, Ews, Ref, append_field, delete_field, message_xml, ref_of,  # noqa: F401
                      schema_valid_responses, set_field, tz_header)
from ..soap import NS, Client, Response

SERVER_VERSION = {"MajorVersion": "15", "MinorVersion": "1", "MajorBuildNumber": "2507",
                  "MinorBuildNumber": "6", "Version": "V2017_07_11"}


# ---- request builders (the shared ones are in tests/harness.py) -----------------------------------------------


def ext_uri(**attrs: str) -> str:
    attrs.setdefault("PropertyType", "String")
    return "<t:ExtendedFieldURI " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + "/>"


def set_extended(path: str, value: str) -> str:
    return (f"<t:SetItemField>{path}<t:Task><t:ExtendedProperty>{path}<t:Value>{value}</t:Value>"
            f"</t:ExtendedProperty></t:Task></t:SetItemField>")


def item_change(ref: Ref | str, *updates: str) -> str:
    target = ref.xml() if isinstance(ref, Ref) else ref
    return f"<t:ItemChange>{target}<t:Updates>{''.join(updates)}</t:Updates></t:ItemChange>"


def update_item(*changes: str, cr: str | None = "AutoResolve", md: str | None = "SaveOnly") -> str:
    attrs = (f' ConflictResolution="{cr}"' if cr else "") + (f' MessageDisposition="{md}"' if md else "")
    return f"<m:UpdateItem{attrs}><m:ItemChanges>{''.join(changes)}</m:ItemChanges></m:UpdateItem>"


def unknown_item_id() -> str:
    return base64.b64encode(b"\x00\x03\x24\x00" + b"\x5a" * 16).decode()


# ---- the endpoint as a task test sees it ------------------------------------------------------------------------


class TaskEws(Ews):
    """The shared endpoint, task-first: items are Tasks, ids plain strings, every answer carries the server
    version header (D19), and no fault does (D30)."""

    def call(self, body: str, headers: str | None = None, user: str | None = None) -> Response:
        r = super().call(body, headers, user)
        svi = r.xpath("/s:Envelope/s:Header/t:ServerVersionInfo")
        if r.status == 200:  # D19: every answer carries the server version header
            assert len(svi) == 1 and dict(svi[0].attrib) == SERVER_VERSION
        else:  # D30: a SOAP fault carries none, as Exchange sends none
            assert r.fault_code() is not None and svi == [], r.body
        return r

    def create(self, props: str = "<t:Subject>Task</t:Subject>",  # type: ignore[override]
               headers: str | None = None) -> Ref:
        return super().create("Task", props, headers=headers)

    def update(self, ref: Ref | str, *updates: str, cr: str | None = "AutoResolve",  # type: ignore[override]
               md: str | None = "SaveOnly", headers: str | None = None) -> Response:
        return self.call(update_item(item_change(ref, *updates), cr=cr, md=md), headers)

    def get_response(self, *ids: str, shape: str = "AllProperties", additional: str = "",  # type: ignore[override]
                     headers: str | None = None) -> Response:
        return super().get_response(*(Ref(i).xml() for i in ids), shape=shape, additional=additional,
                                    headers=headers)

    def get(self, item_id: str, **kw) -> etree._Element:  # type: ignore[override]
        r = self.get_response(item_id, **kw)
        assert r.codes() == ["NoError"], r.body
        return r.xpath("//m:Items/t:Task")[0]

    def snapshot(self, item_id: str) -> bytes:  # type: ignore[override]
        """The whole stored item as GetItem shows it (ChangeKey included)."""
        return etree.tostring(self.get(item_id, additional=ALL_EXTENDED), method="c14n")

    def ref(self, item_id: str) -> Ref:
        return ref_of(self.get(item_id, shape="IdOnly"))


ALL_EXTENDED = ext_uri(DistinguishedPropertySetId="PublicStrings", PropertyName="X-Tag")


def val(task: etree._Element, name: str) -> str | None:
    return task.findtext(f"t:{name}", namespaces=NS)


def returned(r: Response) -> Ref:
    return ref_of(r.xpath("//m:Items/t:Task")[0])


@pytest.fixture
def ews(client: Client) -> TaskEws:
    return TaskEws(client)


@pytest.fixture
def make_ews(clock: Clock) -> Iterator:
    """An endpoint with other Settings (strict, …) on its own in-memory database."""
    emulators: list[Emulator] = []

    def make(**settings) -> TaskEws:
        emulators.append(Emulator(Settings(database="sqlite://", seed=11, **settings), clock))
        return TaskEws(Client(make_app(emulators[-1])))

    yield make
    for emu in emulators:
        emu.close()


#: an UpdateItem error: exactly the EWS error layout with an empty Items container
assert_error = partial(harness.assert_error, container="Items")


def assert_success(r: Response, ref: Ref, *, same_ck: bool = False, conflicts: int = 0) -> Ref:
    assert r.status == 200, r.body
    assert r.codes() == ["NoError"], r.body
    msg = r.xpath("//m:UpdateItemResponseMessage")[0]
    assert msg.get("ResponseClass") == "Success"
    assert [etree.QName(c).localname for c in msg] == ["ResponseCode", "Items", "ConflictResults"]
    assert len(msg.find("m:Items", NS)) == 1
    assert r.xpath("//m:ConflictResults/t:Count/text()") == [str(conflicts)]
    new = returned(r)
    assert new.id == ref.id
    assert (new.ck == ref.ck) is same_ck
    return new


def assert_unchanged(ews: TaskEws, before: bytes, item_id: str) -> None:
    assert ews.snapshot(item_id) == before


# ---- E1–E3: the documented successes --------------------------------------------------------------------------


def test_e1_complete_task(ews: TaskEws) -> None:
    ref = ews.create("<t:Subject>Report</t:Subject><t:DueDate>2026-01-20T00:00:00Z</t:DueDate>")
    r = ews.update(ref, set_field("task:Status", "<t:Status>Completed</t:Status>"))
    new = assert_success(r, ref)
    task = ews.get(ref.id)
    assert task.find("t:ItemId", NS).get("ChangeKey") == new.ck
    assert (val(task, "Status"), val(task, "PercentComplete"), val(task, "IsComplete")) == ("Completed", "100", "true")
    assert val(task, "CompleteDate") == "2026-01-13T00:00:00Z"
    assert val(task, "StatusDescription") == "Completed"


@pytest.mark.parametrize("order, expected", [
    (("percent", "date", "status"), ("NotStarted", "0", None, "false")),
    (("status", "percent", "date"), ("Completed", "100", "2007-01-01T00:00:00Z", "true")),
])
def test_e2_ordered_updates_last_wins(ews: TaskEws, order, expected) -> None:
    updates = {
        "percent": set_field("task:PercentComplete", "<t:PercentComplete>100</t:PercentComplete>"),
        "date": set_field("task:CompleteDate", "<t:CompleteDate>2007-01-01T00:00:00Z</t:CompleteDate>"),
        "status": set_field("task:Status", "<t:Status>NotStarted</t:Status>"),
    }
    ref = ews.create("<t:Subject>Done already</t:Subject><t:Status>Completed</t:Status>")  # as E1 left it
    assert_success(ews.update(ref, *(updates[k] for k in order), cr="AlwaysOverwrite"), ref)
    task = ews.get(ref.id)
    assert (val(task, "Status"), val(task, "PercentComplete"), val(task, "CompleteDate"),
            val(task, "IsComplete")) == expected


def test_e3_append_body_then_delete(ews: TaskEws) -> None:
    ref = ews.create('<t:Subject>S</t:Subject><t:Body BodyType="Text">Start.</t:Body><t:Mileage>12 km</t:Mileage>')
    r = ews.update(ref, append_field("item:Body", '<t:Body BodyType="Text"> Extra note appended.</t:Body>'),
                   delete_field("task:Mileage"))
    assert_success(r, ref)
    task = ews.get(ref.id)
    body = task.find("t:Body", NS)
    assert (body.get("BodyType"), body.text) == ("Text", "Start. Extra note appended.")
    assert val(task, "Mileage") is None


def test_append_to_absent_body_creates_it(ews: TaskEws) -> None:
    ref = ews.create()
    assert_success(ews.update(ref, append_field("item:Body", '<t:Body BodyType="HTML">&lt;b&gt;x&lt;/b&gt;</t:Body>')),
                   ref)
    body = ews.get(ref.id).find("t:Body", NS)
    assert (body.get("BodyType"), body.text) == ("HTML", "<b>x</b>")


# ---- E4/E5 and the §2.2 error mapping -------------------------------------------------------------------------


def test_e4_two_properties_in_one_set(ews: TaskEws) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("item:Subject", '<t:Subject>New</t:Subject><t:Body BodyType="Text">b</t:Body>'))
    assert_error(r, "ErrorIncorrectUpdatePropertyCount")
    assert r.xpath("//m:MessageText/text()") == [
        "An object within a change description must contain one and only one property to modify."]
    assert_unchanged(ews, before, ref.id)


def test_e4_zero_properties_in_one_set(ews: TaskEws) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    assert_error(ews.update(ref, set_field("item:Subject", "")), "ErrorIncorrectUpdatePropertyCount")
    assert_unchanged(ews, before, ref.id)


def test_e4_property_mismatch_echoes_path(ews: TaskEws) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("item:Subject", "<t:Importance>High</t:Importance>"))
    assert_error(r, "ErrorUpdatePropertyMismatch", {"FieldURI": "item:Subject"})
    assert_unchanged(ews, before, ref.id)


@pytest.mark.parametrize("uri, prop", [
    ("task:IsComplete", "<t:IsComplete>true</t:IsComplete>"),
    ("task:DelegationState", "<t:DelegationState>Owned</t:DelegationState>"),
    ("task:StatusDescription", "<t:StatusDescription>Done</t:StatusDescription>"),
    ("task:ChangeCount", "<t:ChangeCount>5</t:ChangeCount>"),
    ("task:Owner", "<t:Owner>Mallory</t:Owner>"),
    ("task:IsRecurring", "<t:IsRecurring>true</t:IsRecurring>"),
    ("item:DateTimeCreated", "<t:DateTimeCreated>2020-01-01T00:00:00Z</t:DateTimeCreated>"),
    ("item:LastModifiedTime", "<t:LastModifiedTime>2020-01-01T00:00:00Z</t:LastModifiedTime>"),
    ("item:Size", "<t:Size>1</t:Size>"),
    ("item:IsAssociated", "<t:IsAssociated>true</t:IsAssociated>"),
])
def test_e5_set_read_only_property(ews: TaskEws, uri: str, prop: str) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field(uri, prop))
    assert_error(r, "ErrorInvalidPropertySet", {"FieldURI": uri})
    assert r.xpath("//m:MessageText/text()") == ["Set action is invalid for property."]
    assert_unchanged(ews, before, ref.id)


@pytest.mark.parametrize("uri", ["task:Status", "task:PercentComplete", "item:Importance", "item:Sensitivity",
                                 "item:ItemClass", "task:IsComplete", "item:ItemId"])
def test_delete_of_non_deletable_property(ews: TaskEws, uri: str) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    assert_error(ews.update(ref, delete_field(uri)), "ErrorInvalidPropertyDelete", {"FieldURI": uri})
    assert_unchanged(ews, before, ref.id)


@pytest.mark.parametrize("uri, prop", [
    ("item:Categories", "<t:Categories><t:String>more</t:String></t:Categories>"),
    ("task:Companies", "<t:Companies><t:String>ACME</t:String></t:Companies>"),
    ("item:Subject", "<t:Subject>more</t:Subject>"),
    ("item:Body", '<t:Body BodyType="HTML">&lt;p&gt;html&lt;/p&gt;</t:Body>'),  # stored body is Text
])
def test_invalid_append(ews: TaskEws, uri: str, prop: str) -> None:
    ref = ews.create('<t:Subject>S</t:Subject><t:Body BodyType="Text">text</t:Body>'
                     "<t:Categories><t:String>a</t:String></t:Categories>")
    before = ews.snapshot(ref.id)
    assert_error(ews.update(ref, append_field(uri, prop)), "ErrorInvalidPropertyAppend", {"FieldURI": uri})
    assert_unchanged(ews, before, ref.id)


def test_property_of_another_item_type(ews: TaskEws) -> None:
    """calendar:Start is schema-valid inside t:CalendarItem, but tasks have no such property."""
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("calendar:Start", "<t:Start>2026-01-20T10:00:00Z</t:Start>", "CalendarItem"))
    assert_error(r, "ErrorInvalidPropertyRequest", {"FieldURI": "calendar:Start"})
    assert_unchanged(ews, before, ref.id)
    r = ews.update(ref, delete_field("message:IsRead"))
    assert_error(r, "ErrorInvalidPropertyRequest", {"FieldURI": "message:IsRead"})
    r = ews.update(ref, set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "Message"))
    assert_error(r, "ErrorInvalidPropertyRequest", {"FieldURI": "message:IsRead"})
    index = '<t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/>'
    r = ews.update(ref, f"<t:DeleteItemField>{index}</t:DeleteItemField>")
    assert_error(r, "ErrorInvalidPropertyRequest", {"FieldURI": "contacts:EmailAddress", "FieldIndex": "EmailAddress1"},
                 kind="IndexedFieldURI")
    assert_unchanged(ews, before, ref.id)


@pytest.mark.parametrize("value", ["101", "-1", "100.5"])
def test_percent_complete_out_of_range(ews: TaskEws, value: str) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("task:PercentComplete", f"<t:PercentComplete>{value}</t:PercentComplete>"))
    assert_error(r, "ErrorInvalidPercentCompleteValue", {"FieldURI": "task:PercentComplete"})
    assert_unchanged(ews, before, ref.id)


def test_item_class_change_to_another_type(ews: TaskEws) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("item:ItemClass", "<t:ItemClass>IPM.Note</t:ItemClass>"))
    assert_error(r, "ErrorObjectTypeChanged", {"FieldURI": "item:ItemClass"})
    assert_unchanged(ews, before, ref.id)
    assert_success(ews.update(ref, set_field("item:ItemClass", "<t:ItemClass>IPM.Task.Custom</t:ItemClass>")), ref)
    assert val(ews.get(ref.id), "ItemClass") == "IPM.Task.Custom"


def test_item_change_is_atomic(ews: TaskEws) -> None:
    """A failing update late in an ItemChange undoes the earlier ones (D22)."""
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>Changed</t:Subject>"),
                   set_field("item:Importance", "<t:Importance>High</t:Importance>"),
                   set_field("task:PercentComplete", "<t:PercentComplete>150</t:PercentComplete>"))
    assert_error(r, "ErrorInvalidPercentCompleteValue", {"FieldURI": "task:PercentComplete"})
    assert_unchanged(ews, before, ref.id)


# ---- E6 / D3: stale ChangeKeys --------------------------------------------------------------------------------


def _two_versions(ews: TaskEws) -> tuple[Ref, Ref]:
    """A task, and the same task after someone else changed its Subject."""
    old = ews.create("<t:Subject>Original</t:Subject>")
    new = returned(ews.update(old, set_field("item:Subject", "<t:Subject>Theirs</t:Subject>")))
    return old, new


def test_e6_stale_change_key_never_overwrite(ews: TaskEws) -> None:
    old, _ = _two_versions(ews)
    before = ews.snapshot(old.id)
    for prop in ("item:Subject", "item:Importance"):  # overlapping or not: NeverOverwrite always fails
        value = "<t:Subject>Mine</t:Subject>" if prop == "item:Subject" else "<t:Importance>High</t:Importance>"
        r = ews.update(old, set_field(prop, value), cr="NeverOverwrite")
        assert_error(r, "ErrorIrresolvableConflict")
        assert r.xpath("//m:MessageText/text()") == [
            "The send or update operation could not be performed because the change key passed in the request "
            "does not match the current change key for the item."]
        assert_unchanged(ews, before, old.id)


def test_d3_auto_resolve_applies_when_touched_properties_are_untouched_since(ews: TaskEws) -> None:
    old, new = _two_versions(ews)
    r = ews.update(old, set_field("item:Importance", "<t:Importance>High</t:Importance>"))
    latest = assert_success(r, new)
    task = ews.get(old.id)
    assert (val(task, "Subject"), val(task, "Importance")) == ("Theirs", "High")
    assert latest.ck not in (old.ck, new.ck)


def test_d3_auto_resolve_conflicts_when_touched_property_changed_since(ews: TaskEws) -> None:
    old, _ = _two_versions(ews)
    before = ews.snapshot(old.id)
    r = ews.update(old, set_field("item:Importance", "<t:Importance>High</t:Importance>"),
                   set_field("item:Subject", "<t:Subject>Mine</t:Subject>"))
    assert_error(r, "ErrorIrresolvableConflict")
    assert_unchanged(ews, before, old.id)


def test_d3_always_overwrite_counts_conflicts(ews: TaskEws) -> None:
    old, new = _two_versions(ews)
    newer = returned(ews.update(new, set_field("item:Sensitivity", "<t:Sensitivity>Private</t:Sensitivity>")))
    r = ews.update(old, set_field("item:Subject", "<t:Subject>Mine</t:Subject>"),
                   set_field("item:Sensitivity", "<t:Sensitivity>Personal</t:Sensitivity>"),
                   set_field("item:Importance", "<t:Importance>Low</t:Importance>"), cr="AlwaysOverwrite")
    assert_success(r, newer, conflicts=2)
    task = ews.get(old.id)
    assert (val(task, "Subject"), val(task, "Sensitivity"), val(task, "Importance")) == ("Mine", "Personal", "Low")


def test_d3_always_overwrite_without_overlap_counts_zero(ews: TaskEws) -> None:
    old, new = _two_versions(ews)
    assert_success(ews.update(old, set_field("item:Importance", "<t:Importance>Low</t:Importance>"),
                              cr="AlwaysOverwrite"), new, conflicts=0)


@pytest.mark.parametrize("cr", ["NeverOverwrite", "AutoResolve", "AlwaysOverwrite"])
def test_d3_current_change_key_never_conflicts(ews: TaskEws, cr: str) -> None:
    _, new = _two_versions(ews)
    assert_success(ews.update(new, set_field("item:Subject", "<t:Subject>Mine</t:Subject>"), cr=cr), new)
    assert val(ews.get(new.id), "Subject") == "Mine"


@pytest.mark.parametrize("cr", ["NeverOverwrite", "AutoResolve", "AlwaysOverwrite"])
def test_d1_missing_change_key_is_never_stale(ews: TaskEws, cr: str) -> None:
    old, new = _two_versions(ews)
    r = ews.update(Ref(old.id, None), set_field("item:Subject", "<t:Subject>Mine</t:Subject>"), cr=cr)
    assert_success(r, new)
    assert val(ews.get(old.id), "Subject") == "Mine"


def test_d1_strict_requires_change_key(make_ews) -> None:
    ews = make_ews(strict=True)
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(Ref(ref.id, None), set_field("item:Subject", "<t:Subject>Mine</t:Subject>"))
    assert_error(r, "ErrorChangeKeyRequiredForWriteOperations")
    assert_unchanged(ews, before, ref.id)
    assert_success(ews.update(ref, set_field("item:Subject", "<t:Subject>Mine</t:Subject>")), ref)


def test_d1_strict_still_checks_the_id_first(make_ews) -> None:
    ews = make_ews(strict=True)
    subject = set_field("item:Subject", "<t:Subject>x</t:Subject>")
    r = ews.call(update_item(item_change(Ref("", None), subject), item_change(Ref(unknown_item_id(), None), subject)))
    assert r.codes() == ["ErrorInvalidIdEmpty", "ErrorChangeKeyRequiredForWriteOperations"]


def test_d2_missing_conflict_resolution_is_auto_resolve(ews: TaskEws) -> None:
    old, new = _two_versions(ews)
    # AutoResolve semantics: a non-overlapping stale update applies …
    latest = assert_success(ews.update(old, set_field("item:Importance", "<t:Importance>High</t:Importance>"),
                                       cr=None), new)
    # … and an overlapping one conflicts (NeverOverwrite would refuse both, AlwaysOverwrite accept both)
    before = ews.snapshot(old.id)
    assert_error(ews.update(old, set_field("item:Subject", "<t:Subject>Mine</t:Subject>"), cr=None),
                 "ErrorIrresolvableConflict")
    assert_unchanged(ews, before, old.id)
    assert ews.ref(old.id) == latest


def test_d2_strict_missing_conflict_resolution_is_a_schema_fault(make_ews) -> None:
    ews = make_ews(strict=True)
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>Mine</t:Subject>"), cr=None)
    assert r.status == 500 and r.fault_code() == "ErrorSchemaValidation"
    assert "ConflictResolution" in r.xpath("//t:Violation/text()")[0]
    assert_unchanged(ews, before, ref.id)


# ---- §2.3 Id checks ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id, code", [
    ("", "ErrorInvalidIdEmpty"),
    ("not*an*id", "ErrorInvalidIdMalformed"),
    ("AAAAAAAAAAAAAAAAAAAAAAAAAA==", "ErrorInvalidIdMalformed"),  # base64, but not an Id
    ("A" * 516, "ErrorInvalidIdMonikerTooLong"),
    (unknown_item_id(), "ErrorItemNotFound"),
])
def test_id_checks(ews: TaskEws, bad_id: str, code: str) -> None:
    r = ews.update(Ref(bad_id, None), set_field("item:Subject", "<t:Subject>x</t:Subject>"))
    assert_error(r, code)


def test_folder_id_as_item_id(ews: TaskEws) -> None:
    ref = ews.create()
    folder_id = ews.get(ref.id).find("t:ParentFolderId", NS).get("Id")
    assert_error(ews.update(Ref(folder_id, None), set_field("item:Subject", "<t:Subject>x</t:Subject>")),
                 "ErrorCannotUseFolderIdForItemId")


@pytest.mark.parametrize("change_key", ["", "%%%", "AAAA", base64.b64encode(b"\x01" * 24).decode()])
def test_malformed_change_key(ews: TaskEws, change_key: str) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(Ref(ref.id, change_key), set_field("item:Subject", "<t:Subject>x</t:Subject>"))
    assert_error(r, "ErrorInvalidChangeKey")
    assert_unchanged(ews, before, ref.id)


def test_another_mailbox_item_is_not_found(ews: TaskEws) -> None:
    ref = ews.create()
    r = ews.call(update_item(item_change(ref, set_field("item:Subject", "<t:Subject>x</t:Subject>"))),
                 user="bob@example.com")
    assert_error(r, "ErrorItemNotFound")
    assert val(ews.get(ref.id), "Subject") == "Task"


# ---- E7 / D22: batches ----------------------------------------------------------------------------------------


def test_e7_batch_with_a_deleted_item(ews: TaskEws) -> None:
    keep, gone, other = ews.create(), ews.create(), ews.create()
    r = ews.call('<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>'
                 f'<t:ItemId Id="{gone.id}"/></m:ItemIds></m:DeleteItem>')
    assert r.codes() == ["NoError"]
    subject = set_field("item:Subject", "<t:Subject>Batch</t:Subject>")
    r = ews.call(update_item(item_change(keep, subject), item_change(gone, subject), item_change(other, subject)))
    msgs = r.xpath("//m:UpdateItemResponseMessage")
    assert [m.get("ResponseClass") for m in msgs] == ["Success", "Error", "Success"]
    assert r.codes() == ["NoError", "ErrorItemNotFound", "NoError"]
    assert [el.get("Id") for el in r.xpath("//m:Items/t:Task/t:ItemId")] == [keep.id, other.id]
    assert val(ews.get(keep.id), "Subject") == val(ews.get(other.id), "Subject") == "Batch"


def test_batch_failing_item_change_does_not_roll_back_others(ews: TaskEws) -> None:
    a, b = ews.create(), ews.create()
    before_b = ews.snapshot(b.id)
    r = ews.call(update_item(
        item_change(a, set_field("item:Subject", "<t:Subject>A</t:Subject>")),
        item_change(b, set_field("item:Subject", "<t:Subject>B</t:Subject>"),
                    set_field("task:IsComplete", "<t:IsComplete>true</t:IsComplete>")),
        item_change(a, set_field("item:Importance", "<t:Importance>High</t:Importance>"))))
    assert r.codes() == ["NoError", "ErrorInvalidPropertySet", "NoError"]
    assert r.xpath("//m:UpdateItemResponseMessage[2]/m:MessageXml/t:FieldURI/@FieldURI") == ["task:IsComplete"]
    assert_unchanged(ews, before_b, b.id)
    task = ews.get(a.id)
    assert (val(task, "Subject"), val(task, "Importance")) == ("A", "High")


def test_same_item_twice_in_one_batch(ews: TaskEws) -> None:
    ref = ews.create()
    r = ews.call(update_item(
        item_change(ref, set_field("item:Subject", "<t:Subject>First</t:Subject>")),
        # the original key is stale now; AutoResolve applies because Importance did not change since
        item_change(ref, set_field("item:Importance", "<t:Importance>High</t:Importance>")),
        # … but Subject did, so this one conflicts
        item_change(ref, set_field("item:Subject", "<t:Subject>Third</t:Subject>")),
        # and without a ChangeKey there is no check at all
        item_change(Ref(ref.id, None), append_field("item:Body", '<t:Body BodyType="Text">x</t:Body>'))))
    assert r.codes() == ["NoError", "NoError", "ErrorIrresolvableConflict", "NoError"]
    keys = [el.get("ChangeKey") for el in r.xpath("//m:Items/t:Task/t:ItemId")]
    assert len(set(keys + [ref.ck])) == 4
    task = ews.get(ref.id)
    assert (val(task, "Subject"), val(task, "Importance"), val(task, "Body")) == ("First", "High", "x")
    assert task.find("t:ItemId", NS).get("ChangeKey") == keys[-1]


def test_same_item_twice_never_overwrite_second_is_stale(ews: TaskEws) -> None:
    ref = ews.create()
    r = ews.call(update_item(
        item_change(ref, set_field("item:Subject", "<t:Subject>First</t:Subject>")),
        item_change(ref, set_field("item:Importance", "<t:Importance>High</t:Importance>")), cr="NeverOverwrite"))
    assert r.codes() == ["NoError", "ErrorIrresolvableConflict"]
    task = ews.get(ref.id)
    assert (val(task, "Subject"), val(task, "Importance")) == ("First", "Normal")


# ---- D4–D6: task dates and the Status coupling ----------------------------------------------------------------


def test_d4_start_after_due_fails(ews: TaskEws) -> None:
    ref = ews.create("<t:Subject>S</t:Subject><t:DueDate>2026-01-20T00:00:00Z</t:DueDate>"
                     "<t:StartDate>2026-01-15T00:00:00Z</t:StartDate>")
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("task:StartDate", "<t:StartDate>2026-01-25T00:00:00Z</t:StartDate>"))
    assert_error(r, "ErrorCalendarEndDateIsEarlierThanStartDate", {"FieldURI": "task:DueDate"})
    assert_unchanged(ews, before, ref.id)


def test_d4_is_checked_after_all_updates(ews: TaskEws) -> None:
    """Moving both dates forward, start first, is fine: the rule looks at the final state only."""
    ref = ews.create("<t:Subject>S</t:Subject><t:DueDate>2026-01-20T00:00:00Z</t:DueDate>"
                     "<t:StartDate>2026-01-15T00:00:00Z</t:StartDate>")
    assert_success(ews.update(ref, set_field("task:StartDate", "<t:StartDate>2026-02-10T00:00:00Z</t:StartDate>"),
                              set_field("task:DueDate", "<t:DueDate>2026-02-12T00:00:00Z</t:DueDate>")), ref)
    task = ews.get(ref.id)
    assert (val(task, "StartDate"), val(task, "DueDate")) == ("2026-02-10T00:00:00Z", "2026-02-12T00:00:00Z")


def test_start_date_without_due_date_gets_one(ews: TaskEws) -> None:
    ref = ews.create()
    assert_success(ews.update(ref, set_field("task:StartDate", "<t:StartDate>2026-02-10T00:00:00Z</t:StartDate>")),
                   ref)
    task = ews.get(ref.id)
    assert (val(task, "StartDate"), val(task, "DueDate")) == ("2026-02-10T00:00:00Z", "2026-02-10T00:00:00Z")


_CREATE = {
    "NotStarted": "",
    "InProgress40": "<t:PercentComplete>40</t:PercentComplete><t:Status>InProgress</t:Status>",
    "Waiting30": "<t:PercentComplete>30</t:PercentComplete><t:Status>WaitingOnOthers</t:Status>",
    "Deferred20": "<t:PercentComplete>20</t:PercentComplete><t:Status>Deferred</t:Status>",
    "Completed0105": "<t:CompleteDate>2026-01-05T00:00:00Z</t:CompleteDate>",
}
_STATUS = lambda s: set_field("task:Status", f"<t:Status>{s}</t:Status>")  # noqa: E731
_PERCENT = lambda p: set_field("task:PercentComplete", f"<t:PercentComplete>{p}</t:PercentComplete>")  # noqa: E731
_DATE = lambda d: set_field("task:CompleteDate", f"<t:CompleteDate>{d}T00:00:00Z</t:CompleteDate>")  # noqa: E731
TODAY = "2026-01-13T00:00:00Z"


@pytest.mark.parametrize("start, updates, expected", [
    ("NotStarted", [_STATUS("Completed")], ("Completed", "100", TODAY)),
    ("NotStarted", [_PERCENT("100")], ("Completed", "100", TODAY)),
    ("NotStarted", [_DATE("2026-01-10")], ("Completed", "100", "2026-01-10T00:00:00Z")),
    ("NotStarted", [_DATE("2026-01-13")], ("Completed", "100", TODAY)),
    ("NotStarted", [_DATE("2026-01-05"), _STATUS("Completed")], ("Completed", "100", "2026-01-05T00:00:00Z")),
    ("Completed0105", [_STATUS("Completed")], ("Completed", "100", "2026-01-05T00:00:00Z")),
    ("Completed0105", [_PERCENT("100")], ("Completed", "100", "2026-01-05T00:00:00Z")),
    ("Completed0105", [_STATUS("NotStarted")], ("NotStarted", "0", None)),
    ("Completed0105", [_PERCENT("0")], ("NotStarted", "0", None)),
    ("Completed0105", [_PERCENT("50")], ("InProgress", "50", None)),
    ("Completed0105", [_STATUS("InProgress")], ("InProgress", "0", None)),
    ("Completed0105", [_STATUS("Deferred")], ("Deferred", "0", None)),
    ("Completed0105", [delete_field("task:CompleteDate")], ("NotStarted", "0", None)),
    ("InProgress40", [_PERCENT("0")], ("NotStarted", "0", None)),
    ("InProgress40", [_STATUS("WaitingOnOthers")], ("WaitingOnOthers", "40", None)),
    ("InProgress40", [delete_field("task:CompleteDate")], ("InProgress", "40", None)),
    ("InProgress40", [_STATUS("NotStarted")], ("NotStarted", "0", None)),
    ("Waiting30", [_PERCENT("0")], ("WaitingOnOthers", "0", None)),
    ("Deferred20", [_PERCENT("50")], ("Deferred", "50", None)),
    ("NotStarted", [_PERCENT("50")], ("InProgress", "50", None)),
    # exchangelib's usual sequences (PercentComplete before Status, schema order)
    ("NotStarted", [_PERCENT("37.25"), _STATUS("WaitingOnOthers")], ("WaitingOnOthers", "37.25", None)),
    ("NotStarted", [_PERCENT("79.60"), _STATUS("InProgress")], ("InProgress", "79.6", None)),
    ("NotStarted", [_PERCENT("0"), _STATUS("Completed")], ("Completed", "100", TODAY)),
    ("NotStarted", [_PERCENT("100"), _STATUS("Completed")], ("Completed", "100", TODAY)),
])
def test_d5_coupling(ews: TaskEws, start: str, updates: list[str], expected: tuple) -> None:
    ref = ews.create("<t:Subject>S</t:Subject>" + _CREATE[start])
    before = ews.get(ref.id)
    unchanged = (val(before, "Status"), val(before, "PercentComplete"), val(before, "CompleteDate")) == expected
    assert_success(ews.update(ref, *updates), ref, same_ck=unchanged)
    task = ews.get(ref.id)
    assert (val(task, "Status"), val(task, "PercentComplete"), val(task, "CompleteDate")) == expected
    assert val(task, "IsComplete") == ("true" if expected[0] == "Completed" else "false")


def test_d6_future_complete_date(ews: TaskEws) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("task:CompleteDate", "<t:CompleteDate>2026-01-14T00:00:00Z</t:CompleteDate>"))
    assert_error(r, "ErrorInvalidCompleteDate", {"FieldURI": "task:CompleteDate"})
    assert_unchanged(ews, before, ref.id)


def test_d6_today_is_the_request_zone_s(ews: TaskEws, clock: Clock) -> None:
    """At 09:00Z on the 13th it is still the 12th in Honolulu: the 13th is in the future there."""
    ref = ews.create()
    before = ews.snapshot(ref.id)
    hawaii = tz_header("Hawaiian Standard Time")
    r = ews.update(ref, set_field("task:CompleteDate", "<t:CompleteDate>2026-01-13T00:00:00Z</t:CompleteDate>"),
                   headers=hawaii)
    assert_error(r, "ErrorInvalidCompleteDate", {"FieldURI": "task:CompleteDate"})
    assert_unchanged(ews, before, ref.id)
    # at 12:00Z it is already the 14th in Kiritimati (UTC+14): the 14th is today there
    clock.freeze(dt.datetime(2026, 1, 13, 12, 0, tzinfo=dt.timezone.utc))
    kiritimati = tz_header("Line Islands Standard Time")
    r = ews.update(ref, set_field("task:CompleteDate", "<t:CompleteDate>2026-01-14T00:00:00+14:00</t:CompleteDate>"),
                   headers=kiritimati)
    assert_success(r, ref)
    assert val(ews.get(ref.id, headers=kiritimati), "CompleteDate") == "2026-01-14T00:00:00+14:00"
    assert val(ews.get(ref.id), "CompleteDate") == "2026-01-14T00:00:00Z"


def test_completing_stamps_today_in_the_request_zone(ews: TaskEws) -> None:
    ref = ews.create()
    hawaii = tz_header("Hawaiian Standard Time")
    assert_success(ews.update(ref, _STATUS("Completed"), headers=hawaii), ref)
    assert val(ews.get(ref.id), "CompleteDate") == "2026-01-12T00:00:00Z"
    assert val(ews.get(ref.id, headers=hawaii), "CompleteDate") == "2026-01-12T00:00:00-10:00"


# ---- D13, D14, D28 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("md", ["SendOnly", "SendAndSaveCopy"])
def test_d13_send_dispositions_on_a_task(ews: TaskEws, md: str) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    assert_error(ews.update(ref, set_field("item:Subject", "<t:Subject>x</t:Subject>"), md=md),
                 "ErrorInvalidOperation")
    assert_unchanged(ews, before, ref.id)


def test_d13_no_disposition_is_save_only(ews: TaskEws) -> None:
    ref = ews.create()
    assert_success(ews.update(ref, set_field("item:Subject", "<t:Subject>x</t:Subject>"), md=None), ref)


@pytest.mark.parametrize("tag, attrs, code", [
    ("OccurrenceItemId", 'RecurringMasterId="{id}" InstanceIndex="1"', "ErrorCalendarCannotUseIdForOccurrenceId"),
    ("RecurringMasterItemId", 'OccurrenceId="{id}"', "ErrorCalendarCannotUseIdForRecurringMasterId"),
])
def test_d14_occurrence_ids_on_a_task(ews: TaskEws, tag: str, attrs: str, code: str) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    target = f"<t:{tag} {attrs.format(id=ref.id)}/>"
    assert_error(ews.update(target, set_field("item:Subject", "<t:Subject>x</t:Subject>")), code)
    assert_unchanged(ews, before, ref.id)


@pytest.mark.parametrize("wrapper", ["Message", "Item", "Task", "PostItem"])
def test_d28_item_properties_through_any_wrapper(ews: TaskEws, wrapper: str) -> None:
    ref = ews.create()
    r = ews.update(ref, set_field("item:Subject", f"<t:Subject>Via {wrapper}</t:Subject>", wrapper),
                   set_field("item:Sensitivity", "<t:Sensitivity>Private</t:Sensitivity>", wrapper),
                   append_field("item:Body", '<t:Body BodyType="Text">appended</t:Body>', wrapper))
    assert_success(r, ref)
    task = ews.get(ref.id)
    assert (val(task, "Subject"), val(task, "Sensitivity"), val(task, "Body")) == (
        f"Via {wrapper}", "Private", "appended")


def test_d28_task_property_in_a_message_wrapper_is_a_schema_fault(ews: TaskEws) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("task:Status", "<t:Status>Completed</t:Status>", "Message"))
    assert r.status == 500 and r.fault_code() == "ErrorSchemaValidation"
    assert_unchanged(ews, before, ref.id)


# ---- extended properties ----------------------------------------------------------------------------------------


def test_extended_property_set_replace_delete(ews: TaskEws) -> None:
    path = ext_uri(DistinguishedPropertySetId="PublicStrings", PropertyName="X-Tag")
    ref = ews.create()
    ref = assert_success(ews.update(ref, set_extended(path, "one")), ref)
    ref = assert_success(ews.update(ref, set_extended(path, "two")), ref)
    prop = ews.get(ref.id, shape="IdOnly", additional=path).find("t:ExtendedProperty", NS)
    assert prop.findtext("t:Value", namespaces=NS) == "two"
    assert dict(prop.find("t:ExtendedFieldURI", NS).attrib) == {
        "DistinguishedPropertySetId": "PublicStrings", "PropertyName": "X-Tag", "PropertyType": "String"}
    ref = assert_success(ews.update(ref, f"<t:DeleteItemField>{path}</t:DeleteItemField>"), ref)
    assert ews.get(ref.id, additional=path).find("t:ExtendedProperty", NS) is None
    # deleting it again: absent, so nothing changes
    assert_success(ews.update(ref, f"<t:DeleteItemField>{path}</t:DeleteItemField>"), ref, same_ck=True)


def test_extended_array_and_tagged_properties(ews: TaskEws) -> None:
    array = ext_uri(PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e", PropertyName="Tags",
                    PropertyType="StringArray")
    tagged = ext_uri(PropertyTag="0x3a45", PropertyType="String")
    ref = ews.create()
    r = ews.update(ref, f"<t:SetItemField>{array}<t:Task><t:ExtendedProperty>{array}<t:Values><t:Value>a</t:Value>"
                        f"<t:Value>b</t:Value></t:Values></t:ExtendedProperty></t:Task></t:SetItemField>",
                   set_extended(tagged, "Dr."))
    assert_success(r, ref)
    task = ews.get(ref.id, shape="IdOnly", additional=array + tagged)
    props = task.findall("t:ExtendedProperty", NS)
    assert sorted(p.findtext("t:Value", namespaces=NS) or "" for p in props) == ["", "Dr."]
    assert [v.text for v in task.findall("t:ExtendedProperty/t:Values/t:Value", NS)] == ["a", "b"]


@pytest.mark.parametrize("attrs, value, code", [
    ({"PropertyTag": "0x3a45", "DistinguishedPropertySetId": "Common"}, "x", "ErrorInvalidExtendedProperty"),
    ({"DistinguishedPropertySetId": "Common"}, "x", "ErrorInvalidExtendedProperty"),
    ({"DistinguishedPropertySetId": "Common", "PropertyName": "A", "PropertyId": "1"}, "x",
     "ErrorInvalidExtendedProperty"),
    ({"PropertyTag": "0x8001"}, "x", "ErrorNoPropertyTagForCustomProperties"),
    ({"DistinguishedPropertySetId": "PublicStrings", "PropertyName": "N", "PropertyType": "Integer"}, "abc",
     "ErrorInvalidExtendedPropertyValue"),
    ({"DistinguishedPropertySetId": "PublicStrings", "PropertyName": "B", "PropertyType": "Boolean"}, "yes",
     "ErrorInvalidExtendedPropertyValue"),
])
def test_extended_property_errors(ews: TaskEws, attrs: dict[str, str], value: str, code: str) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_extended(ext_uri(**attrs), value))
    assert_error(r, code, {"PropertyType": "String", **attrs}, kind="ExtendedFieldURI")
    assert_unchanged(ews, before, ref.id)


def test_extended_property_set_with_mismatched_path(ews: TaskEws) -> None:
    a = ext_uri(DistinguishedPropertySetId="PublicStrings", PropertyName="A")
    b = ext_uri(DistinguishedPropertySetId="PublicStrings", PropertyName="B")
    ref = ews.create()
    r = ews.update(ref, f"<t:SetItemField>{a}<t:Task><t:ExtendedProperty>{b}<t:Value>x</t:Value>"
                        "</t:ExtendedProperty></t:Task></t:SetItemField>")
    assert_error(r, "ErrorUpdatePropertyMismatch",
                 {"DistinguishedPropertySetId": "PublicStrings", "PropertyName": "A", "PropertyType": "String"},
                 kind="ExtendedFieldURI")


# ---- no-ops: deletes of absent properties, unchanged re-sends --------------------------------------------------


def test_delete_of_absent_properties_succeeds_and_changes_nothing(ews: TaskEws) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, *(delete_field(u) for u in (
        "task:Mileage", "task:Recurrence", "task:StartDate", "task:DueDate", "task:CompleteDate",
        "task:BillingInformation", "task:Companies", "task:Contacts", "item:Body", "item:Categories",
        "item:InReplyTo", "item:Culture", "task:ActualWork", "task:TotalWork")))
    assert_success(r, ref, same_ck=True)
    assert_unchanged(ews, before, ref.id)


def test_unchanged_resend_keeps_the_change_key(ews: TaskEws) -> None:
    ref = ews.create('<t:Subject>Same</t:Subject><t:Body BodyType="Text">b</t:Body>'
                     "<t:Categories><t:String>a</t:String></t:Categories><t:DueDate>2026-01-20T00:00:00Z</t:DueDate>"
                     "<t:PercentComplete>0</t:PercentComplete><t:Status>NotStarted</t:Status>")
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>Same</t:Subject>"),
                   set_field("item:Body", '<t:Body BodyType="Text">b</t:Body>'),
                   set_field("item:Categories", "<t:Categories><t:String>a</t:String></t:Categories>"),
                   set_field("item:Importance", "<t:Importance>Normal</t:Importance>"),
                   set_field("task:DueDate", "<t:DueDate>2026-01-20T00:00:00Z</t:DueDate>"),
                   set_field("task:PercentComplete", "<t:PercentComplete>0</t:PercentComplete>"),
                   set_field("task:Status", "<t:Status>NotStarted</t:Status>"),
                   delete_field("task:Mileage"))
    assert_success(r, ref, same_ck=True)
    assert_unchanged(ews, before, ref.id)


def test_every_writable_property_round_trips(ews: TaskEws) -> None:
    ref = ews.create()
    values = [
        ("item:Subject", "<t:Subject>All</t:Subject>", "Subject", "All"),
        ("item:Sensitivity", "<t:Sensitivity>Confidential</t:Sensitivity>", "Sensitivity", "Confidential"),
        ("item:Importance", "<t:Importance>Low</t:Importance>", "Importance", "Low"),
        ("item:InReplyTo", "<t:InReplyTo>&lt;x@y&gt;</t:InReplyTo>", "InReplyTo", "<x@y>"),
        ("item:ReminderDueBy", "<t:ReminderDueBy>2026-01-19T08:30:00Z</t:ReminderDueBy>", "ReminderDueBy",
         "2026-01-19T08:30:00Z"),
        ("item:ReminderIsSet", "<t:ReminderIsSet>1</t:ReminderIsSet>", "ReminderIsSet", "true"),
        ("item:ReminderMinutesBeforeStart", "<t:ReminderMinutesBeforeStart>15</t:ReminderMinutesBeforeStart>",
         "ReminderMinutesBeforeStart", "15"),
        ("item:Culture", "<t:Culture>da-DK</t:Culture>", "Culture", "da-DK"),
        ("task:ActualWork", "<t:ActualWork>30</t:ActualWork>", "ActualWork", "30"),
        ("task:BillingInformation", "<t:BillingInformation>B-1</t:BillingInformation>", "BillingInformation", "B-1"),
        ("task:DueDate", "<t:DueDate>2026-02-01T00:00:00Z</t:DueDate>", "DueDate", "2026-02-01T00:00:00Z"),
        ("task:Mileage", "<t:Mileage>42</t:Mileage>", "Mileage", "42"),
        ("task:StartDate", "<t:StartDate>2026-01-30T00:00:00Z</t:StartDate>", "StartDate", "2026-01-30T00:00:00Z"),
        ("task:TotalWork", "<t:TotalWork>60</t:TotalWork>", "TotalWork", "60"),
    ]
    assert_success(ews.update(ref, *(set_field(uri, prop) for uri, prop, _, _ in values)), ref)
    lists = [("item:Categories", "Categories", ["x", "y"]), ("task:Companies", "Companies", ["ACME"]),
             ("task:Contacts", "Contacts", ["Bob", "Carol"])]
    for uri, name, items in lists:
        strings = "".join(f"<t:String>{s}</t:String>" for s in items)
        assert_success(ews.update(Ref(ref.id, None), set_field(uri, f"<t:{name}>{strings}</t:{name}>")), ref)
    task = ews.get(ref.id)
    assert {name: val(task, name) for _, _, name, _ in values} == {name: v for _, _, name, v in values}
    for _, name, items in lists:
        assert [s.text for s in task.findall(f"t:{name}/t:String", NS)] == items
    # and each deletable one can go again
    deletable = ["item:Subject", "item:InReplyTo", "item:Culture", "task:ActualWork", "task:BillingInformation",
                 "task:StartDate", "task:DueDate", "task:Mileage", "task:TotalWork", "item:Categories",
                 "task:Companies", "task:Contacts"]
    assert_success(ews.update(Ref(ref.id, None), *(delete_field(u) for u in deletable)), ref)
    task = ews.get(ref.id)
    for name in ("Subject", "InReplyTo", "Culture", "ActualWork", "BillingInformation", "StartDate", "DueDate",
                 "Mileage", "TotalWork", "Categories", "Companies", "Contacts"):
        assert task.find(f"t:{name}", NS) is None, name


# ---- D23 / D29: time zones --------------------------------------------------------------------------------------


def test_d23_unknown_time_zone_is_a_fault(ews: TaskEws) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>x</t:Subject>"), headers=tz_header("Mars Standard Time"))
    assert r.status == 500 and r.fault_code() == "ErrorTimeZone"
    assert r.body.startswith(b"<?xml")
    assert_unchanged(ews, before, ref.id)


def test_d29_dates_rendered_at_local_midnight(ews: TaskEws) -> None:
    ref = ews.create("<t:Subject>S</t:Subject><t:DueDate>2026-01-20T00:00:00Z</t:DueDate>")
    romance = tz_header("Romance Standard Time")
    assert val(ews.get(ref.id, headers=romance), "DueDate") == "2026-01-20T00:00:00+01:00"
    assert val(ews.get(ref.id, headers=tz_header("Pacific Standard Time")), "DueDate") == "2026-01-20T00:00:00-08:00"
    assert val(ews.get(ref.id, headers=tz_header("UTC")), "DueDate") == "2026-01-20T00:00:00Z"
    assert val(ews.get(ref.id), "DueDate") == "2026-01-20T00:00:00Z"
    # summer time: the offset is the one of that date
    july = set_field("task:DueDate", "<t:DueDate>2026-07-01T00:00:00Z</t:DueDate>")
    assert_success(ews.update(Ref(ref.id, None), july, headers=romance), ref)
    assert val(ews.get(ref.id, headers=romance), "DueDate") == "2026-07-01T00:00:00+02:00"


@pytest.mark.parametrize("sent, stored", [
    ("2026-01-20T00:00:00Z", "2026-01-20"),        # exchangelib's form: midnight in its own offset
    ("2026-01-19T23:00:00Z", "2026-01-20"),        # local midnight in Paris
    ("2026-01-20T00:00:00+01:00", "2026-01-20"),
    ("2026-01-20T12:00:00+05:00", "2026-01-20"),   # not midnight anywhere: the date in the request zone
    ("2026-01-20T23:30:00Z", "2026-01-21"),        # 00:30 on the 21st in Paris
    ("2026-01-20T00:00:00", "2026-01-20"),         # no offset: the request's zone
])
def test_d29_date_input(ews: TaskEws, sent: str, stored: str) -> None:
    romance = tz_header("Romance Standard Time")
    ref = ews.create()
    assert_success(ews.update(ref, set_field("task:DueDate", f"<t:DueDate>{sent}</t:DueDate>"), headers=romance), ref)
    assert val(ews.get(ref.id), "DueDate") == f"{stored}T00:00:00Z"
    assert val(ews.get(ref.id, headers=romance), "DueDate") == f"{stored}T00:00:00+01:00"


def test_other_date_times_follow_the_request_zone(ews: TaskEws) -> None:
    ref = ews.create("<t:Subject>S</t:Subject><t:ReminderDueBy>2026-01-19T08:30:00Z</t:ReminderDueBy>")
    assert val(ews.get(ref.id), "ReminderDueBy") == "2026-01-19T08:30:00Z"
    local = val(ews.get(ref.id, headers=tz_header("Romance Standard Time")), "ReminderDueBy")
    assert dt.datetime.fromisoformat(local) == dt.datetime(2026, 1, 19, 8, 30, tzinfo=dt.timezone.utc)


# ---- D18 / D19 wire formats ---------------------------------------------------------------------------------------


def test_d18_wire_formats(ews: TaskEws, clock: Clock) -> None:
    clock.freeze(dt.datetime(2026, 1, 13, 9, 0, 0, 654321, tzinfo=dt.timezone.utc))
    ref = ews.create("<t:Subject>" + "s" * 300 + "</t:Subject><t:Body BodyType=\"Text\">b</t:Body>"
                     "<t:ReminderIsSet>0</t:ReminderIsSet>")
    r = ews.get_response(ref.id)
    task = r.xpath("//m:Items/t:Task")[0]
    assert val(task, "Subject") == "s" * 255
    assert task.find("t:Body", NS).get("BodyType") == "Text"
    for name in ("ReminderIsSet", "IsComplete", "IsRecurring", "IsDraft", "IsSubmitted", "IsTeamTask", "IsAssociated"):
        assert val(task, name) in ("true", "false"), name
    for name in ("DateTimeCreated", "LastModifiedTime", "DateTimeReceived"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", val(task, name)), val(task, name)
    assert b"nil" not in r.body and b"XMLSchema-instance" not in r.body
    # Subject cut at 255 on update too
    assert_success(ews.update(ref, set_field("item:Subject", f"<t:Subject>{'u' * 4000}</t:Subject>")), ref)
    assert val(ews.get(ref.id), "Subject") == "u" * 255


def test_d19_server_version_on_every_operation(ews: TaskEws) -> None:
    """Ews.call checks the header on every 200; here each operation and an error answer go through it."""
    ref = ews.create()
    ews.update(ref, set_field("task:IsComplete", "<t:IsComplete>true</t:IsComplete>"))
    ews.get_response(ref.id, unknown_item_id())
    r = ews.call(f'<m:DeleteItem DeleteType="HardDelete"><m:ItemIds>{ref.xml()}</m:ItemIds></m:DeleteItem>')
    assert r.xpath("/s:Envelope/s:Header/t:ServerVersionInfo/@Version") == ["V2017_07_11"]
    for version in ("Exchange2007", "Exchange2010_SP2", "Exchange2013_SP1", "V2017_07_11"):
        r = ews.call(f"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>"
                     f'<t:ItemId Id="{unknown_item_id()}"/></m:ItemIds></m:GetItem>',
                     f'<t:RequestServerVersion Version="{version}"/>')
        assert r.status == 200 and r.codes() == ["ErrorItemNotFound"]


def test_d19_server_version_is_configurable(clock: Clock) -> None:
    from ewsemu.protocol.responses import ServerVersion

    emulator = Emulator(Settings(database="sqlite://", server_version=ServerVersion(15, 2, 1118, 7, "V2017_07_11")),
                        clock)
    try:
        r = Client(make_app(emulator)).call(f"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
                                            f'<m:ItemIds><t:ItemId Id="{unknown_item_id()}"/></m:ItemIds></m:GetItem>')
    finally:
        emulator.close()
    svi = r.xpath("/s:Envelope/s:Header/t:ServerVersionInfo")[0]
    assert (svi.get("MajorVersion"), svi.get("MinorVersion"), svi.get("MajorBuildNumber"),
            svi.get("MinorBuildNumber")) == ("15", "2", "1118", "7")


def test_requests_without_any_soap_header_are_answered(ews: TaskEws) -> None:
    ref = ews.create(headers="")
    assert_success(ews.update(ref, set_field("item:Subject", "<t:Subject>x</t:Subject>"), headers=""), ref)


# ---- D16 / D21: faults ----------------------------------------------------------------------------------------------


def test_d16_schema_fault_format_and_nothing_applied(ews: TaskEws) -> None:
    ref = ews.create()
    before = ews.snapshot(ref.id)
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>Changed</t:Subject>"),
                   set_field("task:Status", "<t:Status>Done</t:Status>"))
    assert r.status == 500
    assert r.body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert "close" not in {k.lower(): v.lower() for k, v in r.headers.items()}.get("connection", "")
    fault = r.xpath("/s:Envelope/s:Body/s:Fault")[0]
    assert [c.tag for c in fault] == ["faultcode", "faultstring", "detail"]
    faultcode = fault.find("faultcode")
    assert faultcode.text == "a:ErrorSchemaValidation"
    assert faultcode.nsmap["a"] == NS["t"]
    assert b'<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">' in r.body
    assert fault.find("faultstring").text.startswith("The request failed schema validation: ")
    detail = fault.find("detail")
    assert [c.tag for c in detail] == [f"{{{NS['e']}}}ResponseCode", f"{{{NS['e']}}}Message",
                                       f"{{{NS['t']}}}MessageXml"]
    assert detail.findtext("e:ResponseCode", namespaces=NS) == "ErrorSchemaValidation"
    assert detail.findtext("e:Message", namespaces=NS) == "The request failed schema validation."
    xml = detail.find("t:MessageXml", NS)
    assert [etree.QName(c).localname for c in xml] == ["LineNumber", "LinePosition", "Violation"]
    assert int(xml.findtext("t:LineNumber", namespaces=NS)) >= 1
    assert "Done" in xml.findtext("t:Violation", namespaces=NS)
    assert not r.xpath("//m:ResponseMessages")
    assert_unchanged(ews, before, ref.id)


@pytest.mark.parametrize("body", [
    # unknown element, bad enumeration attribute, FieldURI outside the enumeration, element out of order
    update_item(item_change(Ref(unknown_item_id(), None), "<t:Bogus/>")),
    update_item(item_change(Ref(unknown_item_id(), None), set_field("item:Subject", "<t:Subject>x</t:Subject>")),
                cr="Sometimes"),
    update_item(item_change(Ref(unknown_item_id(), None), delete_field("task:Progress"))),
    update_item(item_change(Ref(unknown_item_id(), None), set_field(
        "task:Status", "<t:Status>InProgress</t:Status><t:PercentComplete>5</t:PercentComplete>"))),
    '<m:UpdateItem ConflictResolution="AutoResolve"><m:ItemChanges><t:ItemChange>'
    f'<t:ItemId Id="{unknown_item_id()}"/><t:Updates><t:SetItemField>'
    '<t:Path xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="t:PathToUnindexedFieldType" '
    'FieldURI="item:Subject"/><t:Task><t:Subject>x</t:Subject></t:Task></t:SetItemField></t:Updates>'
    "</t:ItemChange></m:ItemChanges></m:UpdateItem>",
    '<x:UpdateItem xmlns:x="urn:not-ews"/>',  # no such operation (an m: element is ErrorInvalidOperation, D37)
])
def test_d21_schema_invalid_requests_fault(ews: TaskEws, body: str) -> None:
    r = ews.call(body)
    assert r.status == 500 and r.fault_code() == "ErrorSchemaValidation", r.body
    assert r.body.startswith(b"<?xml")


def test_malformed_xml_is_a_fault(client: Client) -> None:
    r = client.post(b'<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">')
    assert r.status == 500 and r.fault_code() == "ErrorSchemaValidation"
    assert r.body.startswith(b"<?xml")


def test_unknown_header_is_ignored(ews: TaskEws) -> None:
    ref = ews.create()
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>x</t:Subject>"),
                   headers=RSV + '<x:Custom xmlns:x="urn:example">whatever</x:Custom>'
                   + "<t:MailboxCulture>da-DK</t:MailboxCulture>")
    assert_success(r, ref)


def test_exchange_impersonation_header_is_accepted(ews: TaskEws) -> None:
    ref = ews.create()
    imp = ("<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>alice@example.com"
           "</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>")
    assert_success(ews.update(ref, set_field("item:Subject", "<t:Subject>x</t:Subject>"), headers=RSV + imp), ref)


# ---- CreateItem -------------------------------------------------------------------------------------------------


def test_create_item_returns_the_key_get_item_shows(ews: TaskEws) -> None:
    ref = ews.create('<t:Subject>New</t:Subject><t:Body BodyType="HTML">&lt;p&gt;x&lt;/p&gt;</t:Body>'
                     "<t:Categories><t:String>a</t:String><t:String>b</t:String></t:Categories>"
                     "<t:Importance>High</t:Importance><t:DueDate>2026-01-20T00:00:00Z</t:DueDate>"
                     "<t:PercentComplete>25</t:PercentComplete><t:StartDate>2026-01-14T00:00:00Z</t:StartDate>"
                     "<t:Status>WaitingOnOthers</t:Status>")
    task = ews.get(ref.id)
    assert ews.ref(ref.id) == ref
    assert (val(task, "Subject"), val(task, "Importance"), val(task, "Status"), val(task, "PercentComplete"),
            val(task, "StartDate"), val(task, "DueDate"), val(task, "Owner"), val(task, "ChangeCount"),
            val(task, "ItemClass")) == ("New", "High", "WaitingOnOthers", "25", "2026-01-14T00:00:00Z",
                                        "2026-01-20T00:00:00Z", "alice", "1", "IPM.Task")
    assert [s.text for s in task.findall("t:Categories/t:String", NS)] == ["a", "b"]


def test_create_several_items_one_message_each(ews: TaskEws) -> None:
    r = ews.call('<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="tasks"/></m:SavedItemFolderId>'
                 "<m:Items><t:Task><t:Subject>one</t:Subject></t:Task>"
                 "<t:Task><t:Subject>bad</t:Subject><t:IsComplete>true</t:IsComplete></t:Task>"
                 "<t:Task><t:Subject>three</t:Subject></t:Task></m:Items></m:CreateItem>")
    assert r.codes() == ["NoError", "ErrorInvalidPropertySet", "NoError"]
    assert r.xpath("//m:CreateItemResponseMessage[2]/m:MessageXml/t:FieldURI/@FieldURI") == ["task:IsComplete"]
    ids = r.xpath("//m:Items/t:Task/t:ItemId/@Id")
    assert [val(ews.get(i), "Subject") for i in ids] == ["one", "three"]


def test_create_item_rejects_invalid_values(ews: TaskEws) -> None:
    r = ews.call("<m:CreateItem><m:Items><t:Task><t:Subject>x</t:Subject><t:PercentComplete>300</t:PercentComplete>"
                 "</t:Task><t:Task><t:CompleteDate>2030-01-01T00:00:00Z</t:CompleteDate></t:Task></m:Items>"
                 "</m:CreateItem>")
    assert r.codes() == ["ErrorInvalidPercentCompleteValue", "ErrorInvalidCompleteDate"]
    assert all(len(items) == 0 for items in r.xpath("//m:Items"))


# ---- GetItem -----------------------------------------------------------------------------------------------------


def test_get_item_id_only(ews: TaskEws) -> None:
    ref = ews.create()
    task = ews.get(ref.id, shape="IdOnly")
    assert [etree.QName(c).localname for c in task] == ["ItemId"]
    assert task[0].get("ChangeKey") == ref.ck


def test_get_item_default_and_all_properties(ews: TaskEws) -> None:
    ref = ews.create('<t:Subject>S</t:Subject><t:Body BodyType="Text">b</t:Body><t:Culture>en-US</t:Culture>'
                     "<t:DueDate>2026-01-20T00:00:00Z</t:DueDate><t:Mileage>3</t:Mileage>")
    default = [etree.QName(c).localname for c in ews.get(ref.id, shape="Default")]
    for name in ("ItemId", "ParentFolderId", "Subject", "Body", "DueDate", "PercentComplete", "Status",
                 "IsComplete", "IsRecurring", "ChangeCount", "Owner"):
        assert name in default, name
    assert "Mileage" not in default and "Culture" not in default
    everything = [etree.QName(c).localname for c in ews.get(ref.id)]
    assert set(default) < set(everything)
    assert {"Mileage", "Culture", "EffectiveRights", "LastModifiedName", "StatusDescription"} <= set(everything)
    with_mileage = ews.get(ref.id, shape="Default", additional='<t:FieldURI FieldURI="task:Mileage"/>')
    assert val(with_mileage, "Mileage") == "3"


def test_get_item_ignores_unknown_additional_properties(ews: TaskEws) -> None:
    ref = ews.create()
    task = ews.get(ref.id, shape="IdOnly",
                   additional='<t:FieldURI FieldURI="calendar:Start"/><t:FieldURI FieldURI="message:IsRead"/>'
                              '<t:FieldURI FieldURI="item:Subject"/>'
                              '<t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/>')
    assert [etree.QName(c).localname for c in task] == ["ItemId", "Subject"]


def test_get_item_request_order_and_in_band_errors(ews: TaskEws) -> None:
    a = ews.create("<t:Subject>a</t:Subject>")
    b = ews.create("<t:Subject>b</t:Subject>")
    r = ews.get_response(b.id, unknown_item_id(), a.id, "bad*id", b.id, shape="Default")
    assert r.codes() == ["NoError", "ErrorItemNotFound", "NoError", "ErrorInvalidIdMalformed", "NoError"]
    msgs = r.xpath("//m:GetItemResponseMessage")
    assert [m.get("ResponseClass") for m in msgs] == ["Success", "Error", "Success", "Error", "Success"]
    assert [val(m.find("m:Items/t:Task", NS), "Subject") for m in msgs if m.get("ResponseClass") == "Success"] == [
        "b", "a", "b"]
    assert all(len(m.find("m:Items", NS)) == 0 for m in msgs if m.get("ResponseClass") == "Error")


def test_get_item_with_and_without_change_key(ews: TaskEws) -> None:
    ref = ews.create()
    r = ews.call('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>'
                 f"{ref.xml()}{Ref(ref.id, None).xml()}</m:ItemIds></m:GetItem>")
    assert r.codes() == ["NoError", "NoError"]
    assert r.xpath("//t:ItemId/@ChangeKey") == [ref.ck, ref.ck]


# ---- DeleteItem --------------------------------------------------------------------------------------------------


def _delete(ews: TaskEws, delete_type: str, *ids: str) -> Response:
    items = "".join(f'<t:ItemId Id="{i}"/>' for i in ids)
    return ews.call(f'<m:DeleteItem DeleteType="{delete_type}"><m:ItemIds>{items}</m:ItemIds></m:DeleteItem>')


def test_hard_delete(ews: TaskEws) -> None:
    ref = ews.create()
    r = _delete(ews, "HardDelete", ref.id)
    assert r.codes() == ["NoError"] and r.xpath("//m:DeleteItemResponseMessage/@ResponseClass") == ["Success"]
    assert ews.get_response(ref.id).codes() == ["ErrorItemNotFound"]
    assert _delete(ews, "HardDelete", ref.id).codes() == ["ErrorItemNotFound"]


@pytest.mark.parametrize("delete_type, folder", [("SoftDelete", "recoverableitemsdeletions"),
                                                 ("MoveToDeletedItems", "deleteditems")])
def test_soft_delete_and_move_to_deleted_items_move_the_item_under_a_new_id(
        ews: TaskEws, emulator: Emulator, delete_type: str, folder: str) -> None:
    """Both are moves, and Exchange gives a moved item a new ItemId in its new folder: the old id is gone,
    the item (every property kept) is found there."""
    ref = ews.create()
    before = ews.get(ref.id)
    assert _delete(ews, delete_type, ref.id).codes() == ["NoError"]
    assert ews.get_response(ref.id).codes() == ["ErrorItemNotFound"]
    with emulator.store.read() as conn:
        target = emulator.store.distinguished_folder(conn, "alice@example.com", folder)
        [moved_id] = emulator.store.item_ids_in(conn, [target.id])
    task = ews.get(moved_id)
    assert task.find("t:ParentFolderId", NS).get("Id") == target.id
    assert task.findtext("t:Subject", namespaces=NS) == before.findtext("t:Subject", namespaces=NS)
    assert task.find("t:ItemId", NS).get("ChangeKey") != ref.ck


def test_delete_with_a_malformed_change_key_is_invalid_change_key(ews: TaskEws) -> None:
    """A malformed ChangeKey is that item's ErrorInvalidChangeKey (exchangelib's test_bulk_failure); a stale
    one still deletes: DeleteItem has no conflict resolution."""
    kept, stale = ews.create(), ews.create()
    r = ews.call(f'<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="{kept.id}" ChangeKey="XXX"/>'
                 f'<t:ItemId Id="{stale.id}" ChangeKey="{IdFactory.change_key(stale.id, 7)}"/></m:ItemIds>'
                 "</m:DeleteItem>")
    assert r.codes() == ["ErrorInvalidChangeKey", "NoError"], r.body
    assert ews.get_response(kept.id).codes() == ["NoError"]


def test_delete_several_ids_one_message_each(ews: TaskEws) -> None:
    a, b = ews.create(), ews.create()
    r = _delete(ews, "HardDelete", a.id, unknown_item_id(), "", b.id)
    assert r.codes() == ["NoError", "ErrorItemNotFound", "ErrorInvalidIdEmpty", "NoError"]
    assert ews.get_response(a.id, b.id).codes() == ["ErrorItemNotFound", "ErrorItemNotFound"]
