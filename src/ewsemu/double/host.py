"""What the test double needs from the emulator it serves: the composition root (:mod:`ewsemu.emulator`)
sits above the double and hands itself in, so nothing here imports it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..core.clock import Clock
from ..core.ids import IdFactory
from ..core.limits import Limits
from ..core.users import UserDirectory
from ..store.repository import Store

if TYPE_CHECKING:  # the double's own classes, named for the type checker only (no import cycle at run time)
    from .faults import FaultEngine
    from .ledger import RequestLedger


class HostSettings(Protocol):
    """The settings the double reads (:class:`ewsemu.emulator.Settings` has them)."""

    @property
    def seed(self) -> int | None: ...

    @property
    def users(self) -> UserDirectory | None: ...

    @property
    def limits(self) -> Limits: ...

    @property
    def lenient_namespaces(self) -> bool: ...


class Host(Protocol):
    """One emulator: its store, ids and clock, and the double's ledger and fault rules."""

    @property
    def settings(self) -> HostSettings: ...

    @property
    def store(self) -> Store: ...

    @property
    def ids(self) -> IdFactory: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def ledger(self) -> "RequestLedger": ...

    @property
    def faults(self) -> "FaultEngine": ...

    def reset_all(self) -> None: ...
