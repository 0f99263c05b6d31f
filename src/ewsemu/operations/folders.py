"""The folders a request names: resolving a folder id (with delegate access to another mailbox), creating the
mailboxes the request names before its transaction, and the counted views GetFolder and FindFolder render."""
from __future__ import annotations

from typing import Iterable

from ..core import ids
from ..core.errors import EwsError
from ..core.changes import FieldChange
from ..core.folders import Folder, same_name
from ..core import query as Q
from ..protocol.folders import FolderRef, FolderView, SearchRequest, search_restriction
from ..store.query import search_counts
from .access import check_delegate
from .base import ElementRequest
from .context import RequestContext


def resolve_folder(conn, ctx: RequestContext, ref: FolderRef) -> Folder:
    """A ``t:FolderId`` or ``t:DistinguishedFolderId`` (optionally naming another mailbox) -> Folder."""
    if ref.distinguished and ref.id == "publicfoldersroot":  # Exchange Online without public folders
        raise EwsError("ErrorNoPublicFolderReplicaAvailable")
    if ref.distinguished:
        mailbox = check_delegate(ctx.settings.users, ctx.mailbox, ref.mailbox) if ref.mailbox else ctx.mailbox
        ctx.store.ensure_mailbox(mailbox, now=ctx.now)
        folder = ctx.store.distinguished_folder(conn, mailbox, ref.id)
    else:
        if ids.classify_id(ref.id) != "folder":
            raise EwsError("ErrorCannotUseItemIdForFolderId")
        folder = ctx.store.folder(conn, ref.id, ctx.mailbox)
    if folder is None:
        raise EwsError("ErrorFolderNotFound")
    return folder


def existing_folder(conn, ctx: RequestContext, ref: FolderRef) -> Folder:
    """The folder a write names: as :func:`resolve_folder`, but a well-formed FolderId of a folder that does
    not exist (any more) is ErrorItemNotFound, as Exchange answers UpdateFolder, DeleteFolder and MoveFolder."""
    try:
        return resolve_folder(conn, ctx, ref)
    except EwsError as err:
        if err.code == "ErrorFolderNotFound" and not ref.distinguished:
            raise EwsError("ErrorItemNotFound") from None
        raise


def ensure_named_mailboxes(ctx: RequestContext, refs: Iterable[FolderRef | object]) -> None:
    """Create the mailboxes the request may open before its transaction starts (creating one writes, and
    SQLite cannot nest that transaction in another). Anything but a FolderRef (an element's parse error) is
    skipped."""
    for ref in refs:
        if not isinstance(ref, FolderRef) or ref.mailbox is None:
            continue
        try:
            mailbox = check_delegate(ctx.settings.users, ctx.mailbox, ref.mailbox)
        except EwsError:
            continue  # resolve_folder answers this folder's message with the refusal
        ctx.store.ensure_mailbox(mailbox, now=ctx.now)


def folder_views(ctx: RequestContext, conn, found: list[Folder], known: dict[str, Folder]) -> list[FolderView]:
    """Count items, unread messages and child folders for ``found`` in three queries; ``known`` saves loading
    parents again."""
    folder_ids = [f.id for f in found]
    totals = ctx.store.item_counts(conn, folder_ids)
    unread = ctx.store.unread_counts(conn, folder_ids)
    children = ctx.store.child_folder_counts(conn, folder_ids)
    views = []
    for f in found:
        parent = None
        if f.parent_id is not None:
            parent = known.get(f.parent_id) or ctx.store.folder(conn, f.parent_id, f.mailbox)
        total, unread_count = totals.get(f.id, 0), unread.get(f.id, 0)
        if f.search is not None:
            total, unread_count = search_counts(conn, f.mailbox, *search_scope(ctx, conn, f))
        views.append(FolderView(f, parent, total, children.get(f.id, 0), unread_count))
    return views


def search_scope(ctx: RequestContext, conn, folder: Folder) -> tuple[list[str], Q.Restriction]:
    """What a search folder shows: the folders it searches (its base folders, and with Deep traversal every
    folder below them, search folders and soft-deleted ones left out) and the restriction items must match.
    Computed when asked, so the contents are always current."""
    assert folder.search is not None
    scope: list[str] = []
    for base_id in folder.search.base_folder_ids:
        base = ctx.store.folder(conn, base_id, folder.mailbox)
        if base is None:
            continue
        tree = ctx.store.subtree(conn, base) if folder.search.traversal == "Deep" else [base]
        scope.extend(f.id for f in tree if f.search is None and not f.soft_deleted and f.id not in scope)
    return scope, search_restriction(folder.search, ctx.zone)


def prepare_folder_mailboxes(ctx: RequestContext, request: ElementRequest[FolderRef]) -> None:
    """A ``prepare`` for operations whose elements are folder ids: their mailboxes, before the transaction."""
    ensure_named_mailboxes(ctx, request.elements)


def target(conn, ctx: RequestContext, ref: FolderRef | None, missing: str) -> Folder:
    """The folder a write puts something into (ParentFolderId, ToFolderId): ``missing`` (the operation's
    code, ErrorParentFolderNotFound or ErrorToFolderNotFound) when the request names no folder there is."""
    if ref is None:
        raise EwsError(missing)
    try:
        return resolve_folder(conn, ctx, ref)
    except EwsError as err:
        if err.code in ("ErrorFolderNotFound", "ErrorItemNotFound"):
            raise EwsError(missing) from None
        raise


def parent_folder(conn, ctx: RequestContext, ref: FolderRef | None) -> Folder:
    """CreateFolder's and CreateFolderPath's ParentFolderId."""
    return target(conn, ctx, ref, "ErrorParentFolderNotFound")


def check_name_free(ctx: RequestContext, conn, parent: Folder, name: str, keep: str | None = None) -> None:
    """ErrorFolderExists if another child of ``parent`` (not ``keep``) has ``name``, case-insensitively."""
    if any(same_name(child.display_name, name) and child.id != keep
           for child in ctx.store.child_folders(conn, parent.id)):
        raise EwsError("ErrorFolderExists",
                       message=f"A folder with the specified name already exists., Could not create folder '{name}'.")


def base_folder_ids(conn, ctx: RequestContext, changes: Iterable[FieldChange]) -> tuple[str, ...] | None:
    """The resolved BaseFolderIds of the SearchParameters among ``changes``; None if there are none."""
    search = next((c.value for c in changes if isinstance(c.value, SearchRequest)), None)
    if search is None:
        return None
    return tuple(resolve_folder(conn, ctx, ref).id for ref in search.base_folders)
