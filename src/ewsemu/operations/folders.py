"""The folders a request names: resolving a folder id (with delegate access to another mailbox), creating the
mailboxes the request names before its transaction, and the counted views GetFolder and FindFolder render.

A mailbox has about ninety folders (core.folder_tree), and exchangelib asks for thirty of them in one
GetFolder and for every folder in the next; so the operations that read many folders load the mailbox's
folders once per request (:class:`Hierarchy`) and count the items of all the folders they answer with in one
query (:func:`folder_views`), instead of a few queries per folder.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..core import ids
from ..core import query as Q
from ..core.changes import FieldChange
from ..core.errors import EwsError
from ..core.folder_tree import is_distinguished_id
from ..core.folders import Folder, same_name
from ..protocol.folders import FolderRef, FolderView, SearchRequest, search_restriction
from ..store.query import folder_sizes, search_counts
from .access import check_delegate
from .base import Batch, ElementRequest
from .context import RequestContext

#: the public folders' root: ewsemu has no public folders, and says so as Exchange Online does without any
_PUBLIC_FOLDERS_ROOT = "publicfoldersroot"


def _lookup(ctx: RequestContext, ref: FolderRef, by_key: Callable[[str, str], Folder | None],
            by_id: Callable[[str, str], Folder | None]) -> Folder:
    """The checks every folder id gets, then the folder from ``by_key(mailbox, distinguished id)`` or
    ``by_id(mailbox, FolderId)``."""
    if ref.distinguished:
        mailbox = check_delegate(ctx.settings.users, ctx.mailbox, ref.mailbox) if ref.mailbox else ctx.mailbox
        if ref.id == _PUBLIC_FOLDERS_ROOT:
            raise EwsError("ErrorNoPublicFolderReplicaAvailable")
        ctx.store.ensure_mailbox(mailbox, now=ctx.now)
        # a system folder's key (core.folder_tree) is no distinguished id, even if a request says it is
        folder = by_key(mailbox, ref.id) if is_distinguished_id(ref.id) else None
    else:
        if ids.classify_id(ref.id) != "folder":
            raise EwsError("ErrorCannotUseItemIdForFolderId")
        folder = by_id(ctx.mailbox, ref.id)
    if folder is None:
        raise EwsError("ErrorFolderNotFound")
    return folder


def resolve_folder(conn: Any, ctx: RequestContext, ref: FolderRef) -> Folder:
    """A ``t:FolderId`` or ``t:DistinguishedFolderId`` (optionally naming another mailbox) -> Folder."""
    return _lookup(ctx, ref, lambda mailbox, key: ctx.store.distinguished_folder(conn, mailbox, key),
                   lambda mailbox, folder_id: ctx.store.folder(conn, folder_id, mailbox))


def existing_folder(conn: Any, ctx: RequestContext, ref: FolderRef) -> Folder:
    """The folder a write names: as :func:`resolve_folder`, but a well-formed FolderId of a folder that does
    not exist (any more) is ErrorItemNotFound, as Exchange answers UpdateFolder, DeleteFolder and MoveFolder."""
    try:
        return resolve_folder(conn, ctx, ref)
    except EwsError as err:
        if err.code == "ErrorFolderNotFound" and not ref.distinguished:
            raise EwsError("ErrorItemNotFound") from None
        raise


@dataclass(frozen=True)
class Hierarchy:
    """Every folder of one mailbox, as one request read them: by id, by default-folder key, and each
    folder's children listed by name (FindFolder's order)."""

    by_id: dict[str, Folder]
    by_key: dict[str, Folder]
    children: dict[str, list[Folder]]

    @classmethod
    def of(cls, everything: Iterable[Folder]) -> Hierarchy:
        by_id, by_key, children = {}, {}, defaultdict(list)
        for f in sorted(everything, key=lambda f: (f.display_name.casefold(), f.id)):
            by_id[f.id] = f
            if f.distinguished is not None:
                by_key[f.distinguished] = f
            if f.parent_id is not None:
                children[f.parent_id].append(f)
        return cls(by_id, by_key, dict(children))

    def child_count(self, folder_id: str) -> int:
        return len(self.children.get(folder_id, ()))


def hierarchy(batch: Batch[Any], mailbox: str) -> Hierarchy:
    """The mailbox's folders, loaded once per request (one query)."""
    mailbox = mailbox.lower()
    return batch.once(("hierarchy", mailbox),
                      lambda: Hierarchy.of(batch.ctx.store.mailbox_folders(batch.conn, mailbox)))


def resolve_in_hierarchy(batch: Batch[Any], ref: FolderRef) -> Folder:
    """:func:`resolve_folder` from the request's loaded hierarchies rather than a query per folder."""
    return _lookup(batch.ctx, ref, lambda mailbox, key: hierarchy(batch, mailbox).by_key.get(key),
                   lambda mailbox, folder_id: hierarchy(batch, mailbox).by_id.get(folder_id))


def folder_views(batch: Batch[Any], found: list[Folder], sizes: bool = False) -> list[FolderView]:
    """``found`` with their counts: items and unread messages of all of them in one query, child folders and
    parents from the hierarchies."""
    folder_ids = list(dict.fromkeys(f.id for f in found))
    counts = batch.ctx.store.item_counts(batch.conn, folder_ids)
    size_of = folder_sizes(batch.conn, folder_ids) if sizes else {}
    views = []
    for f in found:
        tree = hierarchy(batch, f.mailbox)
        parent = tree.by_id.get(f.parent_id) if f.parent_id is not None else None
        held = counts.get(f.id)
        total, unread = (held.total, held.unread) if held else (0, 0)
        if f.search is not None:  # a search folder counts what its restriction finds, now
            total, unread = search_counts(batch.conn, f.mailbox, *search_scope(batch.ctx, batch.conn, f))
        views.append(FolderView(f, parent, total, tree.child_count(f.id), unread, size_of.get(f.id, 0)))
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


def destination(conn, ctx: RequestContext, ref: FolderRef | None) -> Folder:
    """MoveItem's, CopyItem's, MoveFolder's and CopyFolder's ToFolderId."""
    return target(conn, ctx, ref, "ErrorToFolderNotFound")


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
