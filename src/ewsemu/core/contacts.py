"""Contacts: creation defaults, the dictionaries' entry rules and the derived CompleteName.

A contact's e-mail addresses, phone numbers, IM addresses and physical addresses are dictionaries keyed by
their ``Key`` (EmailAddress1, MobilePhone, Home, …). UpdateItem addresses one entry at a time with an
IndexedFieldURI (FieldURI + FieldIndex); a physical address is addressed one member (Street, City, …) at a
time, and an address whose last member is deleted is gone.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from . import fields as F
from .item import Item
from .values import AddressEntry, CompleteName, DictEntry

_KEY_ORDER = {kind: {key: i for i, key in enumerate(keys)} for kind, keys in (
    (F.EMAILS, F.EMAIL_KEYS), (F.PHONES, F.PHONE_KEYS), (F.IMS, F.IM_KEYS), (F.ADDRESSES, F.ADDRESS_KEYS))}


def defaults(now: dt.datetime) -> dict[str, Any]:
    return {
        "item:ItemClass": F.ITEM_CLASSES["Contact"],
        "item:Sensitivity": "Normal",
        "item:Importance": "Normal",
        "item:ReminderIsSet": False,
        "item:ReminderMinutesBeforeStart": 0,
        "item:IsAssociated": False,
        "item:DateTimeCreated": now,
        "item:DateTimeReceived": now,
        "item:LastModifiedTime": now,
        "contacts:ContactSource": "Store",
        "contacts:PostalAddressIndex": "None",
    }


def _sorted(kind: str, entries: list[DictEntry]) -> tuple[DictEntry, ...]:
    order = _KEY_ORDER[kind]
    return tuple(sorted(entries, key=lambda e: order.get(e.key, len(order))))


def set_entry(kind: str, current: tuple[DictEntry, ...], d: F.IndexedDef, entry: DictEntry) -> tuple[DictEntry, ...]:
    """The dictionary with the entry (or, for a physical address, the member) ``d`` + key names replaced."""
    others = [e for e in current if e.key != entry.key]
    if d.member is not None:
        old = next((e for e in current if e.key == entry.key), AddressEntry(entry.key))
        assert isinstance(old, AddressEntry) and isinstance(entry, AddressEntry)
        entry = old.with_member(d.member, entry.member(d.member))
    return _sorted(kind, others + [entry])


def delete_entry(kind: str, current: tuple[DictEntry, ...], d: F.IndexedDef, key: str) -> tuple[DictEntry, ...]:
    """The dictionary without that entry (member); deleting what is absent changes nothing."""
    out = []
    for e in current:
        if e.key != key:
            out.append(e)
        elif d.member is not None and isinstance(e, AddressEntry):
            rest = e.with_member(d.member, None)
            if not rest.empty:
                out.append(rest)
    return _sorted(kind, out)


def complete_name(item: Item) -> CompleteName | None:
    """CompleteName, read-only, assembled from the name properties the contact has."""
    v = item.values
    name = CompleteName(first_name=v.get("contacts:GivenName"), middle_name=v.get("contacts:MiddleName"),
                        last_name=v.get("contacts:Surname"), suffix=v.get("contacts:Generation"),
                        initials=v.get("contacts:Initials"), full_name=v.get("contacts:DisplayName"),
                        nickname=v.get("contacts:Nickname"))
    return name if name != CompleteName() else None
