"""GetStreamingEvents at the WSGI level: the one operation whose response is not one SOAP document.

spyne writes one document per request, so the router hands a GetStreamingEvents request here instead (after
authentication, the body limits and the request faults, as for every EWS request). It parses and validates the
envelope as the SOAP shell does, lets the operation check the subscriptions (operations/get_streaming_events.py),
and then either answers the one error envelope, or sends the response headers (no Content-Length: chunked) and
hands the connection to the stream hub (server/streaming.py): under waitress through the task's hand-off
(server/connections.py), so the request thread is free at once; elsewhere through a :class:`QueueSink` that
holds the thread.

The ledger entry and the request-log line of a stream are written when it ends: the response is every
envelope it carried, the duration its whole life. The double's ``drop_stream`` fault fires when a stream
opens (double/faults.py).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..core.errors import EwsError, SchemaViolation
from ..double import faults, ledger
from ..double.environ import FAULTS_KEY, MAILBOX_KEY
from ..emulator import Emulator
from ..operations.get_streaming_events import NAME, OPERATION, Refused
from ..protocol import responses
from ..protocol.envelope import parse_envelope
from ..protocol.headers import parse_headers
from ..protocol.validation import is_known_header, validate
from . import request_log
from .connections import HANDOFF_KEY
from .limits import check_tree
from .soap import USER_KEY
from .streaming import QueueSink, Sink, StreamHub

#: WSGI environ key the router reads: this response is a stream, recorded when it ends
STREAMING_KEY = "ewsemu.streaming"
_HEADERS = [("Content-Type", "text/xml; charset=utf-8")]
StartResponse = Callable[..., object]


def is_streaming(body: bytes) -> bool:
    """Cheap first look: only a body naming the operation is parsed here."""
    return NAME.encode() in body


def serve(emulator: Emulator, hub: StreamHub, environ: dict, start_response: StartResponse,
          body: bytes) -> Iterable[bytes] | None:
    """The stream (or its refusal); None when the body is not a GetStreamingEvents request after all."""
    try:
        envelope = parse_envelope(body, lenient_namespaces=emulator.settings.lenient_namespaces)
    except (SchemaViolation, EwsError):
        return None  # the SOAP shell answers with its fault
    if envelope.operation != NAME:
        return None
    request_log.note(environ, operation=NAME)
    try:
        check_tree(envelope.body.getroottree().getroot(), emulator.settings.limits, body)
        validate(envelope.body)
        for header in envelope.headers:
            if is_known_header(header.tag):
                validate(header)
        ctx = emulator.request_context(parse_headers(envelope), environ.get(USER_KEY, ""),
                                       environ.setdefault(FAULTS_KEY, []))
        environ[MAILBOX_KEY] = ctx.mailbox
        opened = OPERATION.open(ctx, envelope.body, emulator.clock.now)
    except (SchemaViolation, EwsError) as err:
        data = responses.fault(err)
        request_log.note(environ, codes=[err.code])
        start_response("500 Internal Server Error", _HEADERS + [("Content-Length", str(len(data)))])
        return [data]
    if isinstance(opened, Refused):
        request_log.note(environ, codes=[_code(opened.envelope)])
        start_response("200 OK", _HEADERS + [("Content-Length", str(len(opened.envelope)))])
        return [opened.envelope]
    cut_after = None
    if emulator.faults.armed:
        fired = emulator.faults.fire(faults.STREAM_KINDS, "ews", NAME, [ctx.mailbox], [])
        if fired:
            faults.record(environ, fired)
            cut_after = fired[0].after
    environ[STREAMING_KEY] = True
    request_log.note(environ, codes=["NoError"])

    def on_end(how: str, sent: list[bytes]) -> None:
        ms = request_log.elapsed_ms(environ)
        status = "200 OK"
        request_log.emit(environ, status, environ.get(USER_KEY), ms)
        ledger.record_call(emulator, environ, "ews", environ.get(USER_KEY), status, _HEADERS, b"".join(sent), ms)

    timeout = opened.timeout_minutes * 60.0
    start_response("200 OK", list(_HEADERS))
    hand_off = environ.get(HANDOFF_KEY)
    if hand_off is not None:
        hand_off(lambda sink: _open(hub, opened, sink, timeout, on_end, cut_after))
        return []
    sink = QueueSink()
    _open(hub, opened, sink, timeout, on_end, cut_after)
    return sink.chunks()


def _open(hub: StreamHub, source: Any, sink: Sink, timeout: float, on_end: Callable[[str, list[bytes]], None],
          cut_after: int | None) -> None:
    try:
        hub.open(source, sink, timeout, on_end=on_end, cut_after=cut_after)
    except RuntimeError:  # the server is shutting down: the stream closes at once
        sink.end(source.closing())


def _code(envelope: bytes) -> str:
    start = envelope.find(b"<m:ResponseCode>") + len(b"<m:ResponseCode>")
    return envelope[start:envelope.find(b"</m:ResponseCode>", start)].decode()
