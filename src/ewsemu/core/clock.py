"""The one source of "now": injectable so recurring-task tests can freeze or advance time."""
from __future__ import annotations

import datetime as dt
import threading


class Clock:
    """Real time plus an optional offset, or a frozen instant. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: dt.datetime | None = None
        self._offset = dt.timedelta()

    def now(self) -> dt.datetime:
        """Current UTC time, truncated to whole seconds (EWS date-times carry no fractions, D18)."""
        with self._lock:
            base = self._frozen if self._frozen is not None else dt.datetime.now(dt.timezone.utc) + self._offset
        return base.replace(microsecond=0)

    def freeze(self, at: dt.datetime) -> None:
        with self._lock:
            self._frozen = at.astimezone(dt.timezone.utc)

    def offset(self, delta: dt.timedelta) -> None:
        with self._lock:
            self._frozen, self._offset = None, delta

    def set(self, at: dt.datetime) -> None:
        """Jump to ``at`` and keep running from there (an offset from real time)."""
        with self._lock:
            self._frozen, self._offset = None, at - dt.datetime.now(dt.timezone.utc)

    def advance(self, delta: dt.timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def reset(self) -> None:
        with self._lock:
            self._frozen, self._offset = None, dt.timedelta()

    def state(self) -> tuple[dt.datetime | None, dt.timedelta]:
        """The frozen instant (None when running) and the offset from real time: what another process needs to
        keep the same time (:meth:`restore`)."""
        with self._lock:
            return self._frozen, self._offset

    def restore(self, frozen: dt.datetime | None, offset: dt.timedelta) -> None:
        with self._lock:
            self._frozen, self._offset = frozen, offset

    def describe(self) -> dict[str, str]:
        with self._lock:
            mode = "frozen" if self._frozen is not None else ("offset" if self._offset else "real")
            offset = self._offset.total_seconds()
        return {"mode": mode, "now": self.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "offset_seconds": str(offset)}


_UNITS = {"w": dt.timedelta(weeks=1), "d": dt.timedelta(days=1), "h": dt.timedelta(hours=1),
          "m": dt.timedelta(minutes=1), "s": dt.timedelta(seconds=1)}


def parse_duration(text: str) -> dt.timedelta:
    """``+3d``, ``-2h``, ``1d12h``, ``90m``, ``30s`` or plain seconds -> a timedelta (the ``--clock`` syntax)."""
    raw = text.strip().lower()
    sign = -1 if raw.startswith("-") else 1
    body = raw.lstrip("+-")
    if body.replace(".", "", 1).isdigit():
        return sign * dt.timedelta(seconds=float(body))
    total, number = dt.timedelta(), ""
    for ch in body:
        if ch.isdigit():
            number += ch
        elif ch in _UNITS and number:
            total, number = total + int(number) * _UNITS[ch], ""
        else:
            raise ValueError(f"not a duration: {text!r} (use e.g. +3d, -2h, 1d12h, 90m, 30s)")
    if number or not body:
        raise ValueError(f"not a duration: {text!r} (use e.g. +3d, -2h, 1d12h, 90m, 30s)")
    return sign * total


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 date-time; without a zone it is UTC (``2026-01-13T09:00:00Z``, ``2026-01-13``)."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 date-time: {text!r} (use e.g. 2026-01-13T09:00:00Z)") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def apply_spec(clock: Clock, spec: str) -> None:
    """Configure ``clock`` from a ``--clock`` spec: ``real``, ``frozen`` (at the current instant),
    ``frozen:2026-01-13T09:00:00Z`` or ``offset:+3d``. Raises ValueError on anything else."""
    mode, _, arg = spec.strip().partition(":")
    if mode == "real" and not arg:
        clock.reset()
    elif mode == "frozen":
        clock.freeze(parse_instant(arg) if arg else clock.now())
    elif mode == "offset" and arg:
        clock.offset(parse_duration(arg))
    else:
        raise ValueError(f"not a clock spec: {spec!r} (use real, frozen, frozen:2026-01-13T09:00:00Z or offset:+3d)")
