"""m:CreateItem -> the items to create, typed; the response messages' content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from lxml import etree

from ..core.changes import FieldChange
from ..core.errors import EwsError
from ..core.item import Item
from .attachments_xml import NewAttachment, parse_attachments, render_infos
from ..core.responses import KINDS, ResponseObject
from .folders import FolderRef, target_folder
from .items import item_properties
from .namespaces import local, m, t
from .response_objects import parse_response_object


@dataclass(frozen=True)
class NewItem:
    """One item element: its type (``Task``, ``Message``, …) and its properties as SET changes, or the error
    decoding them gave, which the operation reports only after its own checks of the type and the request's
    attributes (an unknown type or a missing MessageDisposition is the answer first)."""

    item_type: str
    properties: Sequence[FieldChange] | EwsError
    #: the item's ``t:Attachments``, created with it
    attachments: tuple[NewAttachment, ...] = ()
    #: a response object (ReplyToItem, AcceptItem, …) in place of an item
    response: ResponseObject | EwsError | None = None


@dataclass(frozen=True)
class CreateItemRequest:
    message_disposition: str | None
    send_meeting_invitations: str | None
    saved_item_folder: FolderRef | None
    elements: list[NewItem]
    zone: dt.tzinfo = dt.timezone.utc


def _new_item(wrapper: etree._Element, zone: dt.tzinfo) -> NewItem:
    if local(wrapper.tag) in KINDS:
        try:
            response: ResponseObject | EwsError = parse_response_object(wrapper, zone)
        except EwsError as err:
            response = err
        return NewItem(local(wrapper.tag), (), response=response)
    attachments: tuple[NewAttachment, ...] = ()
    try:
        inner = wrapper.find(t("Attachments"))
        if inner is not None:
            attachments = parse_attachments(inner, zone, item_properties)
            wrapper.remove(inner)  # attached with the item, not a property value the engine sets
        properties: Sequence[FieldChange] | EwsError = item_properties(wrapper, zone)
    except EwsError as err:
        properties = err
    return NewItem(local(wrapper.tag), properties, attachments)


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> CreateItemRequest:
    items = body.find(m("Items"))
    return CreateItemRequest(
        message_disposition=body.get("MessageDisposition"),
        send_meeting_invitations=body.get("SendMeetingInvitations"),
        saved_item_folder=target_folder(body.find(m("SavedItemFolderId"))),
        elements=[_new_item(w, zone) for w in items if isinstance(w.tag, str)] if items is not None else [],
        zone=zone)


def render_success(request: CreateItemRequest, item: Item | None, msg: etree._Element) -> None:
    items = etree.SubElement(msg, m("Items"))
    if item is not None:  # a sent message returns no item (spec §3.2)
        el = etree.SubElement(items, t(item.item_type))
        etree.SubElement(el, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
        # the new attachments' ids, as Exchange answers them (exchangelib reads them from here)
        render_infos(el, item.values.get("item:Attachments", ()), request.zone, ids_only=True)
