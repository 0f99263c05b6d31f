"""Sync states (D38): opaque, signed tokens naming what a SyncFolderItems / SyncFolderHierarchy client has seen.

A token names the mailbox, the folder, what is synchronised (items in a scope, or the folder hierarchy) and
journal positions; it is gzip-compressed and base64-encoded as Exchange's are (real tokens start ``H4sI``), and
HMAC-SHA256-signed with the store's ``sync`` key, so a tampered or truncated token, or one from before a reset
(a new key), does not verify. Whether its positions are still in the journal is the store's question
(``journal.retains``); the operations ask it.

Two phases for items (operations/sync_folder_items.py):

* ``enumerate``: the first sync lists the folder's items oldest first (keyset ``after_created``, ``after_id``),
  as they were at ``base`` — the journal head when it started — leaving out items that came in after it;
* ``journal``: the net change of each item in the window (``base``, ``upto``], read from ``cursor`` on; the
  window's first page pins ``upto`` (the journal head then), so every page of a window judges an item over
  the same changes; when a window is done the next starts at its end (``base == cursor``, ``upto`` 0).

The hierarchy has one phase: the window (``base``, ``upto``], ``skip`` changes of it already sent (``base`` None:
everything is new).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from .errors import EwsError
from .seal import seal, unseal

ITEMS, FOLDERS = "items", "folders"
ENUMERATE, JOURNAL = "enumerate", "journal"
_VERSION = 1


@dataclass(frozen=True)
class SyncState:
    kind: str  # ITEMS or FOLDERS
    mailbox: str
    folder_id: str
    #: SyncScope for items (NormalItems, NormalAndAssociatedItems); "" for the hierarchy
    scope: str
    phase: str  # ENUMERATE or JOURNAL (items); JOURNAL for the hierarchy
    #: the journal position the client is in step with (None: nothing yet, a first hierarchy sync)
    base: int | None
    #: items, journal phase: the window is read from here on; enumerate phase: 0
    cursor: int = 0
    #: items, enumerate phase: the keyset cursor, the last item listed's DateTimeCreated (ISO) and ItemId
    #: ("" before the first)
    after_created: str = ""
    after_id: str = ""
    #: the window's end, pinned by its first page (items, journal phase: 0 until then); the hierarchy: also
    #: how many of its changes were sent
    upto: int = 0
    skip: int = 0


def invalid() -> EwsError:
    return EwsError("ErrorInvalidSyncStateData")


def encode(state: SyncState, key: bytes) -> str:
    """The token: the state's JSON, sealed (core.seal)."""
    return seal(json.dumps({"v": _VERSION, **asdict(state)}, separators=(",", ":"), sort_keys=True).encode(), key)


def decode(token: str, key: bytes) -> SyncState:
    """The state a token names; ErrorInvalidSyncStateData for anything this server did not sign (since its
    last reset) or that was changed since."""
    payload = unseal(token, key)
    if payload is None:
        raise invalid()
    try:
        data = json.loads(payload)
        if data.pop("v") != _VERSION:
            raise invalid()
        state = SyncState(**data)
    except (ValueError, TypeError, KeyError):
        raise invalid() from None
    if state.kind not in (ITEMS, FOLDERS) or state.phase not in (ENUMERATE, JOURNAL):
        raise invalid()
    return state
