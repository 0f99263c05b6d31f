"""m:GetEvents -> the SubscriptionId and Watermark; the Success message holds one m:Notification
(protocol/notification_xml.py renders it)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.errors import EwsError
from ..core.notifications import Notification
from .namespaces import m
from .notification_xml import Watermark, render_notification


@dataclass(frozen=True)
class EventsRequest:
    subscription_id: str
    watermark: str


@dataclass(frozen=True)
class GetEventsRequest:
    elements: list[EventsRequest | EwsError]


@dataclass(frozen=True)
class Events:
    notification: Notification
    watermark: Watermark


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> GetEventsRequest:
    return GetEventsRequest([EventsRequest((body.findtext(m("SubscriptionId")) or "").strip(),
                                           (body.findtext(m("Watermark")) or "").strip())])


def render_success(request: GetEventsRequest, value: Events, msg: etree._Element) -> None:
    render_notification(msg, value.notification, value.watermark)
