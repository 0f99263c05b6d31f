"""Folder requests for the folder-writing tests (CreateFolder, UpdateFolder, …): builders over the shared
harness (tests/harness.py's Ews records every response for schema validation)."""
from __future__ import annotations

from lxml import etree

from ewsemu.store import journal

from ..harness import Ews, Ref
from ..soap import NS, Response


def parent_xml(parent: Ref | str) -> str:
    return parent.xml("FolderId") if isinstance(parent, Ref) else f'<t:DistinguishedFolderId Id="{parent}"/>'


def create_folders(ews: Ews, parent: Ref | str, *folders: str, user: str | None = None) -> Response:
    return ews.call(f"<m:CreateFolder><m:ParentFolderId>{parent_xml(parent)}</m:ParentFolderId>"
                    f"<m:Folders>{''.join(folders)}</m:Folders></m:CreateFolder>", user=user)


def folder(name: str | None, element: str = "Folder", folder_class: str | None = None, extra: str = "") -> str:
    cls = f"<t:FolderClass>{folder_class}</t:FolderClass>" if folder_class else ""
    display = f"<t:DisplayName>{name}</t:DisplayName>" if name is not None else ""
    return f"<t:{element}>{cls}{display}{extra}</t:{element}>"


def create_folder(ews: Ews, parent: Ref | str, name: str, element: str = "Folder", **kw) -> Ref:
    r = create_folders(ews, parent, folder(name, element, **kw))
    assert r.codes() == ["NoError"], r.body
    el = r.xpath("//m:Folders/*/t:FolderId")[0]
    return Ref(el.get("Id"), el.get("ChangeKey"))


def get_folder(ews: Ews, *targets: Ref | str, shape: str = "AllProperties", additional: str = "") -> Response:
    extra = f"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" if additional else ""
    ids = "".join(parent_xml(t) for t in targets)
    return ews.call(f"<m:GetFolder><m:FolderShape><t:BaseShape>{shape}</t:BaseShape>{extra}</m:FolderShape>"
                    f"<m:FolderIds>{ids}</m:FolderIds></m:GetFolder>")


def read_folder(ews: Ews, target: Ref | str, **kw) -> etree._Element:
    r = get_folder(ews, target, **kw)
    assert r.codes() == ["NoError"], r.body
    return r.xpath("//m:Folders/*")[0]


def children(ews: Ews, parent: Ref | str) -> list[str]:
    r = ews.call(f'<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>Default</t:BaseShape>'
                 f"</m:FolderShape><m:ParentFolderIds>{parent_xml(parent)}</m:ParentFolderIds></m:FindFolder>")
    assert r.codes() == ["NoError"], r.body
    return [el.text for el in r.xpath("//t:Folders/*/t:DisplayName")]


def text(el: etree._Element, path: str) -> str | None:
    return el.findtext(path if ":" in path else f"t:{path}", namespaces=NS)


def journal_entries(emulator, after: int = 0) -> list[journal.JournalEntry]:
    with emulator.store.read() as conn:
        return journal.entries_after(conn, after)


def journal_head(emulator) -> int:
    with emulator.store.read() as conn:
        return journal.head(conn)


def folder_ids(ews: Ews, *targets: Ref | str) -> str:
    return "".join(parent_xml(t) for t in targets)


def add_message(ews: Ews, folder_ref: Ref, subject: str = "Hello", is_read: bool = False) -> Ref:
    read = f"<t:IsRead>{'true' if is_read else 'false'}</t:IsRead>"
    return ews.create("Message", f"<t:Subject>{subject}</t:Subject>{read}", md="SaveOnly",
                      folder=folder_ref.xml("FolderId"))


def counts(ews: Ews, target: Ref | str) -> tuple[str | None, str | None, str | None]:
    """TotalCount, ChildFolderCount, UnreadCount."""
    got = read_folder(ews, target, shape="Default")
    return text(got, "TotalCount"), text(got, "ChildFolderCount"), text(got, "UnreadCount")
