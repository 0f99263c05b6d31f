"""FindFolder: the sub-folders (Shallow) or the whole subtree (Deep) of each parent, filtered and paged.

One response message per parent folder, in request order. Siblings are listed by display name and a Deep
traversal is depth-first (a parent before its children), so pages are stable between requests.
"""
from __future__ import annotations

from collections import defaultdict

from lxml import etree

from ..core import query as Q
from ..core.errors import EwsError
from ..core.folders import Folder
from ..protocol import responses
from ..protocol.folders import folder_refs, folder_restriction, render_folder, wanted
from ..protocol.namespaces import m, t
from .common import parse_shape, reading
from .base import unconverted
from .context import RequestContext
from .folders import ensure_named_mailboxes, folder_views, resolve_folder


def _paging(body: etree._Element) -> Q.View:
    """The folder paging view, as FindItem's views (same semantics, other element names); none means all."""
    indexed = body.find(m("IndexedPageFolderView"))
    if indexed is not None:
        return Q.IndexedView(_int_attr(indexed, "MaxEntriesReturned"), int(indexed.get("Offset", "0")),
                             indexed.get("BasePoint") == "End")
    fractional = body.find(m("FractionalPageFolderView"))
    if fractional is not None:
        return Q.FractionalView(_int_attr(fractional, "MaxEntriesReturned"), int(fractional.get("Numerator", "0")),
                                int(fractional.get("Denominator", "0")))
    return Q.EVERYTHING


def _int_attr(el: etree._Element, name: str) -> int | None:
    value = el.get(name)
    return None if value is None else int(value)


def _attributes(position: dict[str, int | bool], total: int) -> dict[str, str]:
    out = {k: ("true" if v else "false") if isinstance(v, bool) else str(v) for k, v in position.items()}
    out["TotalItemsInView"] = str(total)
    return out


def _below(parent: Folder, everything: list[Folder], traversal: str) -> list[Folder]:
    if traversal == "SoftDeleted":  # deleting folders is not supported, so none is ever soft-deleted
        return []
    children: dict[str, list[Folder]] = defaultdict(list)
    for f in sorted(everything, key=lambda f: (f.display_name.casefold(), f.id)):
        if f.parent_id is not None:
            children[f.parent_id].append(f)
    if traversal == "Shallow":
        return children[parent.id]
    found: list[Folder] = []
    stack = list(reversed(children[parent.id]))
    while stack:
        f = stack.pop()
        found.append(f)
        stack.extend(reversed(children[f.id]))
    return found


def handle(ctx: RequestContext, body: etree._Element) -> etree._Element:
    traversal = body.get("Traversal", "Shallow")
    uris = wanted(parse_shape(body.find(m("FolderShape"))))
    paging = _paging(body)
    restriction = body.find(m("Restriction"))
    parents = folder_refs(body.find(m("ParentFolderIds")))
    ensure_named_mailboxes(ctx, parents)
    root, messages = responses.response_root("FindFolder")
    with reading(ctx) as conn:
        for el in parents:
            try:
                matches = folder_restriction(restriction) if restriction is not None else None
                parent = resolve_folder(conn, ctx, el)
                everything = ctx.store.mailbox_folders(conn, parent.mailbox)
                views = folder_views(ctx, conn, _below(parent, everything, traversal),
                                     {f.id: f for f in everything})
                if matches is not None:
                    views = [v for v in views if matches(v)]
                paging.check()
            except EwsError as err:
                responses.error(messages, "FindFolder", err)
                continue
            window = paging.window(len(views))
            msg = responses.success(messages, "FindFolder")
            attributes = _attributes(paging.position(len(views), window), len(views))
            folders = etree.SubElement(etree.SubElement(msg, m("RootFolder"), attributes), t("Folders"))
            for v in views[window.start:window.stop]:
                render_folder(v, uris, folders)
    return root


OPERATION = unconverted("FindFolder", handle, "implemented",
                      ("Shallow and Deep traversal, restrictions and paging over the distinguished folders (folders "
                       "cannot be created, so SoftDeleted finds none)"))
