"""Spanish text is analysed as Spanish with accents optional, compound and split spellings meet, and all the
words that matter come before some (search/needs.py, issue 18), with either backend."""

import pytest

from providers.models import Service
from search.backends import get_backend
from search.backends.base import SearchRequest
from search.query import search

from .conftest import make_service


@pytest.mark.django_db
def test_it_stems_spanish_as_spanish(taxonomy, search_index):
    """A Spanish listing text is found by another form of its words ("albergues" finds "albergue")."""
    service = make_service("Night Shelter", category="housing")
    Service.objects.filter(pk=service.pk).update(description_es="Un albergue seguro para dormir.")
    get_backend().rebuild()
    results = search(SearchRequest(text="albergues para dormir"), log_unmet=False)
    assert [result.data["name"] for result in results.results] == ["Night Shelter"]


@pytest.mark.django_db
def test_it_ranks_all_words_matched_before_some(taxonomy, search_index):
    """A service with every word that matters comes before one with a single word, whatever else favours it."""
    make_service("Late Bus Service", category="bus-passes", description="Night rides home.", capacity_status="waitlist")
    make_service("Shelter Beds", category="housing", description="Shelter for the night.")
    make_service("Ride Share Board", category="bus-passes", description="Rides to work.")
    get_backend().rebuild()
    results = search(SearchRequest(text="night rides home"), log_unmet=False)
    assert [result.data["name"] for result in results.results] == [
        "Late Bus Service",
        "Ride Share Board",
        "Shelter Beds",
    ]


@pytest.mark.django_db
def test_it_finds_spanish_text_with_or_without_accents(taxonomy, search_index):
    """An agency's Spanish text is found whether the accents are typed or not."""
    service = make_service("Casa Colibri", category="housing")
    Service.objects.filter(pk=service.pk).update(description_es="Guardería bilingüe para familias.")
    get_backend().rebuild()
    for text in ("guardería bilingüe", "guarderia bilingue"):
        results = search(SearchRequest(text=text), log_unmet=False)
        assert [result.data["name"] for result in results.results] == ["Casa Colibri"], text


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["healthcare", "health care"])
def test_it_meets_compound_and_split_spellings(taxonomy, search_index, text):
    """ "healthcare" finds a listing that writes "health care", and the other way round."""
    make_service("Joined Clinic", category="housing", description="Healthcare for families.")
    make_service("Apart Clinic", category="housing", description="Health care for families.")
    get_backend().rebuild()
    results = search(SearchRequest(text=text), log_unmet=False)
    assert sorted(result.data["name"] for result in results.results) == ["Apart Clinic", "Joined Clinic"]
