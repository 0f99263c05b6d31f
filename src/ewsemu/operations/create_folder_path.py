"""CreateFolderPath: a chain of new folders, each level under the one before it, starting below ParentFolderId;
one response message per level. A level that fails leaves the ones after it without a parent
(ErrorParentFolderNotFound), as nothing below it can be created."""
from __future__ import annotations

from ..core.errors import EwsError
from ..core.folders import Folder
from ..protocol import create_folder_path as wire
from ..protocol.create_folder import NewFolder
from ..protocol.create_folder_path import CreateFolderPathRequest
from .base import Batch, PerElement
from .common import with_retries
from .context import RequestContext
from .create_folder import create_below
from .folders import ensure_named_mailboxes, parent_folder

_BROKEN = "broken"


def _prepare(ctx: RequestContext, request: CreateFolderPathRequest) -> None:
    ensure_named_mailboxes(ctx, [request.parent])


def _create_level(batch: Batch[CreateFolderPathRequest], new: NewFolder) -> Folder:
    ctx, state = batch.ctx, batch.state
    levels = batch.request.elements
    position = next(i for i, level in enumerate(levels) if level is new)
    if state.get(_BROKEN) or any(isinstance(level, EwsError) for level in levels[:position]):
        raise EwsError("ErrorParentFolderNotFound")

    def work(uow) -> Folder:
        return create_below(ctx, uow, state.get("parent") or parent_folder(uow, ctx, batch.request.parent), new)

    try:
        state["parent"] = with_retries(ctx, work)
    except EwsError:
        state[_BROKEN] = True
        raise
    return state["parent"]


OPERATION = PerElement(
    "CreateFolderPath", "implemented", "a chain of nested folders of any type, each level its own response message",
    parse=wire.parse, element=_create_level, render=wire.render_success, container="Folders", prepare=_prepare)
