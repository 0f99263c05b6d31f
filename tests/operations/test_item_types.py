"""What every item type shares: one registry, D28's wrappers, properties of other types, ItemClass, the
default shapes, and exchangelib's ``account.fetch(ids)`` across types (its 206 FieldURIs, indexed ones too)."""
from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from exchangelib import CalendarItem, Contact, Message, Task
from exchangelib.indexed_properties import EmailAddress
from sqlalchemy import MetaData, Table, select

from ewsemu.core import fields as F
from ewsemu.core.apply import ApplyContext, create_item
from ewsemu.core.changes import Action, FieldChange
from ewsemu.core.ids import IdFactory
from ewsemu.core.paths import FieldURI
from ewsemu.core.timezones import UTC
from ewsemu.protocol.items import DERIVED
from ewsemu.store import codec, migrations
from ewsemu.store.repository import Store

from .. import databases

from ..harness import (Ews, Ref, assert_error, assert_updated, indexed, names, recipients, set_field, val)
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)

CREATE = {
    "Message": ("<t:Subject>m</t:Subject>" + recipients("ToRecipients", "bob@example.com"), {"md": "SaveOnly"}),
    "CalendarItem": ("<t:Subject>c</t:Subject><t:Start>2026-01-14T09:00:00Z</t:Start>"
                     "<t:End>2026-01-14T10:00:00Z</t:End>", {"smi": "SendToNone"}),
    "Contact": ("<t:Subject>k</t:Subject><t:DisplayName>K</t:DisplayName>", {}),
    "Task": ("<t:Subject>t</t:Subject>", {}),
    "DistributionList": ("<t:DisplayName>DL</t:DisplayName>", {}),
}
UPDATE_ATTRS = {"Message": {"md": "SaveOnly"}, "CalendarItem": {"smi": "SendToNone"}, "Contact": {}, "Task": {}}


def create(ews: Ews, item_type: str) -> Ref:
    props, attrs = CREATE[item_type]
    return Ref(ews.create(item_type, props, **attrs).id)


def test_the_registry_builds_every_item_type_in_schema_order() -> None:
    assert set(F.ITEM_TYPES) >= {"Item", "Message", "CalendarItem", "Contact", "Task", "MeetingRequest"}
    for item_type in F.ITEM_TYPES:
        owners = F.ITEM_TYPES[item_type]
        defs = F.fields_of(item_type)
        assert [f.owner for f in defs] == sorted((f.owner for f in defs), key=owners.index)
        assert len({f.uri for f in defs}) == len(defs), item_type
    # a property shared by two owners keeps one column, with each owner's own flags
    assert F.field_of("MeetingRequest", "calendar:Start").column == F.field_of("CalendarItem", "calendar:Start").column
    assert F.field_of("MeetingRequest", "meetingRequest:MeetingRequestType").read_only
    assert F.field_of("Message", "message:Sender").create_only and F.field_of("Message", "message:From").sent_read_only
    appendable = {f.uri for t in F.ITEM_TYPES for f in F.fields_of(t) if f.appendable and not f.read_only}
    assert appendable == {"item:Body", "message:ReplyTo", "message:ToRecipients", "message:CcRecipients",
                          "message:BccRecipients", "calendar:RequiredAttendees", "calendar:OptionalAttendees",
                          "calendar:Resources", "distributionlist:Members"}


@pytest.mark.parametrize("item_type, folder", [("Message", "drafts"), ("CalendarItem", "calendar"),
                                               ("Contact", "contacts"), ("Task", "tasks"), ("Item", "drafts"),
                                               ("PostItem", "drafts"), ("DistributionList", "contacts")])
def test_create_puts_each_type_in_its_folder(ews: Ews, item_type: str, folder: str) -> None:
    props, attrs = CREATE.get(item_type, ("<t:Subject>i</t:Subject>", {}))
    ref = ews.create(item_type, props, **attrs)
    assert [i.find("{*}ItemId").get("Id") for i in ews.find(folder)] == [ref.id]


@pytest.mark.parametrize("wrapper, props", [
    ("MeetingRequest", "<t:Subject>r</t:Subject>"),
])
def test_item_types_ewsemu_does_not_create(ews: Ews, wrapper: str, props: str) -> None:
    assert_error(ews.create_response(wrapper, props, md="SaveOnly"), "ErrorInvalidItemForOperationCreateItem")


