"""Where card-system calls may go: the deployment's schemes, and no private address unless allowed."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _items(value: str) -> list[str]:
    return [item for item in re.split(r"[,\s]+", value.strip()) if item]


def _kind(ip: Address) -> str:
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return "non-public"


@dataclass(frozen=True)
class OutboundPolicy:
    """Allowed schemes, plus host names and networks that may be reached although not public."""

    schemes: frozenset[str] = frozenset({"https"})
    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, schemes: str, allow: str) -> OutboundPolicy:
        """From the settings: 'https,http' and '127.0.0.1, 10.0.0.0/8, cards.internal'."""
        hosts, networks = set(), []
        for item in _items(allow):
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(s.lower() for s in _items(schemes)), frozenset(hosts), tuple(networks))

    def url_problem(self, url: str) -> str | None:
        """Why a card-system URL is refused by its text (scheme, literal address, localhost), or None."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in self.schemes:
            allowed = ", ".join(sorted(self.schemes)) or "none"
            return f"scheme {parts.scheme or '(none)'!r} is not allowed (KABAO_OUTBOUND_SCHEMES: {allowed})"
        try:
            host = (parts.hostname or "").rstrip(".")
        except ValueError:
            return "the address has no valid host"
        if not host:
            return "the address has no host"
        if host in self.hosts:
            return None
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            if host == "localhost" or host.endswith(".localhost"):
                return f"{host} is loopback; allow it in KABAO_OUTBOUND_ALLOW to use it"
            return None  # a name: the address it resolves to is checked on connect
        return self.address_problem(ip)

    def address_problem(self, ip: Address) -> str | None:
        """Why an address is refused (loopback, link-local, private, …), or None when it may be reached."""
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        for candidate in filter(None, (ip, mapped)):
            if any(candidate.version == n.version and candidate in n for n in self.networks):
                return None
        real = mapped or ip
        if real.is_global and not real.is_multicast:
            return None
        return f"{ip} is a {_kind(real)} address; allow it in KABAO_OUTBOUND_ALLOW to use it"

    def connection_problem(self, host: str, peer: str) -> str | None:
        """Why a connection to host, which reached peer, must not be used; None when it may."""
        if host.lower().strip("[]").rstrip(".") in self.hosts:
            return None
        return self.address_problem(ipaddress.ip_address(peer.split("%")[0]))
