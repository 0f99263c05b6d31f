"""FindItem's ``m:Restriction``, ``m:SortOrder`` and paging views -> :mod:`ewsemu.core.query` values.

Constants arrive as strings (``t:Constant Value="…"``) and are converted here to the type of the property
they are compared with, per registry kind: booleans ``true``/``false``/``1``/``0``; date-times as instants
(naive UTC, like the store); task dates by date in the request's time zone (D29); enumerations must be one
of their values. A constant that does not convert is ErrorInvalidValueForProperty.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from lxml import etree

from ..core import fields as F
from ..core import query as Q
from ..core.errors import EwsError
from ..core.extended import check_path
from ..core.paths import ExtendedFieldURI, FieldURI, IndexedFieldURI, Path
from ..core.timezones import UTC, task_date_from_wire
from .codecs import parse_datetime
from .namespaces import local, m, t
from .paths import PATH_TAGS, parse_path

_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_BITMASK = re.compile(r"(0[xX][0-9A-Fa-f]+)|(\d+)")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
#: field-to-field comparisons need operands of the same family
_FAMILIES = {F.STRING: "text", F.BODY: "text", F.INT: "number", F.DOUBLE: "number", F.BOOL: "bool",
             F.DATETIME: "datetime", F.TASKDATE: "date", F.ENUM: "enum"}


def _elements(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _path_of(el: etree._Element) -> Path:
    return parse_path(next(c for c in _elements(el) if c.tag in PATH_TAGS))


def _typed_constant(f: F.FieldDef, path: Path, text: str, zone: dt.tzinfo) -> Any:
    """The restriction constant ``text`` as a value of ``f``'s kind (the store's representation)."""
    try:
        if f.kind == F.ENUM:
            if f.choices and text not in f.choices:
                raise ValueError(text)
            return text
        if f.kind == F.INT:
            if not _INTEGER.fullmatch(text):
                raise ValueError(text)
            return int(text)
        if f.kind == F.DOUBLE:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(text)
            return value
        if f.kind == F.BOOL:
            return _BOOLEANS[text.strip()]
        if f.kind == F.DATETIME:
            return parse_datetime(text, zone).astimezone(UTC).replace(tzinfo=None)
        if f.kind == F.TASKDATE:
            return task_date_from_wire(parse_datetime(text, zone), zone)
    except (ValueError, KeyError) as exc:
        raise EwsError("ErrorInvalidValueForProperty", path) from exc
    return text


def _extended(path: ExtendedFieldURI) -> ExtendedFieldURI:
    check_path(path)
    return path


def _compare(op: str, el: etree._Element, zone: dt.tzinfo) -> Q.Restriction:
    path = _path_of(el)
    operand = _elements(el.find(t("FieldURIOrConstant")))[0]
    if operand.tag != t("Constant"):
        return _compare_paths(op, path, parse_path(operand))
    text = operand.get("Value", "")
    if isinstance(path, ExtendedFieldURI):
        try:
            return Q.Compare(op, path, Q.extended_constant(_extended(path), text))
        except ValueError as exc:
            raise EwsError("ErrorInvalidValueForProperty", path) from exc
    if not isinstance(path, FieldURI):
        return Q.Never(path)  # dictionary properties (contacts, …) are never stored
    f = Q.restriction_field(path)
    if f is None:
        return Q.Never(path)
    value = _typed_constant(f, path, text, zone)
    return Q.Never(path) if path.uri in Q.NEVER_MATCHES else Q.Compare(op, path, value)


def _compare_paths(op: str, left: Path, right: Path) -> Q.Restriction:
    """Property against property: both must be single-valued fields of the same family."""
    fields = []
    for path in (left, right):
        if not isinstance(path, FieldURI):
            raise EwsError("ErrorUnsupportedPathForQuery", path)
        fields.append(Q.restriction_field(path))
    if any(f is None or f.uri in Q.NEVER_MATCHES for f in fields):
        return Q.Never(left)
    families = [_FAMILIES.get(f.kind) for f in fields]
    if families[0] is None or families[0] != families[1]:
        raise EwsError("ErrorUnsupportedPathForQuery", right)
    return Q.Compare(op, left, other=right)


def _contains(el: etree._Element) -> Q.Restriction:
    path = _path_of(el)
    text = el.find(t("Constant")).get("Value", "")
    node = Q.Contains(path, text, el.get("ContainmentMode", "FullString"), el.get("ContainmentComparison", "Exact"))
    if isinstance(path, ExtendedFieldURI):
        if not Q.extended_is_text(_extended(path)):
            raise EwsError("ErrorContainsFilterWrongType", path)
        return node
    if not isinstance(path, FieldURI):
        return Q.Never(path)
    f = Q.restriction_field(path)
    if f is None:
        return Q.Never(path)
    if f.kind not in Q.TEXT_KINDS:
        raise EwsError("ErrorContainsFilterWrongType", path)
    return node


def _exists(el: etree._Element) -> Q.Restriction:
    path = _path_of(el)
    if isinstance(path, ExtendedFieldURI):
        return Q.Exists(_extended(path))
    if not isinstance(path, FieldURI):
        return Q.Never(path)
    f = Q.restriction_field(path)
    return Q.Never(path) if f is None or f.uri in Q.NEVER_MATCHES else Q.Exists(path)


def _excludes(el: etree._Element) -> Q.Restriction:
    path = _path_of(el)
    text = el.find(t("Bitmask")).get("Value", "")
    match = _BITMASK.fullmatch(text)
    if match is None:
        raise EwsError("ErrorInvalidExcludesRestriction", path)
    mask = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    if isinstance(path, ExtendedFieldURI):
        if Q.extended_value_kind(_extended(path)) != "int":
            raise EwsError("ErrorInvalidExcludesRestriction", path)
        return Q.Excludes(path, mask)
    if not isinstance(path, FieldURI):
        return Q.Never(path)
    f = Q.restriction_field(path)
    if f is None or f.uri in Q.NEVER_MATCHES:
        return Q.Never(path)
    if f.kind != F.INT:
        raise EwsError("ErrorInvalidExcludesRestriction", path)
    return Q.Excludes(path, mask)


def parse_expression(el: etree._Element, zone: dt.tzinfo) -> Q.Restriction:
    """One search expression element (``t:IsEqualTo``, ``t:And``, …)."""
    name = local(el.tag)
    if name in Q.OPERATORS:
        return _compare(Q.OPERATORS[name], el, zone)
    if name == "Contains":
        return _contains(el)
    if name == "Exists":
        return _exists(el)
    if name == "Excludes":
        return _excludes(el)
    if name == "Not":
        return Q.Not(parse_expression(_elements(el)[0], zone))
    if name in ("And", "Or"):
        terms = tuple(parse_expression(c, zone) for c in _elements(el))
        return Q.And(terms) if name == "And" else Q.Or(terms)
    raise EwsError("ErrorInvalidRestriction", message=f"The restriction element {name} is not supported.")


def parse_sort(el: etree._Element | None) -> tuple[Q.SortKey, ...]:
    """``m:SortOrder``: its FieldOrders, first key first. Keys on properties we never store have no effect."""
    keys = []
    for order in _elements(el) if el is not None else ():
        path = _path_of(order)
        if isinstance(path, FieldURI):
            Q.check_sort_path(path)
        elif isinstance(path, ExtendedFieldURI):
            check_path(path)
        elif isinstance(path, IndexedFieldURI):
            Q.check_indexed_sort_path(path)
        else:
            continue
        keys.append(Q.SortKey(path, order.get("Order") == "Descending"))
    return tuple(keys)


def parse_find_query(body: etree._Element, zone: dt.tzinfo) -> Q.FindQuery:
    """The restriction, sort order and traversal of an ``m:FindItem``."""
    restriction_el = body.find(m("Restriction"))
    restriction = None
    if restriction_el is not None:
        restriction = parse_expression(_elements(restriction_el)[0], zone)
    return Q.FindQuery(restriction, parse_sort(body.find(m("SortOrder"))), body.get("Traversal", "Shallow"))


def _int_attr(el: etree._Element, name: str) -> int | None:
    value = el.get(name)
    return int(value) if value is not None else None


def parse_view(body: etree._Element) -> Q.View:
    """The paging view; none means every match (schema validation guarantees the attributes are ints)."""
    indexed = body.find(m("IndexedPageItemView"))
    if indexed is not None:
        view: Q.View = Q.IndexedView(_int_attr(indexed, "MaxEntriesReturned"), int(indexed.get("Offset", "0")),
                                     indexed.get("BasePoint") == "End")
    else:
        fractional = body.find(m("FractionalPageItemView"))
        if fractional is None:
            return Q.EVERYTHING
        view = Q.FractionalView(_int_attr(fractional, "MaxEntriesReturned"), int(fractional.get("Numerator", "0")),
                                int(fractional.get("Denominator", "0")))
    view.check()
    return view
