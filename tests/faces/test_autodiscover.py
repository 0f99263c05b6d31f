"""Autodiscover (issue 22): POX and SOAP, as Exchange answers them, with ewsemu's own URLs.

One HTTPS server with a users file for the module: its answers must name the EWS URL exactly as the client
reached it (scheme and Host header), and unknown users get Autodiscover's own errors.
"""
from __future__ import annotations

from typing import Iterator

import pytest
import requests
from lxml import etree

from ewsemu.autodiscover.pox import MOBILESYNC, OUTLOOK
from ewsemu.emulator import Settings
from ewsemu.server.http import ThreadedServer
from ewsemu.core.users import parse_users

ALICE = "alice@example.com"
AUTH = (ALICE, "alice-pw")
R = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
A = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
NS = {"r": R, "o": OUTLOOK, "ms": MOBILESYNC, "a": A, "s": "http://schemas.xmlsoap.org/soap/envelope/",
      "wsa": "http://www.w3.org/2005/08/addressing"}


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[ThreadedServer]:
    users = parse_users({"users": [{"smtp": ALICE, "password": "alice-pw", "display_name": "Alice Liddell"},
                                   {"smtp": "bob@example.com", "password": "bob-pw"}]})
    with ThreadedServer(settings=Settings(database=database_url, users=users), tls=True) as srv:
        srv.emulator.reset()
        yield srv


def call(server: ThreadedServer, path: str, body: bytes, auth: tuple[str, str] | None = AUTH,
         host: str | None = None) -> requests.Response:
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if host:
        headers["Host"] = host
    return requests.post(f"{server.base_url}{path}", data=body, auth=auth, headers=headers,
                         verify=str(server.ca_file), timeout=30)


def pox(server: ThreadedServer, address: str, schema: str = OUTLOOK, **kwargs: object) -> requests.Response:
    request_ns = schema.replace("responseschema/2006a", "requestschema/2006").replace(
        "responseschema/2006", "requestschema/2006")
    body = (f'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="{request_ns}"><Request>'
            f"<EMailAddress>{address}</EMailAddress><AcceptableResponseSchema>{schema}</AcceptableResponseSchema>"
            "</Request></Autodiscover>").encode()
    return call(server, "/autodiscover/autodiscover.xml", body, **kwargs)  # type: ignore[arg-type]


def soap(server: ThreadedServer, operation: str, inner: str, **kwargs: object) -> requests.Response:
    body = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{NS["s"]}" xmlns:a="{A}" '
            f'xmlns:wsa="{NS["wsa"]}"><soap:Header><a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>'
            f"<wsa:Action>http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/{operation}</wsa:Action>"
            f"</soap:Header><soap:Body><a:{operation}RequestMessage><a:Request>{inner}</a:Request>"
            f"</a:{operation}RequestMessage></soap:Body></soap:Envelope>").encode()
    return call(server, "/autodiscover/autodiscover.svc", body, **kwargs)  # type: ignore[arg-type]


def user_settings(server: ThreadedServer, users: list[str], settings: list[str], **kwargs: object):
    inner = ("<a:Users>" + "".join(f"<a:User><a:Mailbox>{u}</a:Mailbox></a:User>" for u in users) + "</a:Users>"
             "<a:RequestedSettings>" + "".join(f"<a:Setting>{s}</a:Setting>" for s in settings)
             + "</a:RequestedSettings>")
    r = soap(server, "GetUserSettings", inner, **kwargs)
    assert r.status_code == 200, r.text
    return etree.fromstring(r.content)


def test_pox_outlook_names_ewsemus_own_ews_url(server: ThreadedServer) -> None:
    r = pox(server, "Alice@Example.com")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/xml")
    doc = etree.fromstring(r.content)
    assert doc.xpath("/r:Autodiscover/o:Response/o:User/o:DisplayName/text()", namespaces=NS) == ["Alice Liddell"]
    assert doc.xpath("//o:User/o:AutoDiscoverSMTPAddress/text()", namespaces=NS) == [ALICE]
    assert doc.xpath("//o:Account/o:Action/text()", namespaces=NS) == ["settings"]
    exch = doc.xpath("//o:Protocol[o:Type='EXCH']", namespaces=NS)[0]
    assert exch.findtext(f"{{{OUTLOOK}}}EwsUrl") == server.url
    assert exch.findtext(f"{{{OUTLOOK}}}ServerVersion") == "73C189CB"  # 15.1.2507, as exchangelib decodes it
    expr = doc.xpath("//o:Protocol[o:Type='EXPR']", namespaces=NS)[0]
    assert expr.findtext(f"{{{OUTLOOK}}}SSL") == "On" and expr.findtext(f"{{{OUTLOOK}}}EwsUrl") == server.url


