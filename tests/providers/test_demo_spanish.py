"""The demo network shows listings in Spanish (issue 19): a few agencies wrote the Spanish of their texts,
the demo loader reads it, and their Spanish pages show it, with what they left in English marked so."""

import pytest

from providers.models import CostOption, Organization, RequiredDocument, Schedule, Service

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_network")]


def test_the_demo_loads_the_spanish_the_agencies_wrote():
    daycare = Service.objects.get(name="Little Aspen Infant and Toddler Daycare")
    assert daycare.name_es == "Guardería Little Aspen para bebés y niños pequeños"
    assert daycare.description_es.startswith("Guardería de día completo para bebés")
    assert daycare.eligibility_description_es and daycare.application_process_es and daycare.fees_description_es
    assert Organization.objects.get(pk=daycare.organization_id).description_es.startswith("Una organización")
    documents = RequiredDocument.objects.filter(service=daycare)
    assert "Acta de nacimiento del niño" in {document.document_es for document in documents}
    assert Schedule.objects.filter(service=daycare, description_es="Día de Navidad").exists()
    assert CostOption.objects.filter(service=daycare, option_es="Escala móvil").exists()
    # Only the agencies that wrote Spanish have it: the demo also shows listings in English only.
    assert Service.objects.exclude(name_es="").count() == 3


def test_a_demo_listing_reads_in_spanish_with_what_is_only_in_english_marked(client):
    preschool = Service.objects.get(name="Little Aspen Bilingual Preschool")

    html = client.get(preschool.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert '<h1 id="service-name">Preescolar bilingüe Little Aspen</h1>' in html
    assert "Preescolar de medio día y de jornada escolar" in html
    assert "Vacaciones de invierno" in html
    # Its eligibility is in English only: shown in English, with the note.
    assert f'<div lang="en"><p>{preschool.eligibility_description}</p></div>' in html
    assert "Solo en inglés: la agencia no lo ha escrito en español." in html
