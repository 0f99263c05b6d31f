"""CreateFolder: generic folders of any FolderClass, TasksFolder, CalendarFolder, ContactsFolder and SearchFolder
under a parent folder; one response message per folder, in request order, each atomic.

Sibling names are unique, case-insensitively (ErrorFolderExists, with the text exchangelib matches); the
parent's row is locked while its children are compared, so two racing requests cannot both create a name.
"""
from __future__ import annotations

from ..core.folder_apply import new_folder
from ..core.folders import Folder
from ..protocol import create_folder as wire
from ..protocol.create_folder import CreateFolderRequest, NewFolder
from ..protocol.folders import SearchRequest
from .base import Batch, PerElement
from .common import with_retries
from .context import RequestContext
from .folders import base_folder_ids, check_name_free, ensure_named_mailboxes, parent_folder


def _prepare(ctx: RequestContext, request: CreateFolderRequest) -> None:
    searches = [c.value for e in request.elements if isinstance(e, NewFolder) for c in e.properties
                if isinstance(c.value, SearchRequest)]
    ensure_named_mailboxes(ctx, [request.parent, *(ref for s in searches for ref in s.base_folders)])


def create_below(ctx: RequestContext, uow, parent: Folder, new: NewFolder) -> Folder:
    """The folder ``new`` describes, stored (and journaled) under ``parent``, whose row is locked while the
    names of its children are compared."""
    folder = new_folder(new.folder_type, new.properties, folder_id=ctx.ids.folder_id(), mailbox=parent.mailbox,
                        parent_id=parent.id, base_folder_ids=base_folder_ids(uow, ctx, new.properties))
    ctx.store.lock_folder(uow, parent.id)
    check_name_free(ctx, uow, parent, folder.display_name)
    ctx.store.insert_folder(uow, folder, ctx.now)
    return folder


def _create_one(batch: Batch[CreateFolderRequest], new: NewFolder) -> Folder:
    ctx = batch.ctx
    return with_retries(ctx, lambda uow: create_below(ctx, uow, parent_folder(uow, ctx, batch.request.parent), new))


OPERATION = PerElement(
    "CreateFolder", "implemented",
    ("Folder (any FolderClass), TasksFolder, CalendarFolder, ContactsFolder, SearchFolder (its SearchParameters"
     " kept and read back); DisplayName, FolderClass, PermissionSet and extended properties"),
    parse=wire.parse, element=_create_one, render=wire.render_success, container="Folders", prepare=_prepare)
