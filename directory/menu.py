"""The site's menus: the main menu in every page's header and the agency portal's own menu.

Each person sees the items that lead somewhere for their roles (directory.access.Roles): a case
manager has no inbox and no agency portal to keep, an agency editor no referrals of their own to follow.

Exactly one item of the two menus is marked current: the item of the page itself (``aria-current="page"``),
or, on a page of the portal its own menu does not name (a listing, an edit), the main menu's "Agency
portal" as the section the page is in (``aria-current="true"``).
"""

import dataclasses

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from directory.access import Roles
from plans.week import week_count_of

PORTAL = "portal"


@dataclasses.dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    current: str = ""  # the aria-current value: "page", "true" (the section the page is in), or "" (neither)
    count: int = 0  # shown beside the label when not 0 (how many participants need the case manager this week)


def view_name(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.view_name if match else ""


def portal_pages(roles: Roles) -> list[tuple[str, str]]:
    """Return the portal menu's pages, (view name, label), for ``roles``."""
    pages = [("portal:home", _("My listings")), ("portal:corrections", _("Corrections"))]
    if roles.network_admin:
        pages += [
            ("portal:review_queue", _("Review queue")),
            ("portal:requests", _("Requests")),
            ("portal:network_settings", _("Network settings")),
        ]
    return pages


def portal_menu(request: HttpRequest, roles: Roles) -> list[MenuItem]:
    current = view_name(request)
    return [MenuItem(label, reverse(name), "page" if name == current else "") for name, label in portal_pages(roles)]


def site_menu(request: HttpRequest, roles: Roles) -> list[MenuItem]:
    """Return the main menu's items for ``roles`` (the account links, shown beside them, are the layout's)."""
    current = view_name(request)
    pages = [("home", _("Home")), ("search:page", _("Find services"))]
    if roles.follows_referrals:
        pages.append(("referrals:dashboard", _("My referrals")))
    if roles.receives_referrals:
        pages.append(("referrals:inbox", _("Inbox")))
    items = [MenuItem(label, reverse(name), "page" if name == current else "") for name, label in pages]
    if roles.case_manager:
        # The participants' plans they follow: what needs them this week (a query; none on the week's own page).
        items.append(
            MenuItem(
                _("This week"),
                reverse("plans:week"),
                "page" if current == "plans:week" else "",
                week_count_of(request),
            )
        )
    if roles.uses_portal:
        in_portal = request.resolver_match is not None and request.resolver_match.namespace == PORTAL
        named_by_portal_menu = current in dict(portal_pages(roles))
        # The portal's own menu marks the pages it names; the main menu marks the section for the others.
        section = "true" if in_portal and not named_by_portal_menu else ""
        items.append(MenuItem(_("Agency portal"), reverse("portal:home"), section))
    if roles.reads_reports:
        items.append(MenuItem(_("Reports"), reverse("reports:page"), "page" if current == "reports:page" else ""))
    if roles.staff:
        items.append(MenuItem(_("Admin"), reverse("admin:index")))
    return items
