"""Who is asking, by network address, for the limits on guessing: sign-ins (django-axes), wrong API tokens
and password reset requests (django-ratelimit).

Behind the HTTPS proxy (settings.BEHIND_HTTPS_PROXY) every request comes from the proxy's address; the
client's is the last one in X-Forwarded-For, the one the proxy itself appended. Without the proxy that
header is whatever the client chose to send, so it is ignored.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

# A host usually gets a whole IPv6 /64: counting its addresses one by one would let it take a fresh one per guess.
IPV6_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    """Return the client's address: an IPv4 address, the /64 network of an IPv6 one, or "" if there is none."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_HTTPS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        address = forwarded or address
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False).network_address)
    return str(parsed)


def address_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key: the client's address."""
    return client_address(request)


def count_attempt(request: HttpRequest, *, kind: str, key, rate: str) -> int | None:
    """Count one attempt of ``kind`` for ``key`` (a django-ratelimit key); over ``rate``, return the seconds to wait.

    ``rate`` is django-ratelimit's, e.g. "5/h" or "20/10m" (fixed windows, counted in the default cache).
    """
    usage = get_usage(request, group=kind, key=key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(usage["time_left"], 1)
