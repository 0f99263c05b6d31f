"""GetFolder: one response message per requested folder, in request order, errors in-band.

exchangelib maps a mailbox with one GetFolder of thirty distinguished ids and then one of every folder it
found, so the first element resolves all of the request's folders and counts them in one query; each element
then answers with its own view or its own error.
"""
from __future__ import annotations

from ..core.errors import EwsError
from ..core.folders import Folder
from ..protocol import get_folder as wire
from ..protocol.folders import FolderRef, FolderView
from ..protocol.get_folder import GetFolderRequest
from .base import Batch, PerElement
from .folders import folder_views, prepare_folder_mailboxes, resolve_in_hierarchy

Outcome = FolderView | EwsError


def _resolve_all(batch: Batch[GetFolderRequest]) -> dict[FolderRef, Outcome]:
    resolved: dict[FolderRef, Folder | EwsError] = {}
    for ref in batch.request.elements:
        if isinstance(ref, FolderRef) and ref not in resolved:
            try:
                resolved[ref] = resolve_in_hierarchy(batch, ref)
            except EwsError as err:
                resolved[ref] = err
    found = [f for f in resolved.values() if isinstance(f, Folder)]
    views = iter(folder_views(batch, found, sizes=batch.request.props.wants_size))
    return {ref: next(views) if isinstance(f, Folder) else f for ref, f in resolved.items()}


def _get_one(batch: Batch[GetFolderRequest], ref: FolderRef) -> FolderView:
    outcome = batch.once("views", lambda: _resolve_all(batch))[ref]
    if isinstance(outcome, EwsError):
        raise outcome
    return outcome


OPERATION = PerElement(
    "GetFolder", "implemented",
    "every default folder of a mailbox and its archive, delegate access by t:Mailbox",
    parse=wire.parse, element=_get_one, render=wire.render_success, reads=True, prepare=prepare_folder_mailboxes)
