"""FindPeople: the people of a contacts folder (contacts and private lists) or of the directory
(``DistinguishedFolderId Id="directory"``: the users file's users and groups, or the mailboxes that exist),
filtered by a restriction on persona: properties and by QueryString, sorted and paged."""
from __future__ import annotations

from ..core import personas
from ..core.errors import EwsError
from ..protocol import find_people as wire
from ..protocol.find_people import FindPeopleRequest, FindPeopleResult
from .base import WholeRequest
from .context import RequestContext
from .personas import in_folder


def _run(ctx: RequestContext, request: FindPeopleRequest) -> FindPeopleResult | EwsError:
    try:
        with ctx.store.read() as conn:
            found = in_folder(ctx, conn, request.folder)
    except EwsError as err:
        return err
    found = [p for p in found if personas.matches(request.restriction, p)
             and personas.query_matches(request.query_string, p)]
    ordered = personas.sort(found, request.sort)
    window = request.view.window(len(ordered))
    return FindPeopleResult(len(ordered), window.start, ordered[window.start:window.stop])


OPERATION = WholeRequest(
    "FindPeople", "partial",
    ("contacts and private lists of a contacts folder, or the directory (users file or existing mailboxes); "
     "PersonaShape, IndexedPageItemView, Restriction and SortOrder on persona: properties, QueryString "
     "(prefix words, Property:value); personas are one per contact (no linking), without Attributions"),
    parse=wire.parse, run=_run, render=wire.render)
