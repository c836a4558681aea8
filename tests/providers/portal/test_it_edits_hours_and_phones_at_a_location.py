"""From a service's portal page, its editor keeps each location's hours and phones true.

Hours here are the service's own at that location (HSDS service_at_location schedules): they replace the
service's hours at that place only. The phones are the location's own, shared by the services there.
"""

import datetime
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse

from directory.models import Membership
from providers.models import (
    ChangeRecord,
    Location,
    PendingEdit,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
)
from providers.views import location_listings
from tests.conftest import make_user

from .conftest import html_of, open_form, post_form, read_form
from .test_permissions import database_state

TUESDAY_3AM = datetime.datetime(2030, 1, 8, 3, tzinfo=zoneinfo.ZoneInfo("America/Denver"))


@pytest.fixture
def site(service_a) -> ServiceAtLocation:
    """Sunrise Daycare at Sunrise Westwood, whose front desk has a phone."""
    service_at_location = service_a.service_at_locations.select_related("location").get()
    Phone.objects.create(location=service_at_location.location, number="303-555-0100")
    return service_at_location


def site_url(site: ServiceAtLocation) -> str:
    return reverse("portal:service_location_edit", args=[site.service_id, site.location_id])


def site_hours(site: ServiceAtLocation) -> list[tuple]:
    return list(
        Schedule.objects.filter(service_at_location=site, kind=Schedule.Kind.HOURS).values_list(
            "weekday", "opens_at", "closes_at"
        )
    )


def test_it_links_each_location_from_the_service_page(client, alice, site):
    """The service's portal page lists its locations, each with a link to its hours and phones."""
    client.force_login(alice)

    html = html_of(client.get(reverse("portal:service", args=[site.service_id])))

    assert f'href="{site_url(site)}"' in html
    assert "Hours and phones at Sunrise Westwood" in html


def test_it_saves_hours_at_the_location_that_replace_the_services_there(client, alice, site):
    """Tuesday mornings only at Westwood: the public listing shows them there instead of the weekday hours."""
    client.force_login(alice)
    form = open_form(client, site_url(site))

    response = post_form(
        client,
        site_url(site),
        form,
        hours__0__weekday="TU",
        hours__0__opens_at="09:00",
        hours__0__closes_at="12:00",
        closures__0__valid_from="2030-07-04",
        closures__0__description="Independence Day",
    )

    assert response.status_code == 302
    assert response.url == reverse("portal:service", args=[site.service_id])
    assert site_hours(site) == [("TU", datetime.time(9), datetime.time(12))]
    closure = Schedule.objects.get(service_at_location=site, kind=Schedule.Kind.CLOSURE)
    assert closure.valid_from == datetime.date(2030, 7, 4)
    assert site.service.schedules.filter(kind=Schedule.Kind.HOURS).count() == 5, "the service's own hours stay"
    week = {day.weekday: day.intervals for day in location_listings(site.service, datetime.date(2030, 1, 1))[0].week}
    assert week["Tuesday"] == ["9:00 a.m. – 12:00 p.m."] and week["Monday"] == []
    records = ChangeRecord.objects.order_by("resource_label")
    assert [(r.action, r.resource_type, r.service, r.changed_by) for r in records] == [
        ("create", "schedule", site.service, alice),
        ("create", "schedule", site.service, alice),
    ]


def test_it_saves_the_locations_phones_in_the_organizations_history(client, alice, site):
    """A new front-desk number is the location's, and every listing's history of the organization shows it."""
    client.force_login(alice)
    form = open_form(client, site_url(site))

    response = post_form(
        client, site_url(site), form, phones__0__number="303-555-0199", phones__1__number="303-555-0142"
    )

    assert response.status_code == 302
    numbers = set(Phone.objects.filter(location=site.location).values_list("number", flat=True))
    assert numbers == {"303-555-0199", "303-555-0142"}
    update = ChangeRecord.objects.get(action="update")
    assert (update.resource_type, update.field_name, update.previous_value, update.replacement_value) == (
        "phone",
        "number",
        "303-555-0100",
        "303-555-0199",
    )
    assert (update.service, update.organization) == (None, site.service.organization)
    assert ChangeRecord.objects.filter(action="create", resource_type="phone", service=None).count() == 1
    other_listing = Service.objects.create(organization=site.service.organization, name="Sunrise Preschool")
    for service in [site.service, other_listing]:
        history = html_of(client.get(reverse("portal:history", args=[service.pk])))
        assert "<del>303-555-0100</del>" in history and "<ins>303-555-0199</ins>" in history


