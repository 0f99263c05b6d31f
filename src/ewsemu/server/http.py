"""Serving over HTTP or HTTPS: waitress in a thread (tests, the pytest plugin) or in the foreground (CLI);
``--workers N`` is server/prefork.py. Every request knows its TCP connection (server/connections.py), which
NTLM needs, and a GetStreamingEvents response leaves its request thread for the stream hub
(server/streaming.py)."""
from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any


from ..emulator import Emulator, Settings
from . import heap, tls as tls_files
from .auth import Authenticator
from .connections import create_server
from .wsgi import make_app


class ThreadedServer:
    """An in-process ewsemu on a free port: ``start()``, ``url``, ``stop()``, or use it as a context manager.

    ``tls=True`` serves HTTPS with a certificate from a throw-away CA (``ca_file``: its PEM, for
    ``REQUESTS_CA_BUNDLE``); ``tls=TlsFiles(...)`` uses given files.
    """

    def __init__(self, port: int = 0, database: str = "sqlite://", host: str = "127.0.0.1", *,
                 settings: Settings | None = None, emulator: Emulator | None = None,
                 authenticator: Authenticator | None = None, threads: int = 8,
                 tls: "bool | tls_files.TlsFiles" = False) -> None:
        self._tls_dir: Path | None = None
        if tls is True:
            self._tls_dir = Path(tempfile.mkdtemp(prefix="ewsemu-ca-"))
            tls = tls_files.generate(self._tls_dir, tls_files.server_names(host))
        self.tls: tls_files.TlsFiles | None = tls or None
        self.emulator = emulator or Emulator(settings or Settings(database=database))
        self.app = make_app(self.emulator, authenticator, ca_pem=self.tls.ca_pem() if self.tls else None)
        self._server: Any = create_server(self.app, host=host, port=port, threads=threads,
                                          tls_context=self.tls.server_context() if self.tls else None,
                                          clear_untrusted_proxy_headers=True)
        self._thread: threading.Thread | None = None

    @property
    def ca_file(self) -> Path | None:
        """The CA certificate clients must trust (HTTPS with a generated certificate), else None."""
        return self.tls.ca if self.tls is not None else None

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        host = self._server.effective_host
        return f"{scheme}://{f'[{host}]' if ':' in host else host}:{self._server.effective_port}"

    @property
    def url(self) -> str:
        """The EWS endpoint URL."""
        return f"{self.base_url}/EWS/Exchange.asmx"

    def start(self) -> "ThreadedServer":
        self._thread = threading.Thread(target=self._server.run, name="ewsemu-http", daemon=True)
        self._thread.start()
        self.emulator.start_push_delivery()
        return self

    def stop(self) -> None:
        # let the worker threads finish first, or one still completing a request pulls the closed trigger (EBADF);
        # then close every socket (keep-alive channels, the listener, the trigger) from inside the loop thread:
        # closing them from here races the loop's select() (EBADF in the loop thread), while an emptied map
        # ends the loop, so the thread can be joined (a client's keep-alive socket no longer keeps it busy)
        self.app.streams.stop()
        self._server.task_dispatcher.shutdown()
        if self._thread is not None and self._thread.is_alive():
            try:
                self._server.close_all()
            except OSError:  # the loop, awake from an earlier pull, ran the thunk between its append and our
                pass  # wake-up write: the trigger is already closed, and so is everything else
            self._thread.join(timeout=10)
        else:
            self._server.streams_io.close()
            self._server.close()
        self.emulator.close()
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
        if self.tls is not None and self.tls.cert.parent.name.startswith("ewsemu-tls-"):
            shutil.rmtree(self.tls.cert.parent, ignore_errors=True)

    def __enter__(self) -> "ThreadedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(emulator: Emulator, host: str, port: int, threads: int = 8,
                  authenticator: Authenticator | None = None, ready: Any = None,
                  tls: tls_files.TlsFiles | None = None) -> None:
    app = make_app(emulator, authenticator, ca_pem=tls.ca_pem() if tls else None)
    server = create_server(app, host=host, port=port, threads=threads,
                           tls_context=tls.server_context() if tls else None)
    emulator.start_push_delivery()
    if ready is not None:
        scheme, shown = "https" if tls else "http", server.effective_host
        ready(f"{scheme}://{f'[{shown}]' if ':' in shown else shown}:{server.effective_port}/EWS/Exchange.asmx")
    heap.settle()
    try:
        server.run()
    finally:
        app.streams.stop()
        server.streams_io.close()
        server.close()
