"""GetFolder: one response message per requested folder, in request order, errors in-band."""
from __future__ import annotations

from ..protocol import get_folder as wire
from ..protocol.folders import FolderRef, FolderView
from ..protocol.get_folder import GetFolderRequest
from .base import Batch, PerElement
from .folders import folder_views, prepare_folder_mailboxes, resolve_folder


def _get_one(batch: Batch[GetFolderRequest], ref: FolderRef) -> FolderView:
    folder = resolve_folder(batch.conn, batch.ctx, ref)
    (view,) = folder_views(batch.ctx, batch.conn, [folder], {})
    return view


OPERATION = PerElement(
    "GetFolder", "implemented", "the distinguished folders of every mailbox, delegate access by t:Mailbox",
    parse=wire.parse, element=_get_one, render=wire.render_success, reads=True, prepare=prepare_folder_mailboxes)
