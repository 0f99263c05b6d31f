"""The personas of a folder or of the directory (FindPeople, GetPersona)."""
from __future__ import annotations

from typing import Any

from ..core import ids, people
from ..core.errors import EwsError
from ..core.item import Item
from ..core.personas import Persona
from ..core.values import Mailbox
from ..protocol.folders import FolderRef
from .context import RequestContext
from .folders import resolve_folder
from .people import CONTACTS_CLASS, addresses, directory, people_items

#: the DistinguishedFolderId FindPeople searches the directory with
DIRECTORY = "directory"


def of_item(item: Item) -> Persona:
    v = item.values
    name = v.get("contacts:DisplayName")
    emails = tuple(Mailbox(people.strip_routing(a), name, "SMTP", "Mailbox") for a in addresses(item))
    return Persona(ids.persona_id("c", item.id),
                   "DistributionList" if item.item_type == "DistributionList" else "Person",
                   v.get("item:DateTimeCreated"), name, v.get("contacts:FileAs"), v.get("contacts:GivenName"),
                   v.get("contacts:Surname"), v.get("contacts:CompanyName"), emails)


def of_entry(entry: people.Entry) -> Persona:
    kind = "DistributionList" if entry.mailbox_type == people.PUBLIC_DL else "Person"
    return Persona(ids.persona_id("d", entry.smtp), kind, None, entry.display_name, entry.display_name,
                   emails=(Mailbox(entry.smtp, entry.display_name, "SMTP", entry.mailbox_type),))


def in_folder(ctx: RequestContext, conn: Any, ref: FolderRef | None) -> list[Persona]:
    """The people of a contacts folder (the caller's Contacts when none is named), or of the directory."""
    if ref is not None and ref.distinguished and ref.id == DIRECTORY:
        return [of_entry(e) for e in directory(ctx, conn)]
    if ref is None:
        folder = ctx.store.distinguished_folder(conn, ctx.mailbox, "contacts")
    else:
        folder = resolve_folder(conn, ctx, ref)
    if folder is None:
        raise EwsError("ErrorFolderNotFound")
    if not (folder.folder_class or "").startswith(CONTACTS_CLASS):
        raise EwsError("ErrorInvalidRequest", message="FindPeople searches contacts folders only.")
    return [of_item(i) for i in people_items(conn, [folder])]


def by_id(ctx: RequestContext, conn: Any, persona_id: str) -> Persona:
    source, key = ids.split_persona_id(persona_id)
    if source == "d":
        entry = people.find(directory(ctx, conn), key)
        if entry is None:
            raise EwsError("ErrorItemNotFound")
        return of_entry(entry)
    item = ctx.store.load_item(conn, key, ctx.mailbox) if ids.classify_id(key) == "item" else None
    if item is None or item.item_type not in ("Contact", "DistributionList"):
        raise EwsError("ErrorItemNotFound")
    return of_item(item)
