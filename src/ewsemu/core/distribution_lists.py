"""Private distribution lists (``t:DistributionList``, IPM.DistList): member keys, FileAs.

A list's members are kept in the order they were added. Each carries a ``Key`` the server gives it when it
joins, which stays with it: DeleteItemField on ``distributionlist:Members:Member`` with that Key as FieldIndex
removes exactly that member (a Key the list does not have is ErrorDistributionListMemberNotExist). The Key is
derived from the member's address (or the ItemId of the contact or list it stands for), so the same member
has the same Key in every list, and a member added twice is one member.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import replace

from .errors import EwsError
from .item import Item
from .paths import IndexedFieldURI
from .values import Member

MEMBERS = "distributionlist:Members"
DISPLAY_NAME = "contacts:DisplayName"
FILE_AS = "contacts:FileAs"
#: a new list is the mailbox's own (not the directory's)
CONTACT_SOURCE, STORE = "contacts:ContactSource", "Store"


def identity(member: Member) -> str:
    """What makes two members the same: the item they stand for, else their address (case-insensitive),
    else their display name (a one-off without an address)."""
    if member.item_id:
        return f"id:{member.item_id}"
    mb = member.mailbox
    if mb.email:
        return f"addr:{(mb.routing_type or 'SMTP').upper()}:{mb.email.strip().lower()}"
    return f"name:{mb.name or ''}"


def member_key(member: Member) -> str:
    digest = hashlib.sha256(identity(member).encode()).digest()[:18]
    return base64.b64encode(b"\x00\x00\x00\x00" + digest).decode()


def normalized(members: tuple[Member, ...]) -> tuple[Member, ...]:
    """Every member with its Key and a Status, each member once (the first time it was added)."""
    out: dict[str, Member] = {}
    for m in members:
        key = member_key(m)
        if key not in out:
            out[key] = replace(m, key=key, status=m.status or "Normal")
    return tuple(out.values())


def delete_member(w: Item, path: IndexedFieldURI) -> None:
    """DeleteItemField distributionlist:Members:Member with FieldIndex = the member's Key."""
    current = w.values.get(MEMBERS, ())
    kept = tuple(m for m in current if m.key != path.index)
    if len(kept) == len(current):
        raise EwsError("ErrorDistributionListMemberNotExist", path)
    if kept:
        w.values[MEMBERS] = kept
    else:
        w.values.pop(MEMBERS, None)


def finish(w: Item, stored: Item | None) -> None:
    """After every change: members keyed and once each; FileAs follows the display name (Exchange files a
    list under its name) unless the client gave it a FileAs of its own."""
    members = w.values.get(MEMBERS)
    if members:
        w.values[MEMBERS] = normalized(members)
    name, file_as = w.values.get(DISPLAY_NAME), w.values.get(FILE_AS)
    follows = file_as is None or (stored is not None and file_as == stored.values.get(FILE_AS)
                                  and file_as == stored.values.get(DISPLAY_NAME))
    if follows and name is not None:
        w.values[FILE_AS] = name
