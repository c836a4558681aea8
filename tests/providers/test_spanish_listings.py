"""Listings in Spanish (issue 19): a Spanish page shows the Spanish an agency wrote for each text a participant
reads, says plainly when a text is only in English, and names the languages a service speaks in Spanish."""

import datetime

import pytest

from providers.models import CostOption, Language, RequiredDocument, Schedule, Service
from providers.translations import spanish_search_text

ONLY_IN_ENGLISH = "Solo en inglés: la agencia no lo ha escrito en español."


@pytest.fixture
def translated(service_a):
    """Sunrise Daycare with Spanish texts for most of what a participant reads; the fees are in English only."""
    organization = service_a.organization
    organization.name_es = "Agencia A en español"
    organization.save()
    service_a.name_es = "Guardería Amanecer"
    service_a.description_es = "Cuidado infantil de día completo para padres que trabajan."
    service_a.eligibility_description = "Families with children under 6."
    service_a.eligibility_description_es = "Familias con niños menores de 6 años."
    service_a.application_process = "Call to book a visit."
    service_a.application_process_es = "Llame para reservar una visita."
    service_a.fees_description = "Sliding scale by income."
    service_a.save()
    RequiredDocument.objects.create(service=service_a, document="Proof of income", document_es="Prueba de ingresos")
    RequiredDocument.objects.create(service=service_a, document="Child's birth certificate")
    CostOption.objects.create(service=service_a, amount=0, option="For families", option_es="Para familias")
    monday = service_a.schedules.get(weekday="MO")
    monday.description = "Closed 12-1 for lunch"
    monday.description_es = "Cerrado de 12 a 1 para almorzar"
    monday.save()
    Schedule.objects.create(
        service=service_a,
        kind=Schedule.Kind.CLOSURE,
        valid_from=datetime.date(2099, 7, 4),
        description="Independence Day",
        description_es="Día de la Independencia",
    )
    Language.objects.create(service=service_a, name="English", code="en")
    Language.objects.create(service=service_a, name="Spanish", code="es")
    return service_a


def page(client, service, language: str) -> str:
    response = client.get(service.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_spanish_page_shows_the_spanish_the_agency_wrote(client, translated):
    html = page(client, translated, "es")

    assert '<h1 id="service-name">Guardería Amanecer</h1>' in html
    assert "Ofrecido por Agencia A en español" in html
    assert "Cuidado infantil de día completo para padres que trabajan." in html
    assert "Familias con niños menores de 6 años." in html
    assert "Llame para reservar una visita." in html
    assert '<span lang="es">Prueba de ingresos</span>' in html
    assert '<span lang="es">Para familias</span>' in html
    assert "Cerrado de 12 a 1 para almorzar" in html
    assert "Día de la Independencia" in html
    for english in ("Full-day child care", "Families with children under 6", "Call to book", "Proof of income"):
        assert english not in html
    assert "Closed 12-1 for lunch" not in html and "Independence Day" not in html


def test_it_says_plainly_which_texts_are_only_in_english(client, translated):
    """The fees and one document have no Spanish: shown in English, marked so, with a note in Spanish."""
    html = page(client, translated, "es")

    fees = '<div lang="en"><p>Sliding scale by income.</p></div><p class="hint only-in-english">'
    assert fees + ONLY_IN_ENGLISH in html
    document = '<span lang="en">Child&#x27;s birth certificate</span> <span class="hint only-in-english">'
    assert document + "(solo en inglés)" in html
    assert html.count("only-in-english") == 2


def test_an_english_page_shows_the_english_and_no_note(client, translated):
    html = page(client, translated, "en")

    assert '<h1 id="service-name">Sunrise Daycare</h1>' in html
    assert "Full-day child care for working parents." in html
    assert "Closed 12-1 for lunch" in html and "Independence Day" in html
    assert "Guardería Amanecer" not in html and "Prueba de ingresos" not in html
    assert "only-in-english" not in html


def test_a_spanish_hours_note_written_only_in_english_says_so(client, translated):
    Schedule.objects.filter(service=translated, weekday="MO").update(description_es="")

    html = page(client, translated, "es")

    assert "Closed 12-1 for lunch (solo en inglés)" in html


def test_language_chips_name_the_languages_in_the_pages_language(client, translated):
    """The Spanish page reads "Inglés" and "Español", not "English" and "Spanish"."""
    spanish = page(client, translated, "es")
    english = page(client, translated, "en")

    assert '<li class="tag">Español</li>' in spanish and '<li class="tag">Inglés</li>' in spanish
    assert '<li class="tag">Spanish</li>' in english and '<li class="tag">English</li>' in english


def test_search_gets_the_spanish_texts_of_a_listing_to_analyse(translated):
    """What the search document's text_es holds: the Spanish the agency wrote, nothing of the English."""
    text = spanish_search_text(Service.objects.select_related("organization").get(pk=translated.pk))

    assert text.splitlines() == [
        "Guardería Amanecer",
        "Cuidado infantil de día completo para padres que trabajan.",
        "Familias con niños menores de 6 años.",
        "Llame para reservar una visita.",
        "Agencia A en español",
    ]
