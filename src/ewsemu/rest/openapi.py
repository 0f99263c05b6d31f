"""The OpenAPI 3.1 document of the JSON task API, generated from the field specs the handlers enforce.

Schemas come from :meth:`JsonField.schema` of the API's own fields and error codes; only the list of
operations and the statuses each can answer is written out here. Its security follows the server's
authentication: a users file's bearer tokens, or in the open default ``Bearer <smtp address>`` or Basic.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import __version__
from .models import JsonField

_REF = "#/components/schemas/"
JSON = "application/json"


def _object(properties: dict[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return out


def _error(code: str | list[str], details: dict[str, Any] | None = None) -> dict[str, Any]:
    code_schema = {"const": code} if isinstance(code, str) else {"enum": code}
    return _object({"error": _object({
        "code": {"type": "string", **code_schema},
        "message": {"type": "string"},
        "details": details or {"type": "object"},
    }, ("code", "message", "details"))}, ("error",))


def _schemas(fields: Sequence[JsonField], codes: dict[int, str], statuses: Sequence[str]) -> dict[str, Any]:
    # read-only members are accepted in requests and ignored (D24)
    request_props = {f.name: f.schema(for_request=True) for f in fields}
    status = {"type": "string", "enum": list(statuses)}
    return {
        "Task": _object({f.name: f.schema() for f in fields}, [f.name for f in fields]),
        "TaskCreate": _object(request_props, ["title"]),
        "TaskPatch": _object(request_props),
        "TaskList": _object({"items": {"type": "array", "items": {"$ref": _REF + "Task"}}}, ["items"]),
        "Error": _error(sorted(set(codes.values()))),
        "ValidationError": _error(codes[422], _object({"errors": {"type": "array", "minItems": 1, "items": _object(
            {"field": {"type": "string"}, "message": {"type": "string"}}, ("field", "message"))}}, ["errors"])),
        "StatusTransitionError": _error("invalid_status_transition", _object({
            "currentStatus": status, "requestedStatus": status,
            "allowedTransitions": {"type": "array", "items": status},
        }, ("currentStatus", "requestedStatus", "allowedTransitions"))),
        "VersionConflictError": _error(codes[409], _object({
            "currentVersion": {"type": "integer", "minimum": 1}, "currentETag": {"type": "string"},
        }, ("currentVersion", "currentETag"))),
        # a task Outlook assigned: its request is sent, so the assigner's copy is no longer editable
        "TaskRequestSentError": _error("task_request_sent"),
    }


def _body(schema: str) -> dict[str, Any]:
    return {"content": {JSON: {"schema": {"$ref": _REF + schema}}}}


def _response(description: str, schema: str | None = None, headers: Sequence[str] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out.update(_body(schema))
    if headers:
        out["headers"] = {h: {"$ref": f"#/components/headers/{h}"} for h in headers}
    return out


_ERRORS = {
    400: ("The body is not a JSON object.", "Error"),
    401: ("Missing or refused credentials (the message says what is accepted).", "Error"),
    403: ("The user's role does not allow this.", "Error"),
    404: ("No task with this id.", "Error"),
    409: ("If-Match names an older version.", "VersionConflictError"),
    413: ("The body is too large.", "Error"),
}


def _operation(summary: str, ok: dict[str, dict[str, Any]], errors: Sequence[int], *, body: str | None = None,
               params: Sequence[str] = ()) -> dict[str, Any]:
    responses: dict[str, Any] = dict(ok)
    for status in errors:
        if status == 422:
            responses["422"] = {"description": "Invalid fields, or a status change the lifecycle forbids.",
                                "content": {JSON: {"schema": {"oneOf": [{"$ref": _REF + "ValidationError"},
                                                                         {"$ref": _REF + "StatusTransitionError"}]}}}}
        elif status == 409 and body is not None:
            responses["409"] = {"description": "If-Match names an older version, or the task was assigned and its "
                                               "request sent (the assigner's copy cannot change).",
                                "content": {JSON: {"schema": {"oneOf": [{"$ref": _REF + "VersionConflictError"},
                                                                         {"$ref": _REF + "TaskRequestSentError"}]}}}}
        else:
            responses[str(status)] = _response(*_ERRORS[status])
    responses["default"] = _response("Any other failure (405, 500, 503).", "Error")
    out: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        out["parameters"] = [{"$ref": f"#/components/parameters/{p}"} for p in params]
    if body is not None:
        out["requestBody"] = {"required": True, **_body(body)}
    return out


def _security(open_default: bool) -> tuple[list[dict[str, list[str]]], dict[str, Any], str]:
    """(requirements, schemes, the sentence for the description) for a users file or the open default."""
    if not open_default:
        return ([{"bearer": []}],
                {"bearer": {"type": "http", "scheme": "bearer",
                            "description": "A token listed for the user in the users file."}},
                "Tasks of every user in the users file. Bearer tokens come from the users file (--users).")
    return ([{"bearer": []}, {"basic": []}],
            {"bearer": {"type": "http", "scheme": "bearer",
                        "description": "The open default (no users file): the token is the caller's SMTP address."},
             "basic": {"type": "http", "scheme": "basic",
                       "description": "The open default (no users file): the user name is the caller's SMTP "
                                      "address; any password."}},
            "Tasks of the caller's own mailbox: the server runs in the open default (no users file), where every "
            "caller is an admin of their own mailbox.")


def build(fields: Sequence[JsonField], codes: dict[int, str], statuses: Sequence[str], *,
          open_default: bool = False) -> dict[str, Any]:
    security, schemes, whose = _security(open_default)
    task_ok = {"200": _response("The task.", "Task", ["ETag"])}
    patched = {"200": _response("The updated task.", "Task", ["ETag", "Ewsemu-Spawned-Task-Id"])}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "ewsemu JSON task API",
            "version": __version__,
            "description": f"{whose} A task is stored in its creator's EWS Tasks folder and changed through the "
                           "same write path as EWS UpdateItem. Rulings D24 (field mapping) and D25 (status "
                           "lifecycle).",
        },
        "security": security,
        "paths": {
            "/v1/openapi.json": {"get": {"summary": "This document.", "security": [],
                                         "responses": {"200": {"description": "OpenAPI 3.1",
                                                               "content": {JSON: {"schema": {"type": "object"}}}}}}},
            "/v1/tasks": {
                "get": _operation("Every task, oldest first; filter by status and assigneeId.",
                                  {"200": _response("The tasks.", "TaskList")}, (401, 422),
                                  params=("statusFilter", "assigneeFilter")),
                "post": _operation("Create a task in the caller's Tasks folder.",
                                   {"201": _response("The new task.", "Task", ["ETag", "Location"])},
                                   (400, 401, 403, 413, 422), body="TaskCreate"),
            },
            "/v1/tasks/{taskId}": {
                "parameters": [{"$ref": "#/components/parameters/taskId"}],
                "get": _operation("One task.", task_ok, (401, 404)),
                "patch": _operation("Change a task; null removes an optional field.", patched,
                                    (400, 401, 403, 404, 409, 413, 422), body="TaskPatch", params=("ifMatch",)),
                "delete": _operation("Delete a task.", {"204": _response("Deleted.")}, (401, 403, 404, 409),
                                     params=("ifMatch",)),
            },
        },
        "components": {
            "schemas": _schemas(fields, codes, statuses),
            "securitySchemes": schemes,
            "parameters": {
                "taskId": {"name": "taskId", "in": "path", "required": True, "schema": {"type": "string"}},
                "ifMatch": {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                            "description": "The ETag (quoted ChangeKey) or the version number; a mismatch is 409."},
                "statusFilter": {"name": "status", "in": "query", "required": False,
                                 "schema": {"type": "string", "enum": list(statuses)}},
                "assigneeFilter": {"name": "assigneeId", "in": "query", "required": False,
                                   "schema": {"type": "string"}},
            },
            "headers": {
                "ETag": {"description": "The quoted ChangeKey: the same value EWS GetItem shows.",
                         "schema": {"type": "string"}},
                "Location": {"description": "The new task's URL.", "schema": {"type": "string"}},
                "Ewsemu-Spawned-Task-Id": {"description": "Completing a recurring task spawned this completed "
                                                          "one-off (as EWS UpdateItem does).",
                                           "schema": {"type": "string"}},
            },
        },
    }
