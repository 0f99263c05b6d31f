"""Which push-notification targets ewsemu may deliver to (``--push-allow``): the loopback addresses always, and
beyond them only the host names, addresses and networks the user allowed, so the emulator never becomes an
open relay that POSTs wherever a Subscribe request says. Subscribe itself accepts any http(s) URL (as Exchange
does); a refused target is a failed delivery (operations/push.py)."""
from __future__ import annotations

import ipaddress
from typing import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allowed(entry: str) -> str:
    """A ``--push-allow`` value, checked: a host name, an IP address or a CIDR network. Raises ValueError."""
    text = entry.strip().lower()
    if not text:
        raise ValueError("an empty --push-allow entry")
    try:
        ipaddress.ip_network(text, strict=False)
        return text
    except ValueError:
        pass
    labels = text.rstrip(".").split(".")
    if not all(label and len(label) <= 63 and label.replace("-", "").isalnum() for label in labels):
        raise ValueError(f"not a host name, IP address or CIDR network: {entry!r}")
    return text.rstrip(".")


def _networks(allowed: Iterable[str]) -> tuple[list[Network], set[str]]:
    networks, names = [], set()
    for entry in allowed:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return networks, names


def permitted(host: str, addresses: Iterable[str], allowed: Iterable[str]) -> bool:
    """Whether a delivery to ``host`` (resolved to ``addresses``) may go out: every address is loopback, or the
    host name is allowed, or every address is in an allowed network."""
    resolved = []
    for address in addresses:
        try:
            resolved.append(ipaddress.ip_address(address.split("%", 1)[0]))
        except ValueError:
            return False
    if not resolved:
        return False
    if all(a.is_loopback or (getattr(a, "ipv4_mapped", None) is not None and a.ipv4_mapped.is_loopback)
           for a in resolved):
        return True
    networks, names = _networks(allowed)
    if host.lower().rstrip(".") in names:
        return True
    return all(any(a.version == n.version and a in n for n in networks) for a in resolved)