def found_open_at(client, service: Service, moment: datetime.datetime) -> bool:
    response = client.get(reverse("search:api"), {"open_at": moment.isoformat(), "page_size": 100})
    assert response.status_code == 200, response.content
    return str(service.pk) in {result["service"]["id"] for result in response.json()["results"]}


def test_it_keeps_search_current(client, alice, site, search_index, django_capture_on_commit_callbacks):
    """Search follows: after the edit, the service is open at 3 a.m. on Tuesdays at Westwood, not on Mondays."""
    client.force_login(alice)
    form = open_form(client, site_url(site))

    with django_capture_on_commit_callbacks(execute=True):
        post_form(
            client,
            site_url(site),
            form,
            hours__0__weekday="TU",
            hours__0__opens_at="02:00",
            hours__0__closes_at="04:00",
        )

    assert found_open_at(client, site.service, TUESDAY_3AM)
    assert not found_open_at(client, site.service, TUESDAY_3AM - datetime.timedelta(days=1))
    assert not found_open_at(client, site.service, TUESDAY_3AM - datetime.timedelta(days=1, hours=-9)), (
        "the service's weekday hours no longer apply at Westwood"
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"hours__0__weekday": "TU", "hours__0__opens_at": "09:00", "hours__0__closes_at": ""},
            "hours-0-closes_at",
            "This field is required.",
        ),
        (
            {"hours__0__weekday": "TU", "hours__0__opens_at": "09:00", "hours__0__closes_at": "09:00"},
            "hours-0-closes_at",
            "Opening and closing times are the same; give the hours the service is open.",
        ),
        (
            {"closures__0__valid_from": "2030-07-05", "closures__0__valid_to": "2030-07-04"},
            "closures-0-valid_to",
            "The last day closed must not be before the first.",
        ),
        ({"phones__0__number": ""}, "phones-0-number", "This field is required."),
    ],
)
def test_it_saves_nothing_when_a_field_is_wrong(client, alice, site, changes, field, message):
    """Bad hours, dates or phones: status 400, the message beside the field, nothing saved, no history."""
    client.force_login(alice)
    form = open_form(client, site_url(site))
    before = database_state()

    response = post_form(client, site_url(site), form, **{"phones__0__number": "303-555-0199", **changes})

    assert response.status_code == 400
    html = html_of(response)
    assert "Nothing was saved. Correct what is marked below." in html
    assert f'<p class="field__error" id="id_{field}_error">{message}</p>' in html
    assert database_state() == before


def test_it_holds_the_edit_for_review_and_publishes_it_when_approved(
    client, alice, admin, site, review_mode, django_capture_on_commit_callbacks
):
    """In review mode the hours and phone wait; approving applies them with alice as author and the edit named."""
    client.force_login(alice)
    form = open_form(client, site_url(site))

    response = post_form(
        client,
        site_url(site),
        form,
        hours__0__weekday="TU",
        hours__0__opens_at="09:00",
        hours__0__closes_at="12:00",
        phones__0__number="303-555-0199",
    )

    assert response.status_code == 302
    assert site_hours(site) == []
    assert Phone.objects.get(location=site.location).number == "303-555-0100"
    assert not ChangeRecord.objects.exists()
    edit = PendingEdit.objects.get()
    assert (edit.section, edit.service, edit.location, edit.organization) == (
        "at_location",
        site.service,
        site.location,
        site.service.organization,
    )
    assert {change["resource_type"] for change in edit.changes} == {"schedule", "phone"}

    client.force_login(admin)
    review_url = reverse("portal:review_edit", args=[edit.pk])
    page = html_of(client.get(review_url))
    assert "Sunrise Westwood" in page and "<ins>303-555-0199</ins>" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url, {"decision": "approve", "note": "", "version": read_form(page)["version"][0]}
        )

    assert response.status_code == 302
    assert site_hours(site) == [("TU", datetime.time(9), datetime.time(12))]
    assert Phone.objects.get(location=site.location).number == "303-555-0199"
    records = ChangeRecord.objects.all()
    assert {(r.resource_type, r.service, r.changed_by, r.pending_edit) for r in records} == {
        ("schedule", site.service, alice, edit),
        ("phone", None, alice, edit),
    }
    assert len({record.changed_at for record in records}) == 1, "one save, one entry in the history"


