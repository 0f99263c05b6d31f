"""Fixture files (JSON or YAML): mailboxes and their tasks, loaded through the same engine as CreateItem.

Property keys are FieldURIs (``task:Status``) or snake_case element names (``percent_complete``); values
use plain YAML/JSON types. An item may pin its ``id`` and ``change_key`` (to replay captured requests).

A task with ``assigned_to`` (an address, or ``{smtp, name}``) is a task Outlook assigned: the mailbox keeps
the assigner's copy (its request sent: UpdateItem answers ErrorSentTaskRequestUpdate) and, when the assignee
is a mailbox of this server, an ``IPM.TaskRequest`` carrying the task arrives in the assignee's Inbox
(:mod:`ewsemu.core.task_requests`).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError

from ..core import fields as F
from ..core import recurrence as R
from ..core import task_requests
from ..core.apply import ApplyContext, create_item
from ..core.changes import Action, FieldChange
from ..core.errors import EwsError
from ..core.extended import check_path, check_value
from ..core.item import Body, ExtendedValue, Item
from ..core.paths import ExtendedFieldURI, FieldURI
from ..core.timezones import UTC
from ..core.values import Mailbox
from ..store import attachments as attachment_rows
from ..store.codec import recurrence_to_json
from .host import Host


class FixtureError(ValueError):
    pass


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _field_for_key(item_type: str, key: str) -> F.FieldDef:
    if ":" in key and key in F.FIELDS:
        return F.FIELDS[key]
    for f in F.fields_of(item_type):
        if _snake(f.element) == key:
            return f
    raise FixtureError(f"unknown property {key!r} for a {item_type}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):  # YAML reads 2026-01-20T00:00:00Z as a datetime: its literal date
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _recurrence(data: dict[str, Any]) -> R.Recurrence:
    def part(spec: dict[str, Any]) -> Any:
        spec = dict(spec)
        cls = getattr(R, spec.pop("type"))
        for key in ("start", "end"):
            if key in spec:
                spec[key] = _date(spec[key])
        if isinstance(spec.get("days_of_week"), list):
            spec["days_of_week"] = tuple(spec["days_of_week"])
        return cls(**spec)
    return R.Recurrence(part(data["pattern"]), part(data["range"]))


def _value(f: F.FieldDef, raw: Any) -> Any:
    if f.kind == F.TASKDATE:
        return _date(raw)
    if f.kind == F.DATETIME:
        value = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if f.kind == F.DOUBLE:
        return Decimal(str(raw))
    if f.kind == F.BODY:
        return Body(raw["text"], raw.get("type", "Text")) if isinstance(raw, dict) else Body(str(raw))
    if f.kind == F.STRINGS:
        return tuple(str(v) for v in raw)
    if f.kind == F.RECURRENCE:
        return _recurrence(raw)
    if f.kind == F.BOOL:
        return bool(raw)
    if f.kind == F.INT:
        return int(raw)
    return str(raw)


def read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise FixtureError(f"{path}: cannot read it: {err.strerror or err}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as err:
        raise FixtureError(f"{path}: not valid JSON: {err}") from None
    except yaml.YAMLError as err:
        raise FixtureError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(data, dict) or "mailboxes" not in data:
        raise FixtureError(f"{path}: expected a mapping with a 'mailboxes' list")
    return data


def load(emulator: Host, data: dict[str, Any]) -> int:
    """Load mailboxes and items; returns the number of items created.

    Loading is repeatable (``make serve`` loads the demo on every start): an item whose pinned ``id`` is
    already in that mailbox is left as it is; items without an ``id`` are added each time.
    """
    store, now, count = emulator.store, emulator.clock.now(), 0
    mailboxes = data.get("mailboxes") or []
    for mailbox in mailboxes:  # every mailbox first: a task may be assigned to one listed after it
        if not isinstance(mailbox, dict) or not isinstance(mailbox.get("smtp"), str):
            raise FixtureError(f"each mailbox needs an 'smtp' address, not {mailbox!r}")
        # ``language``: the culture its default folders are named in (else the server's --mailbox-language)
        store.ensure_mailbox(mailbox["smtp"].lower(), mailbox.get("display_name"), now=now,
                             culture=mailbox.get("language"))
    for mailbox in mailboxes:
        smtp = mailbox["smtp"].lower()
        for spec in mailbox.get("tasks") or []:
            if not isinstance(spec, dict):
                raise FixtureError(f"{smtp}: a task must be a mapping, not {spec!r}")
            count += _load_item(emulator, smtp, "Task", dict(spec), now)
    return count


def properties(item_type: str, spec: dict[str, Any]) -> list[FieldChange]:
    """Fixture-style keys and plain values -> the SET changes CreateItem would apply (also used by the fault
    injector's "someone else edited this item")."""
    props = []
    for key, raw in spec.items():
        f = _field_for_key(item_type, key)
        try:
            value = _value(f, raw)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise FixtureError(f"{spec.get('subject', '?')}: bad value for {key}: {raw!r} ({err})") from None
        props.append(FieldChange(Action.SET, FieldURI(f.uri), value, (FieldURI(f.uri),), item_type))
    return props


def _extended(specs: list[Any]) -> list[ExtendedValue]:
    out = []
    for ext in specs:
        try:
            path = ExtendedFieldURI(**ext["path"])
            value = tuple(str(v) for v in ext["value"]) if isinstance(ext["value"], list) else str(ext["value"])
            check_path(path)
            check_value(path, value)
        except (TypeError, KeyError) as err:
            raise FixtureError(f"bad extended property {ext!r} ({err})") from None
        except EwsError as err:
            raise FixtureError(f"bad extended property {ext!r}: {err.code}") from None
        out.append(ExtendedValue(path, value))
    return out


def _load_item(emulator: Host, smtp: str, item_type: str, spec: dict[str, Any], now: dt.datetime) -> int:
    """Create one item; 0 if its pinned id is already there."""
    item_id, change_key = spec.pop("id", None), spec.pop("change_key", None)
    folder_name = spec.pop("folder", "tasks")
    assignee = _assignee(spec.pop("assigned_to", None), spec) if item_type == "Task" else None
    extended = _extended(spec.pop("extended", None) or [])
    props = properties(item_type, spec)
    ctx = ApplyContext(now=now, zone=UTC, new_item_id=(lambda: item_id) if item_id else emulator.ids.item_id)
    try:
        with emulator.store.write() as conn:
            if item_id and emulator.store.load_item(conn, item_id, smtp) is not None:
                return 0
            folder = emulator.store.distinguished_folder(conn, smtp, folder_name)
            if folder is None:
                raise FixtureError(f"unknown folder {folder_name!r}")
            try:
                item = create_item(item_type, props, ctx, mailbox=smtp, folder_id=folder.id,
                                   owner=emulator.store.mailbox_display_name(conn, smtp))
            except EwsError as err:
                raise FixtureError(f"{smtp}: {spec.get('subject', '?')}: {err.code}") from None
            item.extended.update((ext.path.key, ext) for ext in extended)
            if change_key:
                item.change_key = change_key
            if assignee is not None:
                item = _assign(emulator, conn, smtp, item, assignee, now)
            emulator.store.insert_item(conn, item, now)
    except IntegrityError:
        raise FixtureError(f"{smtp}: id {item_id} already belongs to another mailbox's item") from None
    return 1


def _assignee(raw: Any, spec: dict[str, Any]) -> Mailbox | None:
    """``assigned_to``: an address, or a mapping with ``smtp`` (and ``name``)."""
    if raw is None:
        return None
    smtp, name = (raw, None) if isinstance(raw, str) else (
        (raw.get("smtp"), raw.get("name")) if isinstance(raw, dict) else (None, None))
    if not isinstance(smtp, str) or "@" not in smtp or not isinstance(name, (str, type(None))):
        raise FixtureError(f"{spec.get('subject', '?')}: assigned_to needs an address or {{smtp, name}}, "
                           f"not {raw!r}")
    return Mailbox(email=smtp.lower(), name=name, routing_type="SMTP", mailbox_type="Mailbox")


def _assign(emulator: Host, conn: Any, smtp: str, task: Item, assignee: Mailbox, now: dt.datetime) -> Item:
    """The assigner's copy of ``task``, after delivering its task request to a local ``assignee``."""
    store, to = emulator.store, assignee.smtp or ""
    if assignee.name is None and store.mailbox_exists(conn, to):
        assignee = Mailbox(assignee.email, store.mailbox_display_name(conn, to), "SMTP", "Mailbox")
    assigner = Mailbox(smtp, store.mailbox_display_name(conn, smtp), "SMTP", "Mailbox")
    inbox = store.distinguished_folder(conn, to, "inbox") if store.mailbox_exists(conn, to) else None
    task = task_requests.assigned(task, assignee)
    if inbox is not None:
        request, attachment = task_requests.task_request(
            task, assigner, assignee, item_id=emulator.ids.item_id(), folder_id=inbox.id, now=now,
            domain=to.rsplit("@", 1)[-1])
        store.deliver_item(conn, request, now)
        attachment_rows.insert(conn, request.id, [attachment], emulator.ids)
    return task


def load_files(emulator: Host, paths: list[Path]) -> int:
    return sum(load(emulator, read(p)) for p in paths)


# ---- the other direction: stored items as fixture entries (the ledger's "export as fixtures") ----------------


def _plain(f: F.FieldDef, value: Any) -> Any:
    """A stored value as the plain JSON/YAML value :func:`_value` reads back."""
    if f.kind == F.TASKDATE:
        return value.isoformat()
    if f.kind == F.DATETIME:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if f.kind == F.DOUBLE:
        return int(value) if value == int(value) else float(value)
    if f.kind == F.BODY:
        return {"text": value.text, "type": value.body_type}
    if f.kind == F.STRINGS:
        return list(value)
    if f.kind == F.RECURRENCE:
        return json.loads(recurrence_to_json(value))
    return value


def item_spec(item: Item, folder: str | None = "tasks") -> dict[str, Any]:
    """One fixture entry that recreates ``item``: its pinned id and ChangeKey, its folder (a distinguished
    name), every settable property by FieldURI and its extended properties. Server-set properties
    (DateTimeCreated, LastModifiedTime, Owner, …) are left to the loader, as CreateItem sets them."""
    spec: dict[str, Any] = {"id": item.id, "change_key": item.change_key}
    if folder and folder != "tasks":
        spec["folder"] = folder
    for f in F.fields_of(item.item_type):
        if not f.read_only and f.uri in item.values:
            spec[f.uri] = _plain(f, item.values[f.uri])
    # an assigned task is exported as a plain one: its assignee's address is not stored (only task:Owner)
    kept = [ext for key, ext in item.extended.items() if key not in task_requests.ASSIGNMENT_KEYS]
    if kept:
        spec["extended"] = [{"path": {k: v for k, v in dataclasses.asdict(ext.path).items() if v is not None},
                             "value": list(ext.value) if isinstance(ext.value, tuple) else ext.value}
                            for ext in kept]
    return spec
