"""The ``m:Notification`` element, the one renderer of events: GetEvents puts it in its response message, push
delivery in ``m:SendNotification``, and GetStreamingEvents in ``m:Notifications`` (the streaming side calls
:func:`render_notification` once per Notification).

A :class:`~ewsemu.core.notifications.Notification` carries journal positions; ``watermark`` (a callable, the
operation's: ``operations.notifications.watermark_of``) turns each into the opaque signed token the wire shows.
Element order is the schema's: SubscriptionId, PreviousWatermark, MoreEvents, then the events, each Watermark,
TimeStamp, ItemId|FolderId, ParentFolderId, then UnreadCount (ModifiedEvent) or OldItemId|OldFolderId and
OldParentFolderId (MovedEvent, CopiedEvent).

Push delivery (``SendNotification``): :func:`send_notification` is the SOAP request ewsemu POSTs to a push
subscription's URL, as Exchange sends it (exchangelib's ``services/send_notification.py`` parses it), and
:func:`subscription_status` reads the receiver's ``SendNotificationResult/SubscriptionStatus`` answer.
"""
from __future__ import annotations

from typing import Callable

from lxml import etree

from ..core.notifications import COPIED, FOLDER, MODIFIED, MOVED, STATUS, Event, Notification
from .namespaces import M, SOAP, T, m, s, t
from .responses import XML_DECLARATION, ServerVersion

Watermark = Callable[[int], str]
_NSMAP = {"m": M, "t": T}


def _stamp(event: Event) -> str:
    return event.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(parent: etree._Element, tag: str, value: str, change_key: str | None) -> None:
    attrs = {"Id": value}
    if change_key:
        attrs["ChangeKey"] = change_key
    etree.SubElement(parent, t(tag), attrs)


def render_event(parent: etree._Element, event: Event, watermark: Watermark) -> etree._Element:
    el = etree.SubElement(parent, t(event.type))
    etree.SubElement(el, t("Watermark")).text = watermark(event.position)
    if event.type == STATUS:
        return el
    etree.SubElement(el, t("TimeStamp")).text = _stamp(event)
    folder = event.kind == FOLDER
    _id(el, "FolderId" if folder else "ItemId", event.id, event.change_key)
    _id(el, "ParentFolderId", event.parent_id, event.parent_change_key)
    if event.type == MODIFIED and folder and event.unread_count is not None:
        etree.SubElement(el, t("UnreadCount")).text = str(event.unread_count)
    if event.type in (MOVED, COPIED):
        _id(el, "OldFolderId" if folder else "OldItemId", event.old_id or event.id, None)
        _id(el, "OldParentFolderId", event.old_parent_id or event.parent_id, event.old_parent_change_key)
    return el


def render_notification(parent: etree._Element, notification: Notification, watermark: Watermark) -> etree._Element:
    """Append ``m:Notification`` to ``parent`` and return it."""
    el = etree.SubElement(parent, m("Notification"))
    etree.SubElement(el, t("SubscriptionId")).text = notification.subscription_id
    etree.SubElement(el, t("PreviousWatermark")).text = watermark(notification.previous)
    etree.SubElement(el, t("MoreEvents")).text = "true" if notification.more else "false"
    for event in notification.events:
        render_event(el, event, watermark)
    return el


def send_notification(notification: Notification, watermark: Watermark, version: ServerVersion) -> bytes:
    """The whole SOAP request of one push delivery."""
    env = etree.Element(s("Envelope"), nsmap={"soap": SOAP, **_NSMAP})
    header = etree.SubElement(env, s("Header"))
    etree.SubElement(header, t("RequestServerVersion"), Version=version.version)
    body = etree.SubElement(env, s("Body"))
    root = etree.SubElement(body, m("SendNotification"))
    messages = etree.SubElement(root, m("ResponseMessages"))
    msg = etree.SubElement(messages, m("SendNotificationResponseMessage"), ResponseClass="Success")
    etree.SubElement(msg, m("ResponseCode")).text = "NoError"
    render_notification(msg, notification, watermark)
    return XML_DECLARATION + etree.tostring(env, encoding="utf-8")


def subscription_status(body: bytes) -> str | None:
    """``OK`` or ``Unsubscribe`` from a receiver's answer (``m:SendNotificationResult/m:SubscriptionStatus`` in a
    SOAP envelope, or the bare element); None for anything else, which counts as a failed delivery."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    found = root.find(f".//{m('SendNotificationResult')}/{m('SubscriptionStatus')}")
    if found is None and root.tag == m("SendNotificationResult"):
        found = root.find(m("SubscriptionStatus"))
    status = (found.text or "").strip() if found is not None else ""
    return status if status in ("OK", "Unsubscribe") else None