def test_it_cannot_approve_an_edit_of_a_location_the_service_left(client, alice, admin, site, review_mode):
    """When the service is no longer offered at the location, the held edit no longer fits: nothing is applied."""
    client.force_login(alice)
    post_form(
        client,
        site_url(site),
        open_form(client, site_url(site)),
        hours__0__weekday="TU",
        hours__0__opens_at="09:00",
        hours__0__closes_at="12:00",
    )
    edit = PendingEdit.objects.get()
    site.delete()
    client.force_login(admin)
    review_url = reverse("portal:review_edit", args=[edit.pk])

    page = html_of(client.get(review_url))
    response = client.post(review_url, {"decision": "approve", "note": "", "version": read_form(page)["version"][0]})

    assert "This edit no longer fits the listing as it is now." in page
    assert response.status_code == 400
    edit.refresh_from_db()
    assert edit.status == PendingEdit.Status.PENDING
    assert not Schedule.objects.filter(service_at_location__isnull=False).exists()


def test_it_stops_the_second_editor_of_the_same_location(client, alice, site, agency_a):
    """alice and dana open the same location; dana saves first; alice is told and nothing of hers is saved."""
    dana = make_user("dana", agency_a, Membership.Role.AGENCY_EDITOR)
    client.force_login(alice)
    alices_form = open_form(client, site_url(site))
    other = Client()
    other.force_login(dana)
    post_form(other, site_url(site), open_form(other, site_url(site)), phones__0__number="303-555-0111")

    response = post_form(client, site_url(site), alices_form, phones__0__number="303-555-0199")

    assert response.status_code == 409
    html = html_of(response)
    assert "This listing changed since you opened it." in html
    assert "<ins>303-555-0111</ins>" in html and "Saved by dana" in html
    assert Phone.objects.get(location=site.location).number == "303-555-0111"


def test_it_stops_an_edit_made_on_the_locations_own_page_meanwhile(client, alice, site):
    """The phones are also on the location's page: a change there since opening this page is a conflict too."""
    client.force_login(alice)
    form = open_form(client, site_url(site))
    location_url = reverse("portal:location_edit", args=[site.location_id])
    post_form(client, location_url, open_form(client, location_url), phones__0__number="303-555-0111")

    response = post_form(client, site_url(site), form, phones__0__number="303-555-0199")

    assert response.status_code == 409
    assert Phone.objects.get(location=site.location).number == "303-555-0111"


@pytest.mark.parametrize("persona", ["bob", "carol"])
def test_it_answers_404_to_other_organizations_and_changes_nothing(client, alice, site, persona, request):
    """bob (agency B) and carol (a case manager) can neither open nor post alice's location page."""
    client.force_login(alice)
    form = open_form(client, site_url(site))
    client.force_login(request.getfixturevalue(persona))
    before = database_state()

    assert client.get(site_url(site)).status_code == 404
    response = post_form(client, site_url(site), form, phones__0__number="303-555-0199")

    assert response.status_code == 404
    assert database_state() == before


def test_it_answers_404_for_a_location_the_service_is_not_offered_at(client, alice, bob, site, agency_a, agency_b):
    """A location of alice's own organization without the service, or bob's location with alice's service: 404."""
    elsewhere = Location.objects.create(organization=agency_a, name="Sunrise Annex")
    bobs_place = Location.objects.create(organization=agency_b, name="Lodgepole Office")
    ServiceAtLocation.objects.create(
        service=Service.objects.create(organization=agency_b, name="Rent help"), location=bobs_place
    )
    client.force_login(alice)
    form = open_form(client, site_url(site))
    before = database_state()

    for location in [elsewhere, bobs_place]:
        url = reverse("portal:service_location_edit", args=[site.service_id, location.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, form).status_code == 404
    assert database_state() == before


def test_it_lets_a_network_admin_edit_at_once_in_review_mode(client, admin, site, review_mode):
    """Network admins are the reviewers: their own edit of a location's hours is published at once."""
    client.force_login(admin)

    response = post_form(
        client,
        site_url(site),
        open_form(client, site_url(site)),
        hours__0__weekday="SA",
        hours__0__opens_at="10:00",
        hours__0__closes_at="14:00",
    )

    assert response.status_code == 302
    assert site_hours(site) == [("SA", datetime.time(10), datetime.time(14))]
    assert not PendingEdit.objects.exists()
    assert ChangeRecord.objects.get().changed_by == admin
