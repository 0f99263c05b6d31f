"""Folders as the domain sees them: the distinguished folders every mailbox gets, and the :class:`Folder` value
that the store loads and the protocol renders (a plain value, so neither layer depends on the other for it),
and the :class:`StoredMailbox` that holds them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .ids import IdFactory

#: distinguished folders every mailbox gets: name -> (display name, folder class, parent)
DISTINGUISHED: dict[str, tuple[str, str | None, str | None]] = {
    "root": ("Root", None, None),
    "msgfolderroot": ("Top of Information Store", None, "root"),
    "inbox": ("Inbox", "IPF.Note", "msgfolderroot"),
    "drafts": ("Drafts", "IPF.Note", "msgfolderroot"),
    "sentitems": ("Sent Items", "IPF.Note", "msgfolderroot"),
    "deleteditems": ("Deleted Items", "IPF.Note", "msgfolderroot"),
    "outbox": ("Outbox", "IPF.Note", "msgfolderroot"),
    "junkemail": ("Junk Email", "IPF.Note", "msgfolderroot"),
    "tasks": ("Tasks", "IPF.Task", "msgfolderroot"),
    "calendar": ("Calendar", "IPF.Appointment", "msgfolderroot"),
    "contacts": ("Contacts", "IPF.Contact", "msgfolderroot"),
    "notes": ("Notes", "IPF.StickyNote", "msgfolderroot"),
    "journal": ("Journal", "IPF.Journal", "msgfolderroot"),
    "recoverableitemsroot": ("Recoverable Items", None, "root"),
    "recoverableitemsdeletions": ("Deletions", None, "recoverableitemsroot"),
}


@dataclass(frozen=True)
class Folder:
    id: str
    mailbox: str
    parent_id: str | None
    distinguished: str | None
    display_name: str
    folder_class: str | None
    version: int

    @property
    def change_key(self) -> str:
        return IdFactory.change_key(self.id, self.version)


@dataclass(frozen=True)
class StoredMailbox:
    """A mailbox as the store holds it (the control plane lists them)."""

    smtp: str
    display_name: str
    created: dt.datetime
