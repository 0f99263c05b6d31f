"""ArchiveItem: items move into the mailbox's archive, into the archive folder that matches the source folder
(Inbox to the archive's Inbox, Deleted Items to its Deleted Items, any other folder to a folder of the same
name under the archive's Top of Information Store, created when missing), under a new ItemId as every move.

Calendar, contact and task folders are not archived (ErrorCannotArchiveCalendarContactTaskFolderException), nor
items already in the archive (ErrorCannotArchiveItemsInArchiveMailbox)."""
from __future__ import annotations

from ..core import moves
from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..core.folders import Folder, same_name
from ..core.item import Item
from ..protocol import archive_item as wire
from ..protocol.archive_item import ArchiveItemRequest
from .base import Batch, PerElement
from .common import LostRace, with_retries
from .context import RequestContext
from .folders import ensure_named_mailboxes, target
from .move_copy import check_ids, source

#: the archive's own counterparts of distinguished folders
_COUNTERPART = {"inbox": "archiveinbox", "deleteditems": "archivedeleteditems"}
_NOT_ARCHIVED = ("IPF.Appointment", "IPF.Contact", "IPF.Task")


def _prepare(ctx: RequestContext, request: ArchiveItemRequest) -> None:
    ensure_named_mailboxes(ctx, [request.source])


def _in_archive(ctx: RequestContext, uow, folder: Folder) -> bool:
    archive_root = ctx.store.distinguished_folder(uow, folder.mailbox, "archiveroot")
    if archive_root is None:
        raise EwsError("ErrorInvalidOperation", message="Archive mailbox is not enabled for this user.")
    return any(f.id == folder.id for f in ctx.store.subtree(uow, archive_root))


def _counterpart(ctx: RequestContext, uow, folder: Folder) -> Folder:
    """The archive folder that takes what is archived from ``folder``."""
    if folder.distinguished in _COUNTERPART:
        found = ctx.store.distinguished_folder(uow, folder.mailbox, _COUNTERPART[folder.distinguished])
        assert found is not None
        return found
    top = ctx.store.distinguished_folder(uow, folder.mailbox, "archivemsgfolderroot")
    assert top is not None
    ctx.store.lock_folder(uow, top.id)
    existing = next((c for c in ctx.store.child_folders(uow, top.id) if same_name(c.display_name, folder.display_name)),
                    None)
    if existing is not None:
        return existing
    made = Folder(ctx.ids.folder_id(), folder.mailbox, top.id, None, folder.display_name, folder.folder_class, 1)
    ctx.store.insert_folder(uow, made, ctx.now)
    return made


def _archive_one(batch: Batch[ArchiveItemRequest], ref: ItemRef) -> Item:
    ctx = batch.ctx
    check_ids(ref)

    def work(uow) -> Item:
        from_folder = target(uow, ctx, batch.request.source, "ErrorFolderNotFound")
        item, occurrence = source(uow, ctx, ref)
        if occurrence:
            raise EwsError("ErrorCalendarCannotMoveOrCopyOccurrence")
        moves.check_movable(item)
        held_in = ctx.store.folder(uow, item.folder_id, item.mailbox)
        for folder in (from_folder, held_in):  # what the request names and where the item really is
            if folder is None:
                continue
            if (folder.folder_class or "").startswith(_NOT_ARCHIVED):
                raise EwsError("ErrorCannotArchiveCalendarContactTaskFolderException")
            if _in_archive(ctx, uow, folder):
                raise EwsError("ErrorCannotArchiveItemsInArchiveMailbox")
        new = moves.moved(item, _counterpart(ctx, uow, from_folder).id, ctx.ids.item_id())
        if not ctx.store.relocate_item(uow, item, new, ctx.now):
            raise LostRace()
        return new

    return with_retries(ctx, work)


OPERATION = PerElement(
    "ArchiveItem", "implemented",
    ("items into the mailbox's archive, into the folder matching the source (created when missing), under a"
     " new ItemId; calendar, contact and task folders and archived items refused"),
    parse=wire.parse, element=_archive_one, render=wire.render_success, container="Items", prepare=_prepare)
