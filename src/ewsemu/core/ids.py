"""Opaque ItemIds, FolderIds and ChangeKeys.

Ids are base64 of a 4-byte header (which says item or folder, so a folder Id passed as an item Id can be
recognised) followed by an opaque key. ChangeKeys are base64 of a 0x13 header, a length, and a payload that
encodes a per-item salt and the item's version. The store keeps every issued ChangeKey, so a request's key
is resolved to the version it names by lookup; decoding here only decides "malformed or not".
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import random
import struct
import threading
import uuid

from .errors import EwsError

ITEM_HEADER = b"\x00\x03\x24\x00"
#: an occurrence of a recurring calendar item: this header, its master's Id bytes, the 4-byte InstanceIndex
OCCURRENCE_HEADER = b"\x00\x03\x24\x02"
FOLDER_HEADER = b"\x00\x01\x2e\x00"
CHANGEKEY_HEADER = b"\x13\x00\x00\x00"
#: notification subscriptions (neither an item's nor a folder's header)
SUBSCRIPTION_HEADER = b"\x1a\x00\x65\x77"
#: personas (FindPeople, GetPersona): this header, a source byte (c: a contact or list, d: a directory entry)
PERSONA_HEADER = b"\x00\x05\x50\x00"
MAX_ID_LENGTH = 512


def _b64decode(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def classify_id(value: str) -> str:
    """'item' or 'folder' for a well-formed Id; raises the EWS Id error otherwise (spec §2.3)."""
    if value == "":
        raise EwsError("ErrorInvalidIdEmpty")
    if len(value) > MAX_ID_LENGTH:
        raise EwsError("ErrorInvalidIdMonikerTooLong")
    raw = _b64decode(value)
    if raw is None or len(raw) <= len(ITEM_HEADER):
        raise EwsError("ErrorInvalidIdMalformed")
    if raw.startswith(ITEM_HEADER) or (raw.startswith(OCCURRENCE_HEADER) and split_occurrence_id(value)):
        return "item"
    if raw.startswith(FOLDER_HEADER):
        return "folder"
    raise EwsError("ErrorInvalidIdMalformed")


def occurrence_id(master_id: str, index: int) -> str:
    """The ItemId of the ``index``-th (1-based) occurrence of a recurring calendar item: stable, so an
    occurrence keeps its Id whether it is read, modified (an exception) or listed by its master."""
    raw = base64.b64decode(master_id.encode("ascii"))
    return base64.b64encode(OCCURRENCE_HEADER + raw + struct.pack(">I", index)).decode()


def split_occurrence_id(value: str) -> tuple[str, int] | None:
    """(master ItemId, InstanceIndex) for an occurrence's ItemId; None for any other Id."""
    raw = _b64decode(value)
    if raw is None or not raw.startswith(OCCURRENCE_HEADER) or len(raw) <= len(OCCURRENCE_HEADER) + 8:
        return None
    master = raw[len(OCCURRENCE_HEADER):-4]
    if not master.startswith(ITEM_HEADER):
        return None
    return base64.b64encode(master).decode(), struct.unpack(">I", raw[-4:])[0]


def persona_id(source: str, key: str) -> str:
    """The PersonaId of a contact or list (``source`` "c", ``key`` its ItemId) or of a directory entry
    (``source`` "d", ``key`` its address)."""
    return base64.b64encode(PERSONA_HEADER + source.encode("ascii") + key.encode("utf-8")).decode()


def split_persona_id(value: str) -> tuple[str, str]:
    """(source, key) of a PersonaId; the EWS Id error for anything else."""
    if value == "":
        raise EwsError("ErrorInvalidIdEmpty")
    if len(value) > MAX_ID_LENGTH:
        raise EwsError("ErrorInvalidIdMonikerTooLong")
    raw = _b64decode(value)
    if raw is None or not raw.startswith(PERSONA_HEADER) or len(raw) <= len(PERSONA_HEADER) + 1:
        raise EwsError("ErrorInvalidIdMalformed")
    source, key = raw[len(PERSONA_HEADER):len(PERSONA_HEADER) + 1], raw[len(PERSONA_HEADER) + 1:]
    if source not in (b"c", b"d"):
        raise EwsError("ErrorInvalidIdMalformed")
    try:
        return source.decode(), key.decode("utf-8")
    except UnicodeDecodeError:
        raise EwsError("ErrorInvalidIdMalformed") from None


def check_change_key(value: str) -> None:
    """Raise ErrorInvalidChangeKey unless ``value`` decodes as a ChangeKey."""
    raw = _b64decode(value) if value else None
    if raw is None or len(raw) <= 8 or not raw.startswith(CHANGEKEY_HEADER):
        raise EwsError("ErrorInvalidChangeKey")


class IdFactory:
    """Makes new Ids and ChangeKeys; seeded for deterministic runs (``--seed``)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed) if seed is not None else None
        self._lock = threading.Lock()

    def _bytes(self, n: int) -> bytes:
        if self._rng is None:
            return uuid.uuid4().bytes[:n]
        with self._lock:
            return self._rng.randbytes(n)

    def item_id(self) -> str:
        return base64.b64encode(ITEM_HEADER + self._bytes(16)).decode()

    def folder_id(self) -> str:
        return base64.b64encode(FOLDER_HEADER + self._bytes(16)).decode()

    def attachment_key(self) -> bytes:
        """The 16 bytes that tell an attachment from its root item's other ones (core/attachments.py)."""
        return self._bytes(16)

    def subscription_id(self) -> str:
        """A notification SubscriptionId: opaque base64, like Exchange's."""
        return base64.b64encode(SUBSCRIPTION_HEADER + self._bytes(16)).decode()

    @staticmethod
    def change_key(item_id: str, version: int) -> str:
        """Deterministic in (item, version): the same version always has the same key."""
        payload = hashlib.blake2b(item_id.encode(), digest_size=8).digest() + struct.pack(">Q", version)
        return base64.b64encode(CHANGEKEY_HEADER + struct.pack("<I", len(payload)) + payload).decode()
