"""Messages: drafts, sending and the copies recipients receive (spec §1.2 MessageDisposition).

A message is a draft (IsDraft) until it is sent. Sending checks it has recipients, stamps it as sent
(DateTimeSent, From and Sender default to the sending mailbox) and makes it the template of every copy:
the sender's saved copy (SendAndSaveCopy) and one received copy per local recipient. Once sent, the
properties the registry marks ``sent_read_only`` (recipients, From, the receipt requests) no longer change.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from typing import Any, Callable

from . import fields as F
from .errors import EwsError
from .ids import IdFactory
from .item import Item
from .paths import FieldURI
from .values import Mailbox

IS_DRAFT, IS_READ, IS_FROM_ME = "item:IsDraft", "message:IsRead", "item:IsFromMe"
TO, CC, BCC = "message:ToRecipients", "message:CcRecipients", "message:BccRecipients"
FROM, SENDER, RECEIVED_BY = "message:From", "message:Sender", "message:ReceivedBy"
SEND_DISPOSITIONS = ("SendOnly", "SendAndSaveCopy")
#: the display properties derived from a message's recipient lists
_DISPLAY = (("item:DisplayTo", TO), ("item:DisplayCc", CC), ("item:DisplayBcc", BCC))


def defaults(now: dt.datetime, item_id: str, domain: str) -> dict[str, Any]:
    """A new message as CreateItem stores it before the client's properties: a draft (drafts are read). Its
    Internet message id derives from its ItemId, so a seeded run repeats it."""
    return {
        "item:ItemClass": F.ITEM_CLASSES["Message"],
        "item:Sensitivity": "Normal",
        "item:Importance": "Normal",
        "item:ReminderIsSet": False,
        "item:ReminderMinutesBeforeStart": 0,
        "item:IsAssociated": False,
        "item:DateTimeCreated": now,
        "item:DateTimeReceived": now,
        "item:LastModifiedTime": now,
        IS_DRAFT: True,
        IS_FROM_ME: True,
        IS_READ: True,
        "message:IsReadReceiptRequested": False,
        "message:IsDeliveryReceiptRequested": False,
        "message:IsResponseRequested": False,
        "message:InternetMessageId": f"<{hashlib.blake2b(item_id.encode(), digest_size=16).hexdigest()}@{domain}>",
    }


def is_draft(item: Item) -> bool:
    return bool(item.values.get(IS_DRAFT, False))


def check_change(stored: Item, f: F.FieldDef, action_is_delete: bool) -> None:
    """Recipients, From and the receipt requests are read-only once the message is sent."""
    if f.sent_read_only and not is_draft(stored):
        raise EwsError("ErrorInvalidPropertyDelete" if action_is_delete else "ErrorInvalidPropertySet",
                       FieldURI(f.uri))


def finish(w: Item) -> None:
    """Recompute what the server derives from the other properties: DisplayTo/Cc/Bcc, ConversationTopic."""
    values = w.values
    for display, recipients in _DISPLAY:
        names = "; ".join(m.display for m in values.get(recipients, ()))
        if names:
            values[display] = names
        else:
            values.pop(display, None)
    subject = values.get("item:Subject")
    if subject is not None:
        values["message:ConversationTopic"] = subject
    else:
        values.pop("message:ConversationTopic", None)


def recipients(item: Item) -> list[Mailbox]:
    """Everyone the message goes to (To, Cc, Bcc), each address once, in that order."""
    seen: set[str] = set()
    out = []
    for uri in (TO, CC, BCC):
        for mailbox in item.values.get(uri, ()):
            key = mailbox.smtp or mailbox.email or ""
            if key not in seen:
                seen.add(key)
                out.append(mailbox)
    return out


def mark_sent(w: Item, sender: Mailbox, now: dt.datetime) -> None:
    """Turn the draft ``w`` into a sent message; ErrorInvalidRecipients when it goes to nobody."""
    if not is_draft(w):
        raise EwsError("ErrorInvalidOperation", message="Only a draft message can be sent.")
    if not recipients(w):
        raise EwsError("ErrorInvalidRecipients", message="The message has no recipients.")
    values = w.values
    values.setdefault(FROM, sender)
    values.setdefault(SENDER, values[FROM])
    values[IS_DRAFT] = False
    values[IS_READ] = True
    values[IS_FROM_ME] = True
    values["item:DateTimeSent"] = now


def with_resolved_names(sent: Item, name_of: Callable[[str], str | None]) -> Item:
    """The sent message with the display names of the recipients the server knows filled in (a recipient
    given by address alone), as Exchange resolves them when it sends: the copies show ``John Doe``, not only
    ``john.doe@example.com``, and AQS ``to:John`` finds them."""
    named = sent.copy()
    for uri in (TO, CC, BCC):
        mailboxes = named.values.get(uri)
        if mailboxes:
            named.values[uri] = tuple(_named(m, name_of) for m in mailboxes)
    finish(named)
    return named


def _named(mailbox: Mailbox, name_of: Callable[[str], str | None]) -> Mailbox:
    if mailbox.name or mailbox.smtp is None:
        return mailbox
    name = name_of(mailbox.smtp)
    return replace(mailbox, name=name) if name else mailbox


def copy_for(sent: Item, *, item_id: str, mailbox: str, folder_id: str, now: dt.datetime,
             received_by: Mailbox | None) -> Item:
    """A copy of the sent message ``sent``: the sender's saved copy (``received_by`` None) or the copy a
    recipient receives (unread, received now, without the Bcc list, and without the sender's categories,
    which are the sender's own filing: exchangelib's send tests, run against Exchange Online, find no copy
    with them in the recipient's Inbox)."""
    copy = sent.copy()
    copy.id, copy.mailbox, copy.folder_id = item_id, mailbox, folder_id
    copy.version, copy.change_key = 1, IdFactory.change_key(item_id, 1)
    values = copy.values
    values["item:DateTimeCreated"] = values["item:DateTimeReceived"] = values["item:LastModifiedTime"] = now
    if received_by is not None:
        values.pop(BCC, None)
        values.pop("item:Categories", None)
        values[IS_READ] = False
        values[RECEIVED_BY] = received_by
        values[IS_FROM_ME] = (values.get(FROM) or Mailbox()).smtp == mailbox
        finish(copy)
    return copy


def delivery_targets(item: Item, is_local: Callable[[str], bool]) -> list[tuple[str, Mailbox]]:
    """(mailbox, recipient) for each recipient that is a mailbox on this server."""
    return [(m.smtp, m) for m in recipients(item) if m.smtp is not None and is_local(m.smtp)]
