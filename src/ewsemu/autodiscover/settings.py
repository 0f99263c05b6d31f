"""What Autodiscover tells a client about a mailbox: pure values, no XML (pox.py and soap.py render them).

Every URL is ewsemu's own, as the client reached it (the request's scheme and Host header), so a client that
found ewsemu through ``https://localhost:8443/autodiscover/…`` is sent to ``https://localhost:8443/EWS/…``.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from ..protocol.responses import ServerVersion
from ..core.users import UserDirectory

EWS_PATH = "/EWS/Exchange.asmx"
#: a fixed deployment id: one ewsemu organisation
DEPLOYMENT_ID = str(uuid.uuid5(uuid.NAMESPACE_DNS, "ewsemu.invalid"))
ORGANIZATION = "/o=ewsemu/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
#: the request versions the EWS endpoint understands (EwsSupportedSchemas)
SUPPORTED_SCHEMAS = ("Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, "
                     "Exchange2013, Exchange2013_SP1, Exchange2016")
#: what Autodiscover's ServerVersionInfo calls a 15.1 server
AUTODISCOVER_VERSION = "Exchange2015"
AUTH_METHODS = "Basic, Ntlm, Negotiate, OAuth"


@dataclass(frozen=True)
class Site:
    """Where the client reached ewsemu."""

    scheme: str
    host: str  # host[:port], as in the Host header

    @classmethod
    def from_environ(cls, environ: dict) -> "Site":
        scheme = environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        return cls(scheme, host.strip())

    @property
    def ews_url(self) -> str:
        return f"{self.scheme}://{self.host}{EWS_PATH}"

    @property
    def hostname(self) -> str:
        host = self.host
        if host.startswith("["):
            return host[1:host.index("]")]
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host

    @property
    def ssl(self) -> bool:
        return self.scheme == "https"


@dataclass(frozen=True)
class MailboxInfo:
    smtp: str
    display_name: str

    @property
    def legacy_dn(self) -> str:
        local = self.smtp.partition("@")[0]
        return f"{ORGANIZATION}/cn=Recipients/cn={hashlib.md5(self.smtp.encode()).hexdigest()}-{local}"

    @property
    def server_guid(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "ewsemu:" + self.smtp))


def server_version_hex(version: ServerVersion) -> str:
    """POX ``ServerVersion``: 4 marker bits, 6 bits major, 6 bits minor, a flag bit, 15 bits build."""
    value = (0b0111 << 28) | (version.major << 22) | (version.minor << 16) | (1 << 15) | version.major_build
    return f"{value:08X}"


def version_string(version: ServerVersion) -> str:
    """``15.01.2507.006``, as CasVersion and ExternalEwsVersion spell a build."""
    return f"{version.major:02d}.{version.minor:02d}.{version.major_build:04d}.{version.minor_build:03d}"


def well_formed(address: str) -> bool:
    local, at, domain = address.strip().partition("@")
    return bool(local and at and domain and "@" not in domain and " " not in address.strip())


def known_domain(domain: str, users: UserDirectory | None) -> bool:
    """With a users file, a domain is ours when one of its users is in it; in the open default every one is."""
    domain = domain.strip().lower()
    if users is None:
        return bool(domain)
    return any(smtp.partition("@")[2] == domain for smtp in users.users)


def user_settings(mailbox: MailboxInfo, site: Site, version: ServerVersion) -> dict[str, str]:
    """GetUserSettings' string settings by name."""
    host = site.hostname
    return {
        "UserDisplayName": mailbox.display_name,
        "UserDN": mailbox.legacy_dn,
        "UserDeploymentId": DEPLOYMENT_ID,
        "AutoDiscoverSMTPAddress": mailbox.smtp,
        "InternalEwsUrl": site.ews_url,
        "ExternalEwsUrl": site.ews_url,
        "InternalEmwsUrl": site.ews_url,
        "ExternalEmwsUrl": site.ews_url,
        "EwsSupportedSchemas": SUPPORTED_SCHEMAS,
        "ExternalEwsVersion": version_string(version),
        "CasVersion": version_string(version),
        "InternalMailboxServer": host,
        "ExternalMailboxServer": host,
        "ExternalMailboxServerRequiresSSL": "True" if site.ssl else "False",
        "ExternalMailboxServerAuthenticationMethods": AUTH_METHODS,
        "InternalMailboxServerDN": f"{ORGANIZATION}/cn=Configuration/cn=Servers/cn={host}",
        "MailboxDN": f"{ORGANIZATION}/cn=Configuration/cn=Servers/cn={host}/cn=Microsoft Private MDB",
        "ActiveDirectoryServer": host,
        "InternalRpcClientServer": host,
        "ExternalRpcClientServer": host,
        "ExternalRpcClientServerRequiresSSL": "True" if site.ssl else "False",
    }


def domain_settings(site: Site, version: ServerVersion) -> dict[str, str]:
    """GetDomainSettings' settings by name (the two the schema defines)."""
    return {"ExternalEwsUrl": site.ews_url, "ExternalEwsVersion": version_string(version)}
