"""Sync clients' main loops end to end, with the failures they must survive injected by the test double:

* evolution-ews: SyncFolderItems (IdOnly, MaxChangesReturned=100) until IncludesLastItemInRange, GetItem on the
  ids; on ErrorInvalidSyncStateData it drops the state and resyncs from scratch; an item GetItem cannot find is
  dropped. Its copy must converge on the folder's content.
* Thunderbird: SyncFolderHierarchy (IdOnly) until IncludesLastFolderInRange, GetFolder on the created and updated
  folders; its tree must converge on the mailbox's.
* exchangelib's ``sync_items`` / ``sync_hierarchy`` generators, and zeep through the served WSDL.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ewsemu.control import ControlClient

from ..harness import Ews, Ref, ews, schema_valid_responses, set_field  # noqa: F401 (fixtures)
from ..operations.folder_calls import add_message, create_folder, parent_xml
from ..operations.sync_calls import sync_hierarchy_response, sync_items_response
from ..operations.test_move_copy import move
from ..operations.test_sync_folder_hierarchy import delete_folder, move_folder, rename_folder
from ..soap import NS

ALICE = "alice@example.com"


@dataclass
class EvolutionCache:
    """What evolution-ews keeps of one folder: its sync state and the items it fetched (id -> subject, read)."""

    state: str | None = None
    items: dict[str, tuple[str, str]] = field(default_factory=dict)
    resyncs: int = 0
    vanished: int = 0

    def sync(self, ews: Ews, folder: Ref) -> int:
        """One refresh: page to the end, fetch what changed; the number of pages."""
        pages = 0
        while True:
            r = sync_items_response(ews, folder, self.state, max_changes=100)
            pages += 1
            if r.codes() == ["ErrorInvalidSyncStateData"]:
                self.state, self.items = None, {}
                self.resyncs += 1
                continue
            assert r.codes() == ["NoError"], r.body
            fetch = []
            for change in r.xpath("//m:Changes/*"):
                kind = change.tag.split("}")[1]
                item_id = change.find(".//t:ItemId", NS).get("Id")
                if kind == "Delete":
                    self.items.pop(item_id, None)
                elif kind == "ReadFlagChange":  # handled like an Update
                    fetch.append(item_id)
                else:
                    fetch.append(item_id)
            self._fetch(ews, fetch)
            self.state = r.xpath("//m:SyncState")[0].text
            if r.xpath("//m:IncludesLastItemInRange")[0].text == "true":
                return pages

    def _fetch(self, ews: Ews, ids: list[str]) -> None:
        if not ids:
            return
        r = ews.get_response(*(Ref(i) for i in ids), shape="IdOnly",
                             additional='<t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="message:IsRead"/>')
        for item_id, msg in zip(ids, r.xpath("//m:GetItemResponseMessage")):
            if msg.findtext("m:ResponseCode", namespaces=NS) == "ErrorItemNotFound":
                self.items.pop(item_id, None)
                self.vanished += 1
                continue
            item = msg.find("m:Items/*", NS)
            self.items[item_id] = (item.findtext("t:Subject", namespaces=NS), item.findtext("t:IsRead", namespaces=NS))


def folder_content(ews: Ews, folder: Ref) -> dict[str, tuple[str, str]]:
    r = ews.call(f'<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
                 '<t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="message:IsRead"/>'
                 f"</t:AdditionalProperties></m:ItemShape><m:ParentFolderIds>{parent_xml(folder)}</m:ParentFolderIds>"
                 "</m:FindItem>")
    return {i.find("t:ItemId", NS).get("Id"): (i.findtext("t:Subject", namespaces=NS), i.findtext("t:IsRead", namespaces=NS))
            for i in r.xpath("//t:Items/*")}


def many(ews: Ews, folder: Ref, n: int, prefix: str) -> list[Ref]:
    items = "".join(f"<t:Message><t:Subject>{prefix}{i}</t:Subject><t:IsRead>false</t:IsRead></t:Message>"
                    for i in range(n))
    r = ews.call(f'<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId>{folder.xml("FolderId")}'
                 f"</m:SavedItemFolderId><m:Items>{items}</m:Items></m:CreateItem>")
    assert r.codes() == ["NoError"] * n
    return [Ref(e.get("Id")) for e in r.xpath("//m:Items/t:Message/t:ItemId")]


def test_the_evolution_loop_converges_through_resyncs_and_vanished_items(ews: Ews, control: ControlClient) -> None:
    inbox, other = create_folder(ews, "inbox", "Evo"), create_folder(ews, "inbox", "Elsewhere")
    items = many(ews, inbox, 250, "m")
    cache = EvolutionCache()
    assert cache.sync(ews, inbox) == 3  # 100 + 100 + 50
    assert cache.items == folder_content(ews, inbox)

    # a day's changes: new mail, deletions, edits, read flags, moves out and in
    many(ews, inbox, 30, "new")
    for item in items[:20]:
        assert ews.delete(item).codes() == ["NoError"]
    for item in items[20:30]:
        ews.update(item, set_field("item:Subject", "<t:Subject>edited</t:Subject>", "Message"), md="SaveOnly")
    for item in items[30:40]:
        ews.update(item, set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "Message"), md="SaveOnly")
    move(ews, *items[40:45], to=other.xml("FolderId"))
    outside = many(ews, other, 5, "in")
    move(ews, *outside, to=inbox.xml("FolderId"))
    cache.sync(ews, inbox)
    assert cache.items == folder_content(ews, inbox) and cache.resyncs == 0

    # Office 365's failures: a sync state it refuses, then items it reports that GetItem cannot find
    control.add_fault("invalid_sync_state", folder_id=inbox.id)
    control.add_fault("phantom_sync_item", folder_id=inbox.id, items=2)
    many(ews, inbox, 3, "late")
    cache.sync(ews, inbox)
    assert cache.resyncs == 1 and cache.vanished == 2
    assert cache.items == folder_content(ews, inbox) and len(cache.items) == 250 - 20 + 30 - 5 + 5 + 3
    kinds = [f["kind"] for e in control.ledger(operation="SyncFolderItems") for f in e["faults"]]
    assert kinds == ["invalid_sync_state", "phantom_sync_item"]


@dataclass
class ThunderbirdTree:
    """What Thunderbird keeps of the hierarchy: the sync state and each folder's (parent, name)."""

    state: str | None = None
    folders: dict[str, tuple[str, str]] = field(default_factory=dict)

    def sync(self, ews: Ews) -> None:
        while True:
            r = sync_hierarchy_response(ews, None, self.state)
            assert r.codes() == ["NoError"], r.body
            wanted = []
            for change in r.xpath("//m:Changes/*"):
                folder_id = change.find(".//t:FolderId", NS).get("Id")
                if change.tag.endswith("Delete"):
                    self.folders.pop(folder_id, None)
                else:
                    wanted.append(folder_id)
            if wanted:
                got = ews.call("<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
                               '<t:FieldURI FieldURI="folder:ParentFolderId"/><t:FieldURI FieldURI="folder:DisplayName"/>'
                               f"</t:AdditionalProperties></m:FolderShape><m:FolderIds>"
                               f"{''.join(Ref(i).xml('FolderId') for i in wanted)}</m:FolderIds></m:GetFolder>")
                for folder_id, el in zip(wanted, got.xpath("//m:Folders/*")):
                    self.folders[folder_id] = (el.find("t:ParentFolderId", NS).get("Id"),
                                               el.findtext("t:DisplayName", namespaces=NS))
            self.state = r.xpath("//m:SyncState")[0].text
            if r.xpath("//m:IncludesLastFolderInRange")[0].text == "true":
                return