@pytest.mark.parametrize("item_type", ["Message", "CalendarItem", "Contact", "Task"])
@pytest.mark.parametrize("wrapper", ["Item", "Message", "CalendarItem", "Contact", "Task", "MeetingRequest"])
def test_d28_item_properties_through_any_wrapper(ews: Ews, item_type: str, wrapper: str) -> None:
    ref = create(ews, item_type)
    r = ews.update(ref, set_field("item:Sensitivity", "<t:Sensitivity>Private</t:Sensitivity>", wrapper),
                   **UPDATE_ATTRS[item_type])
    assert_updated(r, item_type)
    assert val(ews.get(ref), "Sensitivity") == "Private"


def test_a_property_in_the_wrapper_of_a_type_that_shares_it(ews: Ews) -> None:
    """MeetingRequestMessageType carries calendar:Location too (D28: either wrapper may carry it)."""
    ref = create(ews, "CalendarItem")
    r = ews.update(ref, set_field("calendar:Location", "<t:Location>Hall</t:Location>", "MeetingRequest"),
                   smi="SendToNone")
    assert_updated(r, "CalendarItem")
    assert val(ews.get(ref), "Location") == "Hall"


@pytest.mark.parametrize("item_type, change", [
    ("Message", set_field("calendar:Start", "<t:Start>2026-01-14T09:00:00Z</t:Start>", "CalendarItem")),
    ("Message", f"<t:DeleteItemField>{indexed('contacts:EmailAddress', 'EmailAddress1')}</t:DeleteItemField>"),
    ("Contact", set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "Message")),
    ("CalendarItem", set_field("contacts:Surname", "<t:Surname>x</t:Surname>", "Contact")),
    ("Task", set_field("calendar:Location", "<t:Location>x</t:Location>", "CalendarItem")),
    ("Contact", '<t:DeleteItemField><t:FieldURI FieldURI="task:Status"/></t:DeleteItemField>'),
])
def test_properties_of_another_item_type(ews: Ews, item_type: str, change: str) -> None:
    ref = create(ews, item_type)
    before = ews.snapshot(ref)
    assert_error(ews.update(ref, change, **UPDATE_ATTRS[item_type]), "ErrorInvalidPropertyRequest")
    assert ews.snapshot(ref) == before


@pytest.mark.parametrize("item_type, new_class, code", [
    ("Message", "IPM.Note.Custom", "NoError"),
    ("Message", "IPM.Task", "ErrorObjectTypeChanged"),
    ("CalendarItem", "IPM.Note", "ErrorObjectTypeChanged"),
    ("Contact", "IPM.Contact.Custom", "NoError"),
    ("Contact", "IPM.Appointment", "ErrorObjectTypeChanged"),
])
def test_item_class_keeps_the_type(ews: Ews, item_type: str, new_class: str, code: str) -> None:
    ref = create(ews, item_type)
    r = ews.update(ref, set_field("item:ItemClass", f"<t:ItemClass>{new_class}</t:ItemClass>", item_type),
                   **UPDATE_ATTRS[item_type])
    assert r.codes() == [code]


@pytest.mark.parametrize("item_type, expected", [
    ("Message", {"Subject", "IsDraft", "IsRead", "ToRecipients", "DisplayTo", "ConversationTopic"}),
    ("CalendarItem", {"Subject", "Start", "End", "Organizer", "CalendarItemType", "IsRecurring", "UID"}),
    ("Contact", {"Subject", "DisplayName", "ContactSource"}),
])
def test_default_shape_per_type(ews: Ews, item_type: str, expected: set[str]) -> None:
    ref = create(ews, item_type)
    default = set(names(ews.get(ref, shape="Default")))
    assert expected <= default
    assert "EffectiveRights" not in default
    assert default < set(names(ews.get(ref)))


