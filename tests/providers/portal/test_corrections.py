"""Corrections: a case manager reports a problem on a service page; editors resolve it; admins see what stays open."""

from django.urls import reverse
from django.utils import timezone

from providers.models import Correction, Service

from .conftest import html_of


def test_it_turns_a_case_managers_report_into_a_correction_for_the_editors(client, carol, alice, service_a):
    """carol reports a wrong phone from the service page; alice sees it in her portal."""
    client.force_login(carol)
    page = html_of(client.get(service_a.get_absolute_url()))
    assert "Report a problem with this listing" in page
    assert reverse("portal:report_problem", args=[service_a.pk]) in page

    response = client.post(
        reverse("portal:report_problem", args=[service_a.pk]), {"kind": "wrong_phone", "note": "It is 303-555-0100."}
    )

    assert response.status_code == 302
    assert response.url == service_a.get_absolute_url()
    correction = Correction.objects.get()
    assert (correction.source, correction.reported_by, correction.kind) == ("case_manager", carol, "wrong_phone")
    client.force_login(alice)
    assert "It is 303-555-0100." in html_of(client.get(reverse("portal:corrections")))
    assert "1 open correction" in html_of(client.get(reverse("portal:home")))
    assert "It is 303-555-0100." in html_of(client.get(reverse("portal:service", args=[service_a.pk])))


def test_it_offers_editors_their_tools_instead_of_a_report_form(client, alice, service_a):
    """On her own listing's public page alice gets links to edit and confirm it."""
    client.force_login(alice)

    page = html_of(client.get(service_a.get_absolute_url()))

    assert "Report a problem" not in page
    assert reverse("portal:confirm", args=[service_a.pk]) in page


def test_it_shows_no_report_form_to_anonymous_visitors(client, service_a):
    """Reports come from signed-in people only."""
    assert "Report a problem" not in html_of(client.get(service_a.get_absolute_url()))
    response = client.post(reverse("portal:report_problem", args=[service_a.pk]), {"kind": "closed"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Correction.objects.exists()


def test_it_answers_404_to_a_report_on_a_hidden_listing(client, carol, service_a):
    """An inactive listing cannot be seen, so it cannot be reported either."""
    Service.objects.filter(pk=service_a.pk).update(status=Service.Status.INACTIVE)
    client.force_login(carol)

    response = client.post(reverse("portal:report_problem", args=[service_a.pk]), {"kind": "closed"})

    assert response.status_code == 404
    assert not Correction.objects.exists()


def test_it_resolves_a_correction_with_a_note(client, alice, service_a):
    """alice says what she did; the correction leaves the open list and keeps her note."""
    correction = Correction.objects.create(service=service_a, kind="moved", source="participant", note="New address")
    client.force_login(alice)

    without_note = client.post(reverse("portal:correction_resolve", args=[correction.pk]), {"resolution_note": ""})
    correction.refresh_from_db()
    assert correction.is_open
    assert without_note.status_code == 302

    client.post(reverse("portal:correction_resolve", args=[correction.pk]), {"resolution_note": "Address updated."})

    correction.refresh_from_db()
    assert (correction.resolved_by, correction.resolution_note) == (alice, "Address updated.")
    assert not correction.is_open
    html = html_of(client.get(reverse("portal:corrections")))
    assert "No open corrections." in html
    assert "Address updated." in html


def test_it_shows_admins_every_correction_that_stays_open(client, admin, service_a, agency_b):
    """The network admin sees the open corrections of every agency, not the resolved ones."""
    Correction.objects.create(service=service_a, kind="closed", source="participant", note="Closed on Fridays now")
    other = Service.objects.create(organization=agency_b, name="Lodgepole Rent Help")
    Correction.objects.create(
        service=other, kind="other", source="case_manager", note="Done already", resolved_at=timezone.now()
    )
    client.force_login(admin)

    html = html_of(client.get(reverse("portal:corrections")))

    assert "Closed on Fridays now" in html
    assert "across the network" in html
    assert html.count("Mark resolved") == 1
