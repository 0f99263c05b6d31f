"""m:FindPeople -> the typed request (shape, paging, restriction and sort on persona: properties, the
folder, QueryString); the page of personas -> m:FindPeopleResponse."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core import query as Q
from ..core.errors import EwsError
from ..core.paths import FieldURI
from ..core.personas import SORTABLE, Persona
from .codecs import parse_datetime
from .folders import FolderRef, target_folder
from .namespaces import M, T, local, m, t
from .paths import PATH_TAGS, parse_path
from .persona_xml import PersonaShape, parse_persona_shape, render_persona, whole_error
from .restrictions import parse_view


@dataclass(frozen=True)
class FindPeopleRequest:
    shape: PersonaShape
    view: Q.View
    restriction: Q.Restriction | None
    sort: tuple[Q.SortKey, ...]
    folder: FolderRef | None
    query_string: str | None
    zone: dt.tzinfo


@dataclass(frozen=True)
class FindPeopleResult:
    total: int
    first: int
    personas: list[Persona]


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


#: contact properties a restriction or sort order may name instead of the persona's (exchangelib names a
#: contacts folder's fields so, and Exchange reads them as the persona's)
_CONTACT_PATHS = {"contacts:DisplayName": "persona:DisplayName", "contacts:GivenName": "persona:GivenName",
                  "contacts:Surname": "persona:Surname", "contacts:CompanyName": "persona:CompanyName",
                  "contacts:FileAs": "persona:FileAs", "item:DateTimeCreated": "persona:CreationTime"}


def _path(el: etree._Element) -> FieldURI:
    path_el = next(c for c in el if c.tag in PATH_TAGS)
    path = parse_path(path_el)
    if isinstance(path, FieldURI) and path.uri in _CONTACT_PATHS:
        return FieldURI(_CONTACT_PATHS[path.uri])
    if not isinstance(path, FieldURI) or not path.uri.startswith("persona:"):
        raise EwsError("ErrorUnsupportedPathForQuery", path)
    return path


def _constant(path: FieldURI, text: str, zone: dt.tzinfo) -> object:
    if path.uri == "persona:CreationTime":
        try:
            return parse_datetime(text, zone)
        except ValueError as exc:
            raise EwsError("ErrorInvalidValueForProperty", path) from exc
    if path.uri == "persona:RelevanceScore":
        try:
            return int(text)
        except ValueError as exc:
            raise EwsError("ErrorInvalidValueForProperty", path) from exc
    return text


def _expression(el: etree._Element, zone: dt.tzinfo) -> Q.Restriction:
    name = local(el.tag)
    if name in ("And", "Or"):
        terms = tuple(_expression(c, zone) for c in _children(el))
        return Q.And(terms) if name == "And" else Q.Or(terms)
    if name == "Not":
        return Q.Not(_expression(_children(el)[0], zone))
    path = _path(el)
    if name in Q.OPERATORS:
        operand = _children(el.find(t("FieldURIOrConstant")))[0]
        if operand.tag != t("Constant"):
            other = parse_path(operand)
            return Q.Compare(Q.OPERATORS[name], path, other=other)
        return Q.Compare(Q.OPERATORS[name], path, _constant(path, operand.get("Value", ""), zone))
    if name == "Contains":
        return Q.Contains(path, el.find(t("Constant")).get("Value", ""), el.get("ContainmentMode", "FullString"),
                          el.get("ContainmentComparison", "Exact"))
    if name == "Exists":
        return Q.Exists(path)
    raise EwsError("ErrorInvalidRestriction", message=f"The restriction element {name} is not supported.")


def _sort(el: etree._Element | None) -> tuple[Q.SortKey, ...]:
    keys = []
    for order in _children(el) if el is not None else ():
        path = _path(order)
        if path.uri not in SORTABLE:
            raise EwsError("ErrorUnsupportedPathForSortGroup", path)
        keys.append(Q.SortKey(path, order.get("Order") == "Descending"))
    return tuple(keys)


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> FindPeopleRequest:
    restriction_el = body.find(m("Restriction"))
    restriction = _expression(_children(restriction_el)[0], zone) if restriction_el is not None else None
    return FindPeopleRequest(parse_persona_shape(body.find(m("PersonaShape"))), parse_view(body), restriction,
                             _sort(body.find(m("SortOrder"))), target_folder(body.find(m("ParentFolderId"))),
                             body.findtext(m("QueryString")), zone)


def render(request: FindPeopleRequest, result: FindPeopleResult | EwsError) -> etree._Element:
    if isinstance(result, EwsError):
        return whole_error("FindPeopleResponse", result)
    response = etree.Element(m("FindPeopleResponse"), ResponseClass="Success", nsmap={"m": M, "t": T})
    etree.SubElement(response, m("ResponseCode")).text = "NoError"
    people = etree.SubElement(response, m("People"))
    for persona in result.personas:
        render_persona(persona, request.shape, people, request.zone, ns=t)
    etree.SubElement(response, m("TotalNumberOfPeopleInView")).text = str(result.total)
    etree.SubElement(response, m("FirstMatchingRowIndex")).text = str(result.first)
    etree.SubElement(response, m("FirstLoadedRowIndex")).text = str(result.first)
    return response
