"""The printable slip, in the participant's language: where, when, what to bring, the private link and its QR code."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from providers.models import Phone, RequiredDocument
from referrals.models import Participant
from tests.directory.test_security_headers import inline_code


def slip_url(referral) -> str:
    return reverse("referrals:slip", args=[referral.pk])


@pytest.fixture
def listing(service_a):
    RequiredDocument.objects.create(service=service_a, document="Proof of income")
    Phone.objects.create(location=service_a.locations.get(), number="303-555-0100")


def test_it_prints_where_when_what_to_bring_and_the_link(client, settings, carol, referral, listing):
    """Address, hours, phone, documents, and the feedback link on SITE_URL with its QR code as inline SVG."""
    settings.SITE_URL = "https://directory.example.org/"
    client.force_login(carol)

    response = client.get(slip_url(referral))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sunrise Daycare" in html
    assert "3300 W Alameda Ave" in html
    assert "303-555-0100" in html
    assert "Proof of income" in html
    token = referral.participant_link.token
    assert f"https://directory.example.org/referrals/feedback/{token}/" in html
    assert '<svg viewBox="' in html
    assert inline_code(html) == []  # the QR code's SVG has no style attribute either


def test_it_speaks_the_participants_language(client, carol, referral, listing):
    """The participant prefers Spanish: the page is marked Spanish and dates read the Spanish way."""
    client.force_login(carol)

    response = client.get(slip_url(referral), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert '<html lang="es">' in html
    assert response["Content-Language"] == "es"
    expires = timezone.localtime(referral.participant_link.expires_at)
    assert f"{expires.day} de " in html  # "5 de enero de 2027", Django's Spanish date format


def test_it_prints_in_english_for_an_english_speaker(client, carol, referral):
    """The same slip for an English speaker is in English, whatever the case manager's own language."""
    Participant.objects.filter(pk=referral.participant_id).update(preferred_language="en")
    client.force_login(carol)

    response = client.get(slip_url(referral), HTTP_ACCEPT_LANGUAGE="es")

    assert '<html lang="en">' in response.content.decode()
    assert "What to bring" in response.content.decode()


def test_it_prints_without_contact_details_documents_or_hours(client, carol, referral, service_a):
    """A participant with no contact details, a service with no documents or hours: the slip still prints."""
    service_a.schedules.all().delete()
    participant = referral.participant
    assert (participant.phone, participant.email) == ("", "")
    client.force_login(carol)

    response = client.get(slip_url(referral))

    assert response.status_code == 200
    assert "3300 W Alameda Ave" in response.content.decode()


def test_it_shows_the_appointment(client, carol, alice, referral):
    """A scheduled referral's slip names the appointment."""
    from .conftest import move

    move(referral, alice, "accepted")
    move(referral, alice, "scheduled", appointment_at=datetime.datetime(2026, 12, 1, 17, tzinfo=datetime.UTC))
    client.force_login(carol)

    html = client.get(slip_url(referral)).content.decode()

    assert "1 de diciembre de 2026" in html
