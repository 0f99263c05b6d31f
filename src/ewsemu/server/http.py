"""Serving over HTTP with waitress: in a thread (tests, the pytest plugin) or in the foreground (CLI)."""
from __future__ import annotations

import threading
from typing import Any

from waitress.server import create_server

from ..operations.context import Emulator, Settings
from .auth import Authenticator
from .wsgi import make_app


class ThreadedServer:
    """An in-process ewsemu on a free port: ``start()``, ``url``, ``stop()``, or use it as a context manager."""

    def __init__(self, port: int = 0, database: str = "sqlite://", host: str = "127.0.0.1", *,
                 settings: Settings | None = None, emulator: Emulator | None = None,
                 authenticator: Authenticator | None = None, threads: int = 8) -> None:
        self.emulator = emulator or Emulator(settings or Settings(database=database))
        self.app = make_app(self.emulator, authenticator)
        self._server: Any = create_server(self.app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    @property
    def url(self) -> str:
        """The EWS endpoint URL."""
        return f"{self.base_url}/EWS/Exchange.asmx"

    def start(self) -> "ThreadedServer":
        self._thread = threading.Thread(target=self._server.run, name="ewsemu-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        # never join: a client's keep-alive socket would keep waitress's loop busy (spyne-notes §5)
        self._server.close()
        self.emulator.close()

    def __enter__(self) -> "ThreadedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(emulator: Emulator, host: str, port: int, threads: int = 8,
                  authenticator: Authenticator | None = None, ready: Any = None) -> None:
    server = create_server(make_app(emulator, authenticator), host=host, port=port, threads=threads)
    if ready is not None:
        ready(f"http://{server.effective_host}:{server.effective_port}/EWS/Exchange.asmx")
    try:
        server.run()
    finally:
        server.close()
