"""GET /api/v1/search/: results with distance, hours, capacity and explained eligibility; 400 naming bad parameters."""

import pytest

from .conftest import delete_index, make_service, rebuild

URL = "/api/v1/search/"


@pytest.fixture
def daycares(taxonomy):
    make_service("Westwood Little Learners", languages=("en", "es"), income_limit_percent_fpl=200)
    make_service("Downtown Tots", point=(39.7392, -104.9903), zip_code="80202", income_limit_percent_fpl=100)
    rebuild()


def test_it_returns_results_with_everything_a_case_manager_needs(client, daycares):
    """Each result has the service, its location, distance, open now, capacity and the verdict with reasons."""
    response = client.get(
        URL, {"q": "daycare", "zip": "80219", "age": 29, "household_size": 3, "annual_income": 31000, "speaks": "es"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first = body["results"][0]
    assert first["service"]["name"] == "Westwood Little Learners"
    assert first["service"]["organization"] == "Westwood Little Learners Inc."
    assert first["service"]["url"].startswith("/services/")
    assert first["location"]["address"] == "1 Main St, Denver, CO 80219"
    assert first["distance_miles"] == 0.0
    assert first["open_now"] in (True, False)
    assert first["capacity"] == "accepting"
    assert first["eligibility"]["verdict"] == "eligible"
    assert [reason["text"] for reason in first["eligibility"]["reasons"]] == [
        "Household income is 116% of the poverty guideline, within the limit of 200%",
        "Speaks Spanish",
    ]
    assert body["results"][1]["eligibility"]["verdict"] == "not_eligible"
    assert body["facets"]["category"]["child-care"] == 2


def test_it_leaves_out_verdicts_without_a_profile(client, daycares):
    """A search with no participant facts has no eligibility to show."""
    body = client.get(URL, {"q": "daycare"}).json()
    assert [result["eligibility"] for result in body["results"]] == [None, None]


def test_it_hides_the_ineligible_on_request(client, daycares):
    """hide_ineligible=true drops the services the participant does not qualify for."""
    body = client.get(
        URL, {"q": "daycare", "household_size": 3, "annual_income": 31000, "hide_ineligible": "true"}
    ).json()
    assert [result["service"]["name"] for result in body["results"]] == ["Westwood Little Learners"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"radius": "-5", "zip": "80219"}, "radius"),
        ({"radius": "5000", "zip": "80219"}, "radius"),
        ({"radius": "5"}, "radius"),
        ({"category": "underwater-basket-weaving"}, "category"),
        ({"population": "martians"}, "population"),
        ({"zip": "8021"}, "zip"),
        ({"zip": "00000"}, "zip"),
        ({"age": "thirty"}, "age"),
        ({"age": "-1"}, "age"),
        ({"lat": "39.7"}, "lon"),
        ({"lat": "95", "lon": "-105"}, "lat"),
        ({"language": "spanish"}, "language"),
        ({"open_at": "tomorrow-ish"}, "open_at"),
        ({"page_size": "1000"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"page": "99"}, "page"),
        ({"serves_me": "true"}, "serves_me"),
        ({"speaks": "es,english"}, "speaks"),
    ],
)
def test_it_refuses_bad_parameters_naming_them(client, daycares, params, parameter):
    """Bad input is a 400 whose errors name the parameter and say what is wrong; nothing crashes."""
    response = client.get(URL, params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [parameter]
    assert errors[parameter][0]["message"]


def test_it_answers_503_with_a_message_when_the_index_is_missing(client, daycares, settings):
    """A deleted index is reported clearly, never a 500."""
    delete_index(settings)
    response = client.get(URL, {"q": "daycare"})
    assert response.status_code == 503
    assert "search index" in response.json()["detail"]


def test_it_answers_in_spanish(client, daycares):
    """With Accept-Language: es, the reasons are in Spanish."""
    response = client.get(
        URL, {"q": "daycare", "household_size": 3, "annual_income": 31000}, headers={"accept-language": "es"}
    )
    reasons = response.json()["results"][0]["eligibility"]["reasons"]
    assert reasons[0]["text"].startswith("El ingreso del hogar es el 116%")


def test_it_runs_a_fixed_number_of_queries(client, daycares, django_assert_max_num_queries, settings):
    """The search reads the index, not the database: a handful of queries for validation and the taxonomy's
    freshness (search/needs.py) and no more; with PostgreSQL, one that stems the words as the documents were,
    one for the matches (ids and scores) and one for the page's data (their Briefs were read by the first
    search after the rebuild)."""
    for extra in range(5):
        make_service(f"Extra Daycare {extra}")
    rebuild()
    client.get(URL, {"q": "daycare"})  # PostgreSQL: the process reads the rebuilt documents' Briefs
    with django_assert_max_num_queries(3 if settings.SEARCH_BACKEND == "whoosh" else 6):
        response = client.get(URL, {"q": "daycare", "category": "child-care", "zip": "80219"})
    assert response.json()["count"] == 7


def test_it_falls_back_to_the_zip_center_with_a_note_when_the_geocoder_is_down(client, daycares, settings):
    """A street address with an unreachable geocoder: results still come, measured from the ZIP, with a note."""
    from search import geography

    settings.GEOCODER = "nominatim"
    settings.GEOCODER_DOMAIN = "127.0.0.1:9"
    settings.GEOCODER_SCHEME = "http"
    geography._geocode_function.cache_clear()
    try:
        response = client.get(URL, {"q": "daycare", "zip": "80219", "address": "3300 W Alameda Ave"})
    finally:
        geography._geocode_function.cache_clear()
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert "ZIP code's center" in body["place"]["note"]
    assert body["results"][0]["distance_miles"] == 0.0


def test_it_needs_the_zip_with_a_street_address(client, daycares):
    """An address alone cannot be placed offline: 400 naming the address."""
    response = client.get(URL, {"address": "3300 W Alameda Ave"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["address"]
