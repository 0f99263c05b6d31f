"""Connecting as real integrations do (issue 22): HTTPS, NTLM, bearer JWTs, over real sockets.

Two servers per module (started once): the open default over HTTPS, and one with a users file (passwords,
a logon name, a trusted JWT issuer) over plain HTTP. exchangelib runs unmodified against the HTTPS one: no
adapter, the CA through ``REQUESTS_CA_BUNDLE``, ``server=`` (which forces ``https://``, as exchangelib's
own harness does). Autodiscover has its own module (tests/faces/test_autodiscover.py).
"""
from __future__ import annotations

import base64
import datetime as dt
import socket
import ssl
from pathlib import Path
from typing import Iterator

import jwt
import pytest
import requests
import spnego
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ewsemu.emulator import Settings
from ewsemu.server.http import ThreadedServer
from ewsemu.core.users import load_users

from ..soap import NS, envelope

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
ISSUER = "https://login.microsoftonline.com/ewsemu-tenant/v2.0"
AUDIENCE = "https://outlook.office365.com"
GET_TASKS = ('<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds>'
             '<t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>')
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNER, STRANGER = _private_key(), _private_key()


def _pem_public(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def token(claims: dict, key: rsa.RSAPrivateKey = SIGNER, **extra: object) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    body = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + dt.timedelta(hours=1), **claims}
    body.update(extra)
    return jwt.encode(body, key, algorithm="RS256")


@pytest.fixture(scope="module")
def users_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    folder = tmp_path_factory.mktemp("users")
    (folder / "issuer.pem").write_text(_pem_public(SIGNER))
    (folder / "users.yaml").write_text(yaml.safe_dump({
        "users": [{"smtp": ALICE, "password": "alice-pw", "display_name": "Alice Liddell"},
                  {"smtp": BOB, "password": "bob-pw", "logon_name": "CORP\\bobby"},
                  {"smtp": CAROL}],
        "oauth": [{"issuer": ISSUER, "key_file": "issuer.pem", "audience": AUDIENCE}]}))
    settings = Settings(database=database_url, users=load_users(folder / "users.yaml"))
    with ThreadedServer(settings=settings) as server:
        server.emulator.reset()
        yield server


def post(url: str, session: requests.Session | None = None, **kwargs: object) -> requests.Response:
    return (session or requests).post(url, data=envelope(GET_TASKS), headers={**SOAP_HEADERS, **kwargs.pop(
        "headers", {})}, timeout=30, **kwargs)  # type: ignore[arg-type]


def https_session(server: ThreadedServer) -> requests.Session:
    """A session that trusts the server's CA. Not the environment: requests lets ``REQUESTS_CA_BUNDLE``
    override a session's ``verify``."""
    session = requests.Session()
    if server.ca_file:
        session.trust_env, session.verify = False, str(server.ca_file)
    return session


def challenges(response: requests.Response) -> list[str]:
    return response.raw.headers.getlist("WWW-Authenticate")


def acting_user(server: ThreadedServer) -> str | None:
    """Who the server took the last EWS request's caller to be (its request ledger)."""
    return server.emulator.ledger.entries(face="ews")[-1].user


# ---- HTTPS ---------------------------------------------------------------------------------------------------


def test_exchangelib_runs_over_https_with_no_adapter(tls_server: ThreadedServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from exchangelib import BASIC, DELEGATE, UTC, Account, Build, Configuration, Credentials, Version
    from exchangelib.items import Task
    from exchangelib.protocol import BaseProtocol, close_connections

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.ca_file))
    assert BaseProtocol.HTTP_ADAPTER_CLS.__name__ == "HTTPAdapter"  # requests' own: nothing rewritten
    config = Configuration(server=tls_server.base_url.removeprefix("https://"), auth_type=BASIC,
                           credentials=Credentials(ALICE, "any"), version=Version(build=Build(15, 1, 2507, 6)))
    assert config.service_endpoint.startswith("https://")
    try:
        account = Account(ALICE, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC)
        Task(folder=account.tasks, subject="over https").save()
        assert account.tasks.filter(subject="over https").count() == 1
    finally:
        close_connections()


