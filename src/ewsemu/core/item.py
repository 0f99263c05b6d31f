"""Domain values: items, bodies, extended properties. No XML, no SQL."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .paths import ExtendedFieldURI


@dataclass(frozen=True)
class Body:
    text: str
    body_type: str = "Text"  # "Text" | "HTML"


@dataclass(frozen=True)
class ExtendedValue:
    """An extended property value: a string for scalar types, a tuple of strings for ``…Array`` types."""

    path: ExtendedFieldURI
    value: str | tuple[str, ...]


@dataclass
class Item:
    """An item as stored: identity, version, and property values keyed by FieldURI.

    ``values`` holds only stored properties that are present (absent means the property does not exist);
    derived properties (IsComplete, IsRecurring, StatusDescription, …) are computed when rendering.
    """

    id: str
    mailbox: str
    folder_id: str
    item_type: str
    version: int = 1
    change_key: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    extended: dict[str, ExtendedValue] = field(default_factory=dict)
    #: the task request was sent to someone (read-only via EWS; UpdateItem answers ErrorSentTaskRequestUpdate)
    task_request_sent: bool = False

    def get(self, uri: str, default: Any = None) -> Any:
        return self.values.get(uri, default)

    def copy(self) -> "Item":
        """An independent working copy. Every value is immutable (str, numbers, dates, tuples, frozen
        dataclasses), so copying the two dicts is as deep as needed, and ten times cheaper than deepcopy."""
        return dataclasses.replace(self, values=dict(self.values), extended=dict(self.extended))
