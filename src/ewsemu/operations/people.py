"""What ResolveNames, ExpandDL and FindPeople read: the server's directory and the caller's contacts."""
from __future__ import annotations

from typing import Any, Sequence

from ..core import people
from ..core.errors import EwsError
from ..core.folders import Folder
from ..core.item import Item
from ..core.values import Mailbox
from ..protocol.folders import FolderRef
from ..store import lookup
from .context import RequestContext
from .folders import resolve_folder

#: the item types a contacts folder answers for people: contacts and private distribution lists
PEOPLE_TYPES = ("Contact", "DistributionList")
CONTACTS_CLASS = "IPF.Contact"


def directory(ctx: RequestContext, conn: Any) -> list[people.Entry]:
    users = ctx.settings.users
    stored = [] if users is not None else [(mb.smtp, mb.display_name) for mb in lookup.stored_mailboxes(conn)]
    return people.directory(users, stored)


def contacts_folders(ctx: RequestContext, conn: Any, refs: Sequence[FolderRef]) -> list[Folder]:
    """The folders to search: those named (each a contacts folder), else the caller's Contacts."""
    if not refs:
        folder = ctx.store.distinguished_folder(conn, ctx.mailbox, "contacts")
        return [folder] if folder is not None else []
    folders = [resolve_folder(conn, ctx, ref) for ref in refs]
    if any(not (f.folder_class or "").startswith(CONTACTS_CLASS) for f in folders):
        raise EwsError("ErrorResolveNamesInvalidFolderType")
    return folders


def people_items(conn: Any, folders: Sequence[Folder]) -> list[Item]:
    ids = [f.id for f in folders]
    return [i for item_type in PEOPLE_TYPES for i in lookup.items_in_folders(conn, ids, item_type)]


def addresses(item: Item) -> list[str]:
    return [e.email for e in item.values.get("contacts:EmailAddresses", ()) if e.email]


def contact_mailbox(item: Item) -> Mailbox:
    """How a contact or a private list is answered as a mailbox: its name, first address, type."""
    name = item.values.get("contacts:DisplayName")
    if item.item_type == "DistributionList":
        return Mailbox(None, name, None, people.PRIVATE_DL)
    emails = addresses(item)
    return Mailbox(people.strip_routing(emails[0]) if emails else None, name, "SMTP", people.CONTACT)


def contact_matches(name: str, item: Item) -> bool:
    v = item.values
    names = " ".join(x for x in (v.get("contacts:DisplayName"), v.get("contacts:GivenName"),
                                 v.get("contacts:Surname"), v.get("contacts:FileAs")) if x)
    return people.matches(name, names, [people.strip_routing(a) for a in addresses(item)])


def entry_mailbox(entry: people.Entry) -> Mailbox:
    return Mailbox(entry.smtp, entry.display_name, "SMTP", entry.mailbox_type)
