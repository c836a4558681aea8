"""The site's error pages (400, 403, 404, 500, a failed CSRF check), and JSON errors under the APIs' paths.

Django calls these for an error no view answered itself (directory/urls.py names them; only with DEBUG
off, DEBUG shows its technical pages) and for a failed CSRF check (settings.CSRF_FAILURE_VIEW). The
pages extend the site's layout, in the language LocaleMiddleware chose, with no inline script or style
(the CSP). The 500 page is rendered from its template alone, as Django's own is: no request context,
so no query and nothing that may fail again the way the request did.

Under /api/ (the referral API and the HSDS feed) the same errors are JSON in each API's error shape.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from rest_framework import exceptions


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django refused (a host the site does not serve, too many fields...): the site's 400 page."""
    if is_api(request):
        return api_error(request, 400, exceptions.ParseError.default_detail)
    # With the request, unlike Django's default: the layout's navigation and language switch work.
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A refused action: the site's 403 page says why (the PermissionDenied's message) and leads back.

    "Back" is the page the person came from when it is one of this site's, else the home page.
    """
    if is_api(request):
        return api_error(request, 403, exceptions.PermissionDenied.default_detail)
    context = {"reason": str(exception), "back_url": previous_page(request)}
    return render(request, "403.html", context, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error(request, 404, exceptions.NotFound.default_detail)
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error(request, 500, exceptions.APIException.default_detail)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token: say what to do (Django's page has an inline style the CSP blocks)."""
    if is_api(request):
        return api_error(request, 403, _("The CSRF check failed: %(reason)s") % {"reason": reason})
    return render(request, "403_csrf.html", status=403)


def previous_page(request: HttpRequest) -> str:
    """Return the page that linked here (the Referer) if it is one of this site's other pages; "" otherwise."""
    referer = request.headers.get("Referer", "")
    is_ours = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not referer or not is_ours or urlsplit(referer).path == request.path:
        return ""
    return referer


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(("/api/", f"/{settings.HSDS_FEED_PREFIX}"))


def api_error(request: HttpRequest, status: int, detail: str) -> JsonResponse:
    """``{"detail": ...}`` as DRF answers; the HSDS feed's errors also carry the status (providers/hsds/views.py)."""
    body = {"detail": str(detail)}
    if request.path_info.startswith(f"/{settings.HSDS_FEED_PREFIX}"):
        body = {"status": status, **body}
    return JsonResponse(body, status=status)
