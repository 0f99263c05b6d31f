"""JSON field specifications: one declaration per field checks request values and yields its JSON Schema.

The handlers decode request bodies with :meth:`JsonField.decode` and the OpenAPI document is built from
:meth:`JsonField.schema` of the very same objects, so the document cannot drift from what is enforced.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from ..core.timezones import UTC

STRING, INTEGER, DATETIME, STRINGS, FLAGS = "string", "integer", "date-time", "strings", "flags"


class FieldError(ValueError):
    """A request value that does not fit its field; ``field`` names it (``appliedCategories.category7``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class JsonField:
    name: str
    kind: str
    description: str
    read_only: bool = False
    #: ``null`` is accepted (it removes the value) and may be returned
    nullable: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    #: the member names of a FLAGS object (``{"category1": true}``)
    keys: tuple[str, ...] = ()

    # ---- JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) -----------------------------------------------------

    def schema(self, for_request: bool = False) -> dict[str, Any]:
        """The value's JSON Schema. Minimum lengths are request rules only: a task written through EWS or the
        Graph face (an empty Subject, an empty category) is still returned as it is."""
        out: dict[str, Any] = {"description": self.description}
        if self.kind == STRING:
            out["type"] = "string"
            if self.enum:
                out["enum"] = list(self.enum)
            if self.min_length is not None and for_request:
                out["minLength"] = self.min_length
            if self.max_length is not None:
                out["maxLength"] = self.max_length
        elif self.kind == INTEGER:
            out["type"] = "integer"
            if self.minimum is not None:
                out["minimum"] = self.minimum
            if self.maximum is not None:
                out["maximum"] = self.maximum
        elif self.kind == DATETIME:
            out.update(type="string", format="date-time")
        elif self.kind == STRINGS:
            out.update(type="array", items={"type": "string", **({"minLength": 1} if for_request else {})})
        else:  # FLAGS
            out.update(type="object", additionalProperties=False,
                       properties={k: {"type": "boolean"} for k in self.keys})
        if self.nullable:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"].append(None)
        if self.read_only:
            out["readOnly"] = True
        return out

    # ---- request values -------------------------------------------------------------------------------------

    def decode(self, value: Any) -> Any:
        """The domain value for a JSON value (None for an accepted null); FieldError when it does not fit."""
        if value is None:
            if self.nullable:
                return None
            raise FieldError(self.name, "must not be null")
        if self.kind == STRING:
            return self._string(value)
        if self.kind == INTEGER:
            return self._integer(value)
        if self.kind == DATETIME:
            return parse_datetime(self.name, value)
        if self.kind == STRINGS:
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise FieldError(self.name, "must be an array of non-empty strings")
            return tuple(value)
        return self._flags(value)

    def _string(self, value: Any) -> str:
        if not isinstance(value, str):
            raise FieldError(self.name, "must be a string")
        if self.enum and value not in self.enum:
            raise FieldError(self.name, f"must be one of {', '.join(self.enum)}")
        if self.min_length is not None and len(value) < self.min_length:
            raise FieldError(self.name, f"must be at least {self.min_length} characters long")
        if self.max_length is not None and len(value) > self.max_length:
            raise FieldError(self.name, f"must be at most {self.max_length} characters long")
        return value

    def _integer(self, value: Any) -> int:
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            raise FieldError(self.name, "must be an integer")
        value = int(value)
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise FieldError(self.name, f"must be between {self.minimum} and {self.maximum}"
                             if self.maximum is not None else f"must be at least {self.minimum}")
        return value

    def _flags(self, value: Any) -> dict[str, bool]:
        if not isinstance(value, dict):
            raise FieldError(self.name, "must be an object of booleans")
        for key, flag in value.items():
            if key not in self.keys:
                raise FieldError(f"{self.name}.{key}", f"is not one of {', '.join(self.keys)}")
            if not isinstance(flag, bool):
                raise FieldError(f"{self.name}.{key}", "must be true or false")
        return dict(value)


def parse_datetime(name: str, value: Any) -> dt.datetime:
    """ISO 8601 date-time (a bare date is its midnight); no offset means UTC. Aware, in the offset the client
    wrote (task dates need it, D29), whole seconds."""
    if not isinstance(value, str):
        raise FieldError(name, "must be an ISO 8601 date-time string")
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed.astimezone(UTC)  # out of range once in UTC (year 1 with a positive offset)
        return parsed.replace(microsecond=0)
    except (ValueError, OverflowError):
        raise FieldError(name, "must be an ISO 8601 date-time, e.g. 2026-02-01T17:00:00Z") from None


def by_name(fields: Iterable[JsonField]) -> dict[str, JsonField]:
    return {f.name: f for f in fields}
