"""``t:Mailbox`` (EmailAddressType), recipient collections and attendees <-> :mod:`ewsemu.core.values`.

Requests are schema-validated first, so parsing only picks the children it knows (ItemId and
OriginalDisplayName of a Mailbox are accepted and dropped). Rendering follows the schema's child order.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from lxml import etree

from ..core.values import Attendee, Mailbox
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
