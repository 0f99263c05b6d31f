"""SyncFolderItems / SyncFolderHierarchy requests for the sync tests, over the shared harness (every response
recorded for schema validation), and what a page says."""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..harness import Ews, Ref
from ..soap import NS, Response
from .folder_calls import parent_xml


@dataclass(frozen=True)
class Change:
    kind: str  # Create, Update, Delete, ReadFlagChange
    id: str
    element: str | None = None  # t:Message, t:Folder, … (Create/Update)
    is_read: str | None = None


@dataclass(frozen=True)
class Page:
    response: Response
    state: str
    last: bool
    changes: list[Change]

    @property
    def kinds(self) -> list[tuple[str, str]]:
        return [(c.kind, c.id) for c in self.changes]


def sync_items_response(ews: Ews, folder: Ref | str, state: str | None = None, *, shape: str = "IdOnly",
                        additional: str = "", ignore: list[Ref] | None = None, max_changes: int | str = 100,
                        scope: str | None = None, user: str | None = None) -> Response:
    extra = f"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" if additional else ""
    state_xml = f"<m:SyncState>{state}</m:SyncState>" if state is not None else ""
    ignore_xml = f"<m:Ignore>{''.join(r.xml() for r in ignore)}</m:Ignore>" if ignore else ""
    scope_xml = f"<m:SyncScope>{scope}</m:SyncScope>" if scope else ""
    return ews.call(f"<m:SyncFolderItems><m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{extra}</m:ItemShape>"
                    f"<m:SyncFolderId>{parent_xml(folder)}</m:SyncFolderId>{state_xml}{ignore_xml}"
                    f"<m:MaxChangesReturned>{max_changes}</m:MaxChangesReturned>{scope_xml}</m:SyncFolderItems>",
                    user=user)


def sync_hierarchy_response(ews: Ews, folder: Ref | str | None = None, state: str | None = None, *,
                            shape: str = "IdOnly", additional: str = "", user: str | None = None) -> Response:
    extra = f"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" if additional else ""
    folder_xml = f"<m:SyncFolderId>{parent_xml(folder)}</m:SyncFolderId>" if folder is not None else ""
    state_xml = f"<m:SyncState>{state}</m:SyncState>" if state is not None else ""
    return ews.call(f"<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>{shape}</t:BaseShape>{extra}"
                    f"</m:FolderShape>{folder_xml}{state_xml}</m:SyncFolderHierarchy>", user=user)


def page_of(r: Response, last_name: str = "IncludesLastItemInRange") -> Page:
    assert r.status == 200, r.body
    assert r.codes() == ["NoError"], r.body
    msg = r.xpath("//m:ResponseMessages/*")[0]
    changes = []
    for el in msg.find("m:Changes", NS):
        kind = etree.QName(el).localname
        if kind in ("Create", "Update"):
            obj = el[0]
            id_el = obj.find("t:ItemId", NS)
            if id_el is None:
                id_el = obj.find("t:FolderId", NS)
            changes.append(Change(kind, id_el.get("Id"), etree.QName(obj).localname))
        else:
            id_el = el.find("t:ItemId", NS)
            if id_el is None:
                id_el = el.find("t:FolderId", NS)
            changes.append(Change(kind, id_el.get("Id"), None, el.findtext("t:IsRead", namespaces=NS)))
    return Page(r, msg.findtext("m:SyncState", namespaces=NS), msg.findtext(f"m:{last_name}", namespaces=NS) == "true",
                changes)


def sync_items(ews: Ews, folder: Ref | str, state: str | None = None, **kw) -> Page:
    return page_of(sync_items_response(ews, folder, state, **kw))


def sync_hierarchy(ews: Ews, folder: Ref | str | None = None, state: str | None = None, **kw) -> Page:
    return page_of(sync_hierarchy_response(ews, folder, state, **kw), "IncludesLastFolderInRange")


def sync_all(ews: Ews, folder: Ref | str, state: str | None = None, **kw) -> tuple[list[Change], str, int]:
    """Page until IncludesLastItemInRange: every change, the last state, the number of pages."""
    changes, pages = [], 0
    while True:
        page = sync_items(ews, folder, state, **kw)
        pages += 1
        changes.extend(page.changes)
        state = page.state
        if page.last:
            return changes, state, pages
