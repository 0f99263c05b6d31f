"""m:GetPersona -> the persona asked for (by PersonaId, or by e-mail address); it -> m:GetPersonaResponseMessage
(the whole response is one message, its Persona in the messages namespace)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.personas import Persona
from .namespaces import M, T, m
from .persona_xml import PersonaShape, additional_uris, render_persona
from .recipients import parse_mailbox


@dataclass(frozen=True)
class GetPersonaRequest:
    persona_id: str | None
    email: str | None
    shape: PersonaShape
    zone: dt.tzinfo


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> GetPersonaRequest:
    pid = body.find(m("PersonaId"))
    mailbox = body.find(m("EmailAddress"))
    # GetPersona answers every property it has, and those AdditionalProperties names
    shape = PersonaShape("AllProperties", additional_uris(body.find(m("AdditionalProperties"))))
    return GetPersonaRequest(pid.get("Id", "") if pid is not None else None,
                             parse_mailbox(mailbox).email if mailbox is not None else None, shape, zone)


def render(request: GetPersonaRequest, result: Persona) -> etree._Element:
    response = etree.Element(m("GetPersonaResponseMessage"), ResponseClass="Success", nsmap={"m": M, "t": T})
    etree.SubElement(response, m("ResponseCode")).text = "NoError"
    render_persona(result, request.shape, response, request.zone)
    return response


