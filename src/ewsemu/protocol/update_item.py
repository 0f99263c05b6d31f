"""m:UpdateItem -> typed ItemChanges, in document order (spec §1); the response messages' content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core import fields as F
from ..core.apply import Outcome
from ..core.changes import UNPARSED, Action, ConflictResolution, FieldChange, ItemChange
from ..core.errors import EwsError, SchemaViolation
from ..core.paths import IndexedFieldURI
from .contact_xml import entry_paths
from .folders import FolderRef, target_folder
from .items import decode_property, item_ref
from .namespaces import local, m, t
from .paths import PATH_TAGS, parse_path

_ACTIONS = {t(a.value): a for a in Action}
_ITEM_CHANGE = t("ItemChange")


@dataclass(frozen=True)
class UpdateItemRequest:
    conflict_resolution: ConflictResolution
    message_disposition: str | None
    send_meeting_invitations: str | None
    suppress_read_receipts: bool
    #: where a message sent with SendAndSaveCopy keeps its copy (else Sent Items)
    saved_item_folder: FolderRef | None
    #: the ItemChanges, each decoded on its own so one bad change fails alone (D22)
    elements: list[ItemChange | EwsError]


def parse(el: etree._Element, zone: dt.tzinfo, strict: bool) -> UpdateItemRequest:
    cr = el.get("ConflictResolution")
    if cr is None and strict:
        raise SchemaViolation("The required attribute 'ConflictResolution' is missing.", el.sourceline or 0)
    changes = el.find(m("ItemChanges"))
    return UpdateItemRequest(
        conflict_resolution=ConflictResolution(cr or "AutoResolve"),
        message_disposition=el.get("MessageDisposition"),
        send_meeting_invitations=el.get("SendMeetingInvitationsOrCancellations"),
        suppress_read_receipts=el.get("SuppressReadReceipts") in ("true", "1"),
        saved_item_folder=target_folder(el.find(m("SavedItemFolderId"))),
        elements=[_item_change(c, zone) for c in changes if c.tag == _ITEM_CHANGE] if changes is not None else [],
    )


def render_success(request: UpdateItemRequest, outcome: Outcome, msg: etree._Element) -> None:
    items = etree.SubElement(msg, m("Items"))
    if not outcome.sent:  # a sent message has left the folder: no item is returned (spec §3.2)
        item = outcome.response_item
        wrapper = etree.SubElement(items, t(item.item_type))
        etree.SubElement(wrapper, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    conflicts = etree.SubElement(msg, m("ConflictResults"))
    etree.SubElement(conflicts, t("Count")).text = str(outcome.conflicts)


def _field_change(el: etree._Element, zone: dt.tzinfo) -> FieldChange:
    action = _ACTIONS[el.tag]
    children = [c for c in el if isinstance(c.tag, str)]
    path = parse_path(next(c for c in children if c.tag in PATH_TAGS))
    if action is Action.DELETE:
        return FieldChange(action, path)
    wrapper = next((c for c in children if c.tag not in PATH_TAGS), None)
    if wrapper is None:
        return FieldChange(action, path)
    props = [c for c in wrapper if isinstance(c.tag, str)]
    wrapper_type = local(wrapper.tag)
    if len(props) != 1:
        # the engine only needs the count here (ErrorIncorrectUpdatePropertyCount)
        return FieldChange(action, path, UNPARSED, tuple(path for _ in props), wrapper_type)
    found_path, value = decode_property(wrapper_type, props[0], zone, hint=path)
    f = F.by_element(wrapper_type, local(props[0].tag))
    if isinstance(path, IndexedFieldURI) and f is not None and f.kind in F.DICTIONARY_KINDS:
        # a dictionary element holds entries: its "properties" are the entries (members) it carries
        return FieldChange(action, path, value, entry_paths(f, props[0]), wrapper_type)
    return FieldChange(action, path, value, (found_path,), wrapper_type)


def _item_change(el: etree._Element, zone: dt.tzinfo) -> ItemChange | EwsError:
    """Decode one ItemChange; value errors become this ItemChange's EwsError, not a fault."""
    children = [c for c in el if isinstance(c.tag, str)]
    target = item_ref(children[0])
    updates = el.find(t("Updates"))
    if updates is None:
        return EwsError("ErrorIncorrectUpdatePropertyCount")
    try:
        return ItemChange(target, tuple(_field_change(u, zone) for u in updates if u.tag in _ACTIONS))
    except EwsError as err:
        return err
