"""The permission matrix: an editor of agency B can neither see nor change anything of agency A."""

import pytest
from django.urls import reverse

from providers.models import (
    Address,
    ChangeRecord,
    Correction,
    EditorClaim,
    JoinRequest,
    Location,
    NetworkSettings,
    Organization,
    PendingEdit,
    Phone,
    Schedule,
    Service,
    TaxonomyTerm,
)
from providers.portal.sections import SERVICE_PAGES

from .conftest import html_of, read_form


def database_state() -> tuple:
    """Everything a portal view could change, to compare before and after."""
    return (
        list(Organization.objects.order_by("pk").values()),
        list(Service.objects.order_by("pk").values()),
        list(Location.objects.order_by("pk").values()),
        list(Address.objects.order_by("pk").values()),
        list(Schedule.objects.order_by("pk").values()),
        list(Phone.objects.order_by("pk").values()),
        list(Correction.objects.order_by("pk").values()),
        list(PendingEdit.objects.order_by("pk").values()),
        list(EditorClaim.objects.order_by("pk").values()),
        list(JoinRequest.objects.order_by("pk").values()),
        list(NetworkSettings.objects.values()),
        ChangeRecord.objects.count(),
    )


@pytest.fixture
def agency_a_things(alice, service_a, agency_a) -> dict:
    location = service_a.locations.get()
    correction = Correction.objects.create(service=service_a, kind="wrong_phone", source="case_manager")
    return {"service": service_a, "organization": agency_a, "location": location, "correction": correction}


def editor_pages(things: dict) -> list[str]:
    service, organization, location = things["service"], things["organization"], things["location"]
    return [
        reverse("portal:organization", args=[organization.pk]),
        reverse("portal:organization_edit", args=[organization.pk]),
        reverse("portal:organization_history", args=[organization.pk]),
        reverse("portal:service_new", args=[organization.pk]),
        reverse("portal:location_new", args=[organization.pk]),
        reverse("portal:location_edit", args=[location.pk]),
        reverse("portal:service", args=[service.pk]),
        reverse("portal:confirm", args=[service.pk]),
        reverse("portal:history", args=[service.pk]),
        *[reverse("portal:service_edit", args=[service.pk, page.key]) for page in SERVICE_PAGES],
    ]


def forms_to_post(client, alice, things: dict) -> list[tuple[str, dict]]:
    """Each form of agency A's pages as alice sees it (valid data), plus the one-click forms."""
    client.force_login(alice)
    posts = []
    for url in editor_pages(things):
        html = html_of(client.get(url))
        if 'name="version"' in html:
            posts.append((url, read_form(html)))
    service = things["service"]
    posts += [
        (reverse("portal:capacity", args=[service.pk]), {"capacity_status": "not_accepting"}),
        (reverse("portal:confirm", args=[service.pk]), {}),
        (reverse("portal:correction_resolve", args=[things["correction"].pk]), {"resolution_note": "Fixed."}),
    ]
    client.logout()
    return posts


@pytest.mark.parametrize("persona", ["bob", "carol"])
def test_it_answers_404_to_other_people_on_every_page_and_changes_nothing(
    client, alice, agency_a_things, persona, request
):
    """bob (agency B) and carol (a case manager) get 404 for every page and every form of agency A."""
    posts = forms_to_post(client, alice, agency_a_things)
    assert len(posts) >= 15
    client.force_login(request.getfixturevalue(persona))
    before = database_state()

    for url in editor_pages(agency_a_things):
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url

    assert database_state() == before


def test_it_sends_anonymous_visitors_to_sign_in(client, agency_a_things):
    """Without signing in, every portal page asks to sign in first."""
    for url in [reverse("portal:home"), *editor_pages(agency_a_things), reverse("portal:corrections")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_it_lets_alice_open_every_page_of_her_agency(client, alice, agency_a_things):
    """The same pages answer 200 to agency A's own editor."""
    client.force_login(alice)
    for url in editor_pages(agency_a_things):
        assert client.get(url).status_code == 200, url


@pytest.fixture
def admin_things(alice, bob, service_a, categories) -> dict:
    edit = PendingEdit.objects.create(
        organization=service_a.organization, service=service_a, section="details", data={}, submitted_by=alice
    )
    claim = EditorClaim.objects.create(requested_by=bob, organization=service_a.organization)
    join = JoinRequest.objects.create(
        requested_by=bob,
        organization_name="New Agency",
        organization_description="New.",
        service_name="New Service",
        service_description="New.",
        service_category=TaxonomyTerm.objects.get(code="daycare"),
    )
    return {"edit": edit, "claim": claim, "join": join}


def test_it_keeps_review_and_requests_for_network_admins(client, alice, bob, admin, admin_things):
    """Editors get 403 on the review queue, the requests and the settings; nothing is decided."""
    gets = [
        reverse("portal:review_queue"),
        reverse("portal:review_edit", args=[admin_things["edit"].pk]),
        reverse("portal:requests"),
        reverse("portal:network_settings"),
    ]
    posts = [
        (reverse("portal:review_edit", args=[admin_things["edit"].pk]), {"decision": "approve"}),
        (reverse("portal:claim_decide", args=[admin_things["claim"].pk]), {"decision": "approve"}),
        (reverse("portal:join_decide", args=[admin_things["join"].pk]), {"decision": "approve"}),
        (reverse("portal:network_settings"), {"publishing_mode": "review"}),
    ]
    before = database_state()
    for persona in [alice, bob]:
        client.force_login(persona)
        for url in gets:
            assert client.get(url).status_code == 403, url
        for url, data in posts:
            assert client.post(url, data).status_code == 403, url
    assert database_state() == before

    client.force_login(admin)
    for url in gets:
        assert client.get(url).status_code == 200, url


def test_it_lists_only_the_editors_own_listings(client, bob, agency_a_things):
    """bob's dashboard and corrections page show nothing of agency A."""
    client.force_login(bob)

    assert "Sunrise Daycare" not in html_of(client.get(reverse("portal:home")))
    assert "Sunrise Daycare" not in html_of(client.get(reverse("portal:corrections")))
