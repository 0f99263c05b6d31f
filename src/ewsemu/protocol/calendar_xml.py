"""Calendar values: time zones and occurrence lists <-> :mod:`ewsemu.core.values`.

``t:StartTimeZone``/``t:EndTimeZone`` (TimeZoneDefinitionType) are read for their ``Id`` and ``Name``;
``t:MeetingTimeZone`` (Exchange 2007's TimeZoneType) for its ``TimeZoneName`` and ``BaseOffset``. The
periods and transitions a client may send are not kept (the Windows Id names the zone), so they are not
echoed either.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from lxml import etree

from ..core.values import DeletedOccurrence, OccurrenceInfo, TimeZoneRef
from .namespaces import t

MEETING_TIME_ZONE = "MeetingTimeZone"


def parse_time_zone(el: etree._Element) -> TimeZoneRef:
    if el.tag == t(MEETING_TIME_ZONE):
        return TimeZoneRef(name=el.get("TimeZoneName"), base_offset=el.findtext(t("BaseOffset")))
    return TimeZoneRef(id=el.get("Id"), name=el.get("Name"))


def render_time_zone(element: str, zone: TimeZoneRef, parent: etree._Element) -> etree._Element:
    el = etree.SubElement(parent, t(element))
    if element == MEETING_TIME_ZONE:
        if zone.name is not None:
            el.set("TimeZoneName", zone.name)
        if zone.base_offset is not None:
            etree.SubElement(el, t("BaseOffset")).text = zone.base_offset
        return el
    if zone.id is not None:
        el.set("Id", zone.id)
    if zone.name is not None:
        el.set("Name", zone.name)
    return el


Format = Callable[[dt.datetime], str]


def _occurrence(el: etree._Element, info: OccurrenceInfo, fmt: Format) -> None:
    etree.SubElement(el, t("ItemId"), Id=info.item_id, ChangeKey=info.change_key)
    etree.SubElement(el, t("Start")).text = fmt(info.start)
    etree.SubElement(el, t("End")).text = fmt(info.end)
    etree.SubElement(el, t("OriginalStart")).text = fmt(info.original_start)


def render_occurrence(element: str, info: OccurrenceInfo, parent: etree._Element, fmt: Format) -> etree._Element:
    el = etree.SubElement(parent, t(element))
    _occurrence(el, info, fmt)
    return el


def render_occurrences(element: str, infos: tuple[OccurrenceInfo, ...], parent: etree._Element,
                       fmt: Format) -> etree._Element:
    el = etree.SubElement(parent, t(element))
    for info in infos:
        _occurrence(etree.SubElement(el, t("Occurrence")), info, fmt)
    return el


def render_deleted_occurrences(element: str, deleted: tuple[DeletedOccurrence, ...], parent: etree._Element,
                               fmt: Format) -> etree._Element:
    el = etree.SubElement(parent, t(element))
    for occurrence in deleted:
        etree.SubElement(etree.SubElement(el, t("DeletedOccurrence")), t("Start")).text = fmt(
            occurrence.original_start)
    return el
