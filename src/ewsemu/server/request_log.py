"""The request log: one line per EWS request on the ``ewsemu.requests`` logger (level INFO).

    status=200 user=alice@example.com op=UpdateItem codes=NoError:2,ErrorItemNotFound:1 ms=3.4 auth=Basic

Credentials never reach it: the Authorization header is reduced to its scheme, and ``user`` is the
authenticated SMTP address (``-`` when there is none). The same fields are attached to the log record as
``record.ewsemu`` (a dict) for handlers that want them structured. The SOAP shell notes the operation and
the response codes in the WSGI environ; the router times the request and emits the line, so it costs one
``isEnabledFor`` check when the logger is off.
"""
from __future__ import annotations

import logging
import time
from collections import Counter

from ..double.environ import CODES_KEY, OPERATION_KEY, auth_scheme, note

log = logging.getLogger("ewsemu.requests")

START_KEY = "ewsemu.started"
__all__ = ["elapsed_ms", "emit", "note", "start"]


def start(environ: dict) -> None:
    environ[START_KEY] = time.perf_counter()


def _safe(text: str) -> str:
    """One token, printable: an open-mode user name is whatever the client sent, newlines included."""
    return "".join(c if c.isprintable() and not c.isspace() else "?" for c in text[:256]) or "-"


def _summary(codes: list[str]) -> str:
    return ",".join(f"{code}:{n}" for code, n in Counter(codes).items()) or "-"


def elapsed_ms(environ: dict) -> float | None:
    """Milliseconds since :func:`start` (the one measurement the log line and the ledger share)."""
    started = environ.get(START_KEY)
    return round((time.perf_counter() - started) * 1000, 1) if started is not None else None


def emit(environ: dict, status: str, user: str | None, ms: float | None = None) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    fields = {
        "status": int(status.split(" ", 1)[0]),
        "user": _safe(user or "-"),
        "op": environ.get(OPERATION_KEY, "-"),
        "codes": _summary(environ.get(CODES_KEY, [])),
        "ms": ms if ms is not None else elapsed_ms(environ),
        "auth": auth_scheme(environ),
    }
    log.info(" ".join(f"{k}={v}" for k, v in fields.items()), extra={"ewsemu": fields})
