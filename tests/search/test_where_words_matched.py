"""Where a query's words were found weighs in ranking, with either backend (search/query.py, issue 18): a word
found only in a description counts half, a word in the service's name puts it first among equals; a
misspelt word meets its nearest spellings only; "ID" is a word that matters."""

import pytest

from search.backends import get_backend
from search.backends.base import SearchRequest
from search.query import search

from .conftest import make_service


def names(text: str) -> list[str]:
    return [result.data["name"] for result in search(SearchRequest(text=text), log_unmet=False).results]


@pytest.mark.django_db
def test_it_ranks_the_word_in_the_name_before_the_word_in_the_categories(taxonomy, search_index):
    """Both services are transportation ("bus" is a synonym of the category), but only one is named for the
    word typed: it comes first, though the other is accepting clients and its name comes first A to Z."""
    make_service("A Welding Course", category="bus-passes")
    make_service("Bus Fare Desk", category="bus-passes", capacity_status="waitlist")
    get_backend().rebuild()
    assert names("bus") == ["Bus Fare Desk", "A Welding Course"]


@pytest.mark.django_db
def test_it_counts_a_word_found_only_in_the_description_as_half(taxonomy, search_index):
    """A service labelled with two of the three words (its category, its keywords) comes before one whose
    description happens to hold all three."""
    make_service("Tenant Desk", category="housing", keywords="court")
    make_service("Advocates", category="bus-passes", description="We go to court every week about an eviction.")
    get_backend().rebuild()
    assert names("eviction court week") == ["Tenant Desk", "Advocates"]


@pytest.mark.django_db
def test_it_meets_a_misspelt_word_at_its_nearest_spelling_only(taxonomy, search_index):
    """ "pregnent" is one letter from "pregnant" and two from "prevent": only the nearest is meant."""
    make_service("Pregnant Moms Group", category="housing")
    make_service("Prevent Falls Class", category="housing")
    get_backend().rebuild()
    assert names("pregnent") == ["Pregnant Moms Group"]


@pytest.mark.django_db
def test_it_searches_id_as_a_word(taxonomy, search_index):
    """ "ID" is what the participant needs, not "I'd" written without its apostrophe."""
    make_service("State ID Help", category="housing")
    make_service("Prison Reentry Rides", category="bus-passes", description="Rides after prison.")
    get_backend().rebuild()
    assert "State ID Help" in names("an ID after prison")
