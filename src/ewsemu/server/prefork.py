"""``--workers N``: N worker processes, each serving our waitress server on its own SO_REUSEPORT socket.

Why not gunicorn (which served ``--workers`` before): its gthread worker gives every open response a thread
until the response ends, so each GetStreamingEvents connection (up to 30 minutes) would hold one, and a few
open streams would starve ordinary requests. Each worker here runs exactly the server a single process runs
(server/connections.py, with the stream hub of server/streaming.py), so a stream costs a worker no thread.

What the master does (what gunicorn's did):

- forks the workers after the caller has migrated the database; each worker calls ``app_factory()`` after the
  fork, so every process opens its own engine and connection pool (a pool must never cross a fork);
- restarts a worker that dies (with a pause if workers keep dying at once, so a broken configuration does
  not spin);
- announces the server (``ready(url)``) once the first worker accepts connections;
- on SIGTERM or SIGINT shuts down gracefully: every worker stops accepting, closes its streams with
  ConnectionStatus Closed, finishes the requests it is serving (up to :data:`GRACE` seconds) and exits; the
  master then leaves. A worker still running after the grace is killed.

Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads connections over the workers. With
one shared socket, whichever worker wakes first accepts a burst of connections and, since EWS clients keep
them open (keep-alive), serves them alone for good while the other workers idle. The master keeps a bound
(not listening) socket on the port, so port 0 becomes one port for every worker and the port stays ours
while workers come and go. TLS is each worker's own terminator (server/connections.py).
"""
from __future__ import annotations

import logging
import os
import select
import signal
import socket
import sys
import threading
import time
from typing import Any, Callable


from . import heap, tls as tls_files
from .connections import create_server

log = logging.getLogger("ewsemu.workers")
#: seconds a stopping worker may take to finish its requests
GRACE = 10.0
#: a worker that dies within this many seconds of its start counts as failing at once
QUICK_DEATH = 2.0


def serve_workers(app_factory: Callable[[], Any], host: str, port: int, workers: int, threads: int = 8,
                  ready: Callable[[str], None] | None = None, tls: tls_files.TlsFiles | None = None) -> None:
    """Run the master until SIGTERM/SIGINT (see the module docstring)."""
    reserved, port = _reserve_port(host, port)
    url = f"{'https' if tls else 'http'}://{f'[{host}]' if ':' in host else host}:{port}/EWS/Exchange.asmx"
    ready_r, ready_w = os.pipe()
    children: dict[int, float] = {}  # pid -> start time
    stopping = False
    announced = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    try:
        def spawn() -> None:
            pid = os.fork()
            if pid == 0:  # the worker
                code = 1
                try:
                    for fd in (ready_r, wake_r, wake_w):
                        os.close(fd)
                    signal.set_wakeup_fd(-1)
                    reserved.close()
                    code = _worker(app_factory, host, port, threads, tls, ready_w)
                except BaseException:  # noqa: BLE001 - a worker never returns into the master's code
                    log.exception("worker %d failed", os.getpid())
                finally:
                    os._exit(code)
            children[pid] = time.monotonic()

        for _ in range(workers):
            spawn()
        failures = 0
        while not stopping:
            try:
                readable, _, _ = select.select([ready_r, wake_r], [], [], 1.0)
            except InterruptedError:
                readable = []
            if ready_r in readable and os.read(ready_r, 64) and not announced:
                announced = True
                if ready is not None:
                    ready(url)
            if wake_r in readable:
                os.read(wake_r, 4096)
            for pid, status in _reap():
                started = children.pop(pid, None)
                if started is None or stopping:
                    continue
                log.warning("worker %d exited (%s); starting another", pid, _describe(status))
                failures = failures + 1 if time.monotonic() - started < QUICK_DEATH else 0
                if failures > workers:
                    time.sleep(min(5.0, 0.2 * failures))  # workers die as they start: do not spin
                spawn()
        _stop_workers(children)
    finally:
        signal.set_wakeup_fd(-1)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for fd in (ready_r, ready_w, wake_r, wake_w):
            os.close(fd)
        reserved.close()


def _reap() -> list[tuple[int, int]]:
    done = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        done.append((pid, status))


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"status {os.waitstatus_to_exitcode(status)}"


def _stop_workers(children: dict[int, float]) -> None:
    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + GRACE + 2
    while children and time.monotonic() < deadline:
        for pid, _ in _reap():
            children.pop(pid, None)
        time.sleep(0.05)
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in list(children):
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _worker(app_factory: Callable[[], Any], host: str, port: int, threads: int,
            tls: tls_files.TlsFiles | None, ready_w: int) -> int:
    """One worker process: its own app (engine, pool, stream hub), its own listening socket, until SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the master decides
    app = app_factory()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    server = create_server(app, host=host, port=port, threads=threads,
                           tls_context=tls.server_context() if tls else None, sock=sock)

    def graceful(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            server.trigger.pull_trigger(lambda: _stop_accepting(server))
        except OSError:
            pass
        threading.Thread(target=_drain, args=(server, app), daemon=True).start()

    signal.signal(signal.SIGTERM, graceful)
    os.write(ready_w, b"R")
    os.close(ready_w)
    heap.settle()
    server.run()
    close = getattr(app, "close", None)
    if close is not None:
        close()
    return 0


def _stop_accepting(server: Any) -> None:
    """In the loop thread: no more connections for this worker (the others, or a restarted server, take them)."""
    server.accepting = False
    server.del_channel()
    server.socket.close()


def _drain(server: Any, app: Any) -> None:
    """End the streams (ConnectionStatus Closed), let the request threads finish what they serve, give the loop
    a moment to flush, then close everything, which ends the loop."""
    streams = getattr(app, "streams", None)
    if streams is not None:
        streams.stop()
    server.task_dispatcher.shutdown(timeout=GRACE)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(
            channel.total_outbufs_len for channel in list(server.active_channels.values())):
        time.sleep(0.02)
    try:
        server.close_all()
    except OSError:
        pass
    sys.stderr.flush()


def _reserve_port(host: str, port: int) -> tuple[socket.socket, int]:
    """Bind (without listening) a SO_REUSEPORT socket: it turns port 0 into a concrete port and keeps that
    port ours while workers come and go; only listening sockets receive connections."""
    reserved = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    reserved.bind((host, port))
    return reserved, reserved.getsockname()[1]
