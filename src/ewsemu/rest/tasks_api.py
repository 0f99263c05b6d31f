"""The JSON task API: ``/v1/tasks`` over the Tasks folders of every user in the users file (D24, D25).

A task lives in the Tasks folder of the user who created it, so the creator sees it through EWS too; its id is
the EWS ItemId in URL-safe base64 and its ``ETag`` is the quoted ChangeKey. Every change goes through the
EWS write path (:func:`ewsemu.operations.item_writes.update_stored_item`).

Without a users file (the open default) every SMTP address is a user and the caller is an admin, but of their
own mailbox only: the API sees the caller's Tasks folder, as EWS ids stay scoped to the acting mailbox, so
another mailbox's task is "not found". ``assigneeId`` may then name any SMTP address.

| JSON field | Task store | Notes |
|---|---|---|
| ``id`` | ItemId | URL-safe base64; read-only |
| ``title`` | item:Subject | 1..255 characters |
| ``description`` | item:Body (Text) | |
| ``tags`` | item:Categories | |
| ``status`` | task:Status + named ``TaskApi.status`` | see below; kept while it maps to task:Status |
| ``priority`` | item:Importance + named Boolean ``TaskApi.urgent`` | LOW, MEDIUM=Normal, HIGH, URGENT=High+marker |
| ``assigneeId`` | named ``TaskApi.assigneeId`` | a user's SMTP address |
| ``dueDate`` | task:DueDate (UTC date) + named SystemTime ``TaskApi.dueDate`` | kept while its date is DueDate |
| ``warningOffset`` | item:ReminderDueBy = dueDate - hours, item:ReminderIsSet | |
| ``createdBy`` | named ``TaskApi.createdBy``, else the mailbox owner | read-only |
| ``createdAt``, ``updatedAt`` | item:DateTimeCreated, item:LastModifiedTime | read-only |
| ``version`` | the item version the ChangeKey encodes | read-only |

Status: TODO/NotStarted, IN_PROGRESS/InProgress, REVIEW/WaitingOnOthers, DONE/Completed, CANCELED/Deferred.
The kept JSON status and full due date count only while they agree with task:Status and task:DueDate, so a
change made through EWS resets them to the mapped values (D24). "Named" properties are PublicStrings named
properties, visible through EWS.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..core import task_rules
from ..core.changes import FieldChange, ItemRef
from ..core.errors import EwsError
from ..core.item import Body, Item
from ..core.timezones import UTC
from ..operations.common import check_item_id, with_retries
from ..emulator import Emulator
from ..operations.item_writes import insert_new_item, update_stored_item
from ..server.auth import smtp_address
from ..store.lookup import item_in_folders, items_in_folders
from ..core.users import User, UserDirectory
from . import openapi
from .changes import apply_context, delete, ews_failure_field, set_
from .common import (
    SPAWNED_HEADER, Face, HttpError, Request, Response, ews_id, etag, extended, format_utc, if_match,
    named_property, rest_id, route,
)
from .models import DATETIME, INTEGER, STRING, STRINGS, FieldError, JsonField, by_name, parse_datetime

STATUSES = ("TODO", "IN_PROGRESS", "REVIEW", "DONE", "CANCELED")
PRIORITIES = ("LOW", "MEDIUM", "HIGH", "URGENT")
STATUS_TO_EWS = {"TODO": "NotStarted", "IN_PROGRESS": "InProgress", "REVIEW": "WaitingOnOthers",
                 "DONE": "Completed", "CANCELED": "Deferred"}
EWS_TO_STATUS = {v: k for k, v in STATUS_TO_EWS.items()}
#: D25
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "TODO": ("IN_PROGRESS", "CANCELED"),
    "IN_PROGRESS": ("TODO", "REVIEW", "DONE", "CANCELED"),
    "REVIEW": ("IN_PROGRESS", "DONE", "CANCELED"),
    "DONE": ("CANCELED",),
    "CANCELED": ("TODO",),
}
PRIORITY_TO_IMPORTANCE = {"LOW": "Low", "MEDIUM": "Normal", "HIGH": "High", "URGENT": "High"}
IMPORTANCE_TO_PRIORITY = {"Low": "LOW", "Normal": "MEDIUM", "High": "HIGH"}

SUBJECT, BODY, CATEGORIES, IMPORTANCE = "item:Subject", "item:Body", "item:Categories", "item:Importance"
DUE, REMINDER_DUE, REMINDER_SET = "task:DueDate", "item:ReminderDueBy", "item:ReminderIsSet"
KEPT_STATUS = named_property("TaskApi.status")
CREATED_BY = named_property("TaskApi.createdBy")
ASSIGNEE = named_property("TaskApi.assigneeId")
URGENT = named_property("TaskApi.urgent", "Boolean")
DUE_AT = named_property("TaskApi.dueDate", "SystemTime")
HOUR = dt.timedelta(hours=1)

FIELDS = (
    JsonField("id", STRING, "The task's id (its EWS ItemId in URL-safe base64).", read_only=True),
    JsonField("title", STRING, "item:Subject.", min_length=1, max_length=255),
    JsonField("description", STRING, "item:Body as text.", nullable=True),
    JsonField("status", STRING, "Lifecycle state; changes follow the allowed transitions.", enum=STATUSES),
    JsonField("priority", STRING, "item:Importance (URGENT is High plus a marker).", enum=PRIORITIES),
    JsonField("assigneeId", STRING, "The SMTP address of a user (of the users file, if there is one).", nullable=True),
    JsonField("dueDate", DATETIME, "When the task is due; must be in the future when set.", nullable=True),
    JsonField("warningOffset", INTEGER, "Hours before dueDate for the reminder.", nullable=True, minimum=0),
    JsonField("tags", STRINGS, "item:Categories.", nullable=True),
    JsonField("createdBy", STRING, "The SMTP address of the user who created the task.", read_only=True),
    JsonField("createdAt", DATETIME, "item:DateTimeCreated.", read_only=True),
    JsonField("updatedAt", DATETIME, "item:LastModifiedTime.", read_only=True),
    JsonField("version", INTEGER, "The version the ETag (the ChangeKey) names; +1 per change.", read_only=True,
              minimum=1),
)
FIELD_BY_NAME = by_name(FIELDS)
_TARGETS = {SUBJECT: "title", BODY: "description", CATEGORIES: "tags", IMPORTANCE: "priority",
            task_rules.STATUS: "status", DUE: "dueDate", REMINDER_DUE: "warningOffset",
            ASSIGNEE.key: "assigneeId"}
#: error code per HTTP status (422 also has ``invalid_status_transition``)
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "version_conflict", 413: "payload_too_large", 422: "validation_error", 500: "internal_error",
         503: "server_busy"}


# ---- reading a task ------------------------------------------------------------------------------------------


def status_of(item: Item) -> str:
    """The kept JSON status while it agrees with task:Status (REVIEW, CANCELED round-trip), else the mapped one."""
    ews_status = item.values.get(task_rules.STATUS, task_rules.NOT_STARTED)
    kept = extended(item, KEPT_STATUS)
    return kept if kept is not None and STATUS_TO_EWS.get(kept) == ews_status else EWS_TO_STATUS[ews_status]


def priority_of(item: Item) -> str:
    importance = item.values.get(IMPORTANCE, "Normal")
    return "URGENT" if importance == "High" and extended(item, URGENT) == "true" else IMPORTANCE_TO_PRIORITY[importance]


def due_of(item: Item) -> dt.datetime | None:
    day = item.values.get(DUE)
    if day is None:
        return None
    kept = extended(item, DUE_AT)
    full = parse_datetime("dueDate", kept).astimezone(UTC) if kept is not None else None
    return full if full is not None and full.date() == day else dt.datetime.combine(day, dt.time(0), UTC)


def warning_offset_of(item: Item, due: dt.datetime | None) -> int | None:
    reminder = item.values.get(REMINDER_DUE)
    if due is None or reminder is None or not item.values.get(REMINDER_SET):
        return None
    hours = (due - reminder) / HOUR
    return round(hours) if hours >= 0 else None


def represent(item: Item) -> dict[str, Any]:
    values, due = item.values, due_of(item)
    body = values.get(BODY)
    return {
        "id": rest_id(item.id),
        "title": values.get(SUBJECT, ""),
        # a deleted body is stored empty (D33): this face shows no description as null either way
        "description": body.text if body is not None and body.text else None,
        "status": status_of(item),
        "priority": priority_of(item),
        "assigneeId": extended(item, ASSIGNEE),
        "dueDate": format_utc(due) if due is not None else None,
        "warningOffset": warning_offset_of(item, due),
        "tags": list(values.get(CATEGORIES, ())),
        "createdBy": extended(item, CREATED_BY) or item.mailbox,
        "createdAt": format_utc(values["item:DateTimeCreated"]),
        "updatedAt": format_utc(values["item:LastModifiedTime"]),
        "version": item.version,
    }


# ---- the API ----------------------------------------------------------------------------------------------------


class TasksApi(Face):
    codes = CODES

    def __init__(self, emulator: Emulator, users: UserDirectory | None) -> None:
        super().__init__()
        self.emulator = emulator
        #: the team; None in the open default (each caller is a team of one)
        self.users = users
        self.document = openapi.build(FIELDS, CODES, STATUSES, open_default=users is None)
        self.routes = [
            route("GET", r"/v1/openapi\.json", self.openapi_document, public=True),
            route("GET", r"/v1/tasks", self.list_tasks),
            route("POST", r"/v1/tasks", self.create_task),
            route("GET", r"/v1/tasks/(?P<task_id>[^/]+)", self.get_task),
            route("PATCH", r"/v1/tasks/(?P<task_id>[^/]+)", self.patch_task),
            route("DELETE", r"/v1/tasks/(?P<task_id>[^/]+)", self.delete_task),
        ]

    def error(self, status: int, code: str, message: str, **details: Any) -> Response:
        return Response(status, {"error": {"code": code, "message": message, "details": details}})

    # ---- errors -----------------------------------------------------------------------------------------------

    def _invalid(self, errors: list[FieldError]) -> HttpError:
        return self.fail(422, "validation_error", "The request has invalid fields.",
                         errors=[{"field": e.field, "message": e.message} for e in errors])

    def _ews_error(self, err: EwsError) -> HttpError:
        if err.code == "ErrorIrresolvableConflict":
            return self.fail(409, "version_conflict", "The task was changed by someone else; re-read it and retry.")
        if err.code == "ErrorSentTaskRequestUpdate":  # an assigned task (core.task_requests): the assignee owns it
            return self.fail(409, "task_request_sent", "The task was assigned and its request sent; "
                                                       "only the assignee's copy can change.")
        if err.code == "ErrorServerBusy":
            return self.fail(503, "server_busy", err.message or "")
        if err.code == "ErrorItemNotFound" or err.code.startswith(("ErrorInvalidId", "ErrorCannotUse")):
            return self.fail(404, "not_found", "No task with this id.")
        field = ews_failure_field(err, _TARGETS) or "task"
        return self._invalid([FieldError(field, f"{err.message} ({err.code})")])

    # ---- the team's tasks -------------------------------------------------------------------------------------

    def _team(self, caller: User) -> list[User]:
        """Whose Tasks folders the caller sees: every user in the users file, else the caller alone."""
        return list(self.users.users.values()) if self.users is not None else [caller]

    def _is_user(self, smtp: str) -> bool:
        return self.users.get(smtp) is not None if self.users is not None else smtp_address(smtp) is not None

    def _ensure_team(self, caller: User) -> list[str]:
        """The team's mailboxes, each created on first use (a write of its own: call it outside transactions)."""
        store, now, team = self.emulator.store, self.emulator.clock.now(), self._team(caller)
        for user in team:
            store.ensure_mailbox(user.smtp, user.display_name, now=now)
        return [user.smtp for user in team]

    def _team_folders(self, conn: Any, mailboxes: list[str]) -> list[str]:
        """The Tasks folder of each of the team's mailboxes."""
        store = self.emulator.store
        return [f.id for f in (store.distinguished_folder(conn, smtp, "tasks") for smtp in mailboxes)
                if f is not None]

    def _find(self, task_id: str, caller: User) -> Item:
        item_id = ews_id(task_id)
        try:
            check_item_id(item_id)
        except EwsError as err:
            raise self._ews_error(err) from None
        team = self._ensure_team(caller)
        with self.emulator.store.read() as conn:
            item = item_in_folders(conn, item_id, self._team_folders(conn, team))
        if item is None or item.item_type != "Task":
            raise self.fail(404, "not_found", "No task with this id.")
        return item

    # ---- request bodies -------------------------------------------------------------------------------------

    def _decode(self, body: dict[str, Any], user: User, *, creating: bool) -> dict[str, Any]:
        """Writable members decoded (read-only ones ignored, D24); every problem is reported at once (422)."""
        values, errors = {}, []
        for name, raw in body.items():
            spec = FIELD_BY_NAME.get(name)
            if spec is None:
                errors.append(FieldError(name, "is not a task field"))
                continue
            if spec.read_only:
                continue
            try:
                values[name] = spec.decode(raw)
            except FieldError as err:
                errors.append(err)
        if creating and "title" not in body:
            errors.append(FieldError("title", "is required"))
        due = values.get("dueDate")
        if due is not None and due <= self.emulator.clock.now():
            errors.append(FieldError("dueDate", "must be in the future"))
        assignee = values.get("assigneeId")
        if assignee is not None and not self._is_user(assignee):
            errors.append(FieldError("assigneeId", "is not a user"))
        if errors:
            raise self._invalid(errors)
        if assignee is not None:
            values["assigneeId"] = assignee.lower()
        if user.role == "member" and values.get("assigneeId") not in (None, user.smtp):
            raise self.fail(403, "forbidden", "A member may only assign tasks to themselves.")
        return values

    def _changes(self, values: dict[str, Any], stored: Item | None) -> list[FieldChange]:
        """D24 as FieldChanges; ``stored`` is None on creation (nulls are then simply absent)."""
        if stored is None:
            values = {k: v for k, v in values.items() if v is not None}
        out: list[FieldChange] = []
        if "title" in values:
            out.append(set_(SUBJECT, values["title"]))
        if "description" in values:
            text = values["description"]
            out.append(set_(BODY, Body(text, "Text")) if text is not None else delete(BODY))
        if "tags" in values:
            out.append(set_(CATEGORIES, values["tags"]) if values["tags"] else delete(CATEGORIES))
        if "priority" in values:
            out.append(set_(IMPORTANCE, PRIORITY_TO_IMPORTANCE[values["priority"]]))
            out.append(set_(URGENT, "true") if values["priority"] == "URGENT" else delete(URGENT))
        if "assigneeId" in values:
            assignee = values["assigneeId"]
            out.append(set_(ASSIGNEE, assignee) if assignee is not None else delete(ASSIGNEE))
        if "status" in values:
            out += [set_(task_rules.STATUS, STATUS_TO_EWS[values["status"]]), set_(KEPT_STATUS, values["status"])]
        if "dueDate" in values:
            due = values["dueDate"]
            out += [set_(DUE, due.astimezone(UTC).date()), set_(DUE_AT, format_utc(due))] if due is not None \
                else [delete(DUE), delete(DUE_AT)]
        if "dueDate" in values or "warningOffset" in values:
            out += self._reminder(values, stored)
        return out

    def _reminder(self, values: dict[str, Any], stored: Item | None) -> list[FieldChange]:
        """warningOffset <-> ReminderDueBy = dueDate - offset hours; a new dueDate keeps the offset, removing
        the dueDate removes the reminder."""
        stored_due = due_of(stored) if stored is not None else None
        due = values["dueDate"] if "dueDate" in values else stored_due
        if values.get("warningOffset") is not None and due is None:
            raise self._invalid([FieldError("warningOffset", "needs a dueDate")])
        offset = values["warningOffset"] if "warningOffset" in values else (
            warning_offset_of(stored, stored_due) if stored is not None else None)
        if offset is not None and due is not None:
            return [set_(REMINDER_DUE, due.astimezone(UTC) - offset * HOUR), set_(REMINDER_SET, True)]
        return [set_(REMINDER_SET, False)] if stored is not None else []

    # ---- checks against the stored task ---------------------------------------------------------------------

    def _may_change(self, user: User, item: Item, *, deleting: bool = False) -> None:
        if user.role in ("admin", "manager"):
            return
        creator = extended(item, CREATED_BY) or item.mailbox
        if user.smtp == creator or (not deleting and user.smtp == extended(item, ASSIGNEE)):
            return
        what = "delete tasks they created" if deleting else "change tasks they created or are assigned to"
        raise self.fail(403, "forbidden", f"A member may only {what}.")

    def _check_version(self, request: Request, item: Item) -> None:
        wanted = if_match(request)
        if wanted is not None and wanted not in (item.change_key, str(item.version)):
            raise self.fail(409, "version_conflict", "The task has changed since the version in If-Match.",
                            currentVersion=item.version, currentETag=etag(item.change_key, weak=False))

    def _check_transition(self, values: dict[str, Any], item: Item) -> None:
        requested, current = values.get("status"), status_of(item)
        if requested is None or requested == current:
            values.pop("status", None)  # setting the current status again is a no-op (D25)
            return
        if requested not in TRANSITIONS[current]:
            raise self.fail(422, "invalid_status_transition",
                            f"A task cannot go from {current} to {requested}.", currentStatus=current,
                            requestedStatus=requested, allowedTransitions=list(TRANSITIONS[current]))

    # ---- handlers ---------------------------------------------------------------------------------------------

    def _task_response(self, status: int, item: Item, headers: list[tuple[str, str]] | None = None) -> Response:
        return Response(status, represent(item), [("ETag", etag(item.change_key, weak=False))] + (headers or []))

    def openapi_document(self, request: Request) -> Response:
        return Response(200, self.document)

    def list_tasks(self, request: Request, user: User) -> Response:
        status, assignee = request.query.get("status"), request.query.get("assigneeId")
        if status is not None and status not in STATUSES:
            raise self._invalid([FieldError("status", f"must be one of {', '.join(STATUSES)}")])
        team = self._ensure_team(user)
        with self.emulator.store.read() as conn:
            found = items_in_folders(conn, self._team_folders(conn, team), "Task")
        tasks = [represent(i) for i in found]
        tasks = [t for t in tasks if (status is None or t["status"] == status)
                 and (assignee is None or t["assigneeId"] == assignee.lower())]
        return Response(200, {"items": tasks})

    def get_task(self, request: Request, user: User, task_id: str) -> Response:
        return self._task_response(200, self._find(task_id, user))

    def create_task(self, request: Request, user: User) -> Response:
        values = self._decode(request.json_object(), user, creating=True)
        props = self._changes(values, None) + [set_(CREATED_BY, user.smtp)]
        self.emulator.store.ensure_mailbox(user.smtp, user.display_name, now=self.emulator.clock.now())
        try:
            item = insert_new_item(self.emulator, user.smtp, "Task", props, apply_context(self.emulator))
        except EwsError as err:
            raise self._ews_error(err) from None
        return self._task_response(201, item, [("Location", f"/v1/tasks/{rest_id(item.id)}")])

    def patch_task(self, request: Request, user: User, task_id: str) -> Response:
        values = self._decode(request.json_object(), user, creating=False)
        found = self._find(task_id, user)

        def plan(stored: Item) -> list[FieldChange]:
            self._may_change(user, stored)
            self._check_version(request, stored)
            planned = dict(values)
            self._check_transition(planned, stored)
            return self._changes(planned, stored)

        try:
            outcome = update_stored_item(self.emulator, found.mailbox, ItemRef(found.id), plan,
                                         apply_context(self.emulator))
        except EwsError as err:
            raise self._ews_error(err) from None
        headers = [(SPAWNED_HEADER, rest_id(outcome.spawned.id))] if outcome.spawned else []
        return self._task_response(200, outcome.item, headers)

    def delete_task(self, request: Request, user: User, task_id: str) -> Response:
        found = self._find(task_id, user)
        store = self.emulator.store

        def work(conn: Any) -> None:
            stored = store.load_item(conn, found.id, found.mailbox)
            if stored is None:
                raise self.fail(404, "not_found", "No task with this id.")
            self._may_change(user, stored, deleting=True)
            self._check_version(request, stored)
            store.delete_item(conn, stored.id)

        try:
            with_retries(self.emulator, work)
        except EwsError as err:
            raise self._ews_error(err) from None
        return Response(204)
