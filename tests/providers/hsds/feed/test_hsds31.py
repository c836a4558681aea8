"""The feed publishes what HSDS 3.1 adds, and stays valid against both the 3.0 and the 3.1 schemas (issue 16).

HSDS 3.1 adds an organization's ``additional_websites``, a service's ``additional_urls`` and ``capacities``
(numbers in a unit) and the ``service_areas`` of a service at a location. None of the 3.0 compiled schemas
forbids further properties, so a record that carries them is still a valid 3.0 record; the tests hold every
answer to the official 3.0 schemas and to the 3.1 pre-release ones (fixtures/hsds/v3.1-dev/).
"""

import datetime

import pytest

from providers.hsds.views import LIST_PARAMETERS
from providers.models import (
    AdditionalUrl,
    Organization,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
    Unit,
)
from tests.providers.hsds.feed.conftest import all_pages, get, get_json, ndjson
from tests.providers.hsds.feed.test_conformance import ITEM_SCHEMAS, LISTS

pytestmark = pytest.mark.django_db

STATED = datetime.datetime(2026, 12, 1, 21, 0, tzinfo=datetime.UTC)


@pytest.fixture
def link() -> ServiceAtLocation:
    """A demo service at a location with what HSDS 3.1 adds: URLs, capacities, an area of the location."""
    link = (
        ServiceAtLocation.objects.filter(service__in=Service.objects.listed())
        .select_related("service__organization")
        .order_by("service__name", "id")
        .first()
    )
    service = link.service
    AdditionalUrl.objects.create(service=service, label="Facebook", url="https://facebook.example/food-bank")
    AdditionalUrl.objects.create(service=service, url="https://food-bank.example/menu")
    AdditionalUrl.objects.create(organization=service.organization, label="Donate", url="https://give.example/agency")
    bed = Unit.objects.create(name="Bed")
    kilogram = Unit.objects.create(name="Kilogram", scheme="SI", identifier="kgm", uri="https://units.example/si/kgm")
    ServiceCapacity.objects.create(service=service, unit=bed, available=4, maximum=20, updated_at=STATED)
    ServiceCapacity.objects.create(
        service=service, unit=kilogram, available=12.5, description="Food in stock", updated_at=STATED
    )
    ServiceArea.objects.create(
        service=service,
        service_at_location=link,
        name="Near this pantry",
        extent_type=ServiceArea.ExtentType.POSTAL_CODES,
        postal_codes=["80219"],
    )
    return link


def test_it_publishes_additional_urls_capacities_and_the_areas_of_a_location(client, link):
    """A service's URLs and capacities, its organization's websites, and the area of the service at a location."""
    service = get_json(client, f"services/{link.service_id}")

    assert {(url.get("label"), url["url"], url["service_id"]) for url in service["additional_urls"]} == {
        ("Facebook", "https://facebook.example/food-bank", str(link.service_id)),
        (None, "https://food-bank.example/menu", str(link.service_id)),
    }
    bed, kilogram = service["capacities"]
    assert {key: bed[key] for key in ("available", "maximum", "updated", "service_id")} == {
        "available": 4,
        "maximum": 20,
        "updated": "2026-12-01T21:00:00.000Z",
        "service_id": str(link.service_id),
    }
    assert bed["unit"] == {"id": bed["unit_id"], "name": "Bed", "attributes": []}
    assert (kilogram["available"], kilogram["description"], "maximum" in kilogram) == (12.5, "Food in stock", False)
    assert kilogram["unit"] == {
        "id": kilogram["unit_id"],
        "name": "Kilogram",
        "scheme": "SI",
        "identifier": "kgm",
        "uri": "https://units.example/si/kgm",
        "attributes": [],
    }
    at_location = next(item for item in service["service_at_locations"] if item["id"] == str(link.pk))
    [area] = at_location["service_areas"]
    assert (area["name"], area["service_id"], area["service_at_location_id"]) == (
        "Near this pantry",
        str(link.service_id),
        str(link.pk),
    )
    # It is the service's area too, as a 3.0 consumer reads areas.
    assert area["id"] in {item["id"] for item in service["service_areas"]}

    organization = get_json(client, f"organizations/{link.service.organization_id}")
    assert [(url["label"], url["url"]) for url in organization["additional_websites"]] == [
        ("Donate", "https://give.example/agency")
    ]
    single = get_json(client, f"service_at_locations/{link.pk}")
    assert [item["id"] for item in single["service_areas"]] == [area["id"]]


