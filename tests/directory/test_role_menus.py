"""The menu and the actions a page offers fit the reader's role, and exactly one menu item is marked current.

- Anyone: Home and Find services; no Refer button (the refer page is for case managers).
- A case manager (carol): My referrals, This week (her participants' plans) and Reports, Refer buttons; no Inbox,
  no Agency portal.
- An agency editor (alice): Inbox, Agency portal and Reports; no My referrals, no Refer button.
- A network admin: My referrals, Agency portal with the portal's admin pages, Reports, Refer buttons; no Inbox.
- Someone with both roles (dana): everything a case manager and an agency editor have.
- Signed in, in no organization yet: the Agency portal, where one asks to edit an agency or to join.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from directory.models import Membership
from search.backends import get_backend
from tests.conftest import make_user

MENU = ["Home", "Find services", "My referrals", "This week", "Inbox", "Agency portal", "Reports"]
SHOWN = {
    "anonymous": {"Home", "Find services"},
    "carol": {"Home", "Find services", "My referrals", "This week", "Reports"},
    "alice": {"Home", "Find services", "Inbox", "Agency portal", "Reports"},
    "admin": {"Home", "Find services", "My referrals", "Agency portal", "Reports"},
    "dana": {"Home", "Find services", "My referrals", "This week", "Inbox", "Agency portal", "Reports"},
    "newcomer": {"Home", "Find services", "Agency portal"},
}
REFERS = {"carol", "admin", "dana"}
PERSONAS = list(SHOWN)
PAGES = ["home", "search:page"]


@pytest.fixture
def dana(workforce_program, agency_a) -> User:
    """A case manager of the workforce program who also edits agency A's listings."""
    user = make_user("dana", workforce_program, Membership.Role.CASE_MANAGER)
    Membership.objects.create(user=user, organization=agency_a, role=Membership.Role.AGENCY_EDITOR)
    return user


@pytest.fixture
def newcomer(db) -> User:
    """Signed in, but in no organization of the network yet."""
    return User.objects.create_user("newcomer", "newcomer@example.org", "x")


@pytest.fixture
def reader(request, db, client, persona):
    """The test client, signed in as ``persona`` (anonymous: not signed in)."""
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


@pytest.fixture
def indexed(service_a) -> None:
    """Agency A's daycare in the search index, so that the search page shows a result card."""
    get_backend().rebuild()


def menu_of(html: str, name: str) -> str:
    """The HTML of the page's ``site-nav`` or ``portal-nav`` menu ("" when the page has none)."""
    match = re.search(rf'<nav class="{name}".*?</nav>', html, re.DOTALL)
    return match.group(0) if match else ""


def menu_labels(html: str) -> set[str]:
    labels = re.findall(r"<a [^>]*>([^<]+)</a>", menu_of(html, "site-nav"))
    return {label for label in labels if label in MENU}


def current_items(html: str) -> list[str]:
    """The labels of the menu items marked current, in the site's menu and the portal's."""
    menus = menu_of(html, "site-nav") + menu_of(html, "portal-nav")
    return re.findall(r'<a [^>]*aria-current="[^"]+"[^>]*>([^<]+)</a>', menus)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", PAGES)
def test_it_shows_the_menu_items_of_the_readers_roles(reader, persona, page):
    """Each role sees the menu items that lead somewhere for it, on every page, and only those."""
    html = reader.get(reverse(page)).content.decode()

    assert menu_labels(html) == SHOWN[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_offers_refer_buttons_on_results_only_to_people_who_refer(reader, persona, indexed):
    """A result card's Refer button leads to the refer page, which only case managers and admins may use."""
    html = reader.get(reverse("search:page"), {"q": "daycare"}).content.decode()

    assert "Sunrise Daycare" in html
    assert ('class="result-card__refer"' in html) == (persona in REFERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_offers_refer_on_a_service_page_only_to_people_who_refer(reader, persona, service_a):
    """The service page's "Refer a participant here" is for the people the refer page serves."""
    html = reader.get(service_a.get_absolute_url()).content.decode()

    assert "How to refer" in html
    assert ("Refer a participant here" in html) == (persona in REFERS)


@pytest.mark.parametrize(
    ("persona", "page", "current"),
    [
        ("anonymous", "home", "Home"),
        ("anonymous", "search:page", "Find services"),
        ("carol", "referrals:dashboard", "My referrals"),
        ("carol", "plans:week", "This week"),
        ("alice", "referrals:inbox", "Inbox"),
        ("alice", "portal:home", "My listings"),
        ("alice", "portal:corrections", "Corrections"),
        ("admin", "portal:review_queue", "Review queue"),
        ("admin", "reports:page", "Reports"),
        ("dana", "portal:home", "My listings"),
    ],
)
def test_it_marks_exactly_one_menu_item_current(reader, persona, page, current):
    """One item of the menus is the current page: on the portal's pages, the portal's own item, not also
    the main menu's "Agency portal"."""
    html = reader.get(reverse(page)).content.decode()

    assert current_items(html) == [current]


@pytest.mark.parametrize("persona", ["alice", "admin"])
def test_it_marks_the_portal_as_the_section_of_a_listings_page(reader, persona, service_a):
    """A listing's page in the portal is named by no menu: the main menu's "Agency portal" says where it is."""
    html = reader.get(reverse("portal:service", args=[service_a.pk])).content.decode()

    assert current_items(html) == ["Agency portal"]
    assert 'aria-current="true">Agency portal</a>' in menu_of(html, "site-nav")
