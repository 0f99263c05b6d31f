"""UploadItems: ExportItems' blobs back into items — a new item in ParentFolderId (CreateNew), or the item
ItemId names in that folder replaced by the blob's (Update; UpdateOrCreate creates one when there is none).

An uploaded item is the exported one with its attachments, byte for byte (Update replaces the item's own),
and a new identity: a new ItemId and version 1 (CreateNew), or the updated item's id with its next version
(Update); its creation and modification times are the upload's, as Exchange gives them. IsAssociated, when
the element says, overrides the blob's. A blob this server did not sign, or that was changed, is
ErrorCorruptData and nothing is written.
"""
from __future__ import annotations

from ..core import export_data
from ..core.apply import diff
from ..core.errors import EwsError
from ..core.ids import IdFactory, check_change_key
from ..core.item import Item
from ..protocol import upload_items as wire
from ..protocol.upload_items import CREATE_NEW, UPDATE, Upload, UploadItemsRequest
from ..core.attachments import ATTACHMENTS, Attachment
from ..store import attachments as attachment_rows, codec
from .base import Batch, PerElement
from .common import LostRace, check_item_id, with_retries
from .folders import target
from .occurrences import locate


def _source(batch: Batch[UploadItemsRequest], up: Upload) -> tuple[Item, tuple[Attachment, ...]]:
    """The item the Data holds, with its attachments."""
    data = export_data.decode(up.data, batch.ctx.store.secret(export_data.SECRET_NAME))
    try:
        return codec.item_from_data(data.item), attachment_rows.from_data(data.attachments)
    except (KeyError, ValueError, TypeError, AttributeError):
        raise export_data.corrupt() from None


def _check(up: Upload) -> None:
    if up.action == CREATE_NEW and up.item is not None:
        raise EwsError("ErrorInvalidOperation", message="CreateNew uploads a new item: it takes no ItemId.")
    if up.action == UPDATE and up.item is None:
        raise EwsError("ErrorInvalidOperation", message="Update needs the ItemId of the item to update.")
    if up.item is not None:
        check_item_id(up.item.id)
        if up.item.change_key is not None:
            check_change_key(up.item.change_key)


def _upload_one(batch: Batch[UploadItemsRequest], up: Upload) -> Item:
    ctx = batch.ctx
    _check(up)
    source, attached = _source(batch, up)

    def work(uow) -> Item:
        folder = target(uow, ctx, up.parent, "ErrorParentFolderNotFound")
        stored = None
        if up.item is not None:
            where = locate(up.item)
            found = ctx.store.load_item(uow, where.item_id, folder.mailbox)
            if found is not None and found.folder_id == folder.id and where.index is None:
                stored = found
            elif up.action == UPDATE:
                raise EwsError("ErrorItemNotFound")
        new = source.copy()
        new.mailbox, new.folder_id = folder.mailbox, folder.id
        # an item never sent shows its creation as DateTimeSent: the exported one's, not the upload's
        if "item:DateTimeCreated" in source.values:
            new.values.setdefault("item:DateTimeSent", source.values["item:DateTimeCreated"])
        new.values["item:LastModifiedTime"] = ctx.now
        if up.is_associated is not None:
            new.values["item:IsAssociated"] = up.is_associated
        if stored is None:
            new.id, new.version = ctx.ids.item_id(), 1
            new.change_key = IdFactory.change_key(new.id, 1)
            new.values["item:DateTimeCreated"] = ctx.now
            ctx.store.insert_item(uow, new, ctx.now)
            attachment_rows.insert(uow, new.id, attached, ctx.ids)
            return new
        if stored.item_type != new.item_type:
            raise EwsError("ErrorObjectTypeChanged", message="The Data holds an item of another type.")
        new.id, new.version = stored.id, stored.version + 1
        new.change_key = IdFactory.change_key(new.id, new.version)
        new.values["item:DateTimeCreated"] = stored.values.get("item:DateTimeCreated", ctx.now)
        changes = diff(stored, new)
        before = attachment_rows.count(uow, stored.id)  # the blob's attachments replace the item's
        attachment_rows.delete_all(uow, stored.id)
        attachment_rows.insert(uow, stored.id, attached, ctx.ids)
        if before or attached:
            changes[ATTACHMENTS] = (before, len(attached))
        if not ctx.store.update_item(uow, new, stored.version, ctx.now, changes):
            raise LostRace()
        return new

    return with_retries(ctx, work)


OPERATION = PerElement(
    "UploadItems", "implemented",
    ("ExportItems' data as a new item (CreateNew) or replacing the item ItemId names in ParentFolderId"
     " (Update, UpdateOrCreate), IsAssociated, with the exported attachments byte for byte; data this server"
     " did not export answers ErrorCorruptData"),
    parse=wire.parse, element=_upload_one, render=wire.render_success)
