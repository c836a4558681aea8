"""The signed-in home page lists what needs the person's attention, with counts that match the page each
links to: overdue referrals and outcomes to record for case managers, the inbox for agency staff, listings
to verify and open corrections for agency editors. On the demo network, as it stands when loaded.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from directory.models import Membership
from providers.models import Correction, Service

pytestmark = pytest.mark.django_db


def signed_in(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def attention_of(html: str) -> dict[str, str]:
    """The home page's attention items: label -> link."""
    section = re.search(r'<section class="attention".*?</section>', html, re.DOTALL)
    assert section, "the home page has no attention section"
    return {label: url for url, label in re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', section.group(0))}


def tab_count(client, url: str, tab: str) -> int:
    """The count a dashboard or inbox tab shows."""
    html = client.get(url).content.decode()
    match = re.search(rf'href="\?tab={tab}"[^>]*>[^<]*<span class="tabs__count">(\d+)</span>', html)
    assert match, f"no count on the {tab} tab"
    return int(match.group(1))


def test_it_shows_a_case_manager_her_overdue_referrals_and_outcomes_to_record(client, demo_network):
    """carol has one referral the provider did not answer in time, and referrals waiting for her outcome:
    each a link to the dashboard's tab that lists them, with the same count."""
    signed_in(client, "carol")
    dashboard = reverse("referrals:dashboard")

    items = attention_of(client.get(reverse("home")).content.decode())

    waiting = tab_count(client, dashboard, "waiting")
    week = client.get(reverse("plans:week")).context["participant_count"]
    assert items == {
        f"This week: {week} participants need you": reverse("plans:week"),
        "1 overdue referral": f"{dashboard}?tab=overdue",
        f"{waiting} referrals waiting for your outcome": f"{dashboard}?tab=waiting",
    }
    assert tab_count(client, dashboard, "overdue") == 1


def test_it_shows_an_agency_editor_his_inbox_listings_and_corrections(client, demo_network):
    """bob has new referrals to answer, a listing nobody verified lately and, once a case manager reports
    one, a correction: each a link to the inbox or his portal; nothing about referrals he did not send."""
    bob = User.objects.get(username="bob")
    listing = Service.objects.filter(organization__memberships__user=bob).order_by("name").first()
    Correction.objects.create(service=listing, kind=Correction.Kind.WRONG_PHONE, source=Correction.Source.CASE_MANAGER)
    signed_in(client, "bob")
    inbox = reverse("referrals:inbox")

    items = attention_of(client.get(reverse("home")).content.decode())

    new = tab_count(client, inbox, "new")
    assert items == {
        f"{new} new referrals to answer": f"{inbox}?tab=new",
        "1 listed service not verified recently": reverse("portal:home"),
        "1 open correction": reverse("portal:corrections"),
    }


def test_it_shows_what_needs_attention_in_spanish(client, demo_network):
    signed_in(client, "carol")

    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Requiere su atención" in html
    assert "1 referido con retraso" in attention_of(html)


def test_it_runs_a_fixed_number_of_queries_on_the_home_page_for_both_roles(
    client, demo_network, django_assert_max_num_queries
):
    """carol, made an editor of bob's agency too, gets every item, for the same few queries whatever the
    number of referrals and listings (the demo's 230 referrals)."""
    carol = User.objects.get(username="carol")
    bobs_agency = Membership.objects.get(user__username="bob").organization
    Membership.objects.create(user=carol, organization=bobs_agency, role=Membership.Role.AGENCY_EDITOR)
    client.force_login(carol)

    # Session, user, demo banner, categories, her roles, her week's count (the menu's too); for each of her
    # three kinds of items whether she is a network admin and one count (two for the listings).
    with django_assert_max_num_queries(14):
        html = client.get(reverse("home")).content.decode()

    assert len(attention_of(html)) == 5
