"""ewsemu: a faithful, fast emulator of Microsoft Exchange Web Services, centred on UpdateItem for tasks."""
from __future__ import annotations

__version__ = "0.1.0"  # the one place: the wheel's metadata (pyproject: dynamic), the CLI and the REST API read it


def __getattr__(name: str):  # lazy, so importing ewsemu.core never pulls in spyne or waitress
    if name == "ThreadedServer":
        from .server.http import ThreadedServer

        return ThreadedServer
    raise AttributeError(name)
