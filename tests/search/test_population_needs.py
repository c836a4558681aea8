"""Populations are needs too, and a sentence is not refused for its filler, with either backend (search/needs.py,
search/query.py, issue 18): a population's phrases name it ("mi esposo me pega": survivors of domestic
violence); a service for particular populations the query does not name comes after one for anyone; the
bound on a query's words counts the words that matter."""

import pytest

from providers.models import TaxonomyTerm
from search.backends import get_backend
from search.backends.base import SearchRequest
from search.geography import place_for_zip
from search.query import search

from .conftest import make_service

API = "/api/v1/search/"


def names(text: str) -> list[str]:
    return [result.data["name"] for result in search(SearchRequest(text=text), log_unmet=False).results]


@pytest.mark.django_db
def test_it_finds_the_services_of_a_population_its_phrases_name(taxonomy, search_index):
    """A Spanish phrase of the population (its ``synonyms_es``, which no listing text holds) finds the services
    for that population, and the search is not an unmet need."""
    veterans = TaxonomyTerm.objects.get(code="veterans")
    veterans.synonyms_es = "serví en el ejército"
    veterans.save()
    make_service("Bristlecone Housing", category="housing", populations=["veterans"])
    make_service("Any Housing", category="housing")
    get_backend().rebuild()
    results = search(SearchRequest(text="serví en el ejército"), log_unmet=False)
    assert [result.data["name"] for result in results.results] == ["Bristlecone Housing"]
    assert not results.unmet


@pytest.mark.django_db
def test_it_ranks_a_service_for_anyone_before_one_for_a_population_not_asked_for(taxonomy, search_index):
    """Both are rent help; the veterans' (for veterans only) comes after the one for anyone, though it is accepting
    clients and comes first A to Z; once the query names veterans, it comes first."""
    make_service("A Veterans Rent Desk", category="housing", populations=["veterans"], populations_required=True)
    make_service("Rent Desk", category="housing", capacity_status="waitlist")
    get_backend().rebuild()
    assert names("rent") == ["Rent Desk", "A Veterans Rent Desk"]
    assert names("veteran rent") == ["A Veterans Rent Desk", "Rent Desk"]


@pytest.mark.django_db
def test_a_service_that_names_a_population_but_serves_anyone_is_not_put_after(taxonomy, search_index):
    """A daycare that lists youth among whom it serves, while serving anyone, is ranked as one
    for anyone: the nearer of the two comes first for "daycare"."""
    make_service("Near Daycare", populations=["youth"], populations_required=False)
    make_service("Far Daycare", point=(39.75, -104.95))
    get_backend().rebuild()
    request = SearchRequest(text="daycare", place=place_for_zip("80219"))
    results = search(request, log_unmet=False).results
    assert [result.data["name"] for result in results] == ["Near Daycare", "Far Daycare"]


@pytest.mark.django_db
def test_it_searches_a_long_sentence_whose_filler_is_not_counted(client, taxonomy, search_index):
    """Eleven words, of which four matter: the API answers, and the last word is searched."""
    make_service("Car Share Club", category="bus-passes")
    get_backend().rebuild()
    response = client.get(API, {"q": "how do I get to my job interview without a car"})
    assert response.status_code == 200
    assert [result["service"]["name"] for result in response.json()["results"]] == ["Car Share Club"]
