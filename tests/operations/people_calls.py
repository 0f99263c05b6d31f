"""Shared by the people tests (ResolveNames, ExpandDL, FindPeople, GetPersona): a server with a users file
(users and a server-side group), and the request bodies."""
from __future__ import annotations

from typing import Iterator

import pytest

from ewsemu.core.clock import Clock
from ewsemu.core.users import parse_users
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app

from ..harness import Ews
from ..soap import NS, Client, Response

USERS = {"users": [
    {"smtp": "alice@example.com", "password": "secret", "display_name": "Alice Archer"},
    {"smtp": "bob@example.com", "password": "secret", "display_name": "Bob Baker"},
    {"smtp": "bobby@example.com", "password": "secret", "display_name": "Roberta Bobby"},
], "groups": [
    {"smtp": "team@example.com", "display_name": "Team", "members": [
        "alice@example.com", "bob@example.com", "crew@example.com", "guest@example.net"]},
    {"smtp": "crew@example.com", "display_name": "Crew", "members": ["bobby@example.com"]},
]}


@pytest.fixture
def directory_ews(database_url: str, clock: Clock) -> Iterator[Ews]:
    emu = Emulator(Settings(database=database_url, seed=7, users=parse_users(USERS)), clock)
    if database_url != "sqlite://":
        emu.reset()
    yield Ews(Client(make_app(emu)))
    emu.close()


def resolve(name: str, *, full: bool = False, scope: str | None = None, shape: str | None = None,
            folders: str = "") -> str:
    attrs = f' ReturnFullContactData="{"true" if full else "false"}"'
    attrs += f' SearchScope="{scope}"' if scope else ""
    attrs += f' ContactDataShape="{shape}"' if shape else ""
    parents = f"<m:ParentFolderIds>{folders}</m:ParentFolderIds>" if folders else ""
    return f"<m:ResolveNames{attrs}>{parents}<m:UnresolvedEntry>{name}</m:UnresolvedEntry></m:ResolveNames>"


def expand(mailbox: str) -> str:
    return f"<m:ExpandDL><m:Mailbox>{mailbox}</m:Mailbox></m:ExpandDL>"


def mailboxes(r: Response, path: str) -> list[tuple[str | None, str | None, str | None]]:
    """(Name, EmailAddress, MailboxType) of the ``t:Mailbox`` elements at ``path``."""
    return [(mb.findtext("t:Name", namespaces=NS), mb.findtext("t:EmailAddress", namespaces=NS),
             mb.findtext("t:MailboxType", namespaces=NS)) for mb in r.xpath(path)]
