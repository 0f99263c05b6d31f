"""A contact's dictionaries (``t:EmailAddresses``, ``t:PhysicalAddresses``, ``t:PhoneNumbers``,
``t:ImAddresses``) and ``t:CompleteName`` <-> :mod:`ewsemu.core.values`.

A dictionary element holds ``t:Entry`` elements keyed by their ``Key`` attribute. Parsed dictionaries are
normalised (one entry per key, in key order) so that equal dictionaries compare equal;
:func:`entry_paths` lists the IndexedFieldURIs an element holds, which is what UpdateItem's "exactly one
property, and the one the path names" checks count.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from ..core import fields as F
from ..core.paths import IndexedFieldURI
from ..core.values import ADDRESS_MEMBERS, AddressEntry, CompleteName, DictEntry, EmailEntry, StringEntry
from .namespaces import local, t

_EMAIL_ATTRS = (("Name", "name"), ("RoutingType", "routing_type"), ("MailboxType", "mailbox_type"))
#: dictionary FieldURI -> the IndexedFieldURI(s) addressing its entries (several for physical addresses)
_INDEXED_BY_DICTIONARY: dict[str, list[F.IndexedDef]] = {}
for _d in F.INDEXED.values():
    _INDEXED_BY_DICTIONARY.setdefault(_d.dictionary, []).append(_d)
_KEYS = {F.EMAILS: F.EMAIL_KEYS, F.PHONES: F.PHONE_KEYS, F.IMS: F.IM_KEYS, F.ADDRESSES: F.ADDRESS_KEYS}


def _entries(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if c.tag == t("Entry")]


def _entry(kind: str, el: etree._Element) -> DictEntry:
    key = el.get("Key", "")
    if kind == F.EMAILS:
        return EmailEntry(key, el.text or "", **{attr: el.get(name) for name, attr in _EMAIL_ATTRS})
    if kind == F.ADDRESSES:
        entry = AddressEntry(key)
        for child in el:
            if isinstance(child.tag, str) and local(child.tag) in ADDRESS_MEMBERS:
                entry = entry.with_member(local(child.tag), child.text or "")
        return entry
    return StringEntry(key, el.text or "")


def normalized(kind: str, entries: Any) -> tuple[DictEntry, ...]:
    """One entry per key (the last one given wins), in the order of the key enumeration."""
    order = {key: i for i, key in enumerate(_KEYS[kind])}
    by_key = {e.key: e for e in entries}
    return tuple(sorted(by_key.values(), key=lambda e: order.get(e.key, len(order))))


def parse_dictionary(kind: str, el: etree._Element) -> tuple[DictEntry, ...]:
    return normalized(kind, (_entry(kind, e) for e in _entries(el)))


def entry_paths(f: F.FieldDef, el: etree._Element) -> tuple[IndexedFieldURI, ...]:
    """The IndexedFieldURIs whose values ``el`` (a dictionary element) carries, in document order."""
    defs = _INDEXED_BY_DICTIONARY.get(f.uri, [])
    paths = []
    for entry in _entries(el):
        key = entry.get("Key", "")
        if f.kind == F.ADDRESSES:
            members = {d.member: d for d in defs}
            paths.extend(IndexedFieldURI(members[local(c.tag)].uri, key) for c in entry
                         if isinstance(c.tag, str) and local(c.tag) in members)
        elif defs:
            paths.append(IndexedFieldURI(defs[0].uri, key))
    return tuple(paths)


def render_dictionary(f: F.FieldDef, entries: tuple[DictEntry, ...], parent: etree._Element) -> etree._Element:
    el = etree.SubElement(parent, t(f.element))
    for entry in entries:
        e = etree.SubElement(el, t("Entry"), Key=entry.key)
        if isinstance(entry, EmailEntry):
            for name, attr in _EMAIL_ATTRS:
                value = getattr(entry, attr)
                if value is not None:
                    e.set(name, value)
            e.text = entry.email
        elif isinstance(entry, AddressEntry):
            for member in ADDRESS_MEMBERS:
                value = entry.member(member)
                if value is not None:
                    etree.SubElement(e, t(member)).text = value
        else:
            e.text = entry.value
    return el


_COMPLETE_NAME = (("Title", "title"), ("FirstName", "first_name"), ("MiddleName", "middle_name"),
                  ("LastName", "last_name"), ("Suffix", "suffix"), ("Initials", "initials"),
                  ("FullName", "full_name"), ("Nickname", "nickname"))


def render_complete_name(name: CompleteName, parent: etree._Element) -> etree._Element:
    el = etree.SubElement(parent, t("CompleteName"))
    for element, attr in _COMPLETE_NAME:
        value = getattr(name, attr)
        if value is not None:
            etree.SubElement(el, t(element)).text = value
    return el
