"""Structured property values of messages, calendar items and contacts. No XML, no SQL.

Every value is a frozen dataclass or a tuple of them, so an :class:`~ewsemu.core.item.Item` copy stays as
cheap as copying two dicts, and "the client re-sent the stored value" is plain ``==``.

Dictionaries (a contact's e-mail addresses, phone numbers, …) are tuples of entries in the order of their
key enumeration, one entry per key: the same dictionary always has the same tuple.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Mailbox:
    """``t:Mailbox`` (EmailAddressType): a recipient, sender, organizer or attendee's address."""

    email: str | None = None
    name: str | None = None
    routing_type: str | None = None
    mailbox_type: str | None = None

    @property
    def smtp(self) -> str | None:
        """The address mail is delivered to (lower-case), if it is an SMTP address."""
        if not self.email or (self.routing_type not in (None, "SMTP")) or "@" not in self.email:
            return None
        return self.email.strip().lower()

    @property
    def display(self) -> str:
        return self.name or self.email or ""


@dataclass(frozen=True)
class Member:
    """``t:Member`` of a distribution list: its mailbox (a contact or another list of the mailbox's named by
    ``item_id``), its Status and the Key the server gave it."""

    mailbox: Mailbox
    key: str | None = None
    status: str = "Normal"
    #: the ItemId (and ChangeKey) of a contact or private list the member stands for
    item_id: str | None = None
    change_key: str | None = None


@dataclass(frozen=True)
class Attendee:
    """``t:Attendee``: a mailbox with its meeting response."""

    mailbox: Mailbox
    response_type: str | None = None
    last_response_time: dt.datetime | None = None


@dataclass(frozen=True)
class EmailEntry:
    """``t:Entry`` of EmailAddresses: the address is the text, Name/RoutingType/MailboxType attributes."""

    key: str
    email: str
    name: str | None = None
    routing_type: str | None = None
    mailbox_type: str | None = None


@dataclass(frozen=True)
class StringEntry:
    """``t:Entry`` of PhoneNumbers and ImAddresses: a key and a text."""

    key: str
    value: str


#: the members of a physical address, in schema order (also the suffix of their IndexedFieldURIs)
ADDRESS_MEMBERS = ("Street", "City", "State", "CountryOrRegion", "PostalCode")


@dataclass(frozen=True)
class AddressEntry:
    """``t:Entry`` of PhysicalAddresses: up to five members; absent members are None."""

    key: str
    street: str | None = None
    city: str | None = None
    state: str | None = None
    country_or_region: str | None = None
    postal_code: str | None = None

    def member(self, name: str) -> str | None:
        return getattr(self, _ADDRESS_ATTRS[name])

    def with_member(self, name: str, value: str | None) -> "AddressEntry":
        return replace(self, **{_ADDRESS_ATTRS[name]: value})

    @property
    def empty(self) -> bool:
        return all(self.member(name) is None for name in ADDRESS_MEMBERS)


_ADDRESS_ATTRS = dict(zip(ADDRESS_MEMBERS, ("street", "city", "state", "country_or_region", "postal_code")))
#: a physical address member's element name -> its attribute (and JSON member) name
ADDRESS_ATTRS = _ADDRESS_ATTRS

DictEntry = EmailEntry | StringEntry | AddressEntry


@dataclass(frozen=True)
class TimeZoneRef:
    """A calendar item's time zone as the client named it.

    ``StartTimeZone``/``EndTimeZone`` (TimeZoneDefinitionType) carry a Windows zone Id and a Name;
    ``MeetingTimeZone`` (Exchange 2007's TimeZoneType) a TimeZoneName and a BaseOffset. Only these are kept:
    the periods and transitions a client may add are re-derived from the Id, never echoed.
    """

    id: str | None = None
    name: str | None = None
    base_offset: str | None = None


@dataclass(frozen=True)
class Flag:
    """``t:Flag`` (item:Flag): follow-up status and its dates."""

    status: str
    start: dt.datetime | None = None
    due: dt.datetime | None = None
    complete: dt.datetime | None = None


@dataclass(frozen=True)
class CompleteName:
    """``t:CompleteName``, derived from a contact's name properties."""

    title: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    suffix: str | None = None
    initials: str | None = None
    full_name: str | None = None
    nickname: str | None = None


@dataclass(frozen=True)
class OccurrenceInfo:
    """``t:OccurrenceInfoType``: an occurrence of a recurring calendar item, as the master lists it."""

    item_id: str
    change_key: str
    start: dt.datetime
    end: dt.datetime
    original_start: dt.datetime


@dataclass(frozen=True)
class Exception_:
    """A modified occurrence of a recurring calendar item, kept in its master.

    ``overrides`` holds the (FieldURI, value) pairs that differ from the unmodified occurrence, sorted by
    FieldURI; ``index`` is the 1-based InstanceIndex and ``original_start`` the start the pattern gives it.
    """

    index: int
    original_start: dt.datetime
    overrides: tuple[tuple[str, Any], ...] = ()

    def value(self, uri: str, default: Any = None) -> Any:
        return dict(self.overrides).get(uri, default)


@dataclass(frozen=True)
class DeletedOccurrence:
    """An occurrence removed from a recurring calendar item (``t:DeletedOccurrence``)."""

    index: int
    original_start: dt.datetime
