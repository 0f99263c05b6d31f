"""GetPersona: one persona by the PersonaId FindPeople gave (a contact, a private list or a directory entry),
or by e-mail address (the directory's entry, else the caller's contact with that address). An unknown or
malformed id is a SOAP fault with its ResponseCode."""
from __future__ import annotations

from ..core import people
from ..core.errors import EwsError
from ..core.personas import Persona
from ..protocol import get_persona as wire
from ..protocol.get_persona import GetPersonaRequest
from .base import WholeRequest
from .context import RequestContext
from .people import addresses, contacts_folders, directory, people_items
from .personas import by_id, of_entry, of_item


def _by_address(ctx: RequestContext, conn: object, email: str) -> Persona:
    entry = people.find(directory(ctx, conn), email)
    if entry is not None:
        return of_entry(entry)
    wanted = people.strip_routing(email).lower()
    for item in people_items(conn, contacts_folders(ctx, conn, ())):
        if any(people.strip_routing(a).lower() == wanted for a in addresses(item)):
            return of_item(item)
    raise EwsError("ErrorItemNotFound")


def _run(ctx: RequestContext, request: GetPersonaRequest) -> Persona:
    """The persona; an error faults the request: GetPersonaResponseMessage must carry a Persona (its schema
    type has no room for an error without one)."""
    with ctx.store.read() as conn:
        if request.persona_id is not None:
            return by_id(ctx, conn, request.persona_id)
        if request.email:
            return _by_address(ctx, conn, request.email)
        raise EwsError("ErrorInvalidRequest", message="GetPersona needs a PersonaId or an EmailAddress.")


OPERATION = WholeRequest(
    "GetPersona", "partial",
    ("a persona by PersonaId (a contact, private list or directory entry) or by EmailAddress; every "
     "property ewsemu keeps for personas, without Attributions or the attributed-value lists"),
    parse=wire.parse, run=_run, render=wire.render)
