"""Post items (``t:PostItem``, IPM.Post): notes posted to a folder, never sent.

A post is created in any folder (CreateItem's SavedItemFolderId, Drafts without one) or by a PostReplyItem. It
is posted at once: From and Sender are the posting mailbox unless the client names them, it is read, its
ConversationTopic follows its Subject and PostedTime is its creation time (protocol.items.DERIVED).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from . import fields as F
from . import messages
from .item import Item
from .values import Mailbox


#: what a new message has that a post does not
_MESSAGE_ONLY = ("message:IsReadReceiptRequested", "message:IsDeliveryReceiptRequested",
                 "message:IsResponseRequested")


def defaults(now: dt.datetime, item_id: str, domain: str, poster: Mailbox) -> dict[str, Any]:
    """A new post before the client's properties: a new message's defaults, posted (no draft) by ``poster``."""
    values = messages.defaults(now, item_id, domain)
    for uri in _MESSAGE_ONLY:
        values.pop(uri, None)
    values.update({"item:ItemClass": F.ITEM_CLASSES["PostItem"], "item:IsDraft": False, "item:DateTimeSent": now,
                   "message:From": poster, "message:Sender": poster})
    return values


def finish(w: Item) -> None:
    """ConversationTopic follows the Subject."""
    subject = w.values.get("item:Subject")
    if subject is not None:
        w.values["message:ConversationTopic"] = subject
    else:
        w.values.pop("message:ConversationTopic", None)