def mailbox_tree(ews: Ews) -> dict[str, tuple[str, str]]:
    r = ews.call('<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape>'
                 '<t:AdditionalProperties><t:FieldURI FieldURI="folder:ParentFolderId"/>'
                 '<t:FieldURI FieldURI="folder:DisplayName"/></t:AdditionalProperties></m:FolderShape>'
                 '<m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>')
    return {f.find("t:FolderId", NS).get("Id"): (f.find("t:ParentFolderId", NS).get("Id"),
                                                  f.findtext("t:DisplayName", namespaces=NS))
            for f in r.xpath("//t:Folders/*")}


def test_the_thunderbird_hierarchy_loop_converges(ews: Ews) -> None:
    tree = ThunderbirdTree()
    tree.sync(ews)
    assert tree.folders == mailbox_tree(ews)
    projects = create_folder(ews, "inbox", "Projects")
    alpha, beta = create_folder(ews, projects, "Alpha"), create_folder(ews, projects, "Beta")
    create_folder(ews, alpha, "Notes")
    rename_folder(ews, beta, "Beta 2")
    move_folder(ews, alpha, "drafts")
    add_message(ews, beta)  # counts change: an Update
    tree.sync(ews)
    assert tree.folders == mailbox_tree(ews)
    delete_folder(ews, projects)
    move_folder(ews, alpha, "deleteditems")
    tree.sync(ews)
    assert tree.folders == mailbox_tree(ews)


def test_exchangelib_sync_items_and_sync_hierarchy(ewsemu_account) -> None:
    from exchangelib import Folder, Message

    account = ewsemu_account(ALICE)
    parent = Folder(parent=account.inbox, name="exl sync").save()
    assert list(parent.sync_hierarchy()) == [] and parent.folder_sync_state.startswith("H4sI")
    child = Folder(parent=parent, name="child").save()
    [(kind, f)] = list(parent.sync_hierarchy())
    assert (kind, f.id) == ("create", child.id)
    assert list(child.sync_items()) == []
    message = Message(folder=child, subject="hello", is_read=False).save()
    [(kind, item)] = list(child.sync_items())
    assert (kind, item.id, item.subject) == ("create", message.id, "hello")
    message.is_read = True
    message.save(update_fields=["is_read"])
    [(kind, (item_id, read))] = list(child.sync_items())
    assert (kind, item_id.id, read) == ("read_flag_change", message.id, True)
    messages = [Message(folder=child, subject=f"m{i}").save() for i in range(5)]
    child.item_sync_state = None
    assert sorted(i.id for _, i in child.sync_items(max_changes_returned=2)) == sorted(
        [message.id] + [m.id for m in messages])


def test_zeep_calls_sync_folder_items(server) -> None:
    from ewsemu.zeep import client

    zeep_client, service = client(server.base_url, user=ALICE)
    header = [zeep_client.get_element("{http://schemas.microsoft.com/exchange/services/2006/types}"
                                      "RequestServerVersion")(Version="Exchange2016")]
    answer = service.SyncFolderItems(ItemShape={"BaseShape": "IdOnly"},
                                     SyncFolderId={"DistinguishedFolderId": {"Id": "inbox"}},
                                     MaxChangesReturned=10, _soapheaders=header)
    [msg] = answer.body.ResponseMessages._value_1
    result = msg["SyncFolderItemsResponseMessage"]
    assert result.ResponseCode == "NoError" and result.SyncState.startswith("H4sI")
    assert result.IncludesLastItemInRange is True
