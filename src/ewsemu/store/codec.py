"""Python domain values <-> column values, driven by the field registry."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any, Iterable, Mapping

from ..core import fields as F
from ..core import recurrence as R
from ..core import values as V
from ..core.folders import Folder, SearchParameters
from ..core.item import Body, ExtendedValue, Item
from ..core.permissions import Permission, PermissionSet, Rights, UserId
from ..core.paths import ExtendedFieldURI
from ..core.query import index_text

_UTC = dt.timezone.utc
_RECURRENCE_TYPES = {cls.__name__: cls for cls in (
    R.RelativeYearlyRecurrence, R.AbsoluteYearlyRecurrence, R.RelativeMonthlyRecurrence,
    R.AbsoluteMonthlyRecurrence, R.WeeklyRecurrence, R.DailyRecurrence, R.DailyRegeneration,
    R.WeeklyRegeneration, R.MonthlyRegeneration, R.YearlyRegeneration,
    R.NoEndRecurrence, R.EndDateRecurrence, R.NumberedRecurrence,
)}


def _part_to_json(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(obj).__name__}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        out[f.name] = value.isoformat() if isinstance(value, dt.date) else (
            list(value) if isinstance(value, tuple) else value)
    return out


def _part_from_json(data: dict[str, Any]) -> Any:
    cls = _RECURRENCE_TYPES[data["type"]]
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name in ("start", "end"):
            value = dt.date.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)


def recurrence_to_json(rec: R.Recurrence) -> str:
    return json.dumps({"pattern": _part_to_json(rec.pattern), "range": _part_to_json(rec.range)})


def recurrence_from_json(text: str) -> R.Recurrence:
    data = json.loads(text)
    return R.Recurrence(_part_from_json(data["pattern"]), _part_from_json(data["range"]))


def _ext_path_to_json(p: ExtendedFieldURI) -> dict[str, str]:
    return {k: v for k, v in dataclasses.asdict(p).items() if v is not None}


def extended_to_json(extended: dict[str, ExtendedValue]) -> str | None:
    if not extended:
        return None
    return json.dumps({k: {"path": _ext_path_to_json(v.path),
                           "value": list(v.value) if isinstance(v.value, tuple) else v.value}
                       for k, v in extended.items()})


def extended_from_json(text: str | None) -> dict[str, ExtendedValue]:
    if not text:
        return {}
    out = {}
    for key, data in json.loads(text).items():
        value = data["value"]
        out[key] = ExtendedValue(ExtendedFieldURI(**data["path"]), tuple(value) if isinstance(value, list) else value)
    return out


# ---- structured values (core.values) as JSON text ------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-ready rendering: dataclasses as objects without their None members, instants as UTC text."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _instant(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _mailbox(data: dict[str, Any]) -> V.Mailbox:
    return V.Mailbox(**data)


def _attendee(data: dict[str, Any]) -> V.Attendee:
    return V.Attendee(_mailbox(data["mailbox"]), data.get("response_type"), _instant(data.get("last_response_time")))


_ENTRY_TYPES = {F.EMAILS: V.EmailEntry, F.PHONES: V.StringEntry, F.IMS: V.StringEntry, F.ADDRESSES: V.AddressEntry}


def _override_value(uri: str, data: Any) -> Any:
    """An exception's override of ``uri``, typed like the property itself."""
    f = F.FIELDS[uri]
    return _structured_from_json(f, data) if f.kind in _JSON_KINDS else _scalar_from_json(f, data)


def _scalar_from_json(f: F.FieldDef, data: Any) -> Any:
    if data is None:
        return None
    if f.kind == F.DATETIME:
        return _instant(data)
    if f.kind == F.TASKDATE:
        return dt.date.fromisoformat(data)
    if f.kind == F.DOUBLE:
        return Decimal(data)
    if f.kind == F.BODY:
        return Body(data["text"], data["body_type"])
    if f.kind == F.STRINGS:
        return tuple(data)
    return data


def _exception(data: dict[str, Any]) -> V.Exception_:
    overrides = tuple((uri, _override_value(uri, value)) for uri, value in data.get("overrides", []))
    return V.Exception_(data["index"], _instant(data["original_start"]), overrides)