def test_exchangelib_fetch_without_a_folder_across_types(ewsemu_account) -> None:
    """account.fetch(ids) asks for the union of every item type's fields (206 FieldURIs and the indexed ones):
    each item answers with its own type and properties, the others are ignored."""
    account = ewsemu_account("alice@example.com")
    start = dt.datetime(2026, 2, 2, 9, tzinfo=account.default_timezone)
    task = Task(folder=account.tasks, subject="a task", due_date=dt.date(2026, 2, 3)).save()
    message = Message(account=account, folder=account.drafts, subject="a draft", to_recipients=["bob@example.com"])
    message.save()
    event = CalendarItem(folder=account.calendar, subject="an event", start=start,
                         end=start + dt.timedelta(hours=1)).save()
    person = Contact(folder=account.contacts, display_name="a contact",
                     email_addresses=[EmailAddress(email="c@example.com", label="EmailAddress1")]).save()
    fetched = list(account.fetch(ids=[task, message, event, person]))
    assert [type(i).__name__ for i in fetched] == ["Task", "Message", "CalendarItem", "Contact"]
    assert [i.subject for i in fetched[:3]] == ["a task", "a draft", "an event"]
    assert fetched[0].due_date == dt.date(2026, 2, 3)
    assert [m.email_address for m in fetched[1].to_recipients] == ["bob@example.com"]
    assert fetched[2].start == start
    assert [e.email for e in fetched[3].email_addresses] == ["c@example.com"]



def test_a_task_stored_before_revision_0002_reads_the_same_after(tmp_path) -> None:  # noqa: ANN001
    """Revision 0002 only adds columns: a task written at 0001 keeps every value, and its IsDraft / IsFromMe /
    DateTimeSent stay derived (the new columns are NULL)."""
    now = dt.datetime(2026, 1, 13, 9, tzinfo=dt.timezone.utc)
    with databases.shared_database(tmp_path) as url:
        store = Store(url, IdFactory(7))
        store.create_schema()
        store.ensure_mailbox("alice@example.com", now=now)
        subject = FieldChange(Action.SET, FieldURI("item:Subject"), "kept", (FieldURI("item:Subject"),), "Task")
        actx = ApplyContext(now=now, zone=UTC, new_item_id=store.ids.item_id)
        with store.engine.connect() as conn:
            cfg = migrations.config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
            conn.commit()
            with conn.begin():  # a task as revision 0001's items table holds it
                folders = Table("folders", MetaData(), autoload_with=conn)  # as revision 0001 has it
                folder_id = conn.execute(select(folders.c.id).where(folders.c.mailbox == "alice@example.com",
                                                                    folders.c.distinguished == "tasks")).scalar_one()
                task = create_item("Task", [subject], actx, mailbox="alice@example.com", folder_id=folder_id,
                                   owner="alice")
                table = Table("items", MetaData(), autoload_with=conn)
                conn.execute(table.insert(), {k: v for k, v in codec.item_to_row(task).items() if k in table.c})
        store.create_schema()  # 0001 -> head, as a restart does
        with store.read() as conn:
            assert migrations.current(conn) == migrations.head()
            loaded = store.load_item(conn, task.id, "alice@example.com")
        store.dispose()
    assert loaded.values == task.values
    assert (DERIVED["item:IsDraft"](loaded), DERIVED["item:IsFromMe"](loaded)) == (True, False)
    assert DERIVED["item:DateTimeSent"](loaded) == now


@pytest.mark.parametrize("item_type", ["Message", "CalendarItem", "Contact"])
def test_delete_item_for_every_type(ews: Ews, item_type: str) -> None:
    moved, gone = create(ews, item_type), create(ews, item_type)
    r = ews.call('<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToNone">'
                 f"<m:ItemIds>{moved.xml()}</m:ItemIds></m:DeleteItem>")
    assert r.codes() == ["NoError"]
    [in_trash] = [i.find("{*}ItemId").get("Id") for i in ews.find("deleteditems")]
    assert in_trash != moved.id  # a move gives the item a new id, as Exchange does
    assert_error(ews.get_response(moved), "ErrorItemNotFound")
    assert ews.delete(gone).codes() == ["NoError"]
    assert_error(ews.get_response(gone), "ErrorItemNotFound")


def test_a_generic_item_gets_what_every_new_item_has(ews: Ews) -> None:
    """A t:Item has its class, Normal sensitivity and importance and its times from creation on, so a
    restriction on them finds it (exchangelib's test_finditems: ``datetime_created__exists``)."""
    ref = ews.create("Item", "<t:Subject>generic</t:Subject>")
    got = ews.get(ref)
    assert [val(got, n) for n in ("ItemClass", "Sensitivity", "Importance")] == ["IPM.Note", "Normal", "Normal"]
    assert val(got, "DateTimeCreated") and val(got, "LastModifiedTime")
    exists = '<t:Exists><t:FieldURI FieldURI="item:DateTimeCreated"/></t:Exists>'
    assert [val(i, "Subject") for i in ews.find("drafts", restriction=exists, additional=(
        '<t:FieldURI FieldURI="item:Subject"/>'))] == ["generic"]
