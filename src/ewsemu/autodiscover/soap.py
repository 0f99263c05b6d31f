"""SOAP Autodiscover (``POST /autodiscover/autodiscover.svc``): GetUserSettings and GetDomainSettings, as
the EWS Managed API, its Java and JavaScript ports and exchangelib's SOAP discovery call them.

Request-level problems are the Response's ``ErrorCode`` (``InvalidRequest``); per-user ones the
UserResponse's (``InvalidUser``); a setting ewsemu has no value for is a ``UserSettingError``
(``SettingIsNotAvailable``, or ``InvalidSetting`` for a name Autodiscover does not define). A body that is
not a SOAP envelope or names another operation is a SOAP fault.
"""
from __future__ import annotations

from typing import Callable

from lxml import etree

from ..protocol.responses import ServerVersion
from .settings import (AUTODISCOVER_VERSION, MailboxInfo, Site, domain_settings, known_domain, user_settings)
from ..core.users import UserDirectory

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
A = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
WSA = "http://www.w3.org/2005/08/addressing"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ACTION = "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/"
MAX_USERS = 100  # Exchange's limit per GetUserSettings request
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
#: setting names the Autodiscover schema defines beyond those ewsemu answers (asking is not an error)
OTHER_USER_SETTINGS = frozenset("""
InternalWebClientUrls InternalEcpUrl InternalEcpVoicemailUrl InternalEcpEmailSubscriptionsUrl
InternalEcpTextMessagingUrl InternalEcpDeliveryReportUrl InternalEcpRetentionPolicyTagsUrl InternalEcpPublishingUrl
InternalOABUrl InternalUMUrl InternalWebClientUrls PublicFolderServer ExternalWebClientUrls ExternalEcpUrl
ExternalEcpVoicemailUrl ExternalEcpEmailSubscriptionsUrl ExternalEcpTextMessagingUrl ExternalEcpDeliveryReportUrl
ExternalEcpRetentionPolicyTagsUrl ExternalEcpPublishingUrl ExternalOABUrl ExternalUMUrl ExternalScpUrl
CrossOrganizationSharingEnabled AlternateMailboxes InternalPop3Connections ExternalPop3Connections
InternalImap4Connections ExternalImap4Connections InternalSmtpConnections ExternalSmtpConnections
InternalServerExclusiveConnect ExternalServerExclusiveConnect ExchangeRpcUrl ShowGalAsDefaultView
AutoDiscoverSMTPAddress InteropExternalEwsUrl ExternalEwsVersion InteropExternalEwsVersion
MobileMailboxPolicy ExternalPhotosUrl InternalPhotosUrl ExternalMailboxServerRequiresSSL
ExternalMailboxServerAuthenticationMethods EcpVoicemailUrlFragment EcpEmailSubscriptionsUrlFragment
EcpTextMessagingUrlFragment EcpDeliveryReportUrlFragment EcpRetentionPolicyTagsUrlFragment
EcpPublishingUrlFragment EcpPhotoUrlFragment EcpConnectUrlFragment EcpTeamMailboxUrlFragment
EcpTeamMailboxCreatingUrlFragment EcpTeamMailboxEditingUrlFragment EcpTeamMailboxHidingUrlFragment
SiteMailboxCreationURL EcpExtensionInstallationUrlFragment InternalServerUrl ExternalServerUrl
ExternalWebServicesUrl InternalRpcHttpServer InternalRpcHttpConnectivityRequiresSsl
InternalRpcHttpAuthenticationMethod ExternalServerExclusiveConnect ExternalRpcHttpServer
ExternalRpcHttpConnectivityRequiresSsl ExternalRpcHttpAuthenticationMethod MapiHttpEnabled
MapiHttpServerUrl ExternalMailboxServerAuthenticationMethods GroupingInformation
""".split())
Lookup = Callable[[str], "MailboxInfo | None"]


