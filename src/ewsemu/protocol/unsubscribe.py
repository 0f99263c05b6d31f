"""m:Unsubscribe -> the SubscriptionId; the Success message is empty."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.errors import EwsError
from .namespaces import m


@dataclass(frozen=True)
class UnsubscribeRequest:
    elements: list[str | EwsError]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> UnsubscribeRequest:
    return UnsubscribeRequest([(body.findtext(m("SubscriptionId")) or "").strip()])


def render_success(request: UnsubscribeRequest, value: None, msg: etree._Element) -> None:
    """Nothing beyond NoError."""