def test_the_ca_is_served_and_verifies_the_certificate_for_localhost(tls_server: ThreadedServer) -> None:
    served = requests.get(f"{tls_server.base_url}/_ewsemu/ca.pem", verify=str(tls_server.ca_file), timeout=10)
    assert served.status_code == 200 and served.content == Path(tls_server.ca_file).read_bytes()
    assert served.content.startswith(b"-----BEGIN CERTIFICATE-----")
    port = tls_server.base_url.rsplit(":", 1)[1]
    by_name = requests.get(f"https://localhost:{port}/health", verify=str(tls_server.ca_file), timeout=10)
    assert by_name.json() == {"status": "ok"}
    with pytest.raises(requests.exceptions.SSLError):  # the system's trust store does not know ewsemu's CA
        requests.get(f"{tls_server.base_url}/health", timeout=10)


def test_plain_http_to_the_tls_port_fails_and_the_server_goes_on(tls_server: ThreadedServer) -> None:
    port = int(tls_server.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            answer = sock.recv(4096)
        except ConnectionResetError:  # the handshake failed and the socket was closed under unread data
            answer = b""
        assert b"HTTP/1.1 200" not in answer
    assert requests.get(f"{tls_server.base_url}/health", verify=str(tls_server.ca_file), timeout=10).ok


def test_https_keep_alive_and_a_large_request(tls_server: ThreadedServer) -> None:
    """The TLS relay passes bodies larger than one TLS record and keeps the connection for the next request."""
    session = https_session(tls_server)
    session.auth = (ALICE, "x")
    subject = "x" * 200_000
    created = session.post(tls_server.url, headers=SOAP_HEADERS, timeout=30, data=envelope(
        f"<m:CreateItem><m:Items><t:Task><t:Subject>{subject[:255]}</t:Subject><t:Body BodyType=\"Text\">"
        f"{subject}</t:Body></t:Task></m:Items></m:CreateItem>"))
    assert created.status_code == 200 and b"NoError" in created.content
    item_id = created.text.split('ItemId Id="')[1].split('"')[0]
    got = session.post(tls_server.url, headers=SOAP_HEADERS, timeout=30, data=envelope(
        '<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>'
        f'<t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>'))
    assert subject in got.text
    assert len(session.adapters["https://"].poolmanager.pools) == 1
    session.close()


# ---- NTLM ----------------------------------------------------------------------------------------------------


def test_exchangelib_with_ntlm_over_https(tls_server: ThreadedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from exchangelib import DELEGATE, NTLM, UTC, Account, Build, Configuration, Credentials, Version
    from exchangelib.items import Task
    from exchangelib.protocol import close_connections

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.ca_file))
    config = Configuration(server=tls_server.base_url.removeprefix("https://"), auth_type=NTLM,
                           credentials=Credentials(BOB, "any password"), version=Version(build=Build(15, 1, 2507, 6)))
    try:
        account = Account(BOB, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC)
        Task(folder=account.tasks, subject="over ntlm").save()
        assert account.tasks.filter(subject="over ntlm").count() == 1
        assert account.tasks.all().count() == 1
    finally:
        close_connections()
    assert acting_user(tls_server) == BOB  # NTLM's user name, not a Basic header, named the mailbox


class NtlmClient:
    """pyspnego's initiator over one requests.Session (one TCP connection)."""

    def __init__(self, server: ThreadedServer, user: str, password: str, protocol: str = "ntlm",
                 scheme: str = "NTLM") -> None:
        self.server, self.scheme = server, scheme
        self.context = spnego.client(user, password, protocol=protocol)
        self.session = https_session(server)

    def handshake(self) -> requests.Response:
        first = post(self.server.url, self.session,
                     headers={"Authorization": f"{self.scheme} {base64.b64encode(self.context.step()).decode()}"})
        assert first.status_code == 401
        offered = challenges(first)
        assert len(offered) == 1 and offered[0].startswith(f"{self.scheme} ")
        answer = self.context.step(base64.b64decode(offered[0].split(" ", 1)[1]))
        return post(self.server.url, self.session,
                    headers={"Authorization": f"{self.scheme} {base64.b64encode(answer).decode()}"})


