"""Request limits (``ewsemu serve --max-…``): how much one request may ask of a shared server.

Plain configuration, read by the HTTP router (body size) and the SOAP shell (the XML checks); see
:mod:`ewsemu.server.limits` for how each limit is enforced and answered.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

MiB = 2**20


@dataclass(frozen=True)
class Limits:
    #: bytes of request body; larger requests get HTTP 413 before any parsing
    max_request_bytes: int = 32 * MiB
    #: element nesting depth of the SOAP envelope (Envelope = 1); the deepest real EWS request is ~15
    max_depth: int = 64
    #: entries in one batch container: ItemChanges, Items, ItemIds, FolderIds, …
    max_items: int = 10_000
    #: characters in one text value or attribute value
    max_string_length: int = 1 * MiB
    #: bytes of one file attachment (CreateItem, CreateAttachment); larger is ErrorAttachmentSizeLimitExceeded.
    #: Exchange Online's default message size limit; the request must fit max_request_bytes too
    max_attachment_bytes: int = 25 * MiB

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 1:
                raise ValueError(f"{f.name} must be a positive number")


_UNITS = {"": 1, "K": 2**10, "KB": 2**10, "KIB": 2**10, "M": MiB, "MB": MiB, "MIB": MiB,
          "G": 2**30, "GB": 2**30, "GIB": 2**30}


def parse_size(text: str) -> int:
    """``"32M"``, ``"512k"``, ``"1048576"`` -> bytes (binary units); the ``--max-request-size`` syntax."""
    raw = text.strip().upper()
    digits = raw.rstrip("KMGIB")
    unit = raw[len(digits):]
    if not digits.isdigit() or unit not in _UNITS:
        raise ValueError(f"not a size: {text!r} (use e.g. 32M, 512K or a number of bytes)")
    return int(digits) * _UNITS[unit]