SINGLES = [
    ("/services/{id}", lambda link: f"services/{link.service_id}"),
    ("/service_at_locations/{id}", lambda link: f"service_at_locations/{link.pk}"),
    ("/organizations/{id}", lambda link: f"organizations/{link.service.organization_id}"),
    ("/organizations/{id}", lambda link: f"organizations/{link.service.organization_id}?full_service=true"),
]


@pytest.mark.parametrize(("path", "url"), SINGLES, ids=[f"{path}#{number}" for number, (path, _) in enumerate(SINGLES)])
def test_it_answers_records_valid_against_the_3_0_and_the_3_1_schemas(client, official, official_31, link, path, url):
    """A service, a service at location and an organization (with full services) carrying 3.1 data pass both."""
    address, _, query = url(link).partition("?")
    body = get_json(client, address, **dict([query.split("=")] if query else []))
    assert official.errors(official.for_path(path), body) == []
    assert official_31.errors(official_31.for_path(path), body) == []


@pytest.mark.parametrize(("path", "params"), LISTS, ids=[f"{path}?{params}" for path, params in LISTS])
def test_it_answers_every_list_valid_against_the_3_1_schemas(client, official, official_31, link, path, params):
    """Every page of every list, with the demo network and the 3.1 records above, is valid for 3.0 and 3.1."""
    for body in all_pages(client, path.lstrip("/"), per_page=500, **params):
        assert official.errors(official.for_path(path), body) == []
        assert official_31.errors(official_31.for_path(path), body) == []
    for record in ndjson(client, path.lstrip("/"), **params):
        assert official_31.errors(official_31.item(ITEM_SCHEMAS[path]), record) == []


def test_it_checks_that_the_3_1_oracle_catches_a_broken_capacity(client, official_31, link):
    """The 3.1 validation is not vacuous: a capacity without its unit, or a URL that is not one, is refused."""
    service = get_json(client, f"services/{link.service_id}")
    del service["capacities"][0]["unit"]
    assert official_31.errors(official_31.for_path("/services/{id}"), service) != []
    organization = get_json(client, f"organizations/{link.service.organization_id}")
    organization["additional_websites"][0]["url"] = "not a web address"
    assert official_31.errors(official_31.for_path("/organizations/{id}"), organization) != []


def ids(client, **params) -> set[str]:
    return {
        record["id"]
        for body in all_pages(client, "organizations", per_page=500, **params)
        for record in body["contents"]
    }


def test_it_filters_organizations_by_term_and_taxonomy(client):
    """taxonomy_term_id (the term or its children) and taxonomy_id give the organizations with such a service."""
    child_care = TaxonomyTerm.objects.get(taxonomy__code="categories", code="child-care")
    terms = [child_care.pk, *child_care.children.values_list("pk", flat=True)]
    expected = {
        str(pk)
        for pk in Organization.objects.filter(services__in=Service.objects.listed().filter(categories__in=terms))
        .values_list("pk", flat=True)
        .distinct()
    }
    assert expected and expected != ids(client)
    assert ids(client, taxonomy_term_id=str(child_care.pk)) == expected
    insurance = TaxonomyTerm.objects.get(taxonomy__code="insurance", code="medicaid").taxonomy
    assert ids(client, taxonomy_id=str(insurance.pk)) == {
        str(pk)
        for pk in Organization.objects.filter(
            services__in=Service.objects.listed().filter(insurance_accepted__taxonomy=insurance)
        ).values_list("pk", flat=True)
    }
    # With full records too.
    assert ids(client, taxonomy_term_id=str(child_care.pk), full="true") == expected


def test_it_answers_an_unknown_term_or_taxonomy_with_no_organizations(client):
    """An id no term or taxonomy has gives an empty page, as on /services; a malformed one is a 400."""
    for parameter in ("taxonomy_term_id", "taxonomy_id"):
        body = get_json(client, "organizations", **{parameter: "00000000-0000-4000-8000-000000000000"})
        assert (body["total_items"], body["empty"], body["contents"]) == (0, True, [])
        response = get(client, "organizations", **{parameter: "child-care"})
        assert response.status_code == 400
        assert response.json()["parameter"] == parameter


def test_it_documents_every_parameter_each_list_takes(client):
    """The OpenAPI document names, for each list, exactly the parameters its view takes (/organizations' included)."""
    document = get_json(client, "openapi.json")
    components = document["components"]["parameters"]
    for path, taken in LIST_PARAMETERS.items():
        references = document["paths"][f"/{path}"]["get"]["parameters"]
        documented = {components[reference["$ref"].rsplit("/", 1)[1]]["name"] for reference in references}
        assert documented == taken, path
