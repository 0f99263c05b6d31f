"""D36: a read-only property in CreateItem is ErrorInvalidPropertySet naming it, except item:StoreEntryId, which
Exchange documents as ignored on create; on UpdateItem every read-only property is ErrorInvalidPropertySet."""
from __future__ import annotations

from ..harness import Ews, assert_error, set_field
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS


def test_store_entry_id_in_create_item_is_ignored(ews: Ews) -> None:
    ref = ews.create("Task", "<t:Subject>s</t:Subject><t:StoreEntryId>AAECAw==</t:StoreEntryId>")
    task = ews.get(ref)
    assert task.findtext("t:Subject", namespaces=NS) == "s"
    assert task.find("t:StoreEntryId", NS) is None or task.findtext("t:StoreEntryId", namespaces=NS) != "AAECAw=="


def test_store_entry_id_in_update_item_is_refused(ews: Ews) -> None:
    ref = ews.create("Task", "<t:Subject>s</t:Subject>")
    r = ews.update(ref, set_field("item:StoreEntryId", "<t:StoreEntryId>AAECAw==</t:StoreEntryId>"))
    assert_error(r, "ErrorInvalidPropertySet", {"FieldURI": "item:StoreEntryId"}, container="Items")
    assert ews.get(ref).find("t:ItemId", NS).get("ChangeKey") == ref.ck  # nothing changed


def test_another_read_only_property_in_create_item_is_refused(ews: Ews) -> None:
    r = ews.create_response("Task", "<t:Subject>s</t:Subject><t:DateTimeCreated>2026-01-13T09:00:00Z"
                                    "</t:DateTimeCreated>")
    assert_error(r, "ErrorInvalidPropertySet", {"FieldURI": "item:DateTimeCreated"}, container="Items")
    assert ews.find("tasks") == []
