"""The opaque ``Data`` of ExportItems and UploadItems: one item, every stored property and every attachment,
sealed (core.seal).

Exchange's export data is a full-fidelity stream of the item's properties that only Exchange reads back;
ewsemu's is the item's stored form as JSON (store.codec.item_to_data) with its attachments, files byte for byte
and attached items with theirs (store.attachments.to_data), compressed and signed with the store's ``export``
key. So an exported item uploads into any folder of any mailbox of this server, and anything else
(garbage, a truncated or altered blob, one from before a reset) is ErrorCorruptData, never half an item.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import EwsError
from .seal import seal, unseal

#: the store key the blobs are signed with
SECRET_NAME = "export"
_VERSION = 1


def corrupt() -> EwsError:
    return EwsError("ErrorCorruptData", message="The Data is not an item this server exported.")


@dataclass(frozen=True)
class Exported:
    """What a blob holds: the item's data and its attachments' (both in the store's JSON forms)."""

    item: dict[str, Any]
    attachments: list[Any]


def encode(item_data: dict[str, Any], key: bytes, attachments: list[Any] | None = None) -> str:
    payload: dict[str, Any] = {"v": _VERSION, "item": item_data}
    if attachments:  # an item without attachments gives the blob it always gave
        payload["attachments"] = attachments
    return seal(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode(), key)


def decode(token: str, key: bytes) -> Exported:
    """The item data a blob holds; ErrorCorruptData unless this server sealed it, unchanged."""
    payload = unseal(token, key)
    if payload is None:
        raise corrupt()
    try:
        data = json.loads(payload)
        if data.get("v") != _VERSION or not isinstance(data.get("item"), dict):
            raise corrupt()
        attachments = data.get("attachments", [])
        if not isinstance(attachments, list):
            raise corrupt()
    except (ValueError, AttributeError):
        raise corrupt() from None
    return Exported(data["item"], attachments)
