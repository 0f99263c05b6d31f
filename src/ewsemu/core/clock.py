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

    def advance(self, delta: dt.timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def reset(self) -> None:
        with self._lock:
            self._frozen, self._offset = None, dt.timedelta()

    def describe(self) -> dict[str, str]:
        with self._lock:
            mode = "frozen" if self._frozen is not None else ("offset" if self._offset else "real")
            offset = self._offset.total_seconds()
        return {"mode": mode, "now": self.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "offset_seconds": str(offset)}
