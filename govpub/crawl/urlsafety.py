"""Which URLs a crawl may fetch: its own domains over http(s), never internal addresses.

A site's registry entry names its `allowed_domains`; the spider must never leave them,
redirects included, and must never be steered (by a link, a redirect or DNS) to
`file://`, `data:`, link-local or cloud-metadata addresses (169.254.169.254,
fd00:ec2::254, Alibaba's 100.100.100.200, metadata.google.internal …) — the classic
server-side request forgery targets of a crawler running inside a cloud.

Loopback and private addresses are refused too, unless the site itself lives there
(its start URLs point at a loopback/private host — the bundled sample site on
127.0.0.1, an intranet deployment): then they are its own address space.

`check_url` is pure apart from the resolver it is given; it returns None (allowed) or
the error kind ("unsafe_url", "offsite") and a one-line reason.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from typing import Callable, Iterable
from urllib.parse import urlsplit

from govpub.registry import host_allowed  # the registry's rule, so start URLs and crawled URLs agree

ALLOWED_SCHEMES = ("http", "https")

#: Cloud instance-metadata endpoints (AWS/GCP/Azure/OpenStack, AWS IPv6, ECS tasks, Alibaba Cloud, Oracle).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
METADATA_HOSTS = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.internal", "instance-data",
     "instance-data.ec2.internal", "metadata.tencentyun.com", "metadata.platformequinix.com"}
)

Resolver = Callable[[str], list[str]]


@lru_cache(maxsize=4096)
def _resolve_cached(host: str) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return ()  # unresolvable: the download itself fails with a DNS error, reported as such
    return tuple(sorted({info[4][0] for info in infos}))


def resolve(host: str) -> list[str]:
    return list(_resolve_cached(host))


def _addresses(host: str, resolver: Resolver) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    out = []
    for text in resolver(host):
        try:
            out.append(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            continue
    return out


def address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool) -> str | None:
    """Why a crawler must not connect to `ip`, or None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return f"{ip} is not a unicast address"
    if (ip.is_loopback or ip.is_private) and not allow_private:
        return f"{ip} is a loopback/private address and the site does not live there"
    return None


def site_is_private(start_urls: Iterable[str], resolver: Resolver = resolve) -> bool:
    """True when a start URL's host is loopback/private (the site lives in that address space)."""
    for url in start_urls:
        host = urlsplit(url).hostname or ""
        for ip in _addresses(host, resolver):
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
            if (ip.is_loopback or ip.is_private) and ip not in METADATA_ADDRESSES and not ip.is_link_local:
                return True
    return False


def check_url(
    url: str,
    allowed_domains: Iterable[str],
    *,
    allow_private: bool = False,
    resolver: Resolver = resolve,
) -> tuple[str, str] | None:
    """None if the crawl may fetch `url`; else (kind, reason) with kind "unsafe_url" or "offsite"."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return "unsafe_url", f"malformed URL: {exc}"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return "unsafe_url", f"scheme {parts.scheme or '(none)'!r} is not fetched (only http/https)"
    if not host:
        return "unsafe_url", "URL has no host"
    if parts.username or parts.password:
        return "unsafe_url", "URL carries credentials"
    if host.lower().rstrip(".") in METADATA_HOSTS:
        return "unsafe_url", f"{host} is a cloud metadata host"
    literal = _addresses(host, lambda _h: [])  # an IP literal needs no DNS
    for ip in literal:
        problem = address_problem(ip, allow_private)
        if problem:
            return "unsafe_url", problem
    if not host_allowed(host, allowed_domains):
        return "offsite", f"host {host} is outside allowed_domains {sorted(allowed_domains)}"
    if not literal:
        # An allowed name that resolves to an internal address (DNS pointing at the metadata service).
        for ip in _addresses(host, resolver):
            problem = address_problem(ip, allow_private)
            if problem:
                return "unsafe_url", f"{host} resolves to {problem}"
    return None
