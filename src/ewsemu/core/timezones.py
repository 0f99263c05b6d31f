"""Request time zones (D23) and the date rules for task dates (D29).

Windows zone names (what ``TimeZoneContext`` carries) map to IANA through tzlocal's CLDR-generated table.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

from .errors import EwsError

UTC = dt.timezone.utc
_EXTRA = {"UTC": "UTC", "Coordinated Universal Time": "UTC"}


def zone_for_windows_id(windows_id: str | None) -> dt.tzinfo:
    """The IANA zone for a Windows time-zone Id; UTC when absent; ErrorTimeZone when unknown."""
    if not windows_id:
        return UTC
    name = _EXTRA.get(windows_id) or win_tz.get(windows_id)
    if name is None:
        raise EwsError("ErrorTimeZone", message=f"The time zone '{windows_id}' is not valid.")
    if name in ("UTC", "Etc/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:  # pragma: no cover - depends on the system tz database
        raise EwsError("ErrorTimeZone") from exc


def is_utc(zone: dt.tzinfo) -> bool:
    return zone is UTC


def task_date_from_wire(value: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """D29: convert to the request's zone; midnight there gives that date; otherwise a value that is
    midnight in its own offset (exchangelib's ``YYYY-MM-DDT00:00:00Z``) gives its literal date; otherwise
    the date in the request's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    local = value.astimezone(zone)
    if local.time() == dt.time(0):
        return local.date()
    if value.time() == dt.time(0):
        return value.date()
    return local.date()


def task_date_to_wire(day: dt.date, zone: dt.tzinfo) -> str:
    """D29: local midnight of the request's zone with an explicit offset, ``Z`` for UTC."""
    if zone is UTC:
        return f"{day.isoformat()}T00:00:00Z"
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    return midnight.isoformat()


def today(now: dt.datetime, zone: dt.tzinfo) -> dt.date:
    return now.astimezone(zone).date()
