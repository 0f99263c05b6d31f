"""Opaque tokens the server hands out and must recognise again: sync states (D38) and exported items.

A token is base64(gzip(payload + HMAC-SHA256(payload))) under one of the store's keys: compressed as
Exchange's opaque blobs are (they start ``H4sI``), and signed, so a tampered, truncated or foreign token (one
from before a reset, which makes new keys) does not open.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import hmac
import zlib

_MAC_BYTES = hashlib.sha256().digest_size


def seal(payload: bytes, key: bytes) -> str:
    mac = hmac.new(key, payload, hashlib.sha256).digest()
    return base64.b64encode(gzip.compress(payload + mac, mtime=0)).decode("ascii")


def unseal(token: str, key: bytes) -> bytes | None:
    """The payload of a token this key sealed; None for anything else."""
    try:
        blob = gzip.decompress(base64.b64decode("".join(token.split()), validate=True))
    except (binascii.Error, OSError, EOFError, zlib.error, ValueError):
        return None
    payload, mac = blob[:-_MAC_BYTES], blob[-_MAC_BYTES:]
    if len(blob) <= _MAC_BYTES or not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        return None
    return payload
