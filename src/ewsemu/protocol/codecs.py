"""Wire values <-> domain values, one pair of functions per registry ``kind``."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from ..core import fields as F
from ..core.errors import EwsError
from ..core.item import Body
from ..core.paths import FieldURI
from ..core.timezones import UTC, task_date_from_wire, task_date_to_wire
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
    except (ValueError, InvalidOperation) as exc:
        raise EwsError("ErrorInvalidValueForProperty", FieldURI(f.uri)) from exc
    raise EwsError("ErrorInvalidPropertySet", FieldURI(f.uri))


def render_value(f: F.FieldDef, value: Any, parent: etree._Element, zone: dt.tzinfo) -> etree._Element:
    """Append the element for ``value`` to ``parent``."""
    if f.kind == F.RECURRENCE:
        return render_recurrence(value, parent)
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
