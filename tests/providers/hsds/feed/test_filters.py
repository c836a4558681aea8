"""The feed's filters (search, taxonomy, organization, postcode and proximity, terms) and what records carry."""

import datetime

import pytest
from django.contrib.auth.models import User
from geopy.distance import great_circle

from providers.hsds import serialize
from providers.hsds.views import NDJSON_CHUNK
from providers.models import (
    Attribute,
    ChangeRecord,
    Organization,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from search.geography import place_for_zip
from tests.providers.hsds.feed.conftest import FEED, all_pages, get, get_json

pytestmark = pytest.mark.django_db


def ids(client, path: str, **params) -> set[str]:
    return {record["id"] for body in all_pages(client, path, per_page=500, **params) for record in body["contents"]}


def listed_ids(services) -> set[str]:
    return {str(pk) for pk in services.filter(status__in=["active", "temporarily closed"]).values_list("pk", flat=True)}


def test_it_lists_only_listed_services(client):
    """Inactive and defunct services are left out of /services; every listed one is in."""
    assert ids(client, "services") == listed_ids(Service.objects.all())
    assert Service.objects.exclude(status__in=["active", "temporarily closed"]).exists()


def test_it_searches_services_through_the_search_index(client):
    """search=daycare finds the child care services by synonym, as the case managers' search does."""
    found = ids(client, "services", search="daycare")
    child_care = listed_ids(Service.objects.filter(categories__parent__code="child-care"))
    assert found and found <= listed_ids(Service.objects.all())
    assert len(found & child_care) >= len(child_care) // 2
    assert ids(client, "services", search="xqzzyv") == set()


def test_it_answers_503_when_the_search_index_is_missing(client, settings, tmp_path):
    """Without a search index, search cannot answer: a 503 with a message, never a 500."""
    settings.SEARCH_INDEX_DIR = tmp_path / "nothing-here"
    response = get(client, "services", search="daycare")
    assert response.status_code == 503
    assert "search" in response.json()["detail"].lower()


def test_it_filters_by_term_including_its_children(client):
    """taxonomy_term_id=child-care gives the services in child care or any of its subcategories."""
    child_care = TaxonomyTerm.objects.get(taxonomy__code="categories", code="child-care")
    expected = listed_ids(
        Service.objects.filter(categories__parent=child_care) | Service.objects.filter(categories=child_care)
    )
    assert ids(client, "services", taxonomy_term_id=str(child_care.pk)) == expected
    links = ids(client, "service_at_locations", taxonomy_term_id=str(child_care.pk))
    assert {str(ServiceAtLocation.objects.get(pk=link).service_id) for link in links} == expected


def test_it_filters_by_population_and_insurance_terms(client):
    """Population and insurance terms filter too: they are the services' attributes."""
    veterans = TaxonomyTerm.objects.get(taxonomy__code="populations", code="veterans")
    assert ids(client, "services", taxonomy_term_id=str(veterans.pk)) == listed_ids(veterans.population_services.all())
    insurance = Taxonomy.objects.get(code="insurance")
    assert ids(client, "services", taxonomy_id=str(insurance.pk)) == listed_ids(
        Service.objects.filter(insurance_accepted__taxonomy=insurance)
    )


def test_it_combines_filters_with_and(client):
    """organization_id and taxonomy_id together give the organization's services in that taxonomy."""
    service = Service.objects.listed().filter(categories__isnull=False).first()
    categories = Taxonomy.objects.get(code="categories")
    found = ids(client, "services", organization_id=str(service.organization_id), taxonomy_id=str(categories.pk))
    assert found == listed_ids(Service.objects.filter(organization=service.organization_id, categories__isnull=False))
    assert ids(client, "services", organization_id=str(service.organization_id), search="xqzzyv") == set()


def test_it_keeps_services_whose_area_holds_the_postcode(client):
    """postcode=80219: services without an area, or with an area that holds 80219; not those serving elsewhere."""
    found = ids(client, "services", postcode="80219")
    listed = Service.objects.listed()
    assert listed_ids(listed.filter(service_areas__isnull=True)) <= found
    zip_areas = ServiceArea.objects.filter(extent_type="postal_codes", service__in=listed)
    assert {str(area.service_id) for area in zip_areas if "80219" in area.postal_codes} <= found
    elsewhere = [area for area in zip_areas if "80219" not in area.postal_codes]
    outside = [area.service_id for area in elsewhere if not area.service.service_areas.exclude(pk=area.pk).exists()]
    assert outside and not {str(pk) for pk in outside} & found


def test_it_keeps_locations_within_the_proximity(client):
    """postcode + proximity: only service_at_locations whose location is within that many metres of the ZIP centroid."""
    centroid = place_for_zip("80219").point
    links = ids(client, "service_at_locations", postcode="80219", proximity="3000")
    assert links
    for link in ServiceAtLocation.objects.filter(pk__in=links).select_related("location"):
        assert great_circle(centroid, (link.location.latitude, link.location.longitude)).meters <= 3000
    wider = ids(client, "service_at_locations", postcode="80219", proximity="30000")
    assert links < wider
    services = ids(client, "services", postcode="80219", proximity="3000")
    assert services == {str(ServiceAtLocation.objects.get(pk=link).service_id) for link in links}


def test_it_lists_top_terms_and_children(client):
    """top_only gives the terms with no parent; parent_id gives a term's children."""
    top = ids(client, "taxonomy_terms", top_only="true")
    assert top == {str(pk) for pk in TaxonomyTerm.objects.filter(parent__isnull=True).values_list("pk", flat=True)}
    child_care = TaxonomyTerm.objects.get(code="child-care")
    children = ids(client, "taxonomy_terms", parent_id=str(child_care.pk))
    assert children == {str(pk) for pk in child_care.children.values_list("pk", flat=True)} != set()


def test_it_searches_organizations_and_terms_by_name(client):
    """search on the other lists matches names and descriptions."""
    organization = Organization.objects.order_by("name").first()
    assert str(organization.pk) in ids(client, "organizations", search=organization.name)
    assert {record["code"] for record in get_json(client, "taxonomy_terms", search="daycare")["contents"]} >= {
        "daycare"
    }


def test_it_sends_the_directory_extras_as_attributes(client):
    """Capacity, referral method, eligibility and verification travel as directory-extras attributes."""
    service = Service.objects.listed().filter(income_limit_percent_fpl__isnull=False, last_verified_at__isnull=False)
    service = service.first()
    record = get_json(client, f"services/{service.pk}")
    extras = {
        attribute["taxonomy_term"]["code"]: attribute["value"]
        for attribute in record["attributes"]
        if attribute["link_type"] == "directory_extra"
    }
    assert extras["capacity-status"] == service.capacity_status
    assert extras["referral-method"] == service.referral_method
    assert extras["income-limit-percent-fpl"] == str(service.income_limit_percent_fpl)
    assert extras["populations-required"] in ("true", "false")
    assert extras["last-verified-at"] == serialize.date_time(service.last_verified_at)
    assert record["assured_date"] == service.last_verified_at.date().isoformat()
    verified = [m for m in record["metadata"] if m["last_action_type"] == "verified"]
    assert verified[0]["last_action_date"] == serialize.date_time(service.last_verified_at)
    categories = {a["taxonomy_term"]["code"] for a in record["attributes"] if a["link_type"] == "category"}
    assert categories == set(service.categories.values_list("code", flat=True))


def test_it_gives_each_extra_a_stable_id(client):
    """The extras' term and attribute ids are the same on every request (uuid5), so consumers can key on them."""
    service = Service.objects.listed().first()
    first = get_json(client, f"services/{service.pk}")["attributes"]
    again = get_json(client, f"services/{service.pk}")["attributes"]
    assert [a["id"] for a in first] == [a["id"] for a in again]
    term_ids = {a["taxonomy_term_id"] for a in first if a["link_type"] == "directory_extra"}
    assert term_ids <= {extra.id for extra in serialize.EXTRAS.values()}


def test_it_adds_imported_attributes_to_the_records_they_describe(client, official):
    """An Attribute row (from an import) shows on its service and location, in lists and details, still valid."""
    link = ServiceAtLocation.objects.filter(service__in=Service.objects.listed()).first()
    term = TaxonomyTerm.objects.get(code="daycare")
    Attribute.objects.create(taxonomy_term=term, link_id=link.service_id, link_entity="service", value="imported")
    Attribute.objects.create(taxonomy_term=term, link_id=link.location_id, link_entity="location", link_type="x")
    service = get_json(client, f"services/{link.service_id}")
    assert "imported" in [a.get("value") for a in service["attributes"]]
    location = next(s["location"] for s in service["service_at_locations"] if s["id"] == str(link.pk))
    assert [a["link_type"] for a in location["attributes"]] == ["x"]
    assert official.errors(official.for_path("/services/{id}"), service) == []
    page = get_json(client, "services", full="true", organization_id=str(link.service.organization_id))
    listed = next(record for record in page["contents"] if record["id"] == str(link.service_id))
    assert "imported" in [a.get("value") for a in listed["attributes"]]


def test_it_publishes_the_listing_history_as_metadata_without_names(client, official):
    """Recorded changes of a listing are metadata records of its service, newest first, and say no name."""
    service = Service.objects.listed().filter(phones__isnull=False).first()
    phone = service.phones.first()
    admin = User.objects.get(username="admin")  # the demo network's administrator
    for day, (old, new) in enumerate([("303-555-0100", "303-555-0101"), ("303-555-0101", "303-555-0102")]):
        ChangeRecord.objects.create(
            organization_id=service.organization_id,
            service=service,
            resource_type=ChangeRecord.ResourceType.PHONE,
            resource_id=phone.pk,
            action=ChangeRecord.Action.UPDATE,
            field_name="number",
            previous_value=old,
            replacement_value=new,
            changed_by=admin,
            changed_at=datetime.datetime(2026, 11, 1 + day, tzinfo=datetime.UTC),
        )
    record = get_json(client, f"services/{service.pk}")
    history = [m for m in record["metadata"] if m["resource_type"] == "phone"]
    assert [(m["previous_value"], m["replacement_value"]) for m in history] == [
        ("303-555-0101", "303-555-0102"),
        ("303-555-0100", "303-555-0101"),
    ]
    assert {m["updated_by"] for m in record["metadata"]} == {""}
    assert official.errors(official.for_path("/services/{id}"), record) == []
    page = get_json(client, "services", full="true", organization_id=str(service.organization_id))
    listed = next(item for item in page["contents"] if item["id"] == str(service.pk))
    assert listed["metadata"] == record["metadata"]


def test_it_marks_fictional_organizations(client):
    """Demo organizations carry the demo-record extra, so nobody mistakes them for real help."""
    organization = Organization.objects.filter(is_demo=True).first()
    record = get_json(client, f"organizations/{organization.pk}")
    assert {"demo-record": "true"}.items() <= {
        a["taxonomy_term"]["code"]: a["value"] for a in record["attributes"]
    }.items()


def test_it_gives_opening_hours_as_weekly_rules_with_their_time_zone(client):
    """Hours are freq WEEKLY with byday and local HH:MM times, and the IANA time zone as an attribute."""
    service = Service.objects.listed().filter(schedules__kind="hours").first()
    schedule = service.schedules.filter(kind="hours").order_by("id").first()
    record = get_json(client, f"services/{service.pk}")
    sent = next(s for s in record["schedules"] if s["id"] == str(schedule.pk))
    assert (sent["freq"], sent["byday"], sent["opens_at"]) == ("WEEKLY", schedule.weekday, f"{schedule.opens_at:%H:%M}")
    assert [a["value"] for a in sent["attributes"] if a["taxonomy_term"]["code"] == "time-zone"] == [schedule.timezone]


def test_it_gives_closures_without_times(client):
    """A holiday closure is a schedule with its dates and the schedule-kind extra 'closure', and no times."""
    service = Service.objects.listed().filter(schedules__kind="closure").first()
    closure = service.schedules.filter(kind="closure").first()
    record = get_json(client, f"services/{service.pk}")
    sent = next(s for s in record["schedules"] if s["id"] == str(closure.pk))
    assert sent["valid_from"] == closure.valid_from.isoformat()
    assert "opens_at" not in sent and "freq" not in sent
    assert "closure" in [a["value"] for a in sent["attributes"]]


def test_it_serves_its_openapi_document_and_profile(client):
    """The root points at this feed's OpenAPI document and profile; both are served, open to all origins."""
    about = get_json(client, "")
    document = client.get(about["openapi_url"].replace("http://testserver", ""))
    assert document.status_code == 200
    assert document.json()["servers"] == [{"url": "http://testserver" + FEED.rstrip("/")}]
    assert "directory-extras" in document.json()["info"]["description"]
    profile = client.get(about["profile"].replace("http://testserver", ""))
    assert profile.status_code == 200
    assert profile["Content-Type"].startswith("text/markdown")
    assert profile["Access-Control-Allow-Origin"] == "*"


def test_it_streams_ndjson_in_constant_memory(client):
    """format=ndjson answers a stream that yields records chunk by chunk, not one body built in memory."""
    response = get(client, "services", format="ndjson", full="true")
    assert response.streaming
    stream = response.streaming_content
    first = next(stream)
    assert 0 < first.count(b"\n") <= NDJSON_CHUNK
    assert response["Access-Control-Allow-Origin"] == "*"
    # Read to the end, so that the query feeding the stream (on PostgreSQL a server-side cursor) ends in
    # this test's transaction, not when a later test collects the half-read stream.
    rest = b"".join(stream)
    assert first.count(b"\n") + rest.count(b"\n") == get_json(client, "services")["total_items"]


def test_it_writes_dates_in_utc_with_milliseconds():
    """last_modified looks like HSDS's example: 2023-03-15T10:30:45.123Z."""
    moment = datetime.datetime(2026, 3, 15, 4, 30, 45, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=-6)))
    assert serialize.date_time(moment) == "2026-03-15T10:30:45.123Z"