def test_the_ntlm_handshake_authenticates_the_connection_and_only_it(tls_server: ThreadedServer) -> None:
    unauthenticated = post(tls_server.url, verify=str(tls_server.ca_file))
    assert unauthenticated.status_code == 401
    assert challenges(unauthenticated)[:2] == ["Negotiate", "NTLM"]  # as Exchange offers them
    tls_server.emulator.store.ensure_mailbox(CAROL)  # EXAMPLE\carol is the existing carol@example.<…>
    client = NtlmClient(tls_server, "EXAMPLE\\carol", "whatever")
    done = client.handshake()
    assert done.status_code == 200 and b"NoError" in done.content
    again = post(tls_server.url, client.session)  # no Authorization: the connection is authenticated
    assert again.status_code == 200 and acting_user(tls_server) == CAROL
    elsewhere = post(tls_server.url, verify=str(tls_server.ca_file))  # another connection is not
    assert elsewhere.status_code == 401
    client.session.close()


def test_a_type3_message_from_another_connection_is_refused(tls_server: ThreadedServer) -> None:
    context = spnego.client("alice@example.com", "pw", protocol="ntlm")
    first = https_session(tls_server)
    challenge = post(tls_server.url, first, headers={"Authorization": "NTLM " + base64.b64encode(context.step()).decode()})
    type3 = context.step(base64.b64decode(challenges(challenge)[0].split(" ", 1)[1]))
    other = https_session(tls_server)
    replayed = post(tls_server.url, other, headers={"Authorization": "NTLM " + base64.b64encode(type3).decode()})
    assert replayed.status_code == 401
    first.close(), other.close()


def test_the_open_default_maps_down_level_names_to_existing_mailboxes(tls_server: ThreadedServer) -> None:
    tls_server.emulator.store.ensure_mailbox("dora@contoso.example")
    client = NtlmClient(tls_server, "CONTOSO\\dora", "pw")
    assert client.handshake().status_code == 200 and acting_user(tls_server) == "dora@contoso.example"
    client = NtlmClient(tls_server, "contoso.example\\erin", "pw")  # a DNS domain is the address's domain
    assert client.handshake().status_code == 200 and acting_user(tls_server) == "erin@contoso.example"
    client = NtlmClient(tls_server, "FABRIKAM\\fred", "pw")  # no such mailbox yet: the domain, lower-cased
    assert client.handshake().status_code == 200 and acting_user(tls_server) == "fred@fabrikam"


def test_with_a_users_file_ntlm_checks_the_password(users_server: ThreadedServer) -> None:
    assert NtlmClient(users_server, "alice@example.com", "alice-pw").handshake().status_code == 200
    assert acting_user(users_server) == ALICE
    assert NtlmClient(users_server, "EXAMPLE\\alice", "alice-pw").handshake().status_code == 200
    assert NtlmClient(users_server, "CORP\\bobby", "bob-pw").handshake().status_code == 200  # logon_name
    assert acting_user(users_server) == BOB
    refused = NtlmClient(users_server, "alice@example.com", "wrong").handshake()
    assert refused.status_code == 401 and "NTLM" in challenges(refused)
    assert NtlmClient(users_server, "EXAMPLE\\carol", "").handshake().status_code == 401  # no password: no login
    assert NtlmClient(users_server, "OTHER\\alice", "alice-pw").handshake().status_code == 401


def test_with_a_users_file_spnego_wrapped_ntlm_works_under_negotiate(users_server: ThreadedServer) -> None:
    client = NtlmClient(users_server, "alice@example.com", "alice-pw", protocol="negotiate", scheme="Negotiate")
    assert client.handshake().status_code == 200 and acting_user(users_server) == ALICE
    wrong = NtlmClient(users_server, "alice@example.com", "nope", protocol="negotiate", scheme="Negotiate")
    assert wrong.handshake().status_code == 401


# ---- bearer JWTs ---------------------------------------------------------------------------------------------


