"""The Graph-style Outlook task face (the deprecated Graph beta shape): ``/beta/tasks``.

Each caller sees the Task items of their own mailbox (Graph's ``/me``): a user's bearer token with a users
file; in the open default Basic or ``Bearer <smtp address>``, that mailbox (created on first use, as for EWS).
The ETag is the ChangeKey (D26); ``percentComplete`` is PercentComplete with the D5 coupling (D15, D27), so 100
completes the task and, on a recurring task, spawns the completed one-off exactly as EWS UpdateItem does: same
engine, same write path.

| JSON field | Task store | Notes |
|---|---|---|
| ``id`` | ItemId | URL-safe base64 (``+/`` -> ``-_``), like Graph's restId; read-only |
| ``@odata.etag`` | ChangeKey | ``W/"<ChangeKey>"`` (also the ``ETag`` header); read-only |
| ``title`` | item:Subject | cut to 255 characters, as through EWS |
| ``percentComplete`` | task:PercentComplete | 0..100; reads Completed as 100, InProgress at 0 % as 50 (D15) |
| ``startDateTime``, ``dueDateTime`` | task:StartDate, task:DueDate | dates, read as midnight UTC; D29 on input |
| ``completedDateTime`` | task:CompleteDate | read-only |
| ``createdDateTime``, ``lastModifiedDateTime`` | item:DateTimeCreated, item:LastModifiedTime | read-only |
| ``appliedCategories.categoryN`` | item:Categories contains ``categoryN`` | N = 1..6; other categories kept |
| ``assignedTo``, ``bucketId``, ``orderHint``, ``assigneePriority``, ``conversationThreadId`` | ``Graph.<field>`` | (1) |

(1) PublicStrings named String properties, visible through EWS (``t:ExtendedFieldURI``).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..core import task_rules
from ..core.changes import ConflictResolution, FieldChange, ItemRef
from ..core.errors import MESSAGES, EwsError
from ..core.item import Item
from ..core.timezones import UTC, task_date_from_wire
from ..operations.common import check_item_id
from ..emulator import Emulator
from ..operations.item_writes import insert_new_item, update_stored_item
from ..core.users import User
from .common import (
    SPAWNED_HEADER, Face, Request, Response, ews_id, etag, extended, format_date, format_utc, if_match,
    named_property, rest_id, route,
)
from .changes import apply_context, delete, ews_failure_field, set_
from .models import DATETIME, FLAGS, INTEGER, STRING, FieldError, JsonField, by_name

SUBJECT, CATEGORIES = "item:Subject", "item:Categories"
START, DUE = "task:StartDate", "task:DueDate"
CATEGORY_NAMES = tuple(f"category{i}" for i in range(1, 7))
NAMED = {name: named_property(f"Graph.{name}")
         for name in ("assignedTo", "bucketId", "orderHint", "assigneePriority", "conversationThreadId")}

FIELDS = (
    JsonField("@odata.etag", STRING, "W/\"<ChangeKey>\"", read_only=True),
    JsonField("id", STRING, "The EWS ItemId in URL-safe base64", read_only=True),
    JsonField("title", STRING, "item:Subject"),
    JsonField("percentComplete", INTEGER, "0..100; 100 completes the task", minimum=0, maximum=100),
    JsonField("startDateTime", DATETIME, "task:StartDate", nullable=True),
    JsonField("dueDateTime", DATETIME, "task:DueDate", nullable=True),
    JsonField("completedDateTime", DATETIME, "task:CompleteDate", read_only=True, nullable=True),
    JsonField("createdDateTime", DATETIME, "item:DateTimeCreated", read_only=True),
    JsonField("lastModifiedDateTime", DATETIME, "item:LastModifiedTime", read_only=True),
    *(JsonField(name, STRING, f"PublicStrings {path.property_name}", nullable=True) for name, path in NAMED.items()),
    JsonField("appliedCategories", FLAGS, "categoryN <-> item:Categories", keys=CATEGORY_NAMES),
)
FIELD_BY_NAME = by_name(FIELDS)
#: the JSON field an EWS error's path names (400 ``target``)
_TARGETS = {SUBJECT: "title", task_rules.PERCENT: "percentComplete", START: "startDateTime", DUE: "dueDateTime",
            CATEGORIES: "appliedCategories", **{path.key: name for name, path in NAMED.items()}}


def percent_complete(item: Item) -> int:
    """D15: Completed reads 100; InProgress with no percentage (set through EWS Status only) reads 50."""
    status = item.values.get(task_rules.STATUS, task_rules.NOT_STARTED)
    if status == task_rules.COMPLETED:
        return 100
    stored = item.values.get(task_rules.PERCENT, task_rules.ZERO)
    whole = min(int(stored), 99)
    if status == task_rules.IN_PROGRESS:
        return 50 if stored == 0 else max(whole, 1)
    return whole


def represent(item: Item) -> dict[str, Any]:
    values = item.values
    categories = values.get(CATEGORIES, ())
    complete = values.get(task_rules.COMPLETE_DATE)
    return {
        "@odata.etag": etag(item.change_key),
        "id": rest_id(item.id),
        "title": values.get(SUBJECT, ""),
        "percentComplete": percent_complete(item),
        "startDateTime": format_date(values[START]) if START in values else None,
        "dueDateTime": format_date(values[DUE]) if DUE in values else None,
        "completedDateTime": format_date(complete) if complete is not None else None,
        "createdDateTime": format_utc(values["item:DateTimeCreated"]),
        "lastModifiedDateTime": format_utc(values["item:LastModifiedTime"]),
        **{name: extended(item, path) for name, path in NAMED.items()},
        "appliedCategories": {name: True for name in CATEGORY_NAMES if name in categories},
    }


def decode_body(body: dict[str, Any]) -> dict[str, Any]:
    """Check every member (unknown or read-only -> FieldError) and decode it; key order is kept."""
    out = {}
    for name, raw in body.items():
        spec = FIELD_BY_NAME.get(name)
        if spec is None:
            raise FieldError(name, "does not exist on type 'microsoft.graph.outlookTask'")
        if spec.read_only:
            raise FieldError(name, "is read-only and cannot be set")
        out[name] = spec.decode(raw)
    return out


def _categories(current: tuple[str, ...], flags: dict[str, bool]) -> tuple[str, ...]:
    kept = [c for c in current if flags.get(c, True)]
    return tuple(kept + [c for c in CATEGORY_NAMES if flags.get(c) and c not in kept])


def changes_for(values: dict[str, Any], stored: Item | None) -> list[FieldChange]:
    """The FieldChanges for decoded body values, in body order; ``stored`` is None on creation (no deletes)."""
    out: list[FieldChange] = []
    for name, value in values.items():
        if value is None and stored is None:
            continue
        if name == "title":
            out.append(set_(SUBJECT, value))
        elif name == "percentComplete":
            out.append(set_(task_rules.PERCENT, Decimal(value)))
        elif name in ("startDateTime", "dueDateTime"):
            uri = START if name == "startDateTime" else DUE
            out.append(set_(uri, task_date_from_wire(value, UTC)) if value is not None else delete(uri))
        elif name in NAMED:
            out.append(set_(NAMED[name], value) if value is not None else delete(NAMED[name]))
        else:  # appliedCategories
            current = stored.values.get(CATEGORIES, ()) if stored is not None else ()
            categories = _categories(current, value)
            out.append(set_(CATEGORIES, categories) if categories else delete(CATEGORIES))
    return out


def _prefers_representation(request: Request) -> bool:
    tokens = [p.strip().lower() for p in (request.header("Prefer") or "").replace(";", ",").split(",")]
    return "return=representation" in tokens


class GraphFace(Face):
    codes = {400: "BadRequest", 401: "InvalidAuthenticationToken", 404: "ResourceNotFound",
             405: "MethodNotAllowed", 413: "RequestEntityTooLarge", 500: "InternalServerError"}

    def __init__(self, emulator: Emulator) -> None:
        super().__init__()
        self.emulator = emulator
        self.routes = [
            route("GET", r"/beta/tasks/(?P<task_id>.+)", self.get),
            route("PATCH", r"/beta/tasks/(?P<task_id>.+)", self.patch),
            route("POST", r"/beta/tasks", self.post),
        ]

    def error(self, status: int, code: str, message: str, **extra: Any) -> Response:
        return Response(status, {"error": {"code": code, "message": message, **extra}})

    # ---- errors -----------------------------------------------------------------------------------------------

    def _field_error(self, err: FieldError) -> Response:
        return self.error(400, "invalidRequest", f"The property '{err.field}' {err.message}.", target=err.field)

    def _ews_error(self, err: EwsError) -> Response:
        if err.code == "ErrorItemNotFound":
            return self.error(404, err.code, err.message or "")
        if err.code in ("ErrorIrresolvableConflict", "ErrorInvalidChangeKey"):
            # D26; the message is EWS's, as Graph answers a stale version (davmail #491)
            return self.error(412, "PreconditionFailed", MESSAGES["ErrorIrresolvableConflict"],
                              innerError={"code": "ErrorIrresolvableConflict"})
        if err.code == "ErrorServerBusy":
            return self.error(503, err.code, err.message or "")
        target = ews_failure_field(err, _TARGETS)
        return self.error(400, err.code, err.message or "", **({"target": target} if target else {}))

    # ---- handlers -----------------------------------------------------------------------------------------------

    def _mailbox(self, user: User) -> str:
        self.emulator.store.ensure_mailbox(user.smtp, user.display_name, now=self.emulator.clock.now())
        return user.smtp

    def get(self, request: Request, user: User, task_id: str) -> Response:
        mailbox, item_id = self._mailbox(user), ews_id(task_id)
        try:
            check_item_id(item_id)
            with self.emulator.store.read() as conn:
                item = self.emulator.store.load_item(conn, item_id, mailbox)
            if item is None or item.item_type != "Task":
                raise EwsError("ErrorItemNotFound")
        except EwsError as err:
            return self._ews_error(err)
        return Response(200, represent(item), [("ETag", etag(item.change_key))])

    def patch(self, request: Request, user: User, task_id: str) -> Response:
        try:
            values = decode_body(request.json_object())
        except FieldError as err:
            return self._field_error(err)
        mailbox = self._mailbox(user)

        def plan(stored: Item) -> list[FieldChange]:
            if stored.item_type != "Task":
                raise EwsError("ErrorItemNotFound")
            return changes_for(values, stored)

        actx = apply_context(self.emulator, ConflictResolution.NEVER_OVERWRITE)
        try:
            outcome = update_stored_item(self.emulator, mailbox, ItemRef(ews_id(task_id), if_match(request)),
                                         plan, actx)
        except EwsError as err:
            return self._ews_error(err)
        headers = [("ETag", etag(outcome.item.change_key))]
        if outcome.spawned is not None:
            headers.append((SPAWNED_HEADER, rest_id(outcome.spawned.id)))
        if _prefers_representation(request):
            headers.append(("Preference-Applied", "return=representation"))
            return Response(200, represent(outcome.item), headers)
        return Response(204, None, headers)

    def post(self, request: Request, user: User) -> Response:
        try:
            values = decode_body(request.json_object())
            if "title" not in values:
                raise FieldError("title", "is required")
        except FieldError as err:
            return self._field_error(err)
        try:
            item = insert_new_item(self.emulator, self._mailbox(user), "Task", changes_for(values, None),
                                   apply_context(self.emulator))
        except EwsError as err:
            return self._ews_error(err)
        return Response(201, represent(item), [("ETag", etag(item.change_key)),
                                               ("Location", f"/beta/tasks/{rest_id(item.id)}")])
