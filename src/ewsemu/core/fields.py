"""The field registry: one table of every property ewsemu knows, keyed by FieldURI.

Each :class:`FieldDef` says how the property is typed (``kind``, interpreted by the protocol codecs and the
store), which schema type owns its element (and so where it sits in the element order), whether clients may
set, delete or append it, which storage column holds it, and whether restrictions may use it. Parsing,
validation, storage and rendering all read this table; there is no second list of fields.

Item types are sequences of owners (``Task`` = ItemType children, then TaskType children), mirroring the
schema's type extension so that rendering in registry order is rendering in schema order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

# Value kinds understood by ewsemu.protocol.codecs and ewsemu.store.
STRING, INT, DOUBLE, BOOL, DATETIME, TASKDATE, ENUM, STRINGS, BODY, RECURRENCE = (
    "string", "int", "double", "bool", "datetime", "taskdate", "enum", "strings", "body", "recurrence",
)
# Read-only structured values the server computes (rendered by protocol, never parsed from clients).
ITEMID, FOLDERID, EFFECTIVE_RIGHTS, OPAQUE = "itemid", "folderid", "effective_rights", "opaque"


@dataclass(frozen=True)
class FieldDef:
    uri: str
    element: str
    kind: str
    owner: str
    order: int
    read_only: bool = False
    deletable: bool = True
    appendable: bool = False
    #: storage column in the items table; None for derived or unsupported-for-storage properties
    column: str | None = None
    searchable: bool = True
    choices: tuple[str, ...] = ()
    #: set only on creation (CreateItem) and read-only afterwards
    create_only: bool = False
    #: maximum length kept for string values (Subject: 255)
    max_length: int | None = None


SENSITIVITY = ("Normal", "Personal", "Private", "Confidential")
IMPORTANCE = ("Low", "Normal", "High")
TASK_STATUS = ("NotStarted", "InProgress", "Completed", "WaitingOnOthers", "Deferred")
DELEGATION_STATE = ("NoMatch", "OwnNew", "Owned", "Accepted", "Declined", "Max")

# (element, kind, flags) per owner, in schema order. Flags: r=read-only, n=not deletable, a=appendable,
# c=create-only, s=stored (column derived from the element name), q=not searchable,
# d=deletable although read-only.
_ITEM = [
    # read-only after send; tasks are never sent, so exchangelib's full saves delete it (absent: a no-op)
    ("MimeContent", OPAQUE, "rdq"),
    ("ItemId", ITEMID, "rn"),
    ("ParentFolderId", FOLDERID, "rn"),
    ("ItemClass", STRING, "ns"),
    ("Subject", STRING, "s"),
    ("Sensitivity", ENUM, "ns"),
    ("Body", BODY, "as"),
    ("Attachments", OPAQUE, "rnq"),
    ("DateTimeReceived", DATETIME, "rns"),
    ("Size", INT, "rn"),
    ("Categories", STRINGS, "s"),
    ("Importance", ENUM, "ns"),
    ("InReplyTo", STRING, "s"),
    ("IsSubmitted", BOOL, "rn"),
    ("IsDraft", BOOL, "rn"),
    ("IsFromMe", BOOL, "rn"),
    ("IsResend", BOOL, "rn"),
    ("IsUnmodified", BOOL, "rn"),
    ("InternetMessageHeaders", OPAQUE, "rnq"),
    ("DateTimeSent", DATETIME, "rn"),
    ("DateTimeCreated", DATETIME, "rns"),
    ("ResponseObjects", OPAQUE, "rnq"),
    ("ReminderDueBy", DATETIME, "nsq"),
    ("ReminderIsSet", BOOL, "ns"),
    ("ReminderNextTime", DATETIME, "rn"),
    ("ReminderMinutesBeforeStart", INT, "ns"),
    ("DisplayCc", STRING, "rn"),
    ("DisplayTo", STRING, "rn"),
    ("DisplayBcc", STRING, "rn"),
    ("HasAttachments", BOOL, "rn"),
    # ExtendedProperty sits here in the sequence; it is addressed by ExtendedFieldURI, not by a FieldURI.
    ("Culture", STRING, "sq"),
    ("EffectiveRights", EFFECTIVE_RIGHTS, "rnq"),
    ("LastModifiedName", STRING, "rn"),
    ("LastModifiedTime", DATETIME, "rns"),
    ("IsAssociated", BOOL, "cns"),
    ("WebClientReadFormQueryString", STRING, "rnq"),
    ("WebClientEditFormQueryString", STRING, "rnq"),
    ("ConversationId", OPAQUE, "rnq"),
    ("UniqueBody", OPAQUE, "rnq"),
    ("InstanceKey", OPAQUE, "rnq"),
    ("NormalizedBody", OPAQUE, "rnq"),
    ("Preview", STRING, "rnq"),
    ("TextBody", OPAQUE, "rnq"),
    ("IconIndex", OPAQUE, "rnq"),
]
_TASK = [
    ("ActualWork", INT, "s"),
    ("AssignedTime", DATETIME, "rn"),
    ("BillingInformation", STRING, "s"),
    ("ChangeCount", INT, "rns"),
    ("Companies", STRINGS, "s"),
    ("CompleteDate", TASKDATE, "s"),
    ("Contacts", STRINGS, "s"),
    ("DelegationState", ENUM, "rn"),
    ("Delegator", STRING, "rn"),
    ("DueDate", TASKDATE, "s"),
    ("IsAssignmentEditable", INT, "rn"),
    ("IsComplete", BOOL, "rn"),
    ("IsRecurring", BOOL, "rn"),
    ("IsTeamTask", BOOL, "rn"),
    ("Mileage", STRING, "s"),
    ("Owner", STRING, "rns"),
    ("PercentComplete", DOUBLE, "nsq"),
    ("Recurrence", RECURRENCE, "sq"),
    ("StartDate", TASKDATE, "s"),
    ("Status", ENUM, "ns"),
    ("StatusDescription", STRING, "rn"),
    ("TotalWork", INT, "s"),
]

_CHOICES = {
    "item:Sensitivity": SENSITIVITY,
    "item:Importance": IMPORTANCE,
    "task:Status": TASK_STATUS,
    "task:DelegationState": DELEGATION_STATE,
}
_MAX_LENGTH = {"item:Subject": 255}

#: owner -> FieldURI prefix
PREFIX = {"Item": "item", "Task": "task"}
#: item type (element name) -> owners in schema order
ITEM_TYPES: dict[str, tuple[str, ...]] = {"Item": ("Item",), "Task": ("Item", "Task")}
#: item type -> the ItemClass it is created with, and the class prefix that keeps it that type
ITEM_CLASSES: dict[str, str] = {"Item": "IPM.Note", "Task": "IPM.Task"}


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _build(owner: str, rows: list[tuple[str, str, str]]) -> list[FieldDef]:
    defs = []
    for order, (element, kind, flags) in enumerate(rows):
        uri = f"{PREFIX[owner]}:{element}"
        column = None
        if "s" in flags:
            column = _snake(element) if owner == "Item" else f"{PREFIX[owner]}_{_snake(element)}"
        defs.append(FieldDef(
            uri=uri, element=element, kind=kind, owner=owner, order=order,
            read_only="r" in flags, deletable="d" in flags or ("n" not in flags and "r" not in flags),
            appendable="a" in flags, column=column, searchable="q" not in flags,
            choices=_CHOICES.get(uri, ()), create_only="c" in flags, max_length=_MAX_LENGTH.get(uri),
        ))
    return defs


FIELDS: dict[str, FieldDef] = {f.uri: f for f in _build("Item", _ITEM) + _build("Task", _TASK)}
#: position of the ExtendedProperty elements inside ItemType (after HasAttachments)
EXTENDED_AFTER = "item:HasAttachments"


def field(uri: str) -> FieldDef | None:
    return FIELDS.get(uri)


def fields_of(item_type: str) -> list[FieldDef]:
    """The fields an item type carries, in schema order."""
    owners = ITEM_TYPES[item_type]
    return [f for o in owners for f in FIELDS.values() if f.owner == o]


def belongs_to(f: FieldDef, item_type: str) -> bool:
    return f.owner in ITEM_TYPES.get(item_type, ())


def stored_fields() -> Iterable[FieldDef]:
    return (f for f in FIELDS.values() if f.column is not None)


_BY_ELEMENT: dict[tuple[str, str], FieldDef] = {}
for _item_type in ITEM_TYPES:
    for _f in fields_of(_item_type):
        _BY_ELEMENT[(_item_type, _f.element)] = _f


def by_element(item_type: str, element: str) -> FieldDef | None:
    """The field an element of an ``item_type`` wrapper carries (e.g. ``("Task", "Status")``)."""
    return _BY_ELEMENT.get((item_type if item_type in ITEM_TYPES else "Item", element))
