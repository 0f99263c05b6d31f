"""CopyFolder: a copy of the folder, its subfolders and their items under ToFolderId, every copy with a new Id
(the copy of a mailbox folder is an ordinary folder); each copied item is journaled as copied from its source."""
from __future__ import annotations

import dataclasses

from ..core.folders import Folder
from ..core.moves import copied
from ..protocol import copy_folder as wire
from ..protocol.folders import FolderRef
from ..protocol.move_folder import MoveCopyFolderRequest
from .base import Batch, PerElement
from .common import LostRace, with_retries
from .folders import existing_folder
from .folders import destination
from .move_folder import check_destination, prepare_move_copy


def _copy_one(batch: Batch[MoveCopyFolderRequest], ref: FolderRef) -> Folder:
    ctx = batch.ctx

    def work(uow) -> Folder:
        target = destination(uow, ctx, batch.request.to_folder)
        folder = existing_folder(uow, ctx, ref)
        check_destination(ctx, uow, folder, target, copy=True)
        new_ids: dict[str, str] = {}
        top: Folder | None = None
        for source in (f for f in ctx.store.subtree(uow, folder) if not f.soft_deleted):
            new_ids[source.id] = ctx.ids.folder_id()
            copy = dataclasses.replace(source, id=new_ids[source.id], distinguished=None, version=1,
                                       parent_id=new_ids.get(source.parent_id or "", target.id),
                                       extended=dict(source.extended))
            ctx.store.insert_folder(uow, copy, ctx.now)
            top = top or copy
            for item_id in ctx.store.item_ids_in(uow, [source.id]):
                item = ctx.store.load_item(uow, item_id, source.mailbox)
                if item is None:  # gone since it was listed (a racing writer): the retry lists again
                    raise LostRace()
                ctx.store.copy_item(uow, item, copied(item, item_id=ctx.ids.item_id(), mailbox=copy.mailbox,
                                                      folder_id=copy.id), ctx.now)
        assert top is not None
        return top

    return with_retries(ctx, work)


OPERATION = PerElement(
    "CopyFolder", "implemented", "a folder with its subfolders and items, within its mailbox; every copy gets a new Id",
    parse=wire.parse, element=_copy_one, render=wire.render_success, container="Folders", prepare=prepare_move_copy)