def _structured_from_json(f: F.FieldDef, data: Any) -> Any:
    kind = f.kind
    if kind == F.RECIPIENT:
        return _mailbox(data)
    if kind == F.RECIPIENTS:
        return tuple(_mailbox(d) for d in data)
    if kind == F.ATTENDEES:
        return tuple(_attendee(d) for d in data)
    if kind == F.MEMBERS:
        return tuple(V.Member(**{**d, "mailbox": _mailbox(d["mailbox"])}) for d in data)
    if kind in F.DICTIONARY_KINDS:
        return tuple(_ENTRY_TYPES[kind](**d) for d in data)
    if kind == F.TIMEZONE:
        return V.TimeZoneRef(**data)
    if kind == F.FLAG:
        return V.Flag(data["status"], _instant(data.get("start")), _instant(data.get("due")),
                      _instant(data.get("complete")))
    if kind == F.OCCURRENCES:
        return tuple(_exception(d) for d in data)
    if kind == F.DELETED_OCCURRENCES:
        return tuple(V.DeletedOccurrence(d["index"], _instant(d["original_start"])) for d in data)
    raise ValueError(f"no JSON form for {kind}")


_JSON_KINDS = frozenset({F.RECIPIENT, F.RECIPIENTS, F.ATTENDEES, F.MEMBERS, F.TIMEZONE, F.FLAG, F.OCCURRENCES,
                         F.DELETED_OCCURRENCES}) | F.DICTIONARY_KINDS


def to_column(f: F.FieldDef, value: Any) -> Any:
    if value is None:
        return None
    if f.kind in _JSON_KINDS:
        return json.dumps(_plain(value))
    if f.kind == F.STRINGS:
        return json.dumps(list(value))
    if f.kind == F.RECURRENCE:
        return recurrence_to_json(value)
    if f.kind == F.DOUBLE:
        return float(value)
    if f.kind == F.DATETIME:
        return value.astimezone(_UTC).replace(tzinfo=None)
    if f.kind == F.BODY:
        return value.text
    return value


def from_column(f: F.FieldDef, value: Any, m: Mapping[str, Any]) -> Any:
    """``m`` is the whole row, by column name (a body's type sits in a second column)."""
    if f.kind in _JSON_KINDS:
        return _structured_from_json(f, json.loads(value))
    if f.kind == F.STRINGS:
        return tuple(json.loads(value))
    if f.kind == F.RECURRENCE:
        return recurrence_from_json(value)
    if f.kind == F.DOUBLE:
        return Decimal(repr(value)).normalize() if value != int(value) else Decimal(int(value))
    if f.kind == F.DATETIME:
        return value.replace(tzinfo=_UTC)
    if f.kind == F.BODY:
        return Body(value, m[f"{f.column}_type"] or "Text")
    if f.kind == F.INT:
        return int(value)
    if f.kind == F.BOOL:
        return bool(value)
    return value


def item_to_row(item: Item) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": item.id, "mailbox": item.mailbox, "folder_id": item.folder_id, "item_type": item.item_type,
        "version": item.version, "change_key": item.change_key, "task_request_sent": item.task_request_sent,
        "extended": extended_to_json(item.extended),
    }
    for f in F.stored_fields():
        value = item.values.get(f.uri)
        row[f.column] = to_column(f, value)
        if f.kind == F.BODY:
            row[f"{f.column}_type"] = value.body_type if value is not None else None
    return row


_STORED = {f.uri: f for f in F.stored_fields()}


def changed_columns(item: Item, keys: Iterable[str]) -> dict[str, Any]:
    """Column values for just the properties ``keys`` name: an update writes what changed, nothing else.

    Keys are FieldURIs (derived properties have no column) or extended-property keys, which all live in the
    ``extended`` column."""
    row: dict[str, Any] = {}
    for key in keys:
        f = _STORED.get(key)
        if f is not None:
            value = item.values.get(key)
            row[f.column] = to_column(f, value)
            if f.kind == F.BODY:
                row[f"{f.column}_type"] = value.body_type if value is not None else None
        elif key not in F.FIELDS:
            row["extended"] = extended_to_json(item.extended)
    return row


def item_from_row(row: Any) -> Item:
    return item_from_mapping(row._mapping)


#: (column, FieldURI, field, kept as read) per stored field: most columns of a row are NULL (a task has no
#: calendar or contact values), and plain strings, enums, dates and ints need no conversion
_DECODE = [(f.column, f.uri, f, f.kind in (F.STRING, F.ENUM, F.TASKDATE)) for f in F.stored_fields()]


def item_from_mapping(m: Mapping[str, Any]) -> Item:
    item = Item(id=m["id"], mailbox=m["mailbox"], folder_id=m["folder_id"], item_type=m["item_type"],
                version=m["version"], change_key=m["change_key"], task_request_sent=bool(m["task_request_sent"]),
                extended=extended_from_json(m["extended"]))
    values = item.values
    for column, uri, f, as_read in _DECODE:
        value = m[column]
        if value is not None:
            values[uri] = value if as_read else from_column(f, value, m)
    return item