def test_the_ews_url_follows_the_host_the_client_used(server: ThreadedServer) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    doc = etree.fromstring(pox(server, ALICE, host=f"localhost:{port}").content)
    assert doc.xpath("//o:Protocol[o:Type='EXCH']/o:EwsUrl/text()", namespaces=NS) == [
        f"https://localhost:{port}/EWS/Exchange.asmx"]


def test_exchangelib_autodiscovers_the_ews_url_and_works_through_it(server: ThreadedServer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """exchangelib's own SOAP Autodiscover (every setting it knows, over NTLM), then EWS at the URL it got,
    with the version it read from EwsSupportedSchemas and the auth type it detected from the 401."""
    from exchangelib import NTLM, Account, Configuration, Credentials
    from exchangelib.autodiscover import AutodiscoverProtocol, clear_cache
    from exchangelib.autodiscover.cache import autodiscover_cache
    from exchangelib.items import Task
    from exchangelib.protocol import close_connections

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    credentials = Credentials(ALICE, "alice-pw")
    endpoint = f"{server.base_url}/autodiscover/autodiscover.svc"
    protocol = AutodiscoverProtocol(config=Configuration(service_endpoint=endpoint, credentials=credentials,
                                                         auth_type=NTLM))
    answer = protocol.get_user_settings(user=ALICE)
    answer.raise_errors()  # only settings exchangelib itself calls harmless may be missing
    assert answer.ews_url == server.url and answer.autodiscover_smtp_address == ALICE
    assert answer.version.api_version == "Exchange2016"
    # an explicit Autodiscover URL for exchangelib: seed its cache for the domain, then autodiscover=True
    autodiscover_cache[("example.com", credentials)] = protocol
    try:
        account = Account(ALICE, credentials=credentials, autodiscover=True)
        assert account.protocol.service_endpoint == server.url
        Task(folder=account.tasks, subject="found by autodiscover").save()
        assert account.tasks.filter(subject="found by autodiscover").count() == 1
        assert account.protocol.auth_type == NTLM
    finally:
        clear_cache()
        close_connections()


def test_pox_mobilesync(server: ThreadedServer) -> None:
    doc = etree.fromstring(pox(server, ALICE, schema=MOBILESYNC).content)
    assert doc.xpath("//ms:User/ms:EMailAddress/text()", namespaces=NS) == [ALICE]
    assert doc.xpath("//ms:Action/ms:Settings/ms:Server/ms:Type/text()", namespaces=NS) == ["MobileSync"]
    assert doc.xpath("//ms:Server/ms:Url/text()", namespaces=NS) == [f"{server.base_url}/Microsoft-Server-ActiveSync"]


def test_pox_errors(server: ThreadedServer) -> None:
    unknown = etree.fromstring(pox(server, "nobody@example.com").content)
    assert unknown.xpath("//o:Error/o:ErrorCode/text()", namespaces=NS) == ["500"]
    unknown_sync = etree.fromstring(pox(server, "nobody@example.com", schema=MOBILESYNC).content)
    assert unknown_sync.xpath("//ms:Action/ms:Error/ms:Status/text()", namespaces=NS) == ["2"]
    schema = etree.fromstring(call(server, "/autodiscover/autodiscover.xml", pox_body(ALICE).replace(
        OUTLOOK.encode(), b"urn:not-a-schema")).content)
    assert schema.xpath("//r:Error/r:ErrorCode/text()", namespaces=NS) == ["601"]
    for body in (b"<not-xml", b"<Autodiscover xmlns='urn:x'/>", b""):
        r = call(server, "/autodiscover/autodiscover.xml", body)
        assert r.status_code == 200
        assert etree.fromstring(r.content).xpath("//r:Error/r:ErrorCode/text()", namespaces=NS) == ["600"]


def test_autodiscover_needs_credentials_like_ews(server: ThreadedServer) -> None:
    for r in (pox(server, ALICE, auth=None), pox(server, ALICE, auth=(ALICE, "wrong")),
              user_settings_raw(server)):
        assert r.status_code == 401
        offered = r.raw.headers.getlist("WWW-Authenticate")
        assert offered[:2] == ["Negotiate", "NTLM"] and 'Basic realm="ewsemu"' in offered
    get = requests.get(f"{server.base_url}/autodiscover/autodiscover.xml", auth=AUTH, verify=str(server.ca_file))
    assert get.status_code == 405


def user_settings_raw(server: ThreadedServer) -> requests.Response:
    return soap(server, "GetUserSettings", "<a:Users/>", auth=None)


def test_get_user_settings(server: ThreadedServer) -> None:
    names = ["ExternalEwsUrl", "InternalEwsUrl", "UserDisplayName", "UserDN", "AutoDiscoverSMTPAddress",
             "EwsSupportedSchemas", "CasVersion", "ExternalMailboxServerRequiresSSL"]
    doc = user_settings(server, [ALICE], names)
    assert doc.xpath("//wsa:Action/text()", namespaces=NS) == [
        "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettingsResponse"]
    assert doc.xpath("//a:ServerVersionInfo/a:MajorBuildNumber/text()", namespaces=NS) == ["2507"]
    assert doc.xpath("//a:Response/a:ErrorCode/text()", namespaces=NS) == ["NoError"]
    user = doc.xpath("//a:UserResponse", namespaces=NS)[0]
    assert user.findtext(f"{{{A}}}ErrorCode") == "NoError"
    values = {s.findtext(f"{{{A}}}Name"): s.findtext(f"{{{A}}}Value")
              for s in user.iterfind(f"{{{A}}}UserSettings/{{{A}}}UserSetting")}
    assert list(values) == names
    assert values["ExternalEwsUrl"] == values["InternalEwsUrl"] == server.url
    assert values["UserDisplayName"] == "Alice Liddell" and values["AutoDiscoverSMTPAddress"] == ALICE
    assert "Exchange2016" in values["EwsSupportedSchemas"] and values["CasVersion"] == "15.01.2507.006"
    assert values["ExternalMailboxServerRequiresSSL"] == "True" and values["UserDN"].startswith("/o=ewsemu/")


def test_get_user_settings_errors(server: ThreadedServer) -> None:
    doc = user_settings(server, [ALICE, "nobody@example.com", "not-an-address"],
                        ["ExternalEwsUrl", "ExternalOABUrl", "NoSuchSetting"])
    first, unknown, malformed = doc.xpath("//a:UserResponse", namespaces=NS)
    errors = {e.findtext(f"{{{A}}}SettingName"): e.findtext(f"{{{A}}}ErrorCode")
              for e in first.iterfind(f"{{{A}}}UserSettingErrors/{{{A}}}UserSettingError")}
    assert errors == {"ExternalOABUrl": "SettingIsNotAvailable", "NoSuchSetting": "InvalidSetting"}
    for response, address in ((unknown, "nobody@example.com"), (malformed, "not-an-address")):
        assert response.findtext(f"{{{A}}}ErrorCode") == "InvalidUser"
        assert response.findtext(f"{{{A}}}ErrorMessage") == f"Invalid user: '{address}'"
    empty = user_settings(server, [], ["ExternalEwsUrl"])
    assert empty.xpath("//a:Response/a:ErrorCode/text()", namespaces=NS) == ["InvalidRequest"]


def test_get_domain_settings(server: ThreadedServer) -> None:
    inner = ("<a:Domains><a:Domain>example.com</a:Domain><a:Domain>elsewhere.example</a:Domain></a:Domains>"
             "<a:RequestedSettings><a:Setting>ExternalEwsUrl</a:Setting><a:Setting>ExternalEwsVersion</a:Setting>"
             "</a:RequestedSettings>")
    r = soap(server, "GetDomainSettings", inner)
    ours, other = etree.fromstring(r.content).xpath("//a:DomainResponse", namespaces=NS)
    values = {s.findtext(f"{{{A}}}Name"): s.findtext(f"{{{A}}}Value")
              for s in ours.iterfind(f"{{{A}}}DomainSettings/{{{A}}}DomainSetting")}
    assert values == {"ExternalEwsUrl": server.url, "ExternalEwsVersion": "15.01.2507.006"}
    assert other.findtext(f"{{{A}}}ErrorCode") == "InvalidDomain"


def test_soap_faults_for_what_is_not_autodiscover(server: ThreadedServer) -> None:
    unknown = soap(server, "GetFederationInformation", "<a:Domain>example.com</a:Domain>")
    assert unknown.status_code == 500
    assert etree.fromstring(unknown.content).xpath("//faultcode/text()") == ["a:ActionNotSupported"]
    broken = call(server, "/autodiscover/autodiscover.svc", b"<soap:Envelope")
    assert broken.status_code == 500 and b"<s:Fault>" in broken.content


def test_the_open_default_answers_for_any_address(database_url: str) -> None:
    with ThreadedServer(settings=Settings(database=database_url)) as open_server:
        open_server.emulator.reset()
        r = requests.post(f"{open_server.base_url}/autodiscover/autodiscover.xml", auth=("x@example.com", "any"),
                          data=pox_body("new.user@example.org"), headers={"Content-Type": "text/xml"}, timeout=30)
        doc = etree.fromstring(r.content)
        assert doc.xpath("//o:Protocol[o:Type='EXCH']/o:EwsUrl/text()", namespaces=NS) == [open_server.url]
        assert doc.xpath("//o:Protocol[o:Type='EXPR']/o:SSL/text()", namespaces=NS) == ["Off"]


def pox_body(address: str) -> bytes:
    return (f'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">'
            f"<Request><EMailAddress>{address}</EMailAddress><AcceptableResponseSchema>{OUTLOOK}"
            "</AcceptableResponseSchema></Request></Autodiscover>").encode()
