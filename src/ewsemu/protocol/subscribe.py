"""m:Subscribe -> one :class:`SubscriptionRequest` (pull, push or streaming); the Success message holds the
SubscriptionId and, for pull and push, the Watermark the subscription starts at."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from ..core import notifications as N
from ..core.errors import EwsError
from .folders import FolderRef, folder_refs
from .namespaces import local, m, t

_KINDS = {"PullSubscriptionRequest": N.PULL, "PushSubscriptionRequest": N.PUSH,
          "StreamingSubscriptionRequest": N.STREAMING}
#: what Exchange accepts as a push URL (ErrorInvalidPushSubscriptionUrl): http(s), 1 to 2082 characters
_MAX_URL = 2082


@dataclass(frozen=True)
class SubscriptionRequest:
    """``folders`` None is SubscribeToAllFolders; ``timeout`` (pull), ``status_frequency``, ``url`` and
    ``caller_data`` (push) are None for the other kinds."""

    kind: str
    folders: tuple[FolderRef, ...] | None
    event_types: tuple[str, ...]
    watermark: str | None = None
    timeout: int | None = None
    status_frequency: int | None = None
    url: str | None = None
    caller_data: str | None = None


@dataclass(frozen=True)
class SubscribeRequest:
    elements: list[SubscriptionRequest | EwsError]


@dataclass(frozen=True)
class Subscribed:
    subscription_id: str
    watermark: str | None


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if not 0 < len(url) <= _MAX_URL or parts is None or parts.scheme.lower() not in ("http", "https") \
            or not parts.netloc:
        raise EwsError("ErrorInvalidPushSubscriptionUrl")
    return url


def _one(el: etree._Element) -> SubscriptionRequest:
    kind = _KINDS[local(el.tag)]
    all_folders = el.get("SubscribeToAllFolders", "false").strip() in ("true", "1")
    container = el.find(t("FolderIds"))
    if all_folders == (container is not None):
        raise EwsError("ErrorInvalidSubscriptionRequest", message=(
            "A subscription names its folders (FolderIds) or sets SubscribeToAllFolders, not both or neither."))
    events = tuple(dict.fromkeys((e.text or "").strip() for e in el.find(t("EventTypes")) if isinstance(e.tag, str)))
    watermark = el.findtext(t("Watermark")) or el.findtext(m("Watermark"))  # exchangelib sends m:Watermark
    timeout = el.findtext(t("Timeout"))
    frequency = el.findtext(t("StatusFrequency"))
    url = el.findtext(t("URL"))
    return SubscriptionRequest(
        kind, None if all_folders else tuple(folder_refs(container)), events,
        watermark.strip() if watermark else None, int(timeout) if timeout else None,
        int(frequency) if frequency else None, _check_url(url) if url is not None else None,
        el.findtext(t("CallerData")))


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> SubscribeRequest:
    el = next(c for c in body if isinstance(c.tag, str))
    try:
        return SubscribeRequest([_one(el)])
    except EwsError as err:
        return SubscribeRequest([err])


def render_success(request: SubscribeRequest, value: Subscribed, msg: etree._Element) -> None:
    etree.SubElement(msg, m("SubscriptionId")).text = value.subscription_id
    if value.watermark is not None:
        etree.SubElement(msg, m("Watermark")).text = value.watermark