class SoapFault(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def answer(body: bytes, lookup: Lookup, users: UserDirectory | None, site: Site,
           version: ServerVersion) -> tuple[str, bytes]:
    """(HTTP status, response envelope) for one request body."""
    try:
        operation, request = _parse(body)
        if operation == "GetUserSettings":
            return "200 OK", _envelope(operation, _get_user_settings(request, lookup, site, version), version)
        return "200 OK", _envelope(operation, _get_domain_settings(request, users, site, version), version)
    except SoapFault as fault:
        return "500 Internal Server Error", _fault(fault)


def _parse(body: bytes) -> tuple[str, etree._Element]:
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as err:
        raise SoapFault("s:Client", f"The request is not well-formed XML: {err.msg}") from None
    if root.tag != f"{{{SOAP}}}Envelope":
        raise SoapFault("s:Client", "The request is not a SOAP 1.1 envelope.")
    body_el = root.find(f"{{{SOAP}}}Body")
    message = body_el[0] if body_el is not None and len(body_el) else None
    if message is None or message.tag not in (f"{{{A}}}GetUserSettingsRequestMessage",
                                              f"{{{A}}}GetDomainSettingsRequestMessage"):
        name = etree.QName(message).localname if message is not None else "(none)"
        raise SoapFault("a:ActionNotSupported", f"The operation {name} is not supported; ewsemu's Autodiscover "
                                                "serves GetUserSettings and GetDomainSettings.")
    operation = etree.QName(message).localname.removesuffix("RequestMessage")
    request = message.find(f"{{{A}}}Request")
    if request is None:
        raise SoapFault("s:Client", f"{operation}RequestMessage has no Request.")
    return operation, request


def _settings_requested(request: etree._Element) -> list[str]:
    return [(s.text or "").strip() for s in request.iterfind(f"{{{A}}}RequestedSettings/{{{A}}}Setting")]


def _get_user_settings(request: etree._Element, lookup: Lookup, site: Site,
                       version: ServerVersion) -> etree._Element:
    mailboxes = [(m.text or "").strip() for m in request.iterfind(f"{{{A}}}Users/{{{A}}}User/{{{A}}}Mailbox")]
    names = _settings_requested(request)
    problem = ("No users were specified in the request." if not mailboxes else
               f"The request contains more than {MAX_USERS} users." if len(mailboxes) > MAX_USERS else
               "No settings were requested." if not names else None)
    response = _response("GetUserSettings", "InvalidRequest" if problem else "NoError", problem or "")
    if problem:
        return response
    responses = etree.SubElement(response, f"{{{A}}}UserResponses")
    for address in mailboxes:
        user_response = etree.SubElement(responses, f"{{{A}}}UserResponse")
        mailbox = lookup(address)
        if mailbox is None:
            _text(user_response, "ErrorCode", "InvalidUser")
            _text(user_response, "ErrorMessage", f"Invalid user: '{address}'")
            etree.SubElement(user_response, f"{{{A}}}RedirectTarget", {f"{{{XSI}}}nil": "true"})
            etree.SubElement(user_response, f"{{{A}}}UserSettingErrors")
            etree.SubElement(user_response, f"{{{A}}}UserSettings")
            continue
        _text(user_response, "ErrorCode", "NoError")
        _text(user_response, "ErrorMessage", "No error.")
        etree.SubElement(user_response, f"{{{A}}}RedirectTarget", {f"{{{XSI}}}nil": "true"})
        values = user_settings(mailbox, site, version)
        errors = etree.SubElement(user_response, f"{{{A}}}UserSettingErrors")
        settings = etree.SubElement(user_response, f"{{{A}}}UserSettings")
        for name in dict.fromkeys(names):
            if name in values:
                setting = etree.SubElement(settings, f"{{{A}}}UserSetting", {f"{{{XSI}}}type": "StringSetting"})
                _text(setting, "Name", name)
                _text(setting, "Value", values[name])
            else:
                available = name in OTHER_USER_SETTINGS
                error = etree.SubElement(errors, f"{{{A}}}UserSettingError")
                _text(error, "ErrorCode", "SettingIsNotAvailable" if available else "InvalidSetting")
                _text(error, "ErrorMessage", f"User setting '{name}' is not available. " if available
                      else f"The requested setting '{name}' is invalid.")
                _text(error, "SettingName", name)
    return response


def _get_domain_settings(request: etree._Element, users: UserDirectory | None, site: Site,
                         version: ServerVersion) -> etree._Element:
    domains = [(d.text or "").strip() for d in request.iterfind(f"{{{A}}}Domains/{{{A}}}Domain")]
    names = _settings_requested(request)
    problem = ("No domains were specified in the request." if not domains else
               "No settings were requested." if not names else None)
    response = _response("GetDomainSettings", "InvalidRequest" if problem else "NoError", problem or "")
    if problem:
        return response
    responses = etree.SubElement(response, f"{{{A}}}DomainResponses")
    values = domain_settings(site, version)
    for domain in domains:
        domain_response = etree.SubElement(responses, f"{{{A}}}DomainResponse")
        if not known_domain(domain, users):
            _text(domain_response, "ErrorCode", "InvalidDomain")
            _text(domain_response, "ErrorMessage", f"The domain '{domain}' is not valid.")
            etree.SubElement(domain_response, f"{{{A}}}DomainSettingErrors")
            etree.SubElement(domain_response, f"{{{A}}}DomainSettings")
            continue
        _text(domain_response, "ErrorCode", "NoError")
        _text(domain_response, "ErrorMessage", "No error.")
        errors = etree.SubElement(domain_response, f"{{{A}}}DomainSettingErrors")
        settings = etree.SubElement(domain_response, f"{{{A}}}DomainSettings")
        for name in dict.fromkeys(names):
            if name in values:
                setting = etree.SubElement(settings, f"{{{A}}}DomainSetting",
                                           {f"{{{XSI}}}type": "DomainStringSetting"})
                _text(setting, "Name", name)
                _text(setting, "Value", values[name])
            else:
                error = etree.SubElement(errors, f"{{{A}}}DomainSettingError")
                _text(error, "ErrorCode", "InvalidSetting")
                _text(error, "ErrorMessage", f"The requested setting '{name}' is invalid.")
                _text(error, "SettingName", name)
        etree.SubElement(domain_response, f"{{{A}}}RedirectTarget", {f"{{{XSI}}}nil": "true"})
    return response


def _response(operation: str, code: str, message: str) -> etree._Element:
    message_el = etree.Element(f"{{{A}}}{operation}ResponseMessage", nsmap={None: A})
    response = etree.SubElement(message_el, f"{{{A}}}Response", nsmap={"i": XSI})
    _text(response, "ErrorCode", code)
    _text(response, "ErrorMessage", message)
    return response


def _text(parent: etree._Element, name: str, value: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{A}}}{name}")
    el.text = value
    return el


