"""Who is calling the referral API: a client system, by its bearer token; and how often it may.

A request with a token in force acts as the client's own user, a member of the client's
organization, so the privacy matrix and the referral rules of the web pages apply unchanged.

Wrong tokens are counted per address (settings.API_INVALID_TOKEN_RATE); past the rate they are
answered 429 with Retry-After instead of 401. Tokens carry 256 bits, so this is not what stops
guessing: it makes a caller that keeps sending a wrong or revoked token back off. Valid tokens are
neither counted nor refused, so a client system keeps working beside a misconfigured neighbour.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from directory.throttles import address_key, count_attempt
from referrals.clients import token_in_force
from referrals.models import ApiToken

# last_used_at is a hint for admins deciding what to revoke; writing it on every request is not worth it.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
TOKEN_NOT_VALID = _("This token is not valid: it is unknown or was revoked.")
TOO_MANY_WRONG_TOKENS = _("Too many requests from this address with a token that is not valid.")


class ClientTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``. No header: anonymous (then 401); a wrong or revoked token: 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            self.refuse(request, _("Give the token after 'Bearer ', with no spaces in it."))
        api_token = token_in_force(header[1].decode(errors="replace"))
        if api_token is None or not api_token.client.user.is_active:
            self.refuse(request, TOKEN_NOT_VALID)
        now = timezone.now()
        if api_token.last_used_at is None or api_token.last_used_at < now - LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return api_token.client.user, api_token

    def authenticate_header(self, request) -> str:
        return self.keyword

    def refuse(self, request, message) -> None:
        """Count a wrong token from the request's address; raise 401, or 429 past the rate."""
        wait = count_attempt(request, kind="api-wrong-token", key=address_key, rate=settings.API_INVALID_TOKEN_RATE)
        if wait is not None:
            raise exceptions.Throttled(wait=wait, detail=str(TOO_MANY_WRONG_TOKENS))
        raise exceptions.AuthenticationFailed(message)


class IsClientSystem(permissions.BasePermission):
    """Only client systems use the referral API (people use the web pages)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken)


class ClientRateThrottle(throttling.SimpleRateThrottle):
    """Requests per client system, at settings.API_THROTTLE_RATE (e.g. "120/min"); over it: 429 + Retry-After."""

    scope = "client"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.client_id}
