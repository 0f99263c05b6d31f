"""MarkAsJunk's rule: where a message goes, and when it stays.

IsJunk adds the sender to the mailbox's blocked senders (true) or takes it off (false), and MoveItem moves the
message to Junk Email (IsJunk true) or back to the Inbox (false). The list itself cannot be read through EWS,
so ewsemu keeps none: what a client can see is the move.

One exception (docs/research/folders.md §0.4): a message whose sender is the mailbox owner. Nobody can block
their own address, and Exchange Online leaves such a message where it is (exchangelib's
``test_mark_as_junk_via_queryset`` marks its own message as junk and finds it still in the Inbox). The answer is
still Success, without a MovedItemId.
"""
from __future__ import annotations

from .item import Item
from .messages import FROM, SENDER
from .moves import JUNK_DESTINATION


def sent_by(item: Item, mailbox: str) -> bool:
    """The message's sender (From, else Sender) is ``mailbox``."""
    sender = item.values.get(FROM) or item.values.get(SENDER)
    return sender is not None and sender.smtp == mailbox.lower()


def destination(item: Item, mailbox: str, *, is_junk: bool, move_item: bool) -> str | None:
    """The distinguished folder MarkAsJunk moves ``item`` to, or None when it stays where it is."""
    if not move_item or sent_by(item, mailbox):
        return None
    return JUNK_DESTINATION[is_junk]
