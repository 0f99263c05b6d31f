"""The field registry: one table of every property ewsemu knows, keyed by FieldURI.

Each :class:`FieldDef` says how the property is typed (``kind``, interpreted by the protocol codecs and the
store), which schema type owns its element (and so where it sits in the element order), whether clients may
set, delete or append it, which storage column holds it, and whether restrictions may use it. Parsing,
validation, storage and rendering all read this table; there is no second list of fields.

Item types are sequences of owners (``Task`` = ItemType children, then TaskType children; ``MeetingRequest``
= ItemType, MessageType, MeetingMessageType, MeetingRequestMessageType children), mirroring the schema's type
extension so that rendering in registry order is rendering in schema order. Each owner has its own table, so a
FieldURI two owners share (a meeting request's ``calendar:Start``) has each owner's element position and flags
but one storage column. Dictionary members (a contact's ``contacts:EmailAddress`` EmailAddress1, …) are
addressed by :data:`INDEXED`: FieldURI + FieldIndex -> the dictionary property that holds them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

# Value kinds understood by ewsemu.protocol.codecs and ewsemu.store.
STRING, INT, DOUBLE, BOOL, DATETIME, TASKDATE, ENUM, STRINGS, BODY, RECURRENCE = (
    "string", "int", "double", "bool", "datetime", "taskdate", "enum", "strings", "body", "recurrence",
)
# Structured values of messages, calendar items and contacts (ewsemu.core.values).
RECIPIENT, RECIPIENTS, ATTENDEES, TIMEZONE, FLAG = "recipient", "recipients", "attendees", "timezone", "flag"
EMAILS, ADDRESSES, PHONES, IMS = "email_addresses", "physical_addresses", "phone_numbers", "im_addresses"
#: a distribution list's members (core.values.Member, each with its Key)
MEMBERS = "members"
# Read-only structured values the server computes (rendered by protocol, never parsed from clients).
ITEMID, FOLDERID, EFFECTIVE_RIGHTS, OPAQUE = "itemid", "folderid", "effective_rights", "opaque"
#: MIME content: rendered from the item's properties, and parsed into them when set (ewsemu.core.mime)
MIME = "mime"
COMPLETE_NAME, OCCURRENCE, OCCURRENCES, DELETED_OCCURRENCES = (
    "complete_name", "occurrence", "occurrences", "deleted_occurrences")
#: dictionaries: one entry per key, addressed one entry at a time by an IndexedFieldURI
DICTIONARY_KINDS = frozenset({EMAILS, ADDRESSES, PHONES, IMS})
#: collections AppendToItemField extends (with item:Body, the only appendable values)
COLLECTION_KINDS = frozenset({RECIPIENTS, ATTENDEES, MEMBERS})


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
    #: read-only once a message is sent (no longer a draft): recipients, From, receipts, MIME content
    sent_read_only: bool = False
    #: read-only, but a value sent in CreateItem is silently dropped, as Exchange documents it (D36)
    ignored_on_create: bool = False


SENSITIVITY = ("Normal", "Personal", "Private", "Confidential")
IMPORTANCE = ("Low", "Normal", "High")
TASK_STATUS = ("NotStarted", "InProgress", "Completed", "WaitingOnOthers", "Deferred")
DELEGATION_STATE = ("NoMatch", "OwnNew", "Owned", "Accepted", "Declined", "Max")
FREE_BUSY = ("Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData")
CALENDAR_ITEM_TYPES = ("Single", "Occurrence", "Exception", "RecurringMaster")
RESPONSE_TYPES = ("Unknown", "Organizer", "Tentative", "Accept", "Decline", "NoResponseReceived")
MEETING_REQUEST_TYPES = ("None", "FullUpdate", "InformationalUpdate", "NewMeetingRequest", "Outdated",
                         "SilentUpdate", "PrincipalWantsCopy")
FILE_AS_MAPPINGS = ("None", "LastCommaFirst", "FirstSpaceLast", "Company", "LastCommaFirstCompany",
                    "CompanyLastFirst", "LastFirst", "LastFirstCompany", "CompanyLastCommaFirst", "LastFirstSuffix",
                    "LastSpaceFirstCompany", "CompanyLastSpaceFirst", "LastSpaceFirst", "DisplayName", "FirstName",
                    "LastFirstMiddleSuffix", "LastName", "Empty")
CONTACT_SOURCES = ("ActiveDirectory", "Store")
POSTAL_ADDRESS_INDEXES = ("None", "Home", "Business", "Other")
# Dictionary keys, in the order of their schema enumerations.
EMAIL_KEYS = ("EmailAddress1", "EmailAddress2", "EmailAddress3")
IM_KEYS = ("ImAddress1", "ImAddress2", "ImAddress3")
ADDRESS_KEYS = ("Home", "Business", "Other")
PHONE_KEYS = ("AssistantPhone", "BusinessFax", "BusinessPhone", "BusinessPhone2", "Callback", "CarPhone",
              "CompanyMainPhone", "HomeFax", "HomePhone", "HomePhone2", "Isdn", "MobilePhone", "OtherFax",
              "OtherTelephone", "Pager", "PrimaryPhone", "RadioPhone", "Telex", "TtyTddPhone", "BusinessMobile",
              "IPPhone", "Mms", "Msn")

# (element, kind, flags[, FieldURI]) per owner, in schema order. Flags: r=read-only, n=not deletable,
# a=appendable, c=create-only, s=stored (column derived from the FieldURI), q=not searchable,
# d=deletable although read-only, x=read-only once the message is sent, i=read-only but ignored (not refused)
# in CreateItem (D36). The FieldURI defaults to
# "<prefix of the owner>:<element>"; it is given where the schema reuses another owner's property
# (a meeting request's calendar:Start) or names it differently (contacts:EmailAddresses).
_ITEM = [
    # never stored: built from the properties, and setting it sets them (core.mime); read-only after send;
    # deleting it is a no-op (exchangelib's full saves delete it when they have none)
    ("MimeContent", MIME, "qx"),
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
    # stored for messages (a draft until sent); derived for the other item types (protocol.items.DERIVED)
    ("IsDraft", BOOL, "rns"),
    ("IsFromMe", BOOL, "rns"),
    ("IsResend", BOOL, "rn"),
    ("IsUnmodified", BOOL, "rn"),
    ("InternetMessageHeaders", OPAQUE, "rnq"),
    ("DateTimeSent", DATETIME, "rns"),
    ("DateTimeCreated", DATETIME, "rns"),
    ("ResponseObjects", OPAQUE, "rnq"),
    ("ReminderDueBy", DATETIME, "nsq"),
    ("ReminderIsSet", BOOL, "ns"),
    ("ReminderNextTime", DATETIME, "rn"),
    ("ReminderMinutesBeforeStart", INT, "ns"),
    # recomputed from the recipients (attendees) whenever they change
    ("DisplayCc", STRING, "rns"),
    ("DisplayTo", STRING, "rns"),
    ("DisplayBcc", STRING, "rns"),
    # stored so restrictions see it; kept by the attachment writes (core/attachments.py has Exchange's rule)
    ("HasAttachments", BOOL, "rns"),
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
    ("Flag", FLAG, "nsq"),
    ("StoreEntryId", OPAQUE, "rnqi"),
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
# Flags per the EWS Managed API's EmailMessageSchema (CanSet/CanUpdate/CanDelete); exchangelib agrees.
_MESSAGE = [
    ("Sender", RECIPIENT, "cns"),
    ("ToRecipients", RECIPIENTS, "asqx"),
    ("CcRecipients", RECIPIENTS, "asqx"),
    ("BccRecipients", RECIPIENTS, "asqx"),
    ("IsReadReceiptRequested", BOOL, "sx"),
    ("IsDeliveryReceiptRequested", BOOL, "sx"),
    ("ConversationIndex", OPAQUE, "rnq"),
    ("ConversationTopic", STRING, "rns"),
    ("From", RECIPIENT, "sx"),
    ("InternetMessageId", STRING, "cns"),
    ("IsRead", BOOL, "ns"),
    ("IsResponseRequested", BOOL, "s"),
    ("References", STRING, "s"),
    ("ReplyTo", RECIPIENTS, "asqx"),
    ("ReceivedBy", RECIPIENT, "rns"),
    ("ReceivedRepresenting", RECIPIENT, "rns"),
    ("ApprovalRequestData", OPAQUE, "rnq"),
    ("VotingInformation", OPAQUE, "rnq"),
    ("ReminderMessageData", OPAQUE, "rnq"),
    ("MessageSafety", OPAQUE, "rnq"),
    ("PublishedCalendarItemIcs", STRING, "rnq"),
    ("PublishedCalendarItemName", STRING, "rnq"),
]
# Flags per the EWS Managed API's AppointmentSchema; the server-computed ones are stored so restrictions and
# sorting see them (core.calendar recomputes them after every change).
_CALENDAR = [
    ("UID", STRING, "ns"),
    ("RecurrenceId", DATETIME, "rns"),
    ("DateTimeStamp", DATETIME, "rns"),
    ("Start", DATETIME, "ns"),
    ("End", DATETIME, "ns"),
    ("OriginalStart", DATETIME, "rns"),
    ("IsAllDayEvent", BOOL, "ns"),
    ("LegacyFreeBusyStatus", ENUM, "ns"),
    ("Location", STRING, "s"),
    ("When", STRING, "s"),
    ("IsMeeting", BOOL, "rns"),
    ("IsCancelled", BOOL, "rns"),
    ("IsRecurring", BOOL, "rns"),
    ("MeetingRequestWasSent", BOOL, "rns"),
    ("IsResponseRequested", BOOL, "ns"),
    ("CalendarItemType", ENUM, "rns"),
    ("MyResponseType", ENUM, "ns"),
    ("Organizer", RECIPIENT, "rns"),
    ("RequiredAttendees", ATTENDEES, "asq"),
    ("OptionalAttendees", ATTENDEES, "asq"),
    ("Resources", ATTENDEES, "asq"),
    ("InboxReminders", OPAQUE, "rnq"),
    ("ConflictingMeetingCount", INT, "rnq"),
    ("AdjacentMeetingCount", INT, "rnq"),
    ("ConflictingMeetings", OPAQUE, "rnq"),
    ("AdjacentMeetings", OPAQUE, "rnq"),
    ("Duration", STRING, "rns"),
    ("TimeZone", STRING, "rns"),
    ("AppointmentReplyTime", DATETIME, "rn"),
    ("AppointmentSequenceNumber", INT, "rns"),
    ("AppointmentState", INT, "rns"),
    ("Recurrence", RECURRENCE, "sq"),
    ("FirstOccurrence", OCCURRENCE, "rnq"),
    ("LastOccurrence", OCCURRENCE, "rnq"),
    ("ModifiedOccurrences", OCCURRENCES, "rnsq"),
    ("DeletedOccurrences", DELETED_OCCURRENCES, "rnsq"),
    ("MeetingTimeZone", TIMEZONE, "nsq"),
    ("StartTimeZone", TIMEZONE, "nsq"),
    ("EndTimeZone", TIMEZONE, "nsq"),
    ("ConferenceType", INT, "ns"),
    ("AllowNewTimeProposal", BOOL, "ns"),
    ("IsOnlineMeeting", BOOL, "ns"),
    ("MeetingWorkspaceUrl", STRING, "s"),
    ("NetShowUrl", STRING, "s"),
    ("EnhancedLocation", OPAQUE, "rnq"),
    ("StartWallClock", DATETIME, "rn"),
    ("EndWallClock", DATETIME, "rn"),
    ("StartTimeZoneId", STRING, "rn"),
    ("EndTimeZoneId", STRING, "rn"),
    ("JoinOnlineMeetingUrl", STRING, "rnq"),
    ("OnlineMeetingSettings", OPAQUE, "rnq"),
    ("IsOrganizer", BOOL, "rns"),
    ("CalendarActivityData", OPAQUE, "rnq"),
    ("DoNotForwardMeeting", BOOL, "rn"),
]
# Flags per the EWS Managed API's ContactSchema. The dictionaries are set whole (FieldURI) or one entry at a
# time (IndexedFieldURI, see INDEXED); only their entries can be deleted.
_CONTACT = [
    ("FileAs", STRING, "s"),
    ("FileAsMapping", ENUM, "s"),
    ("DisplayName", STRING, "s"),
    ("GivenName", STRING, "s"),
    ("Initials", STRING, "s"),
    ("MiddleName", STRING, "s"),
    ("Nickname", STRING, "s"),
    ("CompleteName", COMPLETE_NAME, "rnq"),
    ("CompanyName", STRING, "s"),
    ("EmailAddresses", EMAILS, "nsq"),
    ("AbchEmailAddresses", OPAQUE, "rnq"),
    ("PhysicalAddresses", ADDRESSES, "nsq"),
    ("PhoneNumbers", PHONES, "nsq"),
    ("AssistantName", STRING, "s"),
    ("Birthday", DATETIME, "s"),
    ("BusinessHomePage", STRING, "s"),
    ("Children", STRINGS, "s"),
    ("Companies", STRINGS, "s"),
    ("ContactSource", ENUM, "rns"),
    ("Department", STRING, "s"),
    ("Generation", STRING, "s"),
    ("ImAddresses", IMS, "nsq"),
    ("JobTitle", STRING, "s"),
    ("Manager", STRING, "s"),
    ("Mileage", STRING, "s"),
    ("OfficeLocation", STRING, "s"),
    ("PostalAddressIndex", ENUM, "s"),
    ("Profession", STRING, "s"),
    ("SpouseName", STRING, "s"),
    ("Surname", STRING, "s"),
    ("WeddingAnniversary", DATETIME, "s"),
    ("HasPicture", BOOL, "rn"),
    ("PhoneticFullName", STRING, "rnq"),
    ("PhoneticFirstName", STRING, "rnq"),
    ("PhoneticLastName", STRING, "rnq"),
    ("Alias", STRING, "rnq"),
    ("Notes", STRING, "rnq"),
    ("Photo", OPAQUE, "rnq"),
    ("UserSMIMECertificate", OPAQUE, "rnq"),
    ("MSExchangeCertificate", OPAQUE, "rnq"),
    ("DirectoryId", STRING, "rnq"),
    ("ManagerMailbox", RECIPIENT, "rnq"),
    ("DirectReports", RECIPIENTS, "rnq"),
]
# PostItemType: a post (IPM.Post) shares the message's properties and FieldURIs; PostedTime is its own
# (derived from the time it was posted, protocol.items.DERIVED). A post is never a draft, so From stays settable.
_POST = [
    ("ConversationIndex", OPAQUE, "rnq", "message:ConversationIndex"),
    ("ConversationTopic", STRING, "rns", "message:ConversationTopic"),
    ("From", RECIPIENT, "sq", "message:From"),
    ("InternetMessageId", STRING, "cns", "message:InternetMessageId"),
    ("IsRead", BOOL, "ns", "message:IsRead"),
    ("PostedTime", DATETIME, "rnq"),
    ("References", STRING, "s", "message:References"),
    ("Sender", RECIPIENT, "cnsq", "message:Sender"),
]
# DistributionListType (IPM.DistList, in contacts folders): its name properties are the contacts: ones (one
# column with a contact's), FileAs follows DisplayName unless set (core.distribution_lists). Members are set
# whole, extended by AppendToItemField and lose one member by DeleteItemField on the IndexedFieldURI
# distributionlist:Members:Member with the member's Key (the EWS Managed API's way).
_DISTRIBUTION_LIST = [
    ("DisplayName", STRING, "s", "contacts:DisplayName"),
    ("FileAs", STRING, "s", "contacts:FileAs"),
    ("ContactSource", ENUM, "rns", "contacts:ContactSource"),
    ("Members", MEMBERS, "asq"),
]
# MeetingMessageType: the meeting: properties, then properties it shares with calendar items.
_MEETING_MESSAGE = [
    ("AssociatedCalendarItemId", OPAQUE, "rnq"),
    ("IsDelegated", BOOL, "rn"),
    ("IsOutOfDate", BOOL, "rn"),
    ("HasBeenProcessed", BOOL, "rn"),
    ("ResponseType", ENUM, "rns"),
    ("UID", STRING, "rns", "calendar:UID"),
    ("RecurrenceId", DATETIME, "rns", "calendar:RecurrenceId"),
    ("DateTimeStamp", DATETIME, "rns", "calendar:DateTimeStamp"),
    ("IsOrganizer", BOOL, "rns", "calendar:IsOrganizer"),
]
_MEETING_REQUEST_OWN = [
    ("MeetingRequestType", ENUM, "rns"),
    ("IntendedFreeBusyStatus", ENUM, "rns"),
]
#: MeetingRequestMessageType's copy of the calendar properties, in its own schema order, with the calendar
#: item's flags (the EWS Managed API's MeetingRequestSchema reuses AppointmentSchema's definitions)
_MEETING_REQUEST_CALENDAR = (
    "Start", "End", "OriginalStart", "IsAllDayEvent", "LegacyFreeBusyStatus", "Location", "When", "IsMeeting",
    "IsCancelled", "IsRecurring", "MeetingRequestWasSent", "CalendarItemType", "MyResponseType", "Organizer",
    "RequiredAttendees", "OptionalAttendees", "Resources", "ConflictingMeetingCount", "AdjacentMeetingCount",
    "ConflictingMeetings", "AdjacentMeetings", "Duration", "TimeZone", "AppointmentReplyTime",
    "AppointmentSequenceNumber", "AppointmentState", "Recurrence", "FirstOccurrence", "LastOccurrence",
    "ModifiedOccurrences", "DeletedOccurrences", "MeetingTimeZone", "StartTimeZone", "EndTimeZone",
    "ConferenceType", "AllowNewTimeProposal", "IsOnlineMeeting", "MeetingWorkspaceUrl", "NetShowUrl",
    "EnhancedLocation",
)


def _meeting_request_rows() -> list[tuple[str, ...]]:
    calendar = {row[0]: row for row in _CALENDAR}
    rows: list[tuple[str, ...]] = list(_MEETING_REQUEST_OWN)
    for element in _MEETING_REQUEST_CALENDAR:
        _, kind, flags = calendar[element]
        rows.append((element, kind, flags, f"calendar:{element}"))
    rows.append(("ChangeHighlights", OPAQUE, "rnq"))
    return rows


_CHOICES = {
    "item:Sensitivity": SENSITIVITY,
    "item:Importance": IMPORTANCE,
    "task:Status": TASK_STATUS,
    "task:DelegationState": DELEGATION_STATE,
    "calendar:LegacyFreeBusyStatus": FREE_BUSY,
    "calendar:CalendarItemType": CALENDAR_ITEM_TYPES,
    "calendar:MyResponseType": RESPONSE_TYPES,
    "meeting:ResponseType": RESPONSE_TYPES,
    "meetingRequest:MeetingRequestType": MEETING_REQUEST_TYPES,
    "meetingRequest:IntendedFreeBusyStatus": FREE_BUSY,
    "contacts:FileAsMapping": FILE_AS_MAPPINGS,
    "contacts:ContactSource": CONTACT_SOURCES,
    "contacts:PostalAddressIndex": POSTAL_ADDRESS_INDEXES,
}
#: strings Exchange stores cut to 255 characters (exchangelib's test_text_field_settings reads them back so)
_MAX_LENGTH = {"item:Subject": 255, "contacts:GivenName": 255, "contacts:MiddleName": 255, "contacts:Surname": 255}

#: owner -> FieldURI prefix
PREFIX = {"Item": "item", "Task": "task", "Message": "message", "CalendarItem": "calendar", "Contact": "contacts",
          "MeetingMessage": "meeting", "MeetingRequest": "meetingRequest", "PostItem": "postitem",
          "DistributionList": "distributionlist"}
#: item type (element name) -> owners in schema order, mirroring the schema's type extension
ITEM_TYPES: dict[str, tuple[str, ...]] = {
    "Item": ("Item",),
    "Task": ("Item", "Task"),
    "Message": ("Item", "Message"),
    "CalendarItem": ("Item", "CalendarItem"),
    "Contact": ("Item", "Contact"),
    "DistributionList": ("Item", "DistributionList"),
    "MeetingMessage": ("Item", "Message", "MeetingMessage"),
    "MeetingRequest": ("Item", "Message", "MeetingMessage", "MeetingRequest"),
    # a response or cancellation is stored with MeetingMessageType's properties (its own Start, End, Location…
    # are not kept: the calendar item it is about has them)
    "MeetingResponse": ("Item", "Message", "MeetingMessage"),
    "MeetingCancellation": ("Item", "Message", "MeetingMessage"),
    "PostItem": ("Item", "PostItem"),
}
#: item types whose items are messages (MessageDisposition applies; they can be drafts, sent and received)
MESSAGE_TYPES = frozenset({"Message", "MeetingMessage", "MeetingRequest", "MeetingResponse", "MeetingCancellation"})
#: item type -> the ItemClass it is created with, and the class prefix that keeps it that type
ITEM_CLASSES: dict[str, str] = {"Item": "IPM.Note", "Task": "IPM.Task", "Message": "IPM.Note",
                                "CalendarItem": "IPM.Appointment", "Contact": "IPM.Contact",
                                "MeetingMessage": "IPM.Schedule.Meeting", "MeetingRequest": "IPM.Schedule.Meeting",
                                "MeetingResponse": "IPM.Schedule.Meeting.Resp",
                                "MeetingCancellation": "IPM.Schedule.Meeting.Canceled", "PostItem": "IPM.Post",
                               "DistributionList": "IPM.DistList"}


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _column(uri: str) -> str:
    prefix, element = uri.split(":", 1)
    return _snake(element) if prefix == "item" else f"{_snake(prefix)}_{_snake(element)}"


def _build(owner: str, rows: list[tuple[str, ...]], canonical: dict[str, "FieldDef"]) -> list[FieldDef]:
    """The owner's fields in schema order; a FieldURI another owner defined first keeps that owner's column."""
    defs = []
    for order, row in enumerate(rows):
        element, kind, flags = row[:3]
        uri = row[3] if len(row) > 3 else f"{PREFIX[owner]}:{element}"
        home = canonical.get(uri)
        if home is not None and (home.column is not None) != ("s" in flags):
            raise AssertionError(f"{owner} stores {uri} differently from {home.owner}")
        column = home.column if home is not None else (_column(uri) if "s" in flags else None)
        f = FieldDef(
            uri=uri, element=element, kind=kind, owner=owner, order=order,
            read_only="r" in flags, deletable="d" in flags or ("n" not in flags and "r" not in flags),
            appendable="a" in flags, column=column, searchable="q" not in flags,
            choices=_CHOICES.get(uri, ()), create_only="c" in flags, max_length=_MAX_LENGTH.get(uri),
            sent_read_only="x" in flags, ignored_on_create="i" in flags,
        )
        canonical.setdefault(uri, f)
        defs.append(f)
    return defs


FIELDS: dict[str, FieldDef] = {}
#: owner -> its fields in schema order (a FieldURI may appear under several owners, with that owner's flags)
_OWNED: dict[str, list[FieldDef]] = {}
for _owner, _rows in (("Item", _ITEM), ("Task", _TASK), ("Message", _MESSAGE), ("CalendarItem", _CALENDAR),
                      ("Contact", _CONTACT), ("PostItem", _POST), ("DistributionList", _DISTRIBUTION_LIST),
                      ("MeetingMessage", _MEETING_MESSAGE),
                      ("MeetingRequest", _meeting_request_rows())):
    _OWNED[_owner] = _build(_owner, _rows, FIELDS)
#: position of the ExtendedProperty elements inside ItemType (after HasAttachments)
EXTENDED_AFTER = "item:HasAttachments"


@dataclass(frozen=True)
class IndexedDef:
    """A dictionary member addressed by ``t:IndexedFieldURI``: FieldURI + FieldIndex (the entry's Key)."""

    uri: str
    #: the FieldURI of the whole dictionary (contacts:EmailAddresses)
    dictionary: str
    #: the FieldIndex values it takes (empty: any, e.g. a header name)
    keys: tuple[str, ...]
    #: the member of a multi-valued entry (contacts:PhysicalAddress:Street -> "Street"); None for a simple one
    member: str | None = None


INDEXED: dict[str, IndexedDef] = {
    d.uri: d for d in [
        IndexedDef("item:InternetMessageHeader", "item:InternetMessageHeaders", ()),  # read-only, any header
        IndexedDef("contacts:EmailAddress", "contacts:EmailAddresses", EMAIL_KEYS),
        IndexedDef("contacts:PhoneNumber", "contacts:PhoneNumbers", PHONE_KEYS),
        IndexedDef("contacts:ImAddress", "contacts:ImAddresses", IM_KEYS),
        *(IndexedDef(f"contacts:PhysicalAddress:{member}", "contacts:PhysicalAddresses", ADDRESS_KEYS, member)
          for member in ("Street", "City", "State", "CountryOrRegion", "PostalCode")),
        # one member of a distribution list, by its Key (any: the server assigns them)
        IndexedDef("distributionlist:Members:Member", "distributionlist:Members", ()),
    ]
}


def field(uri: str) -> FieldDef | None:
    return FIELDS.get(uri)


def indexed(uri: str) -> IndexedDef | None:
    return INDEXED.get(uri)


def fields_of(item_type: str) -> list[FieldDef]:
    """The fields an item type carries, in schema order."""
    return _FIELDS_OF[item_type]


_FIELDS_OF: dict[str, list[FieldDef]] = {
    item_type: [f for owner in owners for f in _OWNED[owner]] for item_type, owners in ITEM_TYPES.items()}
_BY_URI: dict[tuple[str, str], FieldDef] = {
    (item_type, f.uri): f for item_type, defs in _FIELDS_OF.items() for f in defs}


def field_of(item_type: str, uri: str) -> FieldDef | None:
    """The field ``uri`` names on an item of ``item_type``, with that type's flags; None if it has none."""
    return _BY_URI.get((item_type, uri))


def belongs_to(f: FieldDef, item_type: str) -> bool:
    return (item_type, f.uri) in _BY_URI


def stored_fields() -> Iterable[FieldDef]:
    return (f for f in FIELDS.values() if f.column is not None)


_BY_ELEMENT: dict[tuple[str, str], FieldDef] = {
    (item_type, f.element): f for item_type, defs in _FIELDS_OF.items() for f in defs}


def by_element(item_type: str, element: str) -> FieldDef | None:
    """The field an element of an ``item_type`` wrapper carries (e.g. ``("Task", "Status")``)."""
    return _BY_ELEMENT.get((item_type if item_type in ITEM_TYPES else "Item", element))


# ---- folders ------------------------------------------------------------------------------------------------
# The same registry for folders: BaseFolderType's children, then each folder type's own, in schema order, with
# the item rows' flags (here "s" = stored in the folders table, in a column named after the element). Folder
# properties carry FieldURIs of their own ("folder:…"), so they have a table of their own and never become item
# columns. Extended properties sit after ChildFolderCount (FOLDER_EXTENDED_AFTER).
PERMISSION_SET, CALENDAR_PERMISSION_SET, SEARCH_PARAMETERS, DISTINGUISHED_ID = (
    "permission_set", "calendar_permission_set", "search_parameters", "distinguished_id")
_BASE_FOLDER = [
    ("FolderId", FOLDERID, "rn"),
    ("ParentFolderId", FOLDERID, "rn"),
    # set once; afterwards only to the value it has (ErrorObjectTypeChanged otherwise)
    ("FolderClass", STRING, "ns"),
    ("DisplayName", STRING, "ns"),
    ("TotalCount", INT, "rn"),
    ("ChildFolderCount", INT, "rn"),
    ("ManagedFolderInformation", OPAQUE, "rnq"),
    ("EffectiveRights", EFFECTIVE_RIGHTS, "rnq"),
    ("DistinguishedFolderId", DISTINGUISHED_ID, "rnq"),
    ("PolicyTag", OPAQUE, "rnq"),
    ("ArchiveTag", OPAQUE, "rnq"),
]
_FOLDER_OWN = [
    # deleting it resets the ACL to a new folder's (exchangelib's save() deletes it when it has none)
    ("PermissionSet", PERMISSION_SET, "sdq"),
    ("UnreadCount", INT, "rn"),
]
_CALENDAR_FOLDER = [
    ("SharingEffectiveRights", ENUM, "rnq"),
    ("PermissionSet", CALENDAR_PERMISSION_SET, "sdq"),
]
_CONTACTS_FOLDER = [
    ("SharingEffectiveRights", ENUM, "rnq"),
    ("PermissionSet", PERMISSION_SET, "sdq"),
    ("SourceId", STRING, "rnq"),
    ("AccountName", STRING, "rnq"),
]
_SEARCH_FOLDER = [("SearchParameters", SEARCH_PARAMETERS, "snq")]
PREFIX.update({"BaseFolder": "folder", "Folder": "folder", "CalendarFolder": "folder", "ContactsFolder": "folder",
               "SearchFolder": "folder"})
#: folder type (element name) -> owners in schema order (TasksFolderType and SearchFolderType extend FolderType)
FOLDER_TYPES: dict[str, tuple[str, ...]] = {
    "Folder": ("BaseFolder", "Folder"),
    "CalendarFolder": ("BaseFolder", "CalendarFolder"),
    "ContactsFolder": ("BaseFolder", "ContactsFolder"),
    "SearchFolder": ("BaseFolder", "Folder", "SearchFolder"),
    "TasksFolder": ("BaseFolder", "Folder"),
}
#: position of a folder's ExtendedProperty elements (after ChildFolderCount)
FOLDER_EXTENDED_AFTER = "folder:ChildFolderCount"
_FOLDER_OWNED: dict[str, list[FieldDef]] = {
    owner: [replace(f, column=_snake(f.element) if f.column else None) for f in _build(owner, rows, {})]
    for owner, rows in (("BaseFolder", _BASE_FOLDER), ("Folder", _FOLDER_OWN), ("CalendarFolder", _CALENDAR_FOLDER),
                        ("ContactsFolder", _CONTACTS_FOLDER), ("SearchFolder", _SEARCH_FOLDER))}
#: every folder property by FieldURI, with the flags of the first owner that has it
FOLDER_FIELDS: dict[str, FieldDef] = {}
for _defs in _FOLDER_OWNED.values():
    for _f in _defs:
        FOLDER_FIELDS.setdefault(_f.uri, _f)
_FIELDS_OF_FOLDER: dict[str, list[FieldDef]] = {
    folder_type: [f for owner in owners for f in _FOLDER_OWNED[owner]] for folder_type, owners in FOLDER_TYPES.items()}
_BY_FOLDER_URI: dict[tuple[str, str], FieldDef] = {
    (folder_type, f.uri): f for folder_type, defs in _FIELDS_OF_FOLDER.items() for f in defs}
_BY_FOLDER_ELEMENT: dict[tuple[str, str], FieldDef] = {
    (folder_type, f.element): f for folder_type, defs in _FIELDS_OF_FOLDER.items() for f in defs}


def folder_fields_of(folder_type: str) -> list[FieldDef]:
    """The properties a folder type carries, in schema order."""
    return _FIELDS_OF_FOLDER[folder_type]


def folder_field(uri: str) -> FieldDef | None:
    """A folder property by FieldURI (with the flags of the first type that has it)."""
    return FOLDER_FIELDS.get(uri)


def folder_field_of(folder_type: str, uri: str) -> FieldDef | None:
    """The property ``uri`` names on a folder of ``folder_type``, with that type's flags; None if it has none."""
    return _BY_FOLDER_URI.get((folder_type, uri))


def folder_by_element(folder_type: str, element: str) -> FieldDef | None:
    """The property an element of a folder element carries (``("Folder", "DisplayName")``)."""
    return _BY_FOLDER_ELEMENT.get((folder_type, element))
