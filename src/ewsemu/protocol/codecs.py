"""Wire values <-> domain values, one pair of functions per registry ``kind``."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from ..core import fields as F
from ..core.errors import EwsError
from ..core.item import Body
from ..core.mime import CHARSET
from ..core.paths import FieldURI
from ..core.timezones import UTC, task_date_from_wire, task_date_to_wire
from ..core.values import Flag
from . import calendar_xml, contact_xml, recipients
from .namespaces import t
from .recurrence_xml import parse_recurrence, render_recurrence

_TRUE = {"true", "1"}


def parse_datetime(text: str, zone: dt.tzinfo) -> dt.datetime:
    """xs:dateTime -> aware datetime; a value without an offset is in the request's zone."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def format_datetime(value: dt.datetime, zone: dt.tzinfo) -> str:
    """UTC as ``…Z`` without fractions; another request zone as local time with its offset (D18)."""
    if zone is UTC:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.astimezone(zone).replace(microsecond=0).isoformat()


def format_decimal(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def parse_value(f: F.FieldDef, el: etree._Element, zone: dt.tzinfo) -> Any:
    text = el.text or ""
    try:
        if f.kind in (F.STRING, F.ENUM):
            return text
        if f.kind == F.INT:
            return int(text.strip())
        if f.kind == F.DOUBLE:
            value = Decimal(text.strip())
            if not value.is_finite():
                raise EwsError("ErrorInvalidPercentCompleteValue" if f.uri == "task:PercentComplete"
                               else "ErrorInvalidValueForProperty", FieldURI(f.uri))
            return value
        if f.kind == F.BOOL:
            return text.strip() in _TRUE
        if f.kind == F.DATETIME:
            return parse_datetime(text, zone)
        if f.kind == F.TASKDATE:
            return task_date_from_wire(parse_datetime(text, zone), zone)
        if f.kind == F.STRINGS:
            return tuple(c.text or "" for c in el if c.tag == t("String"))
        if f.kind == F.BODY:
            return Body(text, el.get("BodyType", "Text"))
        if f.kind == F.RECURRENCE:
            return parse_recurrence(el)
        if f.kind == F.MIME:
            return parse_mime_content(text)
        return _parse_structured(f, el, zone)
    except (ValueError, InvalidOperation) as exc:
        raise EwsError("ErrorInvalidValueForProperty", FieldURI(f.uri)) from exc
    raise EwsError("ErrorInvalidPropertySet", FieldURI(f.uri))


def parse_mime_content(text: str) -> bytes:
    """``t:MimeContent``: base64 of the MIME text (ErrorMimeContentInvalidBase64String when it is not)."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise EwsError("ErrorMimeContentInvalidBase64String", FieldURI("item:MimeContent")) from None


def render_mime_content(raw: bytes, parent: etree._Element) -> etree._Element:
    """``t:MimeContent CharacterSet="UTF-8"``: base64 of the MIME text, as Exchange renders it."""
    el = etree.SubElement(parent, t("MimeContent"), CharacterSet=CHARSET)
    el.text = base64.b64encode(raw).decode("ascii")
    return el


def _parse_structured(f: F.FieldDef, el: etree._Element, zone: dt.tzinfo) -> Any:
    def when(text: str) -> dt.datetime:
        return parse_datetime(text, zone)

    if f.kind == F.RECIPIENT:
        return recipients.parse_recipient(el)
    if f.kind == F.RECIPIENTS:
        return recipients.parse_recipients(el)
    if f.kind == F.ATTENDEES:
        return recipients.parse_attendees(el, when)
    if f.kind == F.MEMBERS:
        return recipients.parse_members(el)
    if f.kind in F.DICTIONARY_KINDS:
        return contact_xml.parse_dictionary(f.kind, el)
    if f.kind == F.TIMEZONE:
        return calendar_xml.parse_time_zone(el)
    if f.kind == F.FLAG:
        dates = {name: el.findtext(t(name)) for name in ("StartDate", "DueDate", "CompleteDate")}
        start, due, complete = (when(v) if v else None for v in dates.values())
        return Flag(el.findtext(t("FlagStatus")) or "NotFlagged", start, due, complete)
    raise EwsError("ErrorInvalidPropertySet", FieldURI(f.uri))


def _render_structured(f: F.FieldDef, value: Any, parent: etree._Element, zone: dt.tzinfo) -> etree._Element | None:
    def fmt(when: dt.datetime) -> str:
        return format_datetime(when, zone)

    kind, element = f.kind, f.element
    if kind == F.RECURRENCE:
        return render_recurrence(value, parent)
    if kind == F.RECIPIENT:
        return recipients.render_recipient(element, value, parent)
    if kind == F.RECIPIENTS:
        return recipients.render_recipients(element, value, parent)
    if kind == F.ATTENDEES:
        return recipients.render_attendees(element, value, parent, fmt)
    if kind == F.MEMBERS:
        return recipients.render_members(element, value, parent)
    if kind in F.DICTIONARY_KINDS:
        return contact_xml.render_dictionary(f, value, parent)
    if kind == F.COMPLETE_NAME:
        return contact_xml.render_complete_name(value, parent)
    if kind == F.TIMEZONE:
        return calendar_xml.render_time_zone(element, value, parent)
    if kind == F.OCCURRENCE:
        return calendar_xml.render_occurrence(element, value, parent, fmt)
    if kind == F.OCCURRENCES:
        return calendar_xml.render_occurrences(element, value, parent, fmt)
    if kind == F.DELETED_OCCURRENCES:
        return calendar_xml.render_deleted_occurrences(element, value, parent, fmt)
    if kind == F.FLAG:
        el = etree.SubElement(parent, t(element))
        etree.SubElement(el, t("FlagStatus")).text = value.status
        for name, when in (("StartDate", value.start), ("DueDate", value.due), ("CompleteDate", value.complete)):
            if when is not None:
                etree.SubElement(el, t(name)).text = fmt(when)
        return el
    return None


def render_value(f: F.FieldDef, value: Any, parent: etree._Element, zone: dt.tzinfo) -> etree._Element:
    """Append the element for ``value`` to ``parent``."""
    structured = _render_structured(f, value, parent, zone)
    if structured is not None:
        return structured
    el = etree.SubElement(parent, t(f.element))
    if f.kind in (F.STRING, F.ENUM):
        el.text = value
    elif f.kind == F.INT:
        el.text = str(int(value))
    elif f.kind == F.DOUBLE:
        el.text = format_decimal(value)
    elif f.kind == F.BOOL:
        el.text = "true" if value else "false"
    elif f.kind == F.DATETIME:
        el.text = format_datetime(value, zone)
    elif f.kind == F.TASKDATE:
        el.text = task_date_to_wire(value, zone)
    elif f.kind == F.STRINGS:
        for v in value:
            etree.SubElement(el, t("String")).text = v
    elif f.kind == F.BODY:
        el.set("BodyType", value.body_type)
        el.text = value.text
    return el
