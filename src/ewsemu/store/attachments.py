"""Attachment rows: writes through the unit of work, reads that fetch content only when it is asked for.

An item's attachments are rows of the ``attachments`` table keyed by (root item id, key); an item attachment's
own attachments are rows of the same root item whose ``parent_key`` is the item attachment's key, so any level
is read, copied or deleted with the root item by one statement. A file's content is stored as the bytes the
request decoded (no other copy is made here) and is selected only by :func:`load` — listings leave it out.

The root item's journal entry (created, modified with ``item:Attachments``, deleted, copied) is the record of
every attachment write: the rows change only together with it, in its unit of work.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any, Iterable

from sqlalchemy import and_, delete, func, insert as sql_insert, literal, select, update

from ..core.attachments import (
    Attachment, AttachmentInfo, AttachmentMeta, FileAttachment, ItemAttachment, attachment_id, parse_attachment_id,
)
from ..core.ids import IdFactory
from ..core.item import Item
from . import codec
from .schema import attachments
from .unit_of_work import Readable, UnitOfWork, connection_of, unit_of_work

_UTC = dt.timezone.utc
_META = (attachments.c.key, attachments.c.parent_key, attachments.c.position, attachments.c.kind,
         attachments.c.name, attachments.c.content_type, attachments.c.content_id, attachments.c.content_location,
         attachments.c.last_modified_time, attachments.c.is_inline, attachments.c.is_contact_photo,
         attachments.c.size)
#: every column but the ones a copy rewrites (the root item)
_COPIED = [c for c in attachments.c if c.name != "item_id"]


# ---- attached items as JSON ----------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _json_hook(obj: dict[str, Any]) -> Any:
    if "$dt" in obj:
        return dt.datetime.fromisoformat(obj["$dt"])
    if "$d" in obj:
        return dt.date.fromisoformat(obj["$d"])
    return obj


def item_to_json(item: Item) -> str:
    """The attached item as its items row would hold it (so the same codec reads it back)."""
    return json.dumps(codec.item_to_row(item), default=_json_default)


def item_from_json(text: str) -> Item:
    return codec.item_from_mapping(json.loads(text, object_hook=_json_hook))


# ---- exported attachments (ExportItems / UploadItems) --------------------------------------------------------


_META_FIELDS = ("name", "content_type", "content_id", "content_location", "is_inline")


def to_data(tree_: Iterable[Attachment]) -> list[dict[str, Any]]:
    """An item's attachments (:func:`tree`'s shape) as JSON for an export blob: every property, a file's
    bytes as base64, an attached item as its exported row with its own attachments (recursively)."""
    out: list[dict[str, Any]] = []
    for a in tree_:
        meta = a.meta
        data: dict[str, Any] = {k: getattr(meta, k) for k in _META_FIELDS if getattr(meta, k) is not None}
        if meta.last_modified_time is not None:
            data["last_modified_time"] = meta.last_modified_time.isoformat()
        if isinstance(a, FileAttachment):
            data.update(kind="file", content=base64.b64encode(a.content).decode("ascii"),
                        is_contact_photo=a.is_contact_photo)
        else:
            data.update(kind="item", item=codec.item_to_data(a.item), size=a.size, attachments=to_data(a.attachments))
        out.append(data)
    return out


def from_data(data: Any) -> tuple[Attachment, ...]:
    """The attachments :func:`to_data` wrote, without keys (an upload gives them new ids); KeyError,
    ValueError or TypeError for anything else."""
    if not isinstance(data, list):
        raise TypeError("attachments")
    out: list[Attachment] = []
    for d in data:
        modified = d.get("last_modified_time")
        meta = AttachmentMeta(
            *(_text(d.get(k)) for k in ("name", "content_type", "content_id", "content_location")),
            dt.datetime.fromisoformat(modified) if modified is not None else None, _flag(d.get("is_inline", False)))
        if d["kind"] == "file":
            content = base64.b64decode(d["content"].encode("ascii"), validate=True)
            out.append(FileAttachment(meta, content, _flag(d.get("is_contact_photo", False))))
        elif d["kind"] == "item":
            out.append(ItemAttachment(meta, codec.item_from_data(d["item"]), from_data(d["attachments"]), None,
                                      int(d["size"])))
        else:
            raise ValueError(d["kind"])
    return tuple(out)


def _text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(value)
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(value)
    return value


# ---- writes --------------------------------------------------------------------------------------------------


def _naive(at: dt.datetime | None) -> dt.datetime | None:
    return at.astimezone(_UTC).replace(tzinfo=None) if at is not None else None


def _rows(root_id: str, attachment: Attachment, parent_key: str | None, position: int,
          ids: IdFactory, out: list[dict[str, Any]]) -> Attachment:
    """Rows for ``attachment`` and, for an item attachment, its own attachments; the attachment with its key."""
    key = attachment.key if attachment.key is not None else ids.attachment_key()
    meta = attachment.meta
    row: dict[str, Any] = {
        "item_id": root_id, "key": key.hex(), "parent_key": parent_key, "position": position,
        "name": meta.name, "content_type": meta.content_type, "content_id": meta.content_id,
        "content_location": meta.content_location, "last_modified_time": _naive(meta.last_modified_time),
        "is_inline": meta.is_inline, "is_contact_photo": False, "content": None, "item": None,
    }
    out.append(row)
    if isinstance(attachment, FileAttachment):
        row.update(kind="file", size=attachment.size, content=attachment.content,
                   is_contact_photo=attachment.is_contact_photo)
        return FileAttachment(meta, attachment.content, attachment.is_contact_photo, key)
    inner = tuple(_rows(root_id, a, key.hex(), i, ids, out) for i, a in enumerate(attachment.attachments))
    row.update(kind="item", size=attachment.size, item=item_to_json(attachment.item))
    return ItemAttachment(meta, attachment.item, inner, key, attachment.size)


def insert(uow: UnitOfWork, root_id: str, new: Iterable[Attachment], ids: IdFactory,
           start: int = 0) -> list[Attachment]:
    """Store ``new`` as attachments of the item ``root_id`` (after its ``start`` existing ones), each with a new
    key; the attachments as stored (with their keys), in order. The caller journals the root item's change."""
    rows: list[dict[str, Any]] = []
    stored = [_rows(root_id, a, None, start + i, ids, rows) for i, a in enumerate(new)]
    if rows:
        unit_of_work(uow).conn.execute(sql_insert(attachments), rows)
    return stored


