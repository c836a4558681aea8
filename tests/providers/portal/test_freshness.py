"""Freshness: "still accurate" sets last verified; stale listings are flagged everywhere, and may be hidden."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from providers.models import NetworkSettings, Service
from search.backends.base import SearchRequest
from search.backends.whoosh import index
from search.query import search
from tests.search.conftest import make_service, taxonomy  # noqa: F401 (a fixture)

from .conftest import html_of

VERIFIED = datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC)


def verified(service: Service, when: datetime.datetime = VERIFIED) -> Service:
    Service.objects.filter(pk=service.pk).update(last_verified_at=when)
    service.refresh_from_db()
    return service


def test_it_marks_a_listing_verified_by_its_editor(client, alice, service_a):
    """One click records who confirmed the listing and when; the flag goes away."""
    client.force_login(alice)
    with time_machine.travel(VERIFIED, tick=False):
        response = client.post(reverse("portal:confirm", args=[service_a.pk]))

    assert response.status_code == 302
    service_a.refresh_from_db()
    assert (service_a.last_verified_at, service_a.last_verified_by) == (VERIFIED, alice)
    with time_machine.travel(VERIFIED + datetime.timedelta(days=1), tick=False):
        html = html_of(client.get(reverse("portal:home")))
    assert "Not verified recently" not in html
    assert "Last verified Jan. 10, 2026" in html


@pytest.mark.parametrize(("days_later", "stale"), [(179, False), (181, True)])
def test_it_flags_a_stale_listing_in_the_portal_and_on_the_service_page(client, alice, service_a, days_later, stale):
    """Past VERIFY_AFTER_DAYS (180) the portal and the public page say the listing is not verified recently."""
    verified(service_a)
    client.force_login(alice)

    with time_machine.travel(VERIFIED + datetime.timedelta(days=days_later), tick=False):
        portal = html_of(client.get(reverse("portal:service", args=[service_a.pk])))
        public = html_of(client.get(service_a.get_absolute_url()))

    assert ("Not verified recently" in portal) is stale
    assert ("Nobody has confirmed this listing in the last 180 days" in portal) is stale
    assert ("Not verified in the last 180 days" in public) is stale


@pytest.mark.usefixtures("taxonomy")
def test_it_flags_a_stale_listing_in_the_search_results(client, db):
    """The search results flag the listing once it is past the window, from the index's date."""
    service = verified(make_service("Westwood Little Learners"))
    index.rebuild()

    with time_machine.travel(VERIFIED + datetime.timedelta(days=181), tick=False):
        html = html_of(client.get(reverse("search:page"), {"q": "daycare"}))
    index.reset_searcher()

    assert service.name in html
    assert "Not verified recently" in html


@pytest.mark.usefixtures("taxonomy")
def test_it_hides_listings_unverified_for_the_networks_second_period_from_search(db):
    """With the setting, listings unverified that long (or never verified) leave the results; nothing is deleted."""
    verified(make_service("Fresh Daycare"))
    old = verified(make_service("Old Daycare"), VERIFIED - datetime.timedelta(days=400))
    never = make_service("Never Verified Daycare")
    index.rebuild()

    def names() -> set[str]:
        with time_machine.travel(VERIFIED + datetime.timedelta(days=10), tick=False):
            return {result.data["name"] for result in search(SearchRequest(text="daycare")).results}

    assert names() == {"Fresh Daycare", "Old Daycare", "Never Verified Daycare"}
    NetworkSettings.objects.create(hide_unverified_after_days=365)
    assert names() == {"Fresh Daycare"}
    assert Service.objects.filter(pk__in=[old.pk, never.pk]).count() == 2
    index.reset_searcher()


@pytest.mark.usefixtures("taxonomy")
def test_it_brings_a_hidden_listing_back_once_confirmed(
    client, alice, agency_a, settings, django_capture_on_commit_callbacks
):
    """Confirming reindexes the listing (the index upkeep reacts to the save), so search shows it again."""
    service = verified(make_service("Old Daycare", organization=agency_a), VERIFIED - datetime.timedelta(days=400))
    NetworkSettings.objects.create(hide_unverified_after_days=365)
    settings.SEARCH_INDEX_UPKEEP = True
    index.rebuild()
    client.force_login(alice)

    with time_machine.travel(VERIFIED, tick=False):
        assert search(SearchRequest(text="daycare")).count == 0
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("portal:confirm", args=[service.pk]))
        assert [result.data["name"] for result in search(SearchRequest(text="daycare")).results] == ["Old Daycare"]
    index.reset_searcher()
