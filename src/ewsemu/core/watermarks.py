"""Notification watermarks: opaque, signed journal positions (D38, D40).

A watermark names a position in the change journal of one mailbox. It is the position (8 bytes) and an HMAC of
it and the mailbox under the store's ``watermarks`` key (``Store.secret``), base64: a client cannot forge or
alter one (ErrorInvalidWatermark), one from another mailbox does not verify, and a reset of the store (a new
key) voids every watermark handed out before it. Whether the journal still holds everything after the position
is the caller's question (``store.journal.retains``).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from .errors import EwsError

SECRET_NAME = "watermarks"
_MAC_BYTES = 12
_FORMAT = b"ewsemu-watermark-1"


def _mac(key: bytes, mailbox: str, position: bytes) -> bytes:
    message = b"|".join((_FORMAT, mailbox.lower().encode(), position))
    return hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]


def encode(key: bytes, mailbox: str, position: int) -> str:
    packed = struct.pack(">Q", position)
    return base64.b64encode(packed + _mac(key, mailbox, packed)).decode()


def decode(key: bytes, mailbox: str, token: str) -> int:
    """The position ``token`` names; ErrorInvalidWatermark if it is not one of ours for this mailbox."""
    try:
        raw = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise EwsError("ErrorInvalidWatermark") from None
    if len(raw) != 8 + _MAC_BYTES or not hmac.compare_digest(raw[8:], _mac(key, mailbox, raw[:8])):
        raise EwsError("ErrorInvalidWatermark")
    return struct.unpack(">Q", raw[:8])[0]
