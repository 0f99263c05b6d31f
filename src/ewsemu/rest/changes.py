"""Building core FieldChanges from JSON: the REST faces speak to the apply engine exactly as UpdateItem does.

A JSON member becomes a SetItemField (or, for ``null``, a DeleteItemField) on a FieldURI or on a named
extended property, so every engine rule (coupling, D4, recurrence, ChangeKeys, per-property change tracking)
applies unchanged.
"""
from __future__ import annotations

from typing import Any

from ..core.apply import ApplyContext
from ..core.changes import Action, ConflictResolution, FieldChange
from ..core.errors import EwsError
from ..core.paths import ExtendedFieldURI, FieldURI, Path
from ..core.timezones import UTC
from ..emulator import Emulator


def _path(target: str | ExtendedFieldURI) -> Path:
    return FieldURI(target) if isinstance(target, str) else target


def set_(target: str | ExtendedFieldURI, value: Any) -> FieldChange:
    """SetItemField on a FieldURI (``"task:Status"``) or an extended property, with exactly that property."""
    path = _path(target)
    return FieldChange(Action.SET, path, value, (path,), "Task")


def delete(target: str | ExtendedFieldURI) -> FieldChange:
    return FieldChange(Action.DELETE, _path(target))


def apply_context(emulator: Emulator,
                  conflict_resolution: ConflictResolution = ConflictResolution.AUTO_RESOLVE) -> ApplyContext:
    """REST requests carry no TimeZoneContext: dates are UTC, so CompleteDate is the UTC date (D6)."""
    return ApplyContext(now=emulator.clock.now(), zone=UTC, new_item_id=emulator.ids.item_id,
                        conflict_resolution=conflict_resolution, strict=emulator.settings.strict)


def ews_failure_field(err: EwsError, targets: dict[str, str]) -> str | None:
    """The JSON field an engine error's path names, if it names one the face exposes."""
    return targets.get(err.path.key) if err.path is not None else None
