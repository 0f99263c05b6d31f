"""Plain-old-XML Autodiscover (``POST /autodiscover/autodiscover.xml``, MS-OXDSCLI and MS-ASCMD): the
``outlook`` response schema (Outlook, exchangelib, most EWS libraries) and the ``mobilesync`` one
(ActiveSync clients), with Autodiscover's own errors: 600 for a malformed request, 601 for a response schema
ewsemu has no provider for, 500 for an address it does not know.
"""
from __future__ import annotations

import datetime as dt
import zlib
from typing import Callable

from lxml import etree

from ..protocol.responses import ServerVersion
from .settings import DEPLOYMENT_ID, MailboxInfo, Site, server_version_hex

RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_REQUEST = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
OUTLOOK = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
MOBILESYNC_REQUEST = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"
MOBILESYNC = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
Lookup = Callable[[str], "MailboxInfo | None"]


def answer(body: bytes, lookup: Lookup, site: Site, version: ServerVersion) -> bytes:
    """The response document for one request body (always HTTP 200, as Exchange answers POX errors)."""
    request = _parse(body)
    if request is None:
        return _error(None, 600, "Invalid Request")
    address, schema = request
    if schema not in (OUTLOOK, MOBILESYNC):
        return _error(None, 601, "The requested schema version is not supported.")
    mailbox = lookup(address)
    if mailbox is None:
        if schema == MOBILESYNC:
            return _mobilesync_error(address, "The email address can't be found.")
        return _error(schema, 500, "The email address can't be found.")
    return _outlook(mailbox, site, version) if schema == OUTLOOK else _mobilesync(mailbox, site)


def _parse(body: bytes) -> tuple[str, str] | None:
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        return None
    if etree.QName(root).localname != "Autodiscover" or root.nsmap.get(None) not in (OUTLOOK_REQUEST,
                                                                                      MOBILESYNC_REQUEST):
        return None
    ns = etree.QName(root).namespace
    address = root.findtext(f"{{{ns}}}Request/{{{ns}}}EMailAddress")
    schema = root.findtext(f"{{{ns}}}Request/{{{ns}}}AcceptableResponseSchema")
    if not address or not schema:
        return None
    return address.strip(), schema.strip()


def _document(schema: str | None) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{RESPONSE_NS}}}Autodiscover", nsmap={None: RESPONSE_NS})
    ns = schema or RESPONSE_NS
    response = etree.SubElement(root, f"{{{ns}}}Response", nsmap={None: ns})
    return root, response


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{etree.QName(parent).namespace}}}{name}", attrs)
    if text is not None:
        el.text = text
    return el


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _error(schema: str | None, code: int, message: str) -> bytes:
    root, response = _document(schema)
    now = dt.datetime.now(dt.timezone.utc)
    error = _sub(response, "Error", Time=now.strftime("%H:%M:%S.%f") + "0", Id=str(zlib.crc32(b"ewsemu")))
    _sub(error, "ErrorCode", str(code))
    _sub(error, "Message", message)
    _sub(error, "DebugData")
    return _serialize(root)


def _outlook(mailbox: MailboxInfo, site: Site, version: ServerVersion) -> bytes:
    root, response = _document(OUTLOOK)
    user = _sub(response, "User")
    _sub(user, "DisplayName", mailbox.display_name)
    _sub(user, "LegacyDN", mailbox.legacy_dn)
    _sub(user, "AutoDiscoverSMTPAddress", mailbox.smtp)
    _sub(user, "DeploymentId", DEPLOYMENT_ID)
    account = _sub(response, "Account")
    _sub(account, "AccountType", "email")
    _sub(account, "Action", "settings")
    _sub(account, "MicrosoftOnline", "False")
    ews, host = site.ews_url, site.hostname
    exch = _sub(account, "Protocol")
    _sub(exch, "Type", "EXCH")
    _sub(exch, "Server", f"{mailbox.server_guid}@{mailbox.smtp.partition('@')[2]}")
    _sub(exch, "ServerDN", f"{mailbox.legacy_dn.split('/cn=Recipients')[0]}/cn=Configuration/cn=Servers/cn={host}")
    _sub(exch, "ServerVersion", server_version_hex(version))
    _sub(exch, "AD", host)
    for name in ("ASUrl", "EwsUrl", "EmwsUrl", "OOFUrl"):
        _sub(exch, name, ews)
    _sub(exch, "ServerExclusiveConnect", "off")
    expr = _sub(account, "Protocol")
    _sub(expr, "Type", "EXPR")
    _sub(expr, "Server", host)
    _sub(expr, "SSL", "On" if site.ssl else "Off")
    _sub(expr, "AuthPackage", "Ntlm")
    for name in ("ASUrl", "EwsUrl", "EmwsUrl", "OOFUrl"):
        _sub(expr, name, ews)
    _sub(expr, "ServerExclusiveConnect", "on")
    _sub(expr, "CertPrincipalName", "None")
    _sub(expr, "GroupingInformation", "Default-First-Site-Name")
    web = _sub(account, "Protocol")
    _sub(web, "Type", "WEB")
    internal = _sub(web, "Internal")
    inner = _sub(internal, "Protocol")
    _sub(inner, "Type", "EXCH")
    _sub(inner, "ASUrl", ews)
    return _serialize(root)


def _mobilesync(mailbox: MailboxInfo, site: Site) -> bytes:
    root, response = _document(MOBILESYNC)
    _sub(response, "Culture", "en:us")
    user = _sub(response, "User")
    _sub(user, "DisplayName", mailbox.display_name)
    _sub(user, "EMailAddress", mailbox.smtp)
    settings = _sub(_sub(response, "Action"), "Settings")
    server = _sub(settings, "Server")
    url = f"{site.scheme}://{site.host}/Microsoft-Server-ActiveSync"
    _sub(server, "Type", "MobileSync")
    _sub(server, "Url", url)
    _sub(server, "Name", url)
    return _serialize(root)


def _mobilesync_error(address: str, message: str) -> bytes:
    root, response = _document(MOBILESYNC)
    _sub(response, "Culture", "en:us")
    _sub(_sub(response, "User"), "EMailAddress", address)
    error = _sub(_sub(response, "Action"), "Error")
    _sub(error, "Status", "2")
    _sub(error, "Message", message)
    _sub(error, "DebugData", "MailUser")
    return _serialize(root)

