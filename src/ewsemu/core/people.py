"""The server's directory and name matching (ResolveNames, ExpandDL, FindPeople).

The directory is what Exchange's Active Directory is to a mailbox: the users of the users file with its
server-side groups, or, in the open default, the mailboxes that exist. An entry matches a name as Exchange's
ambiguous name resolution does: the name (without an ``SMTP:`` prefix) is a case-insensitive prefix of the
display name, of a word of it, of the alias (the address's local part) or of the address itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .users import UserDirectory

MAILBOX, PUBLIC_DL, PRIVATE_DL, CONTACT, ONE_OFF = "Mailbox", "PublicDL", "PrivateDL", "Contact", "OneOff"


@dataclass(frozen=True)
class Entry:
    """A directory entry: a mailbox or a server-side group (``members``: the addresses of its members)."""

    smtp: str
    display_name: str
    mailbox_type: str = MAILBOX
    members: tuple[str, ...] = ()

    @property
    def alias(self) -> str:
        return self.smtp.split("@", 1)[0]


def directory(users: UserDirectory | None, mailboxes: Iterable[tuple[str, str]]) -> list[Entry]:
    """The directory's entries by address: the users file's users and groups, else the stored mailboxes
    (``(smtp, display name)`` pairs)."""
    if users is None:
        entries = [Entry(smtp.lower(), name or smtp) for smtp, name in mailboxes]
    else:
        entries = [Entry(u.smtp, u.display_name or u.smtp) for u in users.users.values()]
        entries += [Entry(g.smtp, g.display_name or g.smtp, PUBLIC_DL, g.members) for g in users.groups.values()]
    return sorted(entries, key=lambda e: (e.display_name.lower(), e.smtp))


def strip_routing(name: str) -> str:
    """The name without its ``SMTP:`` prefix (any case), trimmed."""
    text = name.strip()
    return text[5:].strip() if text[:5].upper() == "SMTP:" else text


def matches(name: str, display_name: str | None, addresses: Iterable[str]) -> bool:
    """Exchange's ambiguous name resolution on one entry (a directory entry or a contact)."""
    wanted = strip_routing(name).lower()
    if not wanted:
        return False
    candidates = []
    if display_name:
        candidates.append(display_name.lower())
        candidates.extend(display_name.lower().split())
    for address in addresses:
        candidates.append(address.lower())
        candidates.append(address.lower().split("@", 1)[0])
    return any(c.startswith(wanted) for c in candidates)


def find(entries: Iterable[Entry], smtp: str) -> Entry | None:
    smtp = strip_routing(smtp).lower()
    return next((e for e in entries if e.smtp == smtp), None)
