"""Unsupported methods get 405, unknown ids 404 and bad parameters 400, each with a JSON message."""

import uuid

import pytest

from providers.models import Service
from tests.providers.hsds.feed.conftest import FEED, get

pytestmark = pytest.mark.django_db

PATHS = [
    "",
    "services",
    "service_at_locations",
    "organizations",
    "taxonomies",
    "taxonomy_terms",
    "openapi.json",
]
DETAILS = ["services", "service_at_locations", "organizations", "taxonomies", "taxonomy_terms"]


@pytest.mark.parametrize("path", PATHS + [f"{detail}/{uuid.uuid4()}" for detail in DETAILS])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_it_refuses_methods_other_than_get(client, path, method):
    """The feed is read-only: POST, PUT, PATCH, DELETE and OPTIONS get 405 with Allow: GET, HEAD, and change nothing."""
    before = Service.objects.count()
    response = getattr(client, method)(FEED + path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["status"] == 405
    assert Service.objects.count() == before


def test_it_answers_head_like_get(client):
    """HEAD is GET without the body."""
    assert client.head(FEED + "services").status_code == 200


@pytest.mark.parametrize("detail", DETAILS)
@pytest.mark.parametrize("record_id", [str(uuid.UUID(int=1)), "not-a-uuid", "0", "%20"])
def test_it_answers_404_for_an_unknown_or_malformed_id(client, detail, record_id):
    """An id that is no record's, or no UUID at all, is a 404 with a JSON body."""
    response = get(client, f"{detail}/{record_id}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {"status": 404, "detail": "There is no such record in this feed."}


@pytest.mark.parametrize("path", ["service", "services/", "services/x/y", "locations"])
def test_it_answers_404_in_json_for_a_path_it_does_not_have(client, path):
    """A path under the feed that is no endpoint is a JSON 404, readable from any origin."""
    response = get(client, path)
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["status"] == 404


def test_it_answers_404_for_a_service_that_is_not_listed(client):
    """An inactive service is not in the feed, so asking for it is a 404 like any unknown id."""
    service = Service.objects.listed().first()
    service.status = Service.Status.INACTIVE
    service.save()
    assert get(client, f"services/{service.pk}").status_code == 404


BAD_PARAMETERS = [
    ("services", {"page": "0"}, "page"),
    ("services", {"page": "-1"}, "page"),
    ("services", {"page": "two"}, "page"),
    ("services", {"per_page": "0"}, "per_page"),
    ("services", {"per_page": "501"}, "per_page"),
    ("services", {"per_page": "1.5"}, "per_page"),
    ("services", {"format": "xml"}, "format"),
    ("services", {"modified_after": "yesterday"}, "modified_after"),
    ("services", {"modified_after": "2026-13-01"}, "modified_after"),
    ("services", {"minimal": "yes"}, "minimal"),
    ("services", {"full": "2"}, "full"),
    ("services", {"taxonomy_term_id": "child-care"}, "taxonomy_term_id"),
    ("services", {"taxonomy_id": "42"}, "taxonomy_id"),
    ("services", {"organization_id": "x"}, "organization_id"),
    ("services", {"postcode": "ABC"}, "postcode"),
    ("services", {"postcode": "00000"}, "postcode"),
    ("services", {"postcode": "80219", "proximity": "near"}, "proximity"),
    ("services", {"postcode": "80219", "proximity": "-5"}, "proximity"),
    ("services", {"postcode": "80219", "proximity": "nan"}, "proximity"),
    ("services", {"postcode": "80219", "proximity": "1000001"}, "proximity"),
    ("services", {"proximity": "500"}, "proximity"),
    ("services", {"per-page": "5"}, "per-page"),
    ("service_at_locations", {"minimal": "true"}, "minimal"),
    ("organizations", {"full_service": "maybe"}, "full_service"),
    ("organizations", {"taxonomy_term_id": "child-care"}, "taxonomy_term_id"),
    ("organizations", {"taxonomy_id": "42"}, "taxonomy_id"),
    ("organizations", {"organization_id": str(uuid.uuid4())}, "organization_id"),
    ("taxonomy_terms", {"top_only": "top"}, "top_only"),
    ("taxonomy_terms", {"parent_id": "child-care"}, "parent_id"),
    ("taxonomies", {"format": "csv"}, "format"),
    (f"organizations/{uuid.uuid4()}", {"full": "true"}, "full"),
    ("", {"page": "1"}, "page"),
    ("services", {"per_page": ""}, "per_page"),
    ("services", {"full": " "}, "full"),
    ("services", {"page": ["1", "2"]}, "page"),
]


@pytest.mark.parametrize(("path", "params", "parameter"), BAD_PARAMETERS, ids=[str(p[1]) for p in BAD_PARAMETERS])
def test_it_answers_400_naming_the_bad_parameter(client, path, params, parameter):
    """A malformed, out-of-range or unknown parameter is a 400 whose JSON names it and says what is wrong."""
    response = get(client, path, **params)
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["status"] == 400
    assert body["parameter"] == parameter
    assert parameter in body["detail"]


def test_it_takes_an_empty_search_as_no_search(client):
    """search= (as a blank form sends it) filters nothing."""
    assert get(client, "services", search="").status_code == 200


def test_it_says_what_per_page_may_be(client):
    """The per_page message gives the documented maximum."""
    response = get(client, "services", per_page="1000")
    assert response.json()["detail"] == "per_page must be a whole number from 1 to 500."


@pytest.mark.parametrize("path", ["services", "organizations", "taxonomies", "taxonomy_terms", "service_at_locations"])
def test_it_reads_any_offset_in_modified_after(client, path):
    """An offset PostgreSQL cannot store (-19:57, found by schemathesis) is read as its UTC moment, not a 500."""
    response = client.get(f"{FEED}{path}", {"modified_after": "0352-08-27T07:00:50-19:57"})
    assert response.status_code == 200
    assert response.json()["total_items"] >= 0
