"""Template context every page needs."""

import functools

from django.http import HttpRequest

from directory import menu
from directory.access import roles_of_reader
from providers.models import Organization


def demo_network(request: HttpRequest) -> dict:
    """Tell templates whether the directory holds fictional demo providers.

    The value is a cached callable, so the one ``exists()`` query runs only when a template asks,
    and only once per response (the admin and JSON responses never pay for it).
    """
    return {"demo_network": functools.cache(Organization.objects.filter(is_demo=True).exists)}


def navigation(request: HttpRequest) -> dict:
    """Give templates the reader's roles and the menus made for them.

    ``roles`` decides the actions a page offers (a Refer button only for people who refer). Each value is
    a callable, as ``demo_network`` is: the one query for the roles runs only when a template asks, once
    per request (directory.access.roles_of_reader), and never for an anonymous reader.
    """

    def roles():
        return roles_of_reader(request)

    return {
        "roles": roles,
        "site_menu": functools.cache(lambda: menu.site_menu(request, roles())),
        "portal_menu": functools.cache(lambda: menu.portal_menu(request, roles())),
    }
