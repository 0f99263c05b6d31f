"""Using zeep (a WSDL-driven SOAP client) against ewsemu, or any EWS server.

zeep cannot emit members of an XSD substitution group: for the abstract ``t:Path`` of every EWS change
description it writes ``<t:Path xsi:type="t:PathToUnindexedFieldType" FieldURI=…/>``, which EWS (and ewsemu)
rightly reject as a schema violation. :class:`PathSubstitution` renames each such element after its ``xsi:type``
(spec/spyne-notes.md §4). :func:`client` builds a ready client from the served WSDL; because the EWS WSDL has no
``wsdl:service`` (neither Microsoft's nor ours), the service is bound to the endpoint explicitly::

    from ewsemu.zeep import client
    zc, service = client("http://127.0.0.1:8000")
    path = zc.get_type("{http://schemas.microsoft.com/exchange/services/2006/types}PathToUnindexedFieldType")
    service.UpdateItem(ConflictResolution="AutoResolve", ItemChanges=…)   # Path=path(FieldURI="item:Subject")

zeep is not a dependency of ewsemu; install it (``pip install zeep``) to use this module.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

try:
    import requests
    from zeep import Client, Plugin
    from zeep.transports import Transport
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("ewsemu.zeep needs zeep (pip install zeep==4.3.3)") from exc

TYPES = "http://schemas.microsoft.com/exchange/services/2006/types"
MESSAGES = "http://schemas.microsoft.com/exchange/services/2006/messages"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_PATH = f"{{{TYPES}}}Path"
#: the concrete element of the t:Path substitution group for each path type
CONCRETE_PATHS = {
    "PathToUnindexedFieldType": "FieldURI",
    "PathToIndexedFieldType": "IndexedFieldURI",
    "PathToExtendedFieldType": "ExtendedFieldURI",
}


def _type_name(el: etree._Element) -> str | None:
    """The local name of the element's ``xsi:type`` if it names a type in the EWS types namespace."""
    value = el.get(_XSI_TYPE)
    if value is None:
        return None
    prefix, _, name = value.rpartition(":")
    return name if el.nsmap.get(prefix or None) == TYPES else None


class PathSubstitution(Plugin):
    """Egress plugin: ``<t:Path xsi:type="t:PathTo…Type" …/>`` -> ``<t:FieldURI …/>`` (and the other two)."""

    def egress(self, envelope: etree._Element, http_headers: dict, operation: Any, binding_options: Any):
        for path in list(envelope.iter(_PATH)):
            concrete = CONCRETE_PATHS.get(_type_name(path) or "")
            if concrete is None:
                continue  # not something we know how to substitute: let the server say what is wrong
            path.tag = f"{{{TYPES}}}{concrete}"
            del path.attrib[_XSI_TYPE]
        return envelope, http_headers


def client(base_url: str, user: str = "alice@example.com", password: str = "secret",
           session: requests.Session | None = None) -> tuple[Client, Any]:
    """A zeep client for ``<base_url>/EWS/Services.wsdl`` and its service bound to ``<base_url>/EWS/Exchange.asmx``.

    ``user``/``password`` go out as HTTP Basic credentials (ewsemu's open authentication takes the user name as
    the mailbox; the default is the demo fixtures' mailbox). Pass ``session`` to control the transport yourself.
    """
    base = base_url.rstrip("/")
    if session is None:
        session = requests.Session()
        session.auth = (user, password)
    zc = Client(f"{base}/EWS/Services.wsdl", transport=Transport(session=session), plugins=[PathSubstitution()])
    service = zc.create_service(f"{{{MESSAGES}}}ExchangeServiceBinding", f"{base}/EWS/Exchange.asmx")
    return zc, service
