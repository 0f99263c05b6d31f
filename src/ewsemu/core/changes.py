"""UpdateItem as typed operations: what the protocol layer hands to the apply engine."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .paths import Path


class Action(Enum):
    SET = "SetItemField"
    APPEND = "AppendToItemField"
    DELETE = "DeleteItemField"


class ConflictResolution(Enum):
    NEVER_OVERWRITE = "NeverOverwrite"
    AUTO_RESOLVE = "AutoResolve"
    ALWAYS_OVERWRITE = "AlwaysOverwrite"


#: marker for a value the parser could not or did not decode (wrong property count, unknown property)
UNPARSED = object()


@dataclass(frozen=True)
class FieldChange:
    """One Set / Append / Delete.

    ``found`` lists the paths of the properties present inside the item element of a Set/Append (the
    engine checks there is exactly one and that it matches ``path``); ``value`` is the decoded value of that
    single property (or UNPARSED).
    """

    action: Action
    path: Path
    value: Any = UNPARSED
    found: tuple[Path, ...] = ()
    #: element name of the wrapper (Task, Item, Message, …) for D28 checks
    wrapper: str | None = None


@dataclass(frozen=True)
class ItemRef:
    """The target of an ItemChange: ``kind`` is ItemId, OccurrenceItemId or RecurringMasterItemId."""

    id: str
    change_key: str | None = None
    kind: str = "ItemId"
    #: InstanceIndex of an OccurrenceItemId (1-based)
    instance_index: int | None = None


@dataclass(frozen=True)
class ItemChange:
    target: ItemRef
    changes: tuple[FieldChange, ...] = field(default=())