def delete_one(uow: UnitOfWork, root_id: str, key: bytes) -> bool:
    """Remove one attachment of ``root_id`` and everything inside it; False if there is no such attachment."""
    conn = unit_of_work(uow).conn
    keys = [key.hex()]
    found = conn.execute(select(attachments.c.key).where(
        attachments.c.item_id == root_id, attachments.c.key == keys[0])).first()
    if found is None:
        return False
    frontier = list(keys)
    while frontier:  # an item attachment's attachments, level by level
        frontier = list(conn.execute(select(attachments.c.key).where(
            attachments.c.item_id == root_id, attachments.c.parent_key.in_(frontier))).scalars())
        keys.extend(frontier)
    conn.execute(delete(attachments).where(attachments.c.item_id == root_id, attachments.c.key.in_(keys)))
    return True


def delete_all(uow: UnitOfWork, root_id: str) -> None:
    """Every attachment of the item (its deletion)."""
    unit_of_work(uow).conn.execute(delete(attachments).where(attachments.c.item_id == root_id))


def rekey(uow: UnitOfWork, old_id: str, new_id: str) -> None:
    """The item got a new ItemId (MoveItem): its attachments follow it (their ids change with it)."""
    unit_of_work(uow).conn.execute(update(attachments).where(attachments.c.item_id == old_id)
                                   .values(item_id=new_id))


def copy_all(uow: UnitOfWork, source_id: str, target_id: str) -> None:
    """Give ``target_id`` a copy of every attachment of ``source_id`` (CopyItem, a sent message's copies, a
    forward): one INSERT … SELECT, so the content is copied byte for byte by the database, never through
    Python. The keys stay (ids differ by their root item)."""
    conn = unit_of_work(uow).conn
    source = select(literal(target_id).label("item_id"), *_COPIED).where(attachments.c.item_id == source_id)
    conn.execute(sql_insert(attachments).from_select(["item_id", *(c.name for c in _COPIED)], source))


# ---- reads ---------------------------------------------------------------------------------------------------


def _meta(row: Any) -> AttachmentMeta:
    modified = row.last_modified_time
    return AttachmentMeta(row.name, row.content_type, row.content_id, row.content_location,
                          modified.replace(tzinfo=_UTC) if modified is not None else None, bool(row.is_inline))


def listing(conn: Readable, root_id: str, parent_key: bytes | None = None) -> list[AttachmentInfo]:
    """The attachments of the item ``root_id`` (``parent_key``: of that item attachment's item), in the order
    they were attached, without their content."""
    parent = attachments.c.parent_key.is_(None) if parent_key is None else (
        attachments.c.parent_key == parent_key.hex())
    rows = connection_of(conn).execute(select(*_META).where(attachments.c.item_id == root_id, parent)
                                       .order_by(attachments.c.position, attachments.c.key))
    return [AttachmentInfo(r.kind, attachment_id(root_id, bytes.fromhex(r.key)), _meta(r), int(r.size),
                           bool(r.is_contact_photo)) for r in rows]


def count(conn: Readable, root_id: str) -> int:
    """How many attachments the item has at its top level (where the next one goes)."""
    return connection_of(conn).execute(select(func.coalesce(func.max(attachments.c.position) + 1, 0)).where(
        attachments.c.item_id == root_id, attachments.c.parent_key.is_(None))).scalar_one()


def load(conn: Readable, root_id: str, key: bytes) -> Attachment | None:
    """One attachment with its content (a file) or its item (an item attachment; its own attachments are
    listed, not loaded: each has its id)."""
    row = connection_of(conn).execute(select(attachments).where(and_(
        attachments.c.item_id == root_id, attachments.c.key == key.hex()))).first()
    if row is None:
        return None
    if row.kind == "file":
        return FileAttachment(_meta(row), row.content or b"", bool(row.is_contact_photo), key)
    return ItemAttachment(_meta(row), item_from_json(row.item), (), key, int(row.size))



def tree(conn: Readable, root_id: str, parent_key: bytes | None = None) -> tuple[Attachment, ...]:
    """Every attachment of the item ``root_id`` whole, in order, an item attachment with its own attachments
    (what writing the item out as MIME needs; :func:`insert` takes the same shape back)."""
    out: list[Attachment] = []
    for info in listing(conn, root_id, parent_key):
        key = bytes.fromhex(_key_of(info.attachment_id))
        attachment = load(conn, root_id, key)
        if isinstance(attachment, ItemAttachment):
            attachment = ItemAttachment(attachment.meta, attachment.item, tree(conn, root_id, key), key,
                                        attachment.size)
        if attachment is not None:
            out.append(attachment)
    return tuple(out)


def _key_of(attachment_id_: str) -> str:
    return parse_attachment_id(attachment_id_).key.hex()
