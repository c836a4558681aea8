"""The sign-in throttle, by django-axes: after settings.AXES_FAILURE_LIMIT failed sign-ins for one username,
or from one address (directory.throttles.client_address), sign-ins there are refused for
settings.AXES_COOLOFF_TIME, on the site's and the admin's sign-in pages alike, with a page that says when
to try again. Failures are kept in the database (axes' AccessAttempt, in the admin).
"""

import datetime
import math

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.contrib.auth.forms import AuthenticationForm
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import ngettext, pgettext
from django.views.decorators.cache import add_never_cache_headers


class SignInThrottle(AxesStandaloneBackend):
    """django-axes' check, first in AUTHENTICATION_BACKENDS: a locked-out sign-in goes no further.

    Only sign-ins that come with a request are checked: Django's test client and scripts call
    authenticate() without one, and there is no address to count then. Every sign-in page passes it.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def locked_until(request: HttpRequest, credentials: dict | None) -> datetime.datetime:
    """Return when this request's lockout ends (a query per locked-out username or address).

    The failures in the cool-off window lock out while they add up to the limit; they leave the window
    oldest first, so a lockout ends when the failure that brought the newest ones up to the limit leaves.
    """
    AxesProxyHandler.update_request(request)
    cool_off, limit = get_cool_off(request), get_failure_limit(request, credentials)
    now = timezone.now()
    ends = [now]
    for attempts in AxesProxyHandler.get_implementation().get_user_attempts(request, credentials):
        counted = 0
        for attempt_time, failures in attempts.order_by("-attempt_time").values_list(
            "attempt_time", "failures_since_start"
        ):
            counted += failures
            if counted >= limit:
                ends.append(attempt_time + cool_off)
                break
    return max(ends)


def try_again_message(until: datetime.datetime) -> str:
    minutes = max(math.ceil((until - timezone.now()).total_seconds() / 60), 1)
    at = format_date(timezone.localtime(until), pgettext("time of day format", "g:i a"))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)s minute, at %(time)s.",
        "Too many failed sign-in attempts. Try again in %(minutes)s minutes, at %(time)s.",
        minutes,
    ) % {"minutes": minutes, "time": at}


def locked_out(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    """settings.AXES_LOCKOUT_CALLABLE: the page that refused, again, with when to try again as its form's error.

    The site's sign-in page, the admin's and the password change page answer a wrong password with
    their form in a TemplateResponse; the lockout is that same page, 429, with Retry-After. A lockout
    from anywhere else gets the site's sign-in page.
    """
    until = locked_until(request, credentials)
    response = original_response
    form = (getattr(response, "context_data", None) or {}).get("form")
    if not isinstance(response, TemplateResponse) or not isinstance(form, BaseForm):
        # Without a password the form does not try to authenticate again.
        form = AuthenticationForm(request, data={"username": (credentials or {}).get("username") or ""})
        response = TemplateResponse(request, "registration/login.html", {"form": form})
    form.errors.clear()
    form.add_error(None, try_again_message(until))
    response.content = response.rendered_content
    response.status_code = 429
    response["Retry-After"] = str(max(math.ceil((until - timezone.now()).total_seconds()), 1))
    add_never_cache_headers(response)
    return response
