"""A service page names each phone line as a reader would (issue 19): HSDS's "voice" line is a "Phone" in
English and a "Teléfono" in Spanish, never the word-for-word "Voice:" or "Voz:"."""

import pytest

from providers.models import Phone


@pytest.fixture
def lines(service_a):
    Phone.objects.create(service=service_a, number="303-555-0100", type=Phone.Type.VOICE)
    Phone.objects.create(service=service_a, number="303-555-0101", type=Phone.Type.TEXT)
    Phone.objects.create(service=service_a, number="303-555-0102", type=Phone.Type.VIDEO)
    return service_a


def contact_text(client, service, language: str) -> str:
    response = client.get(service.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_it_calls_a_voice_line_a_phone_in_english(client, lines):
    """English: "Phone:", "Text messages:", "Video call:"; no "Voice:"."""
    html = contact_text(client, lines, "en")
    assert "Phone:</span>" in html
    assert "Text messages:</span>" in html
    assert "Video call:</span>" in html
    assert "Voice:" not in html


def test_it_calls_a_voice_line_a_telefono_in_spanish(client, lines):
    """Spanish: "Teléfono:", "Mensajes de texto:", "Videollamada:"; no "Voz:"."""
    html = contact_text(client, lines, "es")
    assert "Teléfono:</span>" in html
    assert "Mensajes de texto:</span>" in html
    assert "Videollamada:</span>" in html
    assert "Voz:" not in html
