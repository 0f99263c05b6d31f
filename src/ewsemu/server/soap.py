"""spyne as a thin SOAP 1.1 shell (spec/spyne-notes.md, option B2); spyne itself comes from spyne_shell.

spyne does the plumbing (dispatch on the body element's QName, fault -> HTTP 500, WSGI); our own lxml code
parses the envelope, validates it against wsdl/ (D21), runs the operation and writes the whole response
envelope, so element order, prefixes and fault shapes are exactly EWS's.
"""
from __future__ import annotations

import logging

from lxml import etree

from ..core.errors import EwsError, SchemaViolation
from ..double import ledger
from ..double.environ import FAULTS_KEY, MAILBOX_KEY
from ..operations import OPERATIONS
from ..emulator import Emulator
from ..protocol import responses
from ..protocol.envelope import Envelope, parse_envelope
from ..protocol.headers import parse_headers
from ..protocol.namespaces import M, local
from ..protocol.operation_names import EWS_OPERATIONS
from ..protocol.validation import is_known_header, validate
from . import request_log
from .limits import check_tree
from .spyne_shell import AnyXml, Application, Fault, ServiceBase, Soap11, WsgiApplication, rpc

for _name in ("spyne", "spyne.protocol", "spyne.server", "spyne.application", "spyne.interface"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)
log = logging.getLogger("ewsemu.soap")

#: WSGI environ key where the router leaves the authenticated user (an SMTP address)
USER_KEY = "ewsemu.user"


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
            check_tree(ctx.in_document.body.getroottree().getroot(), self.emulator.settings.limits, data)
        except (SchemaViolation, EwsError) as err:
            raise EwsFault(err) from None

    def decompose_incoming_envelope(self, ctx, message=Soap11.REQUEST):  # noqa: ANN001
        envelope: Envelope = ctx.in_document
        request_log.note(ctx.transport.req_env, operation=envelope.operation)
        if self.emulator.ledger.enabled:
            ledger.note_item_ids(ctx.transport.req_env, envelope.body)
        try:
            _check_implemented(envelope.body)
            validate(envelope.body)
            for header in envelope.headers:
                if is_known_header(header.tag):
                    validate(header)
        except (SchemaViolation, EwsError) as err:
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
            request_log.note(ctx.transport.req_env, codes=[error.code])
        else:
            ctx.out_document = responses.envelope(ctx.out_object[0], self.emulator.settings.server_version)
            request_log.note(ctx.transport.req_env, codes=_response_codes(ctx.out_object[0]))
            if self.emulator.ledger.enabled:
                ledger.note_item_ids(ctx.transport.req_env, ctx.out_object[0])
        self.event_manager.fire_event("after_serialize", ctx)

    def create_out_string(self, ctx, charset=None):  # noqa: ANN001
        ctx.out_string = [ctx.out_document]


def _check_implemented(body: etree._Element) -> None:
    """Any body element of the EWS messages namespace that ewsemu does not implement gets a clear fault naming
    it, before schema validation (D37): never a fake success, and never ErrorInvalidRequest (exchangelib
    re-sends that once per API version). That includes the ``…Request``-named request elements of some
    operations (``GetUserOofSettingsRequest``) and names no operation has; an element of another namespace stays
    a schema fault, as in Exchange."""
    if body.tag in _SERVED_TAGS or not body.tag.startswith(f"{{{M}}}"):
        return
    name = local(body.tag)
    operation = name[: -len("Request")] if name.endswith("Request") and name not in EWS_OPERATIONS else name
    implemented = ", ".join(sorted(OPERATIONS))
    if operation in EWS_OPERATIONS:
        message = f"ewsemu does not implement the EWS operation '{operation}'; it implements {implemented}."
    else:
        message = f"'{name}' is no EWS operation ewsemu implements; it implements {implemented}."
    raise EwsError("ErrorInvalidOperation", message=message)


#: the request elements of the operations ewsemu serves
_SERVED_TAGS = frozenset(f"{{{M}}}{name}" for name in OPERATIONS)


def _response_codes(payload: etree._Element) -> list[str]:
    messages = payload.find(f"{{{M}}}ResponseMessages")
    return [msg.findtext(f"{{{M}}}ResponseCode") or "-" for msg in (messages if messages is not None else ())]


def _run(ctx) -> etree._Element:  # noqa: ANN001
    envelope: Envelope = ctx.in_document
    emulator: Emulator = ctx.app.emulator
    environ = ctx.transport.req_env
    user = environ.get(USER_KEY, "")
    try:
        # in-band faults (UpdateItem's conflict rule) are listed on the request's ledger entry
        rctx = emulator.request_context(parse_headers(envelope), user, environ.setdefault(FAULTS_KEY, []))
        environ[MAILBOX_KEY] = rctx.mailbox
        return OPERATIONS[envelope.operation](rctx, envelope.body)
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
    # the router reads and limits the body first (413); this is spyne's own backstop
    return WsgiApplication(app, max_content_length=emulator.settings.limits.max_request_bytes)
