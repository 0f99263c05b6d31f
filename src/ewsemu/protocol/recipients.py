"""``t:Mailbox`` (EmailAddressType), recipient collections and attendees <-> :mod:`ewsemu.core.values`.

Requests are schema-validated first, so parsing only picks the children it knows (ItemId and
OriginalDisplayName of a Mailbox are accepted and dropped). Rendering follows the schema's child order.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from lxml import etree

from ..core.values import Attendee, Mailbox, Member
from .namespaces import t

_MAILBOX_CHILDREN = (("Name", "name"), ("EmailAddress", "email"), ("RoutingType", "routing_type"),
                     ("MailboxType", "mailbox_type"))


def parse_mailbox(el: etree._Element) -> Mailbox:
    """One ``t:Mailbox`` element."""
    values = {attr: el.findtext(t(name)) for name, attr in _MAILBOX_CHILDREN}
    return Mailbox(**values)


def parse_recipient(el: etree._Element) -> Mailbox | None:
    """A SingleRecipientType element (``t:From``, ``t:Sender``, ``t:Organizer``): its ``t:Mailbox``."""
    mailbox = el.find(t("Mailbox"))
    return parse_mailbox(mailbox) if mailbox is not None else None


def parse_recipients(el: etree._Element) -> tuple[Mailbox, ...]:
    """An ArrayOfRecipientsType element (``t:ToRecipients``, ``t:ReplyTo``, …)."""
    return tuple(parse_mailbox(c) for c in el if c.tag == t("Mailbox"))


def parse_attendees(el: etree._Element, parse_datetime: Callable[[str], dt.datetime]) -> tuple[Attendee, ...]:
    """A NonEmptyArrayOfAttendeesType element (``t:RequiredAttendees``, …)."""
    out = []
    for attendee in el:
        if attendee.tag != t("Attendee"):
            continue
        mailbox = attendee.find(t("Mailbox"))
        last = attendee.findtext(t("LastResponseTime"))
        out.append(Attendee(parse_mailbox(mailbox) if mailbox is not None else Mailbox(),
                            attendee.findtext(t("ResponseType")),
                            parse_datetime(last) if last else None))
    return tuple(out)


def render_mailbox(mailbox: Mailbox, parent: etree._Element, tag: str = "Mailbox") -> etree._Element:
    el = etree.SubElement(parent, t(tag))
    for name, attr in _MAILBOX_CHILDREN:
        value = getattr(mailbox, attr)
        if value is not None:
            etree.SubElement(el, t(name)).text = value
    return el


def render_recipient(element: str, mailbox: Mailbox, parent: etree._Element) -> etree._Element:
    el = etree.SubElement(parent, t(element))
    render_mailbox(mailbox, el)
    return el


def render_recipients(element: str, mailboxes: tuple[Mailbox, ...], parent: etree._Element) -> etree._Element:
    el = etree.SubElement(parent, t(element))
    for mailbox in mailboxes:
        render_mailbox(mailbox, el)
    return el


def render_attendees(element: str, attendees: tuple[Attendee, ...], parent: etree._Element,
                     format_datetime: Callable[[dt.datetime], str]) -> etree._Element:
    el = etree.SubElement(parent, t(element))
    for attendee in attendees:
        a = etree.SubElement(el, t("Attendee"))
        render_mailbox(attendee.mailbox, a)
        if attendee.response_type is not None:
            etree.SubElement(a, t("ResponseType")).text = attendee.response_type
        if attendee.last_response_time is not None:
            etree.SubElement(a, t("LastResponseTime")).text = format_datetime(attendee.last_response_time)
    return el


def parse_members(el: etree._Element) -> tuple[Member, ...]:
    """``t:Members`` of a distribution list: each ``t:Member``'s mailbox (with the ItemId of a contact or list
    member), Status and Key (the server's: a client re-sending a list sends them back)."""
    out = []
    for member in el:
        if member.tag != t("Member"):
            continue
        mailbox = member.find(t("Mailbox"))
        item_id = mailbox.find(t("ItemId")) if mailbox is not None else None
        out.append(Member(parse_mailbox(mailbox) if mailbox is not None else Mailbox(), member.get("Key"),
                          member.findtext(t("Status")) or "Normal",
                          item_id.get("Id") if item_id is not None else None,
                          item_id.get("ChangeKey") if item_id is not None else None))
    return tuple(out)


def render_member_mailbox(member: Member, parent: etree._Element, tag: str = "Mailbox") -> etree._Element:
    """A member's ``t:Mailbox``, with the ItemId of the contact or list it stands for."""
    el = render_mailbox(member.mailbox, parent, tag)
    if member.item_id is not None:
        item_id = etree.SubElement(el, t("ItemId"), Id=member.item_id)
        if member.change_key is not None:
            item_id.set("ChangeKey", member.change_key)
    return el


def render_members(element: str, members: tuple[Member, ...], parent: etree._Element) -> etree._Element:
    el = etree.SubElement(parent, t(element))
    for member in members:
        m = etree.SubElement(el, t("Member"))
        if member.key is not None:
            m.set("Key", member.key)
        render_member_mailbox(member, m)
        etree.SubElement(m, t("Status")).text = member.status
    return el
