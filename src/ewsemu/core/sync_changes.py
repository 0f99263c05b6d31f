"""The net change of one item in a sync window (D39), from what the journal says happened to it in the folder.

Each journal entry seen in a folder is, for one item id, an :class:`Effect`: it came in (created, copied or
moved in, under this id), it changed there, or it left (deleted, moved out — a move that gave the item a new
ItemId leaves under the old id). Over a window the first effect says whether the client had the item before
(anything but "in" means it was there), the last whether it is there now, so:

* absent before and after (created and deleted in the window) ⇒ nothing;
* absent before, present after ⇒ Create (however often it changed since);
* present before, absent after ⇒ Delete;
* present before and after ⇒ ReadFlagChange if nothing but IsRead changed (a message), else Update.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

IN, CHANGED, OUT = "in", "changed", "out"
CREATE, UPDATE, DELETE, READ_FLAG = "Create", "Update", "Delete", "ReadFlagChange"

IS_READ = "message:IsRead"
#: what changes alongside IsRead when only the read flag is set (bookkeeping, no content)
_READ_FLAG_NOISE = frozenset({IS_READ, "item:LastModifiedTime", "item:LastModifiedName"})


@dataclass(frozen=True, slots=True)
class Effect:
    """What one journal entry did to ``item_id`` in the synchronised folder."""

    position: int
    item_id: str
    what: str  # IN, CHANGED or OUT
    #: the properties a CHANGED entry changed
    keys: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class NetChange:
    item_id: str
    change: str  # CREATE, UPDATE, DELETE or READ_FLAG
    #: the journal position of the item's last change in the window (the order changes are reported in)
    position: int


def net_change(effects: Iterable[Effect]) -> NetChange | None:
    """The one change a client is told about for an item's ``effects`` in a window (oldest first); None when
    the item came and went inside it."""
    seq = list(effects)
    if not seq:
        return None
    first, last = seq[0], seq[-1]
    before, after = first.what != IN, last.what != OUT
    if not before and not after:
        return None
    if not before:
        return NetChange(last.item_id, CREATE, last.position)
    if not after:
        return NetChange(last.item_id, DELETE, last.position)
    moved = any(e.what != CHANGED for e in seq)
    keys = frozenset().union(*(e.keys for e in seq))
    if not moved and IS_READ in keys and keys <= _READ_FLAG_NOISE:
        return NetChange(last.item_id, READ_FLAG, last.position)
    return NetChange(last.item_id, UPDATE, last.position)