def multi_values(item: Item) -> list[dict[str, Any]]:
    """Rows for item_values: each element of each multi-valued field and extended property."""
    rows = []
    for f in F.stored_fields():
        if f.kind == F.STRINGS:
            rows.extend({"item_id": item.id, "field": f.uri, "value": v} for v in item.values.get(f.uri, ()))
    for key, ext in item.extended.items():
        vals = ext.value if isinstance(ext.value, tuple) else (ext.value,)
        rows.extend({"item_id": item.id, "field": key, "value": _search_key(ext, v)} for v in vals)
    return rows


def _search_key(ext: ExtendedValue, text: str) -> str:
    """Extended values are indexed in canonical form so restrictions compare numbers and times correctly."""
    try:
        return index_text(ext.path.property_type, text)
    except ValueError:
        return text


def json_value(value: Any) -> Any:
    """A JSON-friendly rendering of a domain value for the change history."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Body):
        return {"text": value.text, "body_type": value.body_type}
    if isinstance(value, R.Recurrence):
        return json.loads(recurrence_to_json(value))
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if dataclasses.is_dataclass(value):
        return _plain(value)
    return str(value)


# ---- folders ------------------------------------------------------------------------------------------------


def _permissions_to_json(pset: PermissionSet | None) -> str | None:
    if pset is None:
        return None
    return json.dumps([{"user": dataclasses.asdict(e.user), "rights": dataclasses.asdict(e.rights)}
                       for e in pset.entries])


def _permissions_from_json(text: str | None) -> PermissionSet | None:
    if text is None:
        return None
    return PermissionSet(tuple(Permission(UserId(**e["user"]), Rights(**e["rights"])) for e in json.loads(text)))


def _search_to_json(search: SearchParameters | None) -> str | None:
    if search is None:
        return None
    return json.dumps({"traversal": search.traversal, "restriction": search.restriction,
                       "base_folder_ids": list(search.base_folder_ids)})


def _search_from_json(text: str | None) -> SearchParameters | None:
    if text is None:
        return None
    data = json.loads(text)
    return SearchParameters(data["traversal"], data["restriction"], tuple(data["base_folder_ids"]))


def folder_to_row(folder: Folder) -> dict[str, Any]:
    """The folders row of ``folder`` (every column)."""
    return {"id": folder.id, "mailbox": folder.mailbox, "parent_id": folder.parent_id,
            "distinguished": folder.distinguished, "display_name": folder.display_name,
            "folder_class": folder.folder_class, "version": folder.version,
            "permission_set": _permissions_to_json(folder.permissions),
            "search_parameters": _search_to_json(folder.search), "extended": extended_to_json(folder.extended),
            "soft_deleted": folder.soft_deleted}


def folder_from_row(m: Mapping[str, Any]) -> Folder:
    return Folder(m["id"], m["mailbox"], m["parent_id"], m["distinguished"], m["display_name"], m["folder_class"],
                  m["version"], _permissions_from_json(m["permission_set"]), extended_from_json(m["extended"]),
                  _search_from_json(m["search_parameters"]), bool(m["soft_deleted"]))


# ---- exported items (ExportItems / UploadItems) ---------------------------------------------------------------


def _data_value(value: Any) -> Any:
    """A column value as JSON: instants and dates tagged, so :func:`item_from_data` gives the column back."""
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    return value


def _column_value(data: Any) -> Any:
    if isinstance(data, dict) and "$dt" in data:
        return dt.datetime.fromisoformat(data["$dt"])
    if isinstance(data, dict) and "$d" in data:
        return dt.date.fromisoformat(data["$d"])
    return data


#: the columns of an item's row (item_to_row's keys)
_ROW_COLUMNS = tuple(item_to_row(Item("", "", "", "Item")))


def item_to_data(item: Item) -> dict[str, Any]:
    """Every stored property of ``item`` as a JSON object: its row, column by column (the store's own form,
    so nothing a later column adds is lost in an export)."""
    return {column: _data_value(value) for column, value in item_to_row(item).items() if value is not None}


def item_from_data(data: Mapping[str, Any]) -> Item:
    """The item :func:`item_to_data` wrote (ValueError, KeyError or TypeError for anything else)."""
    row: dict[str, Any] = dict.fromkeys(_ROW_COLUMNS)
    for column, value in data.items():
        if column not in row:
            raise KeyError(column)
        row[column] = _column_value(value)
    if row["item_type"] not in F.ITEM_TYPES:
        raise ValueError(row["item_type"])
    return item_from_mapping(row)
