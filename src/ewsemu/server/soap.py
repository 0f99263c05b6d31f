"""spyne as a thin SOAP 1.1 shell (spec/spyne-notes.md, option B2). The only module that imports spyne.

spyne does the plumbing (dispatch on the body element's QName, fault -> HTTP 500, WSGI); our own lxml code
parses the envelope, validates it against wsdl/ (D21), runs the operation and writes the whole response
envelope, so element order, prefixes and fault shapes are exactly EWS's.
"""
from __future__ import annotations

import logging
import warnings

from lxml import etree

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from spyne import AnyXml, Application, ServiceBase, rpc
    from spyne.model.fault import Fault
    from spyne.protocol.soap import Soap11
    from spyne.server.wsgi import WsgiApplication

from ..core.errors import EwsError, SchemaViolation
from ..operations import OPERATIONS
from ..operations.context import Emulator, request_context
from ..protocol import responses
from ..protocol.envelope import Envelope, parse_envelope
from ..protocol.namespaces import M
from ..protocol.validation import is_known_header, validate

for _name in ("spyne", "spyne.protocol", "spyne.server", "spyne.application", "spyne.interface"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)
log = logging.getLogger("ewsemu.soap")

#: WSGI environ key where the router leaves the authenticated user (an SMTP address)
USER_KEY = "ewsemu.user"
MAX_CONTENT_LENGTH = 32 * 2**20


class EwsFault(Fault):
    """A whole-request failure; ``payload`` is the finished EWS fault envelope (D16)."""

    def __init__(self, error: SchemaViolation | EwsError) -> None:
        super().__init__(faultcode="Client", faultstring=str(error))
        self.error = error


class EwsSoap11(Soap11):
    def __init__(self, emulator: Emulator) -> None:
        super().__init__(validator=None)
        self.emulator = emulator

    def create_in_document(self, ctx, charset=None):  # noqa: ANN001 - spyne's signature
        data = ctx.in_string if isinstance(ctx.in_string, bytes) else b"".join(ctx.in_string)
        try:
            ctx.in_document = parse_envelope(data, lenient_namespaces=self.emulator.settings.lenient_namespaces)
        except SchemaViolation as err:
            raise EwsFault(err) from None

    def decompose_incoming_envelope(self, ctx, message=Soap11.REQUEST):  # noqa: ANN001
        envelope: Envelope = ctx.in_document
        try:
            validate(envelope.body)
            for header in envelope.headers:
                if is_known_header(header.tag):
                    validate(header)
        except SchemaViolation as err:
            raise EwsFault(err) from None
        ctx.in_header_doc = envelope.headers
        ctx.in_body_doc = envelope.body
        ctx.method_request_string = envelope.body.tag

    def deserialize(self, ctx, message):  # noqa: ANN001
        self.event_manager.fire_event("before_deserialize", ctx)
        ctx.in_header = None
        ctx.in_object = [ctx.in_document]
        self.event_manager.fire_event("after_deserialize", ctx)

    def serialize(self, ctx, message):  # noqa: ANN001
        self.event_manager.fire_event("before_serialize", ctx)
        if ctx.out_error is not None:
            error = ctx.out_error.error if isinstance(ctx.out_error, EwsFault) else EwsError(
                "ErrorInternalServerError")
            if not isinstance(ctx.out_error, EwsFault):
                log.error("internal error: %s", ctx.out_error)
            ctx.out_document = responses.fault(error)
        else:
            ctx.out_document = responses.envelope(ctx.out_object[0], self.emulator.settings.server_version)
        self.event_manager.fire_event("after_serialize", ctx)

    def create_out_string(self, ctx, charset=None):  # noqa: ANN001
        ctx.out_string = [ctx.out_document]


def _run(ctx) -> etree._Element:  # noqa: ANN001
    envelope: Envelope = ctx.in_document
    emulator: Emulator = ctx.app.emulator
    user = ctx.transport.req_env.get(USER_KEY, "")
    try:
        rctx = request_context(emulator, envelope, user)
        return OPERATIONS[envelope.operation](rctx)
    except (SchemaViolation, EwsError) as err:
        raise EwsFault(err) from None


def _method(name: str):  # noqa: ANN202
    def handler(ctx, _payload):  # noqa: ANN001, ANN202 - the payload is ctx.in_document
        return _run(ctx)

    handler.__name__ = name
    return rpc(AnyXml, _body_style="bare", _returns=AnyXml, _operation_name=name)(handler)


def build_wsgi(emulator: Emulator) -> WsgiApplication:
    service = type("ExchangeService", (ServiceBase,), {name: _method(name) for name in OPERATIONS})
    app = Application([service], tns=M, name="ExchangeServices",
                      in_protocol=EwsSoap11(emulator), out_protocol=EwsSoap11(emulator))
    app.emulator = emulator
    return WsgiApplication(app, max_content_length=MAX_CONTENT_LENGTH)
