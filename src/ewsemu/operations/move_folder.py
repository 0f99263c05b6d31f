"""MoveFolder: the folder moves under ToFolderId with its subfolders and items, keeping its Id (a new
ChangeKey), as Exchange does; a mailbox's own folders stay where they are (ErrorMoveDistinguishedFolder)."""
from __future__ import annotations

from ..core.errors import EwsError
from ..core.folders import Folder
from ..protocol import move_folder as wire
from ..protocol.folders import FolderRef
from ..protocol.move_folder import MoveCopyFolderRequest
from .base import Batch, PerElement
from .common import LostRace, with_retries
from .context import RequestContext
from .folders import check_name_free, destination, ensure_named_mailboxes, existing_folder


def prepare_move_copy(ctx: RequestContext, request: MoveCopyFolderRequest) -> None:
    ensure_named_mailboxes(ctx, [request.to_folder, *request.elements])


def check_destination(ctx: RequestContext, uow, folder: Folder, to: Folder, *, copy: bool = False) -> None:
    """Same mailbox (ErrorCrossMailboxMoveCopy), not into itself or below it (ErrorMoveCopyFailed), not into
    a search folder, and no sibling there with its name (ErrorFolderExists)."""
    if folder.mailbox != to.mailbox:
        raise EwsError("ErrorCrossMailboxMoveCopy")
    if to.search is not None or any(f.id == to.id for f in ctx.store.subtree(uow, folder)):
        raise EwsError("ErrorMoveCopyFailed")
    ctx.store.lock_folder(uow, to.id)
    check_name_free(ctx, uow, to, folder.display_name, keep=None if copy else folder.id)


def _move_one(batch: Batch[MoveCopyFolderRequest], ref: FolderRef) -> Folder:
    ctx = batch.ctx

    def work(uow) -> Folder:
        to = destination(uow, ctx, batch.request.to_folder)
        folder = existing_folder(uow, ctx, ref)
        if folder.distinguished is not None:
            raise EwsError("ErrorMoveDistinguishedFolder")
        check_destination(ctx, uow, folder, to)
        moved = ctx.store.move_folder(uow, folder.id, folder.mailbox, to.id, ctx.now)
        if moved is None:  # someone else changed it since it was read
            raise LostRace()
        return moved

    return with_retries(ctx, work)


OPERATION = PerElement(
    "MoveFolder", "implemented", "a folder with its subfolders and items, within its mailbox; the Id stays",
    parse=wire.parse, element=_move_one, render=wire.render_success, container="Folders", prepare=prepare_move_copy)
