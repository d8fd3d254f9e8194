"""IP pseudonymisation: truncate to the network (IPv4 /24, IPv6 /48), then a keyed HMAC.

Truncating alone leaves a guessable network; hashing alone is reversible by trying all 2^32
IPv4 addresses. Both together, with a key kept off the database, leave a value that only
groups requests from one network (for rate limits and abuse review) and names nobody.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress


def network(address: str) -> bytes:
    """The packed network part of `address`; unparsable input becomes a fixed marker."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0].strip())
    except ValueError:
        return b"invalid"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return ip.packed[:3]
    return ip.packed[:6]


# A visitor sends a few requests in a row: their pseudonym is computed once (kept in memory
# only, like the request itself; never written).
@functools.lru_cache(maxsize=4096)
def pseudonymise(address: str, key: bytes) -> str:
    """32 hex digits; the same network with the same key always gives the same value."""
    return hmac.new(key, network(address), hashlib.sha256).hexdigest()[:32]


def keyed_hash(value: str, key: bytes) -> str:
    """64 hex digits: how secrets and identifiers are stored (API keys, customer accounts),
    so that the database alone gives none of them back."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
