"""Template context every page needs."""

import functools

from django.http import HttpRequest

from providers.models import Organization


def demo_network(request: HttpRequest) -> dict:
    """Tell templates whether the directory holds fictional demo providers.

    The value is a cached callable, so the one ``exists()`` query runs only when a template asks,
    and only once per response (the admin and JSON responses never pay for it).
    """
    return {"demo_network": functools.cache(Organization.objects.filter(is_demo=True).exists)}
