"""GetFolder: one response message per requested folder, in request order, errors in-band."""
from __future__ import annotations

from lxml import etree

from ..core.errors import EwsError
from ..protocol import responses
from ..protocol.folders import folder_refs, render_folder, wanted
from ..protocol.namespaces import m
from .common import parse_shape, reading
from .folders import ensure_named_mailboxes, folder_views, resolve_folder
from .base import unconverted
from .context import RequestContext


def handle(ctx: RequestContext, body: etree._Element) -> etree._Element:
    uris = wanted(parse_shape(body.find(m("FolderShape"))))
    targets = folder_refs(body.find(m("FolderIds")))
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


OPERATION = unconverted("GetFolder", handle, "implemented",
                      ("the distinguished folders of every mailbox, delegate access by t:Mailbox"))
