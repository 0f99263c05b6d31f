"""ConvertId: translate item and folder ids between the six EWS id formats.

Exchange's formats are encodings of one store object id; ours are encodings of the 20 raw bytes inside an
EwsId (the item/folder header of :mod:`ewsemu.core.ids` plus the key), so every conversion is lossless and
round-trips exactly:

* ``EwsId``: base64(raw), what every other operation uses;
* ``EntryId``: base64 of a MAPI-style entry id: 4 flag bytes (zero), ewsemu's 16-byte provider UID, raw;
* ``HexEntryId``: the same entry id bytes as upper-case hex (Outlook's and OWA's spelling);
* ``StoreId``: base64 of the entry id plus a trailing object-type byte (Exchange's StoreObjectId layout);
* ``OwaId``: the StoreId URL-encoded, as OWA puts it in its URLs;
* ``EwsLegacyId``: base64 of the Exchange 2007 RTM header ``00 00 2d 00`` followed by raw.

Conversion is by format only (as Exchange's): the object need not exist, but the id must decode. exchangelib's
auth and version probes send ``Id="DUMMY"``, which is answered in-band with ErrorInvalidIdMalformed.
"""
from __future__ import annotations

import base64
import binascii
import uuid
from urllib.parse import quote, unquote

from ..core import ids
from ..core.errors import EwsError
from ..protocol import convert_id as wire
from ..protocol.convert_id import AlternateId, ConvertIdRequest
from .base import Batch, PerElement

PROVIDER_UID = uuid.UUID("8a7e3c52-5d0b-4f5e-9c4a-6577736d7531").bytes
ENTRY_FLAGS = b"\x00\x00\x00\x00"
LEGACY_HEADER = b"\x00\x00\x2d\x00"
#: StoreObjectId's trailing type byte, by the raw id's kind
STORE_TYPES = {"folder": b"\x01", "item": b"\x03"}
_KIND_BY_STORE_TYPE = {v: k for k, v in STORE_TYPES.items()}


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise EwsError("ErrorInvalidIdMalformed") from None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _checked_raw(raw: bytes) -> tuple[bytes, str]:
    """Raw id bytes -> (raw, 'item'|'folder'), or ErrorInvalidIdMalformed."""
    return raw, ids.classify_id(_b64(raw))


def _from_entry(entry: bytes) -> tuple[bytes, str]:
    prefix = ENTRY_FLAGS + PROVIDER_UID
    if not entry.startswith(prefix):
        raise EwsError("ErrorInvalidIdMalformed")
    return _checked_raw(entry[len(prefix):])


def _from_store(store: bytes) -> tuple[bytes, str]:
    raw, kind = _from_entry(store[:-1])
    if _KIND_BY_STORE_TYPE.get(store[-1:]) != kind:
        raise EwsError("ErrorInvalidIdMalformed")
    return raw, kind


def _from_hex(text: str) -> tuple[bytes, str]:
    try:
        return _from_entry(bytes.fromhex(text))
    except ValueError:
        raise EwsError("ErrorInvalidIdMalformed") from None


def _from_legacy(text: str) -> tuple[bytes, str]:
    legacy = _b64decode(text)
    if not legacy.startswith(LEGACY_HEADER):
        raise EwsError("ErrorInvalidIdMalformed")
    return _checked_raw(legacy[len(LEGACY_HEADER):])


def decode(format_: str, text: str) -> tuple[bytes, str]:
    """An id in ``format_`` -> its raw bytes and kind; raises the EWS Id errors for bad input."""
    if text == "":
        raise EwsError("ErrorInvalidIdEmpty")
    if format_ == "EwsId":
        return _b64decode(text), ids.classify_id(text)
    if format_ == "EwsLegacyId":
        return _from_legacy(text)
    if format_ == "EntryId":
        return _from_entry(_b64decode(text))
    if format_ == "HexEntryId":
        return _from_hex(text)
    if format_ == "StoreId":
        return _from_store(_b64decode(text))
    return _from_store(_b64decode(unquote(text)))  # OwaId


def encode(format_: str, raw: bytes, kind: str) -> str:
    entry = ENTRY_FLAGS + PROVIDER_UID + raw
    encoders = {
        "EwsId": lambda: _b64(raw),
        "EwsLegacyId": lambda: _b64(LEGACY_HEADER + raw),
        "EntryId": lambda: _b64(entry),
        "HexEntryId": lambda: entry.hex().upper(),
        "StoreId": lambda: _b64(entry + STORE_TYPES[kind]),
        "OwaId": lambda: quote(_b64(entry + STORE_TYPES[kind]), safe=""),
    }
    return encoders[format_]()


def _convert(batch: Batch[ConvertIdRequest], source: AlternateId) -> AlternateId:
    if source.kind != "AlternateId":
        raise EwsError("ErrorNoPublicFolderReplicaAvailable", message="There are no public folder servers available.")
    raw, kind = decode(source.format, source.id)
    if "@" not in source.mailbox:
        raise EwsError("ErrorNonExistentMailbox")
    destination = batch.request.destination_format
    return AlternateId(destination, encode(destination, raw, kind), source.mailbox, source.is_archive)


OPERATION = PerElement(
    "ConvertId", "implemented",
    ("all six id formats (EwsId, EwsLegacyId, EntryId, HexEntryId, StoreId, OwaId) for item and "
     "folder ids; public folder ids are refused"),
    parse=wire.parse, element=_convert, render=wire.render_success)
