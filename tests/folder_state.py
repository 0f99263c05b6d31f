"""What the moving tests read back about a mailbox: a folder's counts and id as GetFolder answers them, a
message delivered to an Inbox, and the journal's item entries since a position."""
from __future__ import annotations

from ewsemu.emulator import Emulator
from ewsemu.store import journal

from .harness import Ews, Ref, recipients, ref_of, val

SENDER = "bob@example.com"


def dist(name: str, owner: str | None = None) -> str:
    """A ``t:DistinguishedFolderId``, of another mailbox with ``owner``."""
    box = f"<t:Mailbox><t:EmailAddress>{owner}</t:EmailAddress></t:Mailbox>" if owner else ""
    return f'<t:DistinguishedFolderId Id="{name}">{box}</t:DistinguishedFolderId>'


def delivered(ews: Ews, subject: str = "Lunch?", to: str = "alice@example.com", sender: str = SENDER) -> Ref:
    """A message ``sender`` sends to ``to``: unread in its Inbox."""
    r = ews.create_response("Message", f"<t:Subject>{subject}</t:Subject>{recipients('ToRecipients', to)}",
                            md="SendOnly", user=sender)
    assert r.codes() == ["NoError"], r.body
    found = [m for m in ews.find("inbox", user=to) if val(m, "Subject") == subject]
    return ref_of(found[-1])


def counts(ews: Ews, name: str, user: str | None = None) -> tuple[int, int | None]:
    """(TotalCount, UnreadCount) of a distinguished folder (calendars and contacts folders have no
    UnreadCount: None)."""
    r = ews.call(f"<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>"
                 f"<m:FolderIds>{dist(name)}</m:FolderIds></m:GetFolder>", user=user)
    unread = r.xpath("//t:UnreadCount")
    return int(r.xpath("//t:TotalCount")[0].text), int(unread[0].text) if unread else None


def folder_id(ews: Ews, name: str, user: str | None = None) -> str:
    r = ews.call(f"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
                 f"<m:FolderIds>{dist(name)}</m:FolderIds></m:GetFolder>", user=user)
    return r.xpath("//t:FolderId")[0].get("Id")


def head(emulator: Emulator) -> int:
    with emulator.store.read() as conn:
        return journal.head(conn)


def item_entries(emulator: Emulator, after: int, mailbox: str | None = None) -> list[journal.JournalEntry]:
    with emulator.store.read() as conn:
        return journal.entries_after(conn, after, mailbox=mailbox, object_kind="item")
