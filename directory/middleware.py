from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy from settings.CONTENT_SECURITY_POLICY on every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = "; ".join(
            " ".join([directive, *sources]) for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.header)
        return response
