"""The client's address: the one answer every throttle (and any log of who asked) uses.

X-Forwarded-For is written by whoever sends the request, so it is believed only as far as the
proxies we configured wrote it. Each proxy appends the address it received the request from,
so the chain reads client, proxy 1, …, proxy n-1, and REMOTE_ADDR is the last proxy; anything
left of what our own first proxy appended is the client's to invent. Walking from the right:
- NUM_PROXIES (DRF's meaning): this many hops in front of us are proxies, whatever their
  address (for a deployment the app cannot be reached around);
- TRUSTED_PROXIES: a hop in these networks is a proxy, and the first hop that is not is the
  client (the right-most untrusted address);
- neither (the default): X-Forwarded-For is ignored and REMOTE_ADDR is the client.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The address of the client that sent `request` (a Django or DRF request)."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    num_proxies = settings.NUM_PROXIES
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not forwarded or (num_proxies == 0 and not trusted):
        return _normalised(remote_addr) or remote_addr
    hops = [hop.strip() for hop in forwarded.split(",")] + [remote_addr]
    client = _normalised(remote_addr) or remote_addr
    for distance, hop in enumerate(reversed(hops)):
        address = _normalised(hop)
        if address is None:
            # Not an address: written by the client, not by a proxy of ours; the last good
            # hop stands (keying by a string the client chose would give it a bucket per string).
            return client
        client = address
        is_proxy = distance < num_proxies or any(ipaddress.ip_address(address) in network for network in trusted)
        if not is_proxy:
            return client
    return client  # every hop a proxy: the left-most is as far as anyone can tell


@functools.lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


@functools.lru_cache(maxsize=4096)  # every throttled request asks for its (few, repeating) addresses
def _normalised(hop: str) -> str | None:
    """`hop` as a canonical IP address, or None. Accepts what proxies write besides a bare
    address: an IPv4 address with a port, [IPv6] with or without one, IPv4-mapped IPv6."""
    if hop.startswith("["):
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:
        hop = hop.partition(":")[0]
    try:
        address = ipaddress.ip_address(hop)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)
