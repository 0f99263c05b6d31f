"""ExpandDL: the members of a server-side group (the users file's ``groups``) or of one of the caller's
private distribution lists (by ItemId, or by its display name), one level deep."""
from __future__ import annotations

from typing import Any

from ..core import ids, people
from ..core.errors import EwsError
from ..core.item import Item
from ..core.values import Mailbox, Member
from ..protocol import expand_dl as wire
from ..protocol.expand_dl import ExpandDLRequest
from .base import WholeRequest
from .context import RequestContext
from .people import contact_mailbox, contacts_folders, directory, entry_mailbox, people_items


def _address_member(address: str, entries: list[people.Entry]) -> Member:
    """A member named by address: the directory's entry (a mailbox or a nested group), else a one-off."""
    entry = people.find(entries, address)
    if entry is not None:
        return Member(entry_mailbox(entry))
    return Member(Mailbox(address, None, "SMTP", people.ONE_OFF))


def _private_member(ctx: RequestContext, conn: Any, member: Member, entries: list[people.Entry]) -> Member:
    """A private list's member as Exchange expands it: a contact or list by its ItemId (as it is now), an
    address as the directory knows it, anything else as it was added."""
    if member.item_id is not None:
        item = ctx.store.load_item(conn, member.item_id, ctx.mailbox)
        if item is not None:
            return Member(contact_mailbox(item), item_id=item.id, change_key=item.change_key)
        return Member(member.mailbox, item_id=member.item_id, change_key=member.change_key)
    mb = member.mailbox
    if mb.email and mb.mailbox_type != people.ONE_OFF and people.find(entries, mb.email) is not None:
        return _address_member(mb.email, entries)
    return Member(Mailbox(mb.email, mb.name, mb.routing_type or "SMTP", mb.mailbox_type or people.ONE_OFF))


def _private_list(ctx: RequestContext, conn: Any, req: ExpandDLRequest) -> Item | None:
    if req.item_id is not None:
        if ids.classify_id(req.item_id) != "item":
            raise EwsError("ErrorInvalidIdMalformed")
        item = ctx.store.load_item(conn, req.item_id, ctx.mailbox)
        if item is None:
            raise EwsError("ErrorItemNotFound")
        if item.item_type != "DistributionList":
            raise EwsError("ErrorInvalidItemForOperationExpandDL")
        return item
    wanted = people.strip_routing(req.email or req.name or "").lower()
    for item in people_items(conn, contacts_folders(ctx, conn, ())):
        if item.item_type == "DistributionList" and (item.values.get("contacts:DisplayName") or "").lower() == wanted:
            return item
    return None


def _run(ctx: RequestContext, req: ExpandDLRequest) -> list[Member] | EwsError:
    try:
        with ctx.store.read() as conn:
            entries = directory(ctx, conn)
            if req.item_id is None and req.email and req.mailbox_type != people.PRIVATE_DL:
                group = people.find(entries, req.email)
                if group is not None and group.mailbox_type == people.PUBLIC_DL:
                    return [_address_member(a, entries) for a in group.members]
                if group is not None:  # a mailbox is no list
                    raise EwsError("ErrorNameResolutionNoResults")
            dl = _private_list(ctx, conn, req)
            if dl is None:
                raise EwsError("ErrorNameResolutionNoResults")
            return [_private_member(ctx, conn, m, entries) for m in dl.values.get("distributionlist:Members", ())]
    except EwsError as err:
        return err


OPERATION = WholeRequest(
    "ExpandDL", "implemented",
    ("server-side groups of the users file and the caller's private distribution lists (by ItemId or "
     "display name), one level deep: nested lists come back as PublicDL / PrivateDL mailboxes"),
    parse=wire.parse, run=_run, render=wire.render)