def _envelope(operation: str, response: etree._Element, version: ServerVersion) -> bytes:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"s": SOAP, "a": WSA})
    header = etree.SubElement(root, f"{{{SOAP}}}Header")
    action = etree.SubElement(header, f"{{{WSA}}}Action", {f"{{{SOAP}}}mustUnderstand": "1"})
    action.text = f"{ACTION}{operation}Response"
    info = etree.SubElement(header, f"{{{A}}}ServerVersionInfo", nsmap={"h": A, "i": XSI})
    for name, value in (("MajorVersion", version.major), ("MinorVersion", version.minor),
                        ("MajorBuildNumber", version.major_build), ("MinorBuildNumber", version.minor_build),
                        ("Version", AUTODISCOVER_VERSION)):
        etree.SubElement(info, f"{{{A}}}{name}").text = str(value)
    body = etree.SubElement(root, f"{{{SOAP}}}Body")
    body.append(response.getparent())
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _fault(fault: SoapFault) -> bytes:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"s": SOAP, "a": WSA})
    body = etree.SubElement(root, f"{{{SOAP}}}Body")
    el = etree.SubElement(body, f"{{{SOAP}}}Fault")
    etree.SubElement(el, "faultcode").text = fault.code
    etree.SubElement(el, "faultstring", {"{http://www.w3.org/XML/1998/namespace}lang": "en-US"}).text = str(fault)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
