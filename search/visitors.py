"""Who searches, as far as the limits and the unmet-needs report need to know it, never who they are.

- ``AnonymousSearchThrottle``: searches from one address without signing in, at
  settings.SEARCH_ANON_THROTTLE_RATE, counted for the search page and the API together; signed-in
  people are not counted. The address is directory.throttles.client_address (the proxy's
  X-Forwarded-For only behind the HTTPS proxy, so a client cannot choose its own).
- ``visitor_of``: one visitor of the unmet-needs report (search.models.UnmetSearch): a salted hash of
  the account, or of the address and browser, and of the day, so that no address is kept and the rows
  of two days cannot be joined.
"""

import math
from typing import NamedTuple

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework import throttling

from directory.throttles import client_address


class AnonymousSearchThrottle(throttling.SimpleRateThrottle):
    """DRF's throttle for the search API; the search page asks it too (``allow``)."""

    scope = "search_anon"

    def get_rate(self) -> str | None:
        return settings.SEARCH_ANON_THROTTLE_RATE or None  # empty: no limit

    def get_cache_key(self, request, view) -> str | None:
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request) or "unknown"}

    @classmethod
    def wait_for(cls, request: HttpRequest) -> int | None:
        """Count a search from the page; return the seconds to wait when it is one too many, else None."""
        throttle = cls()
        if throttle.allow_request(request, None):
            return None
        return max(math.ceil(throttle.wait() or 1), 1)


class AnonymousSuggestThrottle(AnonymousSearchThrottle):
    """The suggestions API's: a request a keystroke, so a rate of its own (settings.SEARCH_ANON_SUGGEST_RATE)."""

    scope = "suggest_anon"

    def get_rate(self) -> str | None:
        return settings.SEARCH_ANON_SUGGEST_RATE or None  # empty: no limit


class Visitor(NamedTuple):
    key: str  # 64 hex digits, a new one every day
    anonymous: bool


def visitor_of(request: HttpRequest) -> Visitor:
    """Return who searched, as the unmet-needs report counts people (no query)."""
    user = request.user
    if user.is_authenticated:
        who = f"user:{user.pk}"
    else:
        who = f"address:{client_address(request)}|browser:{request.META.get('HTTP_USER_AGENT', '')[:500]}"
    day = timezone.localdate().isoformat()
    key = salted_hmac("search.visitors.visitor_of", f"{day}|{who}", algorithm="sha256").hexdigest()
    return Visitor(key, anonymous=not user.is_authenticated)
