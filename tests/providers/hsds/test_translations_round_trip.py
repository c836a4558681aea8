"""The Spanish an agency wrote travels in the export as a "translations" extra on each record, the official
schemas still accept the export, and an import gives every Spanish text back (issue 19, listings in Spanish)."""

import json

import pytest

from providers.hsds.serialize import EXTRAS
from providers.models import CostOption, Organization, RequiredDocument, Schedule, Service
from tests.providers.hsds.rows import assert_same_rows, listing_rows
from tests.providers.hsds.test_export import empty_the_database, export, schema_errors  # noqa: F401 (a fixture)
from tests.providers.hsds.test_export_round_trip import import_export

pytestmark = pytest.mark.django_db

TRANSLATIONS_TERM = EXTRAS["translations"].id


@pytest.fixture
def spanish_texts(demo_network) -> Service:
    """One service with a Spanish version of every text a participant reads: its own, its organization's, an
    hours note, a holiday, a cost and a document. Its description is left in English only."""
    service = Service.objects.filter(cost_options__isnull=False, required_documents__isnull=False).first()
    Organization.objects.filter(pk=service.organization_id).update(
        name_es="Organización de prueba", description_es="Una agencia de la red."
    )
    Service.objects.filter(pk=service.pk).update(
        name_es="Servicio de prueba",
        description_es="",
        eligibility_description_es="Para familias del condado.",
        application_process_es="Llame antes de venir.",
        fees_description_es="Gratis para todos.",
    )
    hours = Schedule.objects.create(
        service=service, weekday="SA", opens_at="09:00", closes_at="12:00", description="Walk-ins only"
    )
    Schedule.objects.filter(pk=hours.pk).update(description_es="Solo sin cita", notes_es="Traiga a sus hijos.")
    Schedule.objects.create(
        service=service,
        kind=Schedule.Kind.CLOSURE,
        valid_from="2099-12-25",
        description="Christmas Day",
        description_es="Día de Navidad",
    )
    CostOption.objects.filter(pk=service.cost_options.first().pk).update(
        option_es="Por visita", amount_description_es="Se puede pagar después."
    )
    RequiredDocument.objects.filter(pk=service.required_documents.first().pk).update(document_es="Una identificación")
    return Service.objects.get(pk=service.pk)


def translations_in(record: dict) -> dict:
    """The translations extra of an HSDS record, read as JSON ({} when it has none)."""
    for attribute in record.get("attributes", []):
        if attribute["taxonomy_term_id"] == TRANSLATIONS_TERM:
            return json.loads(attribute["value"])
    return {}


def test_the_export_carries_the_spanish_and_the_schemas_accept_it(tmp_path, spanish_texts, schema_errors):  # noqa: F811
    export(tmp_path)

    path = tmp_path / "json" / "organizations" / f"{spanish_texts.organization_id}.json"
    organization = json.loads(path.read_text())
    assert schema_errors("compiled/organization.json", organization) == []
    assert translations_in(organization) == {
        "es": {"name": "Organización de prueba", "description": "Una agencia de la red."}
    }
    service = next(record for record in organization["services"] if record["id"] == str(spanish_texts.pk))
    assert translations_in(service) == {
        "es": {
            "name": "Servicio de prueba",
            "eligibility_description": "Para familias del condado.",
            "application_process": "Llame antes de venir.",
            "fees_description": "Gratis para todos.",
        }
    }
    schedules = [translations_in(schedule) for schedule in service["schedules"]]
    assert {"es": {"description": "Solo sin cita", "notes": "Traiga a sus hijos."}} in schedules
    assert {"es": {"description": "Día de Navidad"}} in schedules
    assert {"es": {"option": "Por visita", "amount_description": "Se puede pagar después."}} in [
        translations_in(option) for option in service["cost_options"]
    ]
    assert {"es": {"document": "Una identificación"}} in [
        translations_in(document) for document in service["required_documents"]
    ]


@pytest.mark.parametrize("form", ["json", "csv"])
def test_an_import_gives_every_spanish_text_back(tmp_path, spanish_texts, form):
    before = listing_rows()

    export(tmp_path)
    empty_the_database()
    import_export(tmp_path / form)

    assert_same_rows(before, listing_rows())
    service = Service.objects.select_related("organization").get(pk=spanish_texts.pk)
    assert (service.name_es, service.description_es, service.fees_description_es) == (
        "Servicio de prueba",
        "",
        "Gratis para todos.",
    )
    assert service.organization.name_es == "Organización de prueba"
    assert Schedule.objects.get(
        service=service, kind=Schedule.Kind.CLOSURE, valid_from="2099-12-25"
    ).description_es == ("Día de Navidad")


def test_an_import_refuses_translations_that_are_not_the_documented_json(tmp_path, spanish_texts):
    """A service whose translations value is not {"es": {...}} is reported and left as it was, not read as
    something else."""
    export(tmp_path)
    path = tmp_path / "json" / "organizations" / f"{spanish_texts.organization_id}.json"
    organization = json.loads(path.read_text())
    service = next(record for record in organization["services"] if record["id"] == str(spanish_texts.pk))
    for attribute in service["attributes"]:
        if attribute["taxonomy_term_id"] == TRANSLATIONS_TERM:
            attribute["value"] = '{"es": "Servicio de prueba"}'
    path.write_text(json.dumps(organization))
    Service.objects.filter(pk=spanish_texts.pk).update(name_es="Kept")

    report = import_export(tmp_path / "json", partial=True)

    assert "The translations value is not JSON like" in report
    assert Service.objects.get(pk=spanish_texts.pk).name_es == "Kept"
