"""m:ResolveNames -> the typed request; the resolutions -> m:ResolveNamesResponse.

One UnresolvedEntry, one response message: Success with one Resolution; Warning
``ErrorNameResolutionMultipleResults`` with every candidate (at most 100); Error
``ErrorNameResolutionNoResults`` without a ResolutionSet. ResolutionSet carries the paging attributes
(TotalItemsInView, IncludesLastItemInRange).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from ..core import fields as F
from ..core.errors import EwsError
from ..core.ids import IdFactory
from ..core.item import Item
from ..core.values import Mailbox
from .codecs import render_value
from .folders import FolderRef, folder_refs
from .items import Shape, render_item
from .namespaces import m, t
from .recipients import render_mailbox
from .responses import error, response_root

#: at most this many candidates come back for one name (Exchange's documented limit)
MAX_CANDIDATES = 100


@dataclass(frozen=True)
class ResolveNamesRequest:
    entry: str
    return_full_contact_data: bool
    search_scope: str
    contact_data_shape: str | None
    parent_folders: tuple[FolderRef, ...]
    zone: dt.tzinfo = field(compare=False, default=dt.timezone.utc)


@dataclass(frozen=True)
class Resolution:
    """One candidate: its mailbox, and the contact it came from (a stored contact, or a directory entry's
    contact data as an unsaved Contact); ``item_id`` for a stored contact or list."""

    mailbox: Mailbox
    contact: Item | None = None
    stored: bool = False
    item_id: tuple[str, str] | None = None
    owner: str = ""


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> ResolveNamesRequest:
    return ResolveNamesRequest(
        entry=body.findtext(m("UnresolvedEntry")) or "",
        return_full_contact_data=body.get("ReturnFullContactData", "false").strip() in ("true", "1"),
        search_scope=body.get("SearchScope", "ActiveDirectoryContacts"),
        contact_data_shape=body.get("ContactDataShape"),
        parent_folders=tuple(folder_refs(body.find(m("ParentFolderIds")))),
        zone=zone)


def _directory_contact(contact: Item, parent: etree._Element, zone: dt.tzinfo) -> None:
    """A directory entry's contact data: the Contact properties it has, in schema order, without an ItemId."""
    el = etree.SubElement(parent, t("Contact"))
    for f in F.fields_of("Contact"):
        value = contact.values.get(f.uri)
        if value is not None and f.kind not in (F.ITEMID, F.FOLDERID):
            render_value(f, value, el, zone)


def _resolution(request: ResolveNamesRequest, r: Resolution, parent: etree._Element) -> None:
    el = etree.SubElement(parent, t("Resolution"))
    mb = render_mailbox(r.mailbox, el)
    if r.item_id is not None:
        etree.SubElement(mb, t("ItemId"), Id=r.item_id[0], ChangeKey=r.item_id[1])
    if not request.return_full_contact_data or r.contact is None:
        return
    if r.stored:
        render_item(r.contact, Shape(request.contact_data_shape or "AllProperties"), el, request.zone,
                    IdFactory.change_key(r.contact.folder_id, 1), r.owner)
    else:
        _directory_contact(r.contact, el, request.zone)


def render(request: ResolveNamesRequest, found: list[Resolution] | EwsError) -> etree._Element:
    root, messages = response_root("ResolveNames")
    name = m("ResolveNamesResponseMessage")
    if isinstance(found, EwsError) or not found:
        error(messages, "ResolveNames", found if isinstance(found, EwsError)
              else EwsError("ErrorNameResolutionNoResults"))
        return root
    if len(found) == 1:
        msg = etree.SubElement(messages, name, ResponseClass="Success")
    else:
        msg = etree.SubElement(messages, name, ResponseClass="Warning")
        etree.SubElement(msg, m("MessageText")).text = EwsError("ErrorNameResolutionMultipleResults").message
    etree.SubElement(msg, m("ResponseCode")).text = (
        "NoError" if len(found) == 1 else "ErrorNameResolutionMultipleResults")
    if len(found) > 1:
        etree.SubElement(msg, m("DescriptiveLinkKey")).text = "0"
    shown = found[:MAX_CANDIDATES]
    rs = etree.SubElement(msg, m("ResolutionSet"), TotalItemsInView=str(len(shown)),
                          IncludesLastItemInRange="true" if len(shown) == len(found) else "false")
    for r in shown:
        _resolution(request, r, rs)
    return root
