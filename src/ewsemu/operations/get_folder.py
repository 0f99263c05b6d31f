"""GetFolder: one response message per requested folder, in request order, errors in-band."""
from __future__ import annotations

from lxml import etree

from ..core.errors import EwsError
from ..core.folders import Folder
from ..protocol import responses
from ..protocol.folders import FolderView, named_mailbox, render_folder, wanted
from ..protocol.namespaces import m
from .access import check_delegate
from .common import parse_shape, reading, resolve_folder
from .base import Operation
from .context import RequestContext


def ensure_named_mailboxes(ctx: RequestContext, folder_ids: list[etree._Element]) -> None:
    """Create the mailboxes the request may open before the read transaction starts (creating one writes,
    and SQLite cannot nest that transaction in the read)."""
    for el in folder_ids:
        smtp = named_mailbox(el)
        if smtp is None:
            continue
        try:
            mailbox = check_delegate(ctx.settings.users, ctx.mailbox, smtp)
        except EwsError:
            continue  # resolve_folder answers this folder's message with the refusal
        ctx.store.ensure_mailbox(mailbox, now=ctx.now)


def folder_views(ctx: RequestContext, conn, found: list[Folder], known: dict[str, Folder]) -> list[FolderView]:
    """Count items, unread messages and child folders for ``found`` in three queries; ``known`` saves loading
    parents again."""
    ids = [f.id for f in found]
    totals = ctx.store.item_counts(conn, ids)
    unread = ctx.store.unread_counts(conn, ids)
    children = ctx.store.child_folder_counts(conn, ids)
    views = []
    for f in found:
        parent = None
        if f.parent_id is not None:
            parent = known.get(f.parent_id) or ctx.store.folder(conn, f.parent_id, f.mailbox)
        views.append(FolderView(f, parent, totals.get(f.id, 0), children.get(f.id, 0), unread.get(f.id, 0)))
    return views


def handle(ctx: RequestContext) -> etree._Element:
    body = ctx.envelope.body
    uris = wanted(parse_shape(body.find(m("FolderShape"))))
    targets = [el for el in body.find(m("FolderIds")) if isinstance(el.tag, str)]
    ensure_named_mailboxes(ctx, targets)
    root, messages = responses.response_root("GetFolder")
    with reading(ctx) as conn:
        for el in targets:
            try:
                folder = resolve_folder(conn, ctx, el)
            except EwsError as err:
                responses.error(messages, "GetFolder", err)
                continue
            (view,) = folder_views(ctx, conn, [folder], {})
            msg = responses.success(messages, "GetFolder")
            render_folder(view, uris, etree.SubElement(msg, m("Folders")))
    return root


OPERATION = Operation("GetFolder", handle, "implemented",
                      ("the distinguished folders of every mailbox, delegate access by t:Mailbox"))