def test_the_open_default_takes_an_unsigned_jwt_user_claim(tls_server: ThreadedServer) -> None:
    ca = str(tls_server.ca_file)
    for claims, expected in (({"upn": "Frank@Example.com"}, "frank@example.com"),
                             ({"preferred_username": "gina@example.com"}, "gina@example.com"),
                             ({"smtp": "hal@example.com", "upn": "hal.upn@example.com"}, "hal@example.com")):
        unsigned = token(claims, key=STRANGER, exp=0)  # nobody checks the signature or the expiry here
        assert post(tls_server.url, verify=ca, headers={"Authorization": f"Bearer {unsigned}"}).status_code == 200
        assert acting_user(tls_server) == expected
    app_only = token({"roles": ["full_access_as_app"], "appid": "11111111-2222-3333-4444-555555555555"})
    r = post(tls_server.url, verify=ca, headers={"Authorization": f"Bearer {app_only}", "X-AnchorMailbox": ALICE})
    assert r.status_code == 200 and acting_user(tls_server) == ALICE
    assert post(tls_server.url, verify=ca, headers={"Authorization": "Bearer eyJhbGciOi.broken.jwt"}).status_code == 401


def test_exchangelib_oauth_over_https_needs_no_insecure_transport(tls_server: ThreadedServer,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from exchangelib import DELEGATE, OAUTH2, UTC, Account, Build, Configuration, OAuth2AuthorizationCodeCredentials, \
        Version
    from exchangelib.items import Task
    from exchangelib.protocol import close_connections

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.ca_file))
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    credentials = OAuth2AuthorizationCodeCredentials(
        access_token={"access_token": token({"upn": "ivy@example.com"}), "token_type": "Bearer",
                      "expires_in": 3600})
    config = Configuration(server=tls_server.base_url.removeprefix("https://"), auth_type=OAUTH2,
                           credentials=credentials, version=Version(build=Build(15, 1, 2507, 6)))
    try:
        account = Account("ivy@example.com", config=config, autodiscover=False, access_type=DELEGATE,
                          default_timezone=UTC)
        Task(folder=account.tasks, subject="with a token").save()
        assert account.tasks.filter(subject="with a token").count() == 1
    finally:
        close_connections()
    assert acting_user(tls_server) == "ivy@example.com"


def test_with_a_users_file_a_jwt_must_carry_the_issuers_signature(users_server: ThreadedServer) -> None:
    good = post(users_server.url, headers={"Authorization": f"Bearer {token({'upn': ALICE})}"})
    assert good.status_code == 200 and acting_user(users_server) == ALICE
    for bad in (token({"upn": ALICE}, key=STRANGER),                                   # another key
                token({"upn": ALICE}, iss="https://sts.example.invalid/"),             # an untrusted issuer
                token({"upn": ALICE}, aud="https://graph.microsoft.com"),              # another audience
                token({"upn": ALICE}, exp=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)),  # expired
                token({"upn": "mallory@example.com"}),                                 # not in the users file
                jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "upn": ALICE}, "k" * 32, algorithm="HS256")):  # HMAC
        refused = post(users_server.url, headers={"Authorization": f"Bearer {bad}"})
        assert refused.status_code == 401
        bearer = [c for c in challenges(refused) if c.startswith("Bearer ")]
        assert bearer == ['Bearer client_id="00000002-0000-0ff1-ce00-000000000000", '
                          'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
                          'token_types="app_asserted_user_v1 service_asserted_app_v1", '
                          'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                          'error="invalid_token"']
    plain = post(users_server.url)
    assert 'error="invalid_token"' not in " ".join(challenges(plain))
    assert any(c.startswith("Bearer client_id=") for c in challenges(plain))


def test_the_server_certificate_names_localhost_and_loopback(tls_server: ThreadedServer) -> None:
    port = int(tls_server.base_url.rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=str(tls_server.ca_file))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        names = {value for _, value in tls.getpeercert()["subjectAltName"]}
    assert {"localhost", "127.0.0.1"} <= names


# ---- the pytest plugin ---------------------------------------------------------------------------------------


def test_the_plugin_offers_an_https_server_and_its_ca(ewsemu_tls_url: str, ewsemu_ca: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from exchangelib import BASIC, DELEGATE, UTC, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import close_connections

    assert ewsemu_tls_url.startswith("https://")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ewsemu_ca))
    config = Configuration(service_endpoint=ewsemu_tls_url, credentials=Credentials(ALICE, "x"), auth_type=BASIC,
                           version=Version(build=Build(15, 1, 2507, 6)))
    try:
        account = Account(ALICE, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=UTC)
        assert account.tasks.all().count() == 0  # reset before the test
    finally:
        close_connections()
