"""m:GetStreamingEvents -> the subscription ids and the ConnectionTimeout, typed; the envelopes of a stream.

A stream is a chunked HTTP response of complete SOAP envelopes (D41), each a GetStreamingEventsResponse with
one GetStreamingEventsResponseMessage: a batch of notifications (``m:Notifications``, one ``t:Notification``
per subscription with events, rendered by protocol/notification_xml.py) with ``ConnectionStatus`` OK, a
keep-alive (only ``ConnectionStatus`` OK), the last one (``ConnectionStatus`` Closed), or an error
(ResponseCode, ``ErrorSubscriptionIds``, Closed: a stream never ends on an error without Closed).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from lxml import etree

from ..core.errors import EwsError
from ..core.notifications import Notification
from . import responses
from .namespaces import T, m, t
from .notification_xml import Watermark, render_notification
from .responses import ServerVersion

OK, CLOSED = "OK", "Closed"
_NAME = "GetStreamingEvents"


@dataclass(frozen=True)
class GetStreamingEventsRequest:
    subscription_ids: tuple[str, ...]
    #: minutes (1-30, a schema facet)
    connection_timeout: int


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> GetStreamingEventsRequest:
    ids = tuple((el.text or "").strip() for el in body.find(m("SubscriptionIds")).iter(t("SubscriptionId")))
    return GetStreamingEventsRequest(ids, int(body.findtext(m("ConnectionTimeout"))))


def _message(error: EwsError | None = None) -> tuple[etree._Element, etree._Element]:
    root, messages = responses.response_root(_NAME)
    msg = responses.success(messages, _NAME) if error is None else responses.error(messages, _NAME, error)
    return root, msg


def _status(msg: etree._Element, status: str) -> None:
    etree.SubElement(msg, m("ConnectionStatus")).text = status


def notifications(batch: Sequence[Notification], watermark: Watermark, version: ServerVersion) -> bytes:
    """One batch of events, ConnectionStatus OK."""
    root, msg = _message()
    container = etree.SubElement(msg, m("Notifications"))
    for notification in batch:
        # the array's items are types-namespace elements (t:NonEmptyArrayOfNotificationsType)
        render_notification(container, notification, watermark).tag = f"{{{T}}}Notification"
    _status(msg, OK)
    return responses.envelope(root, version)


def status(connection_status: str, version: ServerVersion) -> bytes:
    """A keep-alive (OK) or the last envelope (Closed)."""
    root, msg = _message()
    _status(msg, connection_status)
    return responses.envelope(root, version)


def failure(error: EwsError, subscription_ids: Sequence[str], version: ServerVersion) -> bytes:
    """An error for the request or for some of its subscriptions (``ErrorSubscriptionIds``): the stream ends."""
    root, msg = _message(error)
    if subscription_ids:
        ids = etree.SubElement(msg, m("ErrorSubscriptionIds"))
        for subscription_id in subscription_ids:
            # Exchange writes these in the messages namespace, though its schema types the array's items as
            # t:SubscriptionId; clients read m: (exchangelib's GetStreamingEvents), so m: it is
            etree.SubElement(ids, m("SubscriptionId")).text = subscription_id
    _status(msg, CLOSED)
    return responses.envelope(root, version)
