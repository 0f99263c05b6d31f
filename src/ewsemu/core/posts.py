"""Post items (``t:PostItem``, IPM.Post): notes posted to a folder, never sent.

A post is created in any folder (CreateItem's SavedItemFolderId, Drafts without one) or by a PostReplyItem. It
is posted at once: From and Sender are the posting mailbox unless the client names them, it is read, its
ConversationTopic follows its Subject and PostedTime is its creation time (protocol.items.DERIVED).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from . import fields as F
from .item import Item
from .values import Mailbox


def defaults(now: dt.datetime, item_id: str, domain: str, poster: Mailbox) -> dict[str, Any]:
    """A new post before the client's properties; its Internet message id derives from its ItemId."""
    return {
        "item:ItemClass": F.ITEM_CLASSES["PostItem"],
        "item:Sensitivity": "Normal",
        "item:Importance": "Normal",
        "item:ReminderIsSet": False,
        "item:ReminderMinutesBeforeStart": 0,
        "item:IsAssociated": False,
        "item:DateTimeCreated": now,
        "item:DateTimeReceived": now,
        "item:DateTimeSent": now,
        "item:LastModifiedTime": now,
        "item:IsDraft": False,
        "item:IsFromMe": True,
        "message:IsRead": True,
        "message:From": poster,
        "message:Sender": poster,
        "message:InternetMessageId": f"<{hashlib.blake2b(item_id.encode(), digest_size=16).hexdigest()}@{domain}>",
    }


def finish(w: Item) -> None:
    """ConversationTopic follows the Subject."""
    subject = w.values.get("item:Subject")
    if subject is not None:
        w.values["message:ConversationTopic"] = subject
    else:
        w.values.pop("message:ConversationTopic", None)
