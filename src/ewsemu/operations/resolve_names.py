"""ResolveNames: a name (or an address, ``SMTP:`` prefix or not) against the server's directory (the users
file's users and groups, or the mailboxes that exist) and the caller's contacts and private lists, in the
order SearchScope gives; one match is a Success, several a Warning with every candidate, none an Error."""
from __future__ import annotations

from ..core import people
from ..core.errors import EwsError
from ..core.item import Item
from ..core.values import EmailEntry
from ..protocol import resolve_names as wire
from ..protocol.resolve_names import Resolution, ResolveNamesRequest
from .base import WholeRequest
from .context import RequestContext
from .people import contact_mailbox, contact_matches, contacts_folders, directory, entry_mailbox, people_items

_DIRECTORY_FIRST = {"ActiveDirectory": (True, False), "ActiveDirectoryContacts": (True, True),
                    "Contacts": (False, True), "ContactsActiveDirectory": (True, True)}


def _directory_contact(entry: people.Entry) -> Item:
    """A directory entry's contact data (ReturnFullContactData): its name and address, from the directory."""
    item = Item(id="", mailbox="", folder_id="", item_type="Contact", version=1, change_key="")
    item.values.update({"contacts:DisplayName": entry.display_name,
                        "contacts:EmailAddresses": (EmailEntry("EmailAddress1", f"SMTP:{entry.smtp}"),),
                        "contacts:ContactSource": "ActiveDirectory"})
    if entry.mailbox_type == people.MAILBOX:
        item.values["contacts:FileAs"] = entry.display_name
    return item


def _run(ctx: RequestContext, req: ResolveNamesRequest) -> list[Resolution] | EwsError:
    try:
        return _resolve(ctx, req)
    except EwsError as err:  # the folders' errors are the response message's, as for any per-element error
        return err


def _resolve(ctx: RequestContext, req: ResolveNamesRequest) -> list[Resolution]:
    if len(req.parent_folders) > 1:
        raise EwsError("ErrorResolveNamesOnlyOneContactsFolderAllowed")
    use_directory, use_contacts = _DIRECTORY_FIRST.get(req.search_scope, (True, True))
    with ctx.store.read() as conn:
        in_directory = [Resolution(entry_mailbox(e), _directory_contact(e))
                        for e in (directory(ctx, conn) if use_directory else [])
                        if people.matches(req.entry, e.display_name, [e.smtp])]
        in_contacts = []
        if use_contacts:
            owner = ctx.store.mailbox_display_name(conn, ctx.mailbox)
            for item in people_items(conn, contacts_folders(ctx, conn, req.parent_folders)):
                if contact_matches(req.entry, item):
                    # a Resolution carries a t:Contact only: a private list comes back as its mailbox alone
                    data = item if item.item_type == "Contact" else None
                    in_contacts.append(Resolution(contact_mailbox(item), data, True, (item.id, item.change_key),
                                                  owner))
    in_contacts.sort(key=lambda r: (r.mailbox.name or "").lower())
    if req.search_scope == "ContactsActiveDirectory":
        return in_contacts + in_directory
    return in_directory + in_contacts


OPERATION = WholeRequest(
    "ResolveNames", "implemented",
    ("ambiguous name resolution (prefix of display name, name word, alias or address; SMTP: prefix) over the "
     "users file's users and groups (or the existing mailboxes in the open default) and the caller's "
     "contacts and private lists; SearchScope, ParentFolderIds, ReturnFullContactData, ContactDataShape"),
    parse=wire.parse, run=_run, render=wire.render)
