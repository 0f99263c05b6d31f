"""``t:Persona`` rendering for FindPeople and GetPersona, and the PersonaShape that picks its properties."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from lxml import etree

from ..core.errors import EwsError
from ..core.paths import FieldURI
from ..core.personas import Persona
from .codecs import format_datetime
from .namespaces import M, T, m, t
from .paths import PATH_TAGS, parse_path
from .recipients import render_mailbox


def _text(tag: str, value: object, el: etree._Element) -> None:
    if value is not None:
        etree.SubElement(el, t(tag)).text = str(value)


def _emails(p: Persona, el: etree._Element, zone: dt.tzinfo) -> None:
    if p.emails:
        addresses = etree.SubElement(el, t("EmailAddresses"))
        for mailbox in p.emails:
            render_mailbox(mailbox, addresses, "Address")


#: the properties ewsemu answers, in PersonaType's schema order: FieldURI -> renderer
_PROPERTIES: list[tuple[str, Callable[[Persona, etree._Element, dt.tzinfo], None]]] = [
    ("persona:PersonaType", lambda p, el, z: _text("PersonaType", p.persona_type, el)),
    ("persona:CreationTime", lambda p, el, z: _text(
        "CreationTime", format_datetime(p.creation_time, z) if p.creation_time else None, el)),
    ("persona:DisplayName", lambda p, el, z: _text("DisplayName", p.display_name, el)),
    ("persona:FileAs", lambda p, el, z: _text("FileAs", p.file_as, el)),
    ("persona:GivenName", lambda p, el, z: _text("GivenName", p.given_name, el)),
    ("persona:Surname", lambda p, el, z: _text("Surname", p.surname, el)),
    ("persona:CompanyName", lambda p, el, z: _text("CompanyName", p.company_name, el)),
    ("persona:EmailAddress", lambda p, el, z: None if p.email is None else render_mailbox(
        p.email, el, "EmailAddress")),
    ("persona:EmailAddresses", _emails),
    ("persona:RelevanceScore", lambda p, el, z: _text("RelevanceScore", p.relevance_score, el)),
]
#: the Default persona shape (as Exchange's FindPeople samples answer: id, type, name, address, score)
_DEFAULT = frozenset({"persona:PersonaType", "persona:DisplayName", "persona:EmailAddress",
                      "persona:RelevanceScore"})


@dataclass(frozen=True)
class PersonaShape:
    base: str = "Default"
    additional: frozenset[str] = frozenset()

    def wants(self, uri: str) -> bool:
        return (self.base == "AllProperties" or uri in self.additional
                or (self.base == "Default" and uri in _DEFAULT))


def parse_persona_shape(el: etree._Element | None, default: str = "Default") -> PersonaShape:
    if el is None:
        return PersonaShape(default)
    return PersonaShape(el.findtext(t("BaseShape")) or default, additional_uris(el.find(t("AdditionalProperties"))))


def additional_uris(el: etree._Element | None) -> frozenset[str]:
    if el is None:
        return frozenset()
    paths = (parse_path(p) for p in el if p.tag in PATH_TAGS)
    return frozenset(p.uri for p in paths if isinstance(p, FieldURI))


def render_persona(p: Persona, shape: PersonaShape, parent: etree._Element, zone: dt.tzinfo,
                   tag: str = "Persona", ns: Callable[[str], str] = m) -> etree._Element:
    el = etree.SubElement(parent, ns(tag))
    etree.SubElement(el, t("PersonaId"), Id=p.id)
    for uri, render in _PROPERTIES:
        if shape.wants(uri):
            render(p, el, zone)
    return el


def whole_error(tag: str, err: EwsError) -> etree._Element:
    """A response that is itself the one response message (FindPeople, GetPersona) in its Error form."""
    response = etree.Element(m(tag), ResponseClass="Error", nsmap={"m": M, "t": T})
    etree.SubElement(response, m("MessageText")).text = err.message
    etree.SubElement(response, m("ResponseCode")).text = err.code
    etree.SubElement(response, m("DescriptiveLinkKey")).text = "0"
    return response
