"""Item elements: decode the properties inside ``t:Task`` (and friends), render items for a shape."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from lxml import etree

from ..core import calendar, contacts, mime, task_requests
from ..core import fields as F
from ..core.changes import Action, FieldChange, ItemRef, UNPARSED
from ..core.item import Body, Item
from ..core.paths import ExtendedFieldURI, FieldURI, IndexedFieldURI, Path
from ..core.responses import response_objects
from ..core.task_rules import STATUS_DESCRIPTIONS
from ..core.values import AddressEntry
from .attachments_xml import render_infos
from .codecs import parse_value, render_mime_content, render_value
from .field_uris import item_field_uri
from .namespaces import local, t
from .paths import PATH_TAGS, parse_path, render_path

_EXTENDED_PROPERTY = t("ExtendedProperty")


def decode_extended(el: etree._Element) -> tuple[ExtendedFieldURI, str | tuple[str, ...]]:
    path = parse_path(el.find(t("ExtendedFieldURI")))
    values = el.find(t("Values"))
    if values is not None:
        return path, tuple(v.text or "" for v in values if v.tag == t("Value"))
    return path, el.findtext(t("Value")) or ""


def decode_property(wrapper_type: str, el: etree._Element, zone: dt.tzinfo,
                    hint: Path | None = None) -> tuple[Path, Any]:
    """One property element inside an item wrapper -> (its path, its decoded value or UNPARSED).

    Elements our registry does not know (valid in the schema, e.g. ``t:BlockStatus`` in ``t:Message``) get the
    hinted path when the names agree, else the FieldURI the schema gives them (D35), so the engine reports them
    as not valid for the item type with a path the schema allows.
    """
    if el.tag == _EXTENDED_PROPERTY:
        return decode_extended(el)
    name = local(el.tag)
    f = F.by_element(wrapper_type, name)
    if f is None:
        if hint is not None and isinstance(hint, FieldURI) and hint.uri.split(":")[-1] == name:
            return hint, UNPARSED
        return _schema_path(item_field_uri(wrapper_type, name)), UNPARSED
    if f.kind in _UNPARSABLE:
        return FieldURI(f.uri), UNPARSED
    # read-only values are parsed too: the item's own type decides (a meeting request's calendar:Location is
    # read-only, a calendar item's is not, and D28 lets either wrapper carry it)
    return FieldURI(f.uri), parse_value(f, el, zone)


def _schema_path(uri: str | None) -> Path | None:
    """The path of a property the registry does not know: its FieldURI, or None (an error then names no
    property) for the few elements no FieldURI names (``t:SearchKey``)."""
    return FieldURI(uri) if uri is not None else None


#: server-side values no client sends a value of that ewsemu would keep
_UNPARSABLE = frozenset({F.ITEMID, F.FOLDERID, F.EFFECTIVE_RIGHTS, F.OPAQUE, F.COMPLETE_NAME, F.OCCURRENCE,
                         F.OCCURRENCES, F.DELETED_OCCURRENCES})


def item_properties(wrapper: etree._Element, zone: dt.tzinfo) -> list[FieldChange]:
    """Every property of a CreateItem item element, in document order, as SET changes."""
    wrapper_type = local(wrapper.tag)
    out = []
    for el in wrapper:
        if not isinstance(el.tag, str):
            continue
        path, value = decode_property(wrapper_type, el, zone)
        out.append(FieldChange(Action.SET, path, value, (path,), wrapper_type))
    return out


def item_ref(el: etree._Element) -> ItemRef:
    """An ItemId, OccurrenceItemId or RecurringMasterItemId element (UpdateItem, GetItem, DeleteItem)."""
    name = local(el.tag)
    if name == "OccurrenceItemId":
        return ItemRef(el.get("RecurringMasterId", ""), el.get("ChangeKey"), name, int(el.get("InstanceIndex", "0")))
    if name == "RecurringMasterItemId":
        return ItemRef(el.get("OccurrenceId", ""), el.get("ChangeKey"), name)
    return ItemRef(el.get("Id", ""), el.get("ChangeKey"), name)


def item_refs(container: etree._Element | None) -> list[ItemRef]:
    """The item ids inside an ``m:ItemIds`` container (GetItem, DeleteItem)."""
    return [item_ref(el) for el in container if isinstance(el.tag, str)] if container is not None else []


# ---- rendering ---------------------------------------------------------------------------------------------


#: what AllProperties leaves out: MIME content comes only when asked for (IncludeMimeContent, or its FieldURI)
NOT_IN_ALL_PROPERTIES = frozenset({"item:MimeContent"})


@dataclass(frozen=True)
class Shape:
    """Which properties to render: a base set plus AdditionalProperties (unknown URIs are ignored)."""

    base: str = "Default"
    additional: tuple[Path, ...] = ()
    body_type: str | None = None
    #: FindItem returns only the first 255 characters of a body (streamable properties are cut short there)
    body_limit: int | None = None
    #: properties an operation never returns, whatever the shape asks (SyncFolderItems: bodies, attachments)
    omitted: frozenset[str] = frozenset()

    def wants(self, uri: str, item_type: str) -> bool:
        if uri in self.omitted:
            return False
        if uri in self._extra_uris:
            return True
        if self.base == "AllProperties":
            return uri not in NOT_IN_ALL_PROPERTIES
        if self.base == "Default":
            return uri in DEFAULT_SHAPE.get(item_type, DEFAULT_SHAPE["Item"])
        return uri == "item:ItemId"

    @cached_property
    def _extra_uris(self) -> frozenset[str]:
        """The FieldURIs AdditionalProperties names (a dictionary's, for its IndexedFieldURIs); computed once
        per shape, since rendering asks for every field of every item."""
        return frozenset(p.uri for p in self.additional if isinstance(p, FieldURI)) | frozenset(
            d.dictionary for d in (F.indexed(p.uri) for p in self.additional if isinstance(p, IndexedFieldURI))
            if d is not None)

    def entries(self, dictionary: str) -> frozenset[tuple[str, str | None]] | None:
        """The (FieldIndex, member) pairs of ``dictionary`` the AdditionalProperties name one by one; None when
        the whole dictionary is wanted (its FieldURI, or a base shape that includes it)."""
        if self.base == "AllProperties" or dictionary in frozenset(
                p.uri for p in self.additional if isinstance(p, FieldURI)):
            return None
        found = frozenset((p.index, d.member) for p in self.additional if isinstance(p, IndexedFieldURI)
                          for d in (F.indexed(p.uri),) if d is not None and d.dictionary == dictionary)
        return found or None

    @property
    def extended_keys(self) -> frozenset[str]:
        return frozenset(p.key for p in self.additional if isinstance(p, ExtendedFieldURI))


def parse_shape(el: etree._Element | None) -> Shape:
    """``m:ItemShape`` / ``m:FolderShape``; none is IdOnly."""
    if el is None:
        return Shape("IdOnly")
    additional = el.find(t("AdditionalProperties"))
    paths = tuple(parse_path(p) for p in additional if p.tag in PATH_TAGS) if additional is not None else ()
    if el.findtext(t("IncludeMimeContent")) in ("true", "1"):
        paths += (FieldURI("item:MimeContent"),)
    return Shape(el.findtext(t("BaseShape")) or "IdOnly", paths, el.findtext(t("BodyType")))


_ITEM_DEFAULT = {"item:ItemId", "item:ParentFolderId", "item:ItemClass", "item:Subject", "item:Sensitivity",
                 "item:Body", "item:Attachments", "item:DateTimeReceived", "item:Size", "item:Categories",
                 "item:Importance", "item:HasAttachments", "item:IsAssociated", "item:ResponseObjects",
                 "item:DateTimeCreated", "item:LastModifiedTime"}
_MESSAGE_DEFAULT = _ITEM_DEFAULT | {
    "item:IsDraft", "item:IsFromMe", "item:DateTimeSent", "item:DisplayTo", "item:DisplayCc", "message:Sender",
    "message:ToRecipients", "message:CcRecipients", "message:From", "message:IsRead", "message:ConversationTopic",
    "message:InternetMessageId", "message:IsReadReceiptRequested", "message:IsDeliveryReceiptRequested"}
DEFAULT_SHAPE: dict[str, frozenset[str]] = {
    "Item": frozenset(_ITEM_DEFAULT),
    "Task": frozenset(_ITEM_DEFAULT | {
        "task:DueDate", "task:PercentComplete", "task:StartDate", "task:Status", "task:IsComplete",
        "task:IsRecurring", "task:Recurrence", "task:ChangeCount", "task:CompleteDate", "task:Owner",
        "task:StatusDescription"}),
    "Message": frozenset(_MESSAGE_DEFAULT),
    "CalendarItem": frozenset(_ITEM_DEFAULT | {
        "item:DisplayTo", "item:DisplayCc", "calendar:UID", "calendar:Start", "calendar:End",
        "calendar:IsAllDayEvent", "calendar:LegacyFreeBusyStatus", "calendar:Location", "calendar:IsMeeting",
        "calendar:IsRecurring", "calendar:IsCancelled", "calendar:CalendarItemType", "calendar:MyResponseType",
        "calendar:Organizer", "calendar:Duration", "calendar:TimeZone", "calendar:AppointmentState"}),
    "Contact": frozenset(_ITEM_DEFAULT | {
        "contacts:FileAs", "contacts:DisplayName", "contacts:GivenName", "contacts:Surname",
        "contacts:CompanyName", "contacts:EmailAddresses", "contacts:PhysicalAddresses", "contacts:PhoneNumbers",
        "contacts:JobTitle", "contacts:ContactSource"}),
    "PostItem": frozenset(_ITEM_DEFAULT | {
        "item:IsDraft", "item:IsFromMe", "item:DateTimeSent", "message:ConversationTopic", "message:From",
        "message:Sender", "message:IsRead", "message:InternetMessageId", "postitem:PostedTime"}),
    "MeetingResponse": frozenset(_MESSAGE_DEFAULT | {"meeting:ResponseType", "calendar:UID"}),
    "MeetingCancellation": frozenset(_MESSAGE_DEFAULT | {"meeting:ResponseType", "calendar:UID"}),
    "DistributionList": frozenset(_ITEM_DEFAULT | {
        "contacts:DisplayName", "contacts:FileAs", "contacts:ContactSource", "distributionlist:Members"}),
    "MeetingRequest": frozenset(_MESSAGE_DEFAULT | {
        "meeting:ResponseType", "calendar:UID", "meetingRequest:MeetingRequestType", "calendar:Start",
        "calendar:End", "calendar:Location", "calendar:IsRecurring", "calendar:CalendarItemType",
        "calendar:Organizer", "calendar:IsMeeting"}),
}

_EFFECTIVE_RIGHTS = (("CreateAssociated", False), ("CreateContents", False), ("CreateHierarchy", False),
                     ("Delete", True), ("Modify", True), ("Read", True), ("ViewPrivateItems", True))


def _text_body(item: Item) -> Any:
    body = item.values.get("item:Body")
    return body if body is not None and body.body_type == "Text" else None


#: values of read-only properties the server derives, by FieldURI
DERIVED: dict[str, Callable[[Item], Any]] = {
    "item:Size": lambda i: 256 + len((i.values.get("item:Subject") or "").encode())
    + len((getattr(i.values.get("item:Body"), "text", "") or "").encode()),
    "item:IsSubmitted": lambda i: False,
    # stored for messages; a task is shown as a draft (the reference's GetItem sample)
    "item:IsDraft": lambda i: i.values.get("item:IsDraft", i.item_type == "Task"),
    "item:IsFromMe": lambda i: i.values.get("item:IsFromMe", False),
    "item:IsResend": lambda i: False,
    "item:IsUnmodified": lambda i: False,
    "item:DateTimeSent": lambda i: i.values.get("item:DateTimeSent", i.values.get("item:DateTimeCreated")),
    "item:HasAttachments": lambda i: i.values.get("item:HasAttachments", False),
    "item:TextBody": _text_body,
    # the MAPI properties Outlook sets when it assigns a task (core.task_requests)
    "task:IsAssignmentEditable": task_requests.assignment_editable,
    "task:DelegationState": task_requests.delegation_state,
    "task:Delegator": task_requests.delegator,
    "task:IsComplete": lambda i: i.values.get("task:Status") == "Completed",
    "task:IsRecurring": lambda i: i.values.get("task:Recurrence") is not None,
    "task:IsTeamTask": lambda i: False,
    "task:StatusDescription": lambda i: STATUS_DESCRIPTIONS.get(i.values.get("task:Status", "NotStarted")),
    "calendar:FirstOccurrence": calendar.first_occurrence,
    "calendar:LastOccurrence": calendar.last_occurrence,
    "calendar:ModifiedOccurrences": calendar.modified_occurrences,
    "contacts:CompleteName": contacts.complete_name,
    "contacts:HasPicture": lambda i: False,
    "postitem:PostedTime": lambda i: i.values.get("item:DateTimeSent", i.values.get("item:DateTimeCreated")),
    "meeting:IsDelegated": lambda i: False,
    "meeting:IsOutOfDate": lambda i: False,
    "meeting:HasBeenProcessed": lambda i: False,
}


def render_extended(extended: dict[str, Any], keys: frozenset[str] | None, parent: etree._Element) -> None:
    """The ExtendedProperty elements of an item or folder: those ``keys`` names (None: all)."""
    for key, ext in extended.items():
        if keys is not None and key not in keys:
            continue
        el = etree.SubElement(parent, _EXTENDED_PROPERTY)
        render_path(ext.path, el)
        if isinstance(ext.value, tuple):
            values = etree.SubElement(el, t("Values"))
            for v in ext.value:
                etree.SubElement(values, t("Value")).text = v
        else:
            etree.SubElement(el, t("Value")).text = ext.value


def render_item(item: Item, shape: Shape, parent: etree._Element, zone: dt.tzinfo,
                folder_change_key: str, last_modified_name: str, *, embedded: bool = False) -> etree._Element:
    """Append ``t:<ItemType>`` with the shape's properties in schema order (absent ones omitted, D18).
    An ``embedded`` item (inside an item attachment) has no ItemId and no folder, as Exchange shows it."""
    el = etree.SubElement(parent, t(item.item_type))
    ext_keys = None if shape.base == "AllProperties" else shape.extended_keys
    for f in F.fields_of(item.item_type):
        if embedded and f.uri in _NOT_EMBEDDED:
            continue
        if f.uri == "item:ItemId":
            etree.SubElement(el, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
        elif shape.wants(f.uri, item.item_type):
            entries = shape.entries(f.uri) if f.kind in F.DICTIONARY_KINDS else None
            _render_field(item, f, el, zone, folder_change_key, last_modified_name, shape.body_limit, entries)
        if f.uri == F.EXTENDED_AFTER and item.extended:
            render_extended(item.extended, ext_keys, el)
    return el


#: what an attached item does not have: a store identity
_NOT_EMBEDDED = frozenset({"item:ItemId", "item:ParentFolderId"})


def _render_field(item: Item, f: F.FieldDef, el: etree._Element, zone: dt.tzinfo, folder_change_key: str,
                  last_modified_name: str, body_limit: int | None = None,
                  entries: frozenset[tuple[str, str | None]] | None = None) -> None:
    if f.kind == F.FOLDERID:
        etree.SubElement(el, t("ParentFolderId"), Id=item.folder_id, ChangeKey=folder_change_key)
    elif f.kind == F.EFFECTIVE_RIGHTS:
        rights = etree.SubElement(el, t("EffectiveRights"))
        for name, value in _EFFECTIVE_RIGHTS:
            etree.SubElement(rights, t(name)).text = "true" if value else "false"
    elif f.uri == "item:ResponseObjects":
        available = response_objects(item)
        if available:
            container = etree.SubElement(el, t("ResponseObjects"))
            for name in available:
                etree.SubElement(container, t(name))
    elif f.uri == "item:LastModifiedName":
        etree.SubElement(el, t("LastModifiedName")).text = last_modified_name
    elif f.uri == "item:Attachments":  # the list the operation read (GetItem, GetAttachment), never content
        render_infos(el, item.values.get(f.uri, ()), zone)
    elif f.uri == "item:TextBody":
        body = _text_body(item)
        if body is not None:
            render_value(F.FIELDS["item:Body"], body, el, zone).tag = t("TextBody")
    elif f.kind == F.MIME:  # built by the operation with the attachments it read (operations/attachments.py)
        raw = item.values.get(f.uri)
        if raw is None and item.item_type in mime.MESSAGE_MIME_TYPES:
            raw = mime.build(item)  # an attached item: its own attachments have no parts
        if raw is not None:
            render_mime_content(raw, el)
    elif f.kind != F.OPAQUE:
        value = DERIVED[f.uri](item) if f.uri in DERIVED else item.values.get(f.uri)
        if value is not None and body_limit is not None and f.kind == F.BODY:
            value = Body(value.text[:body_limit], value.body_type)
        if value and f.kind in F.DICTIONARY_KINDS and entries is not None:
            value = _only(value, entries)
        if value is not None and not (f.kind in _EMPTY_IS_ABSENT and not value):
            render_value(f, value, el, zone)


#: collections and dictionaries are never rendered empty (the schema's NonEmptyArray types forbid it)
_EMPTY_IS_ABSENT = F.COLLECTION_KINDS | F.DICTIONARY_KINDS


def _only(entries_: tuple, wanted: frozenset[tuple[str, str | None]]) -> tuple:
    """The dictionary entries (physical address members) an AdditionalProperties list names."""
    out = []
    for entry in entries_:
        members = {member for key, member in wanted if key == entry.key}
        if not members:
            continue
        if isinstance(entry, AddressEntry) and None not in members:
            kept = AddressEntry(entry.key)
            for member in members:
                kept = kept.with_member(member, entry.member(member))
            if kept.empty:
                continue
            entry = kept
        out.append(entry)
    return tuple(out)
