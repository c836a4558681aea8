"""Unknown stays unknown: what no source stated (capacity, how to refer, gender, whether only residents or
only some populations qualify) reads "not stated" on the service page, in English and Spanish, instead of
the directory's defaults stated as facts. An agency states each in the portal; the demo states them all."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from providers.models import Service
from tests.imported import import_unstated_service

pytestmark = pytest.mark.django_db


def page(client, service: Service, language: str = "en") -> str:
    response = client.get(service.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_it_claims_nothing_for_an_imported_service(tmp_path):
    """A source that says nothing leaves every fact not stated, and capacity without a date."""
    service = import_unstated_service(tmp_path)

    assert service.capacity_status == Service.Capacity.NOT_STATED
    assert service.capacity_updated_at is None
    assert service.referral_method == Service.ReferralMethod.NOT_STATED
    assert service.gender == Service.Gender.NOT_STATED
    assert service.populations_required is None
    assert service.residency_required is None


def test_it_shows_not_stated_on_the_service_page(client, tmp_path):
    """No "Accepting new clients" dated today, no "contact the provider directly" as the provider's wish."""
    service = import_unstated_service(tmp_path)

    html = page(client, service)

    assert '<span class="badge badge--not_stated">Capacity not stated</span>' in html
    assert "Accepting new clients" not in html
    assert "updated " not in html
    assert "Referral method not stated: contact the provider" in html
    assert "Contact the provider directly" not in html
    assert "<dt>Gender</dt> <dd>Not stated</dd>" in html
    assert "Not stated whether only people who live in the service area qualify." in html
    assert "No eligibility limits are listed." not in html


def test_it_shows_not_stated_in_spanish(client, tmp_path):
    """The same page in Spanish."""
    service = import_unstated_service(tmp_path)

    html = page(client, service, "es")

    assert '<span class="badge badge--not_stated">Cupo no indicado</span>' in html
    assert "Acepta nuevos clientes" not in html
    assert "Forma de referir no indicada: contacte al proveedor" in html
    assert "<dt>Género</dt> <dd>No indicado</dd>" in html
    assert "No se indica si solo califican las personas que viven en el área de servicio." in html


def test_it_says_when_only_some_populations_might_qualify(client, service_a):
    """Populations whose rule nobody stated are neither "only for" nor "anyone may be served"."""
    from providers.models import Taxonomy, TaxonomyTerm

    populations = Taxonomy.objects.create(code=Taxonomy.POPULATIONS, name="Populations", description="Who")
    service_a.populations.add(TaxonomyTerm.objects.create(taxonomy=populations, code="veterans", name="Veterans"))
    Service.objects.filter(pk=service_a.pk).update(populations_required=None)

    html = page(client, service_a)

    assert "<dt>Populations served</dt>" in html
    assert "Not stated whether only these groups qualify." in html
    assert "Anyone may be served" not in html
    assert "Only for" not in html


def test_it_shows_the_stated_facts_as_before(client, service_a):
    """A listing whose agency stated its capacity and referral method shows them, dated."""
    Service.objects.filter(pk=service_a.pk).update(
        capacity_status=Service.Capacity.WAITLIST,
        capacity_updated_at=timezone.now(),
        referral_method=Service.ReferralMethod.ELECTRONIC,
        gender=Service.Gender.ANY,
    )

    html = page(client, service_a)

    assert '<span class="badge badge--waitlist">Waitlist</span>' in html
    assert "updated " in html
    assert "Electronic referral in the network" in html
    assert "not stated" not in html.lower()


def test_it_loads_the_demo_networks_stated_facts(demo_network):
    """The demo network states every fact of every service: load_demo gives them as network.json says."""
    entries = {
        entry["id"]: entry
        for organization in json.loads((Path(settings.BASE_DIR) / "fixtures" / "demo" / "network.json").read_text())[
            "organizations"
        ]
        for entry in organization.get("services", [])
    }
    fields = ["capacity_status", "referral_method", "gender", "populations_required", "residency_required"]
    services = Service.objects.filter(pk__in=entries).values("id", "capacity_updated_at", *fields)

    assert len(services) == len(entries)
    for service in services:
        entry = entries[str(service["id"])]
        assert {field: service[field] for field in fields} == {field: entry[field] for field in fields}
        assert service["capacity_updated_at"] is not None
