"""Search reads a query as a need (search/needs.py, issue 18): sentences as people type them, in English or
Spanish, find services of the category they ask for; filler and function words are not required; accents
are optional; all the words that matter before some; and a search is an
unmet need only when nothing relevant is found. Whoosh always; PostgreSQL on a PostgreSQL database.
"""

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from providers.models import TaxonomyTerm
from search.backends import get_backend
from search.backends.base import SearchRequest
from search.models import UnmetSearch
from search.needs import ENGLISH, SPANISH, understand
from search.query import search

# The sentences of issue 18, each with the category whose services should come first.
SENTENCES = {
    "I lost my job and need to find work": "employment",
    "who can look after my baby": "child-care",
    "help with my light bill": "utility-assistance",
    "fix my car so I can get to work": "car-repair",
    "necesito un lugar para dormir": "emergency-shelter",
    "estoy triste todo el tiempo": "mental-health",
}


@pytest.fixture(scope="module", params=["whoosh", "postgres"])
def demo_indexed(request, demo_network, django_db_blocker, tmp_path_factory):
    """The demo network indexed once per backend for the module; yields the backend's name."""
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL search backend runs only on a PostgreSQL database (DATABASE_URL=postgres://...)")
    index_dir = tmp_path_factory.mktemp("needs-index")
    with (
        override_settings(SEARCH_BACKEND=request.param, SEARCH_INDEX_DIR=index_dir, SEARCH_INDEX_UPKEEP=False),
        django_db_blocker.unblock(),
    ):
        get_backend().rebuild()
    return request.param, index_dir


@pytest.fixture
def on_demo(demo_indexed, settings):
    """Search the module's index of the demo network (the autouse fixtures give each test a folder of its own)."""
    settings.SEARCH_BACKEND, settings.SEARCH_INDEX_DIR = demo_indexed


def first_categories(text: str) -> list[str]:
    results = search(SearchRequest(text=text), log_unmet=False)
    assert results.results, f"{text!r} found nothing"
    return results.results[0].data["categories"]


@pytest.mark.django_db
@pytest.mark.parametrize("text", list(SENTENCES))
def test_it_finds_the_category_a_sentence_asks_for_first(on_demo, text):
    """Each sentence of the issue finds a service of the category it asks for first (categories with ancestors)."""
    assert SENTENCES[text] in first_categories(text)


@pytest.mark.django_db
def test_it_finds_spanish_with_or_without_accents(on_demo):
    """ "guarderia" is "guardería": the same services, child care first."""
    with_accent = search(SearchRequest(text="guardería"), log_unmet=False)
    without = search(SearchRequest(text="guarderia"), log_unmet=False)
    assert [result.service_id for result in with_accent.results] == [result.service_id for result in without.results]
    assert "child-care" in with_accent.results[0].data["categories"]


@pytest.mark.django_db
def test_it_counts_an_unmet_need_only_when_nothing_relevant_is_found(on_demo):
    """A sentence the taxonomy understands is not an unmet need, nor is a keyword that finds; a sentence that
    found only a passing match of one of its words is, and so is one that found nothing."""
    demo_history = set(UnmetSearch.objects.values_list("pk", flat=True))
    logged = UnmetSearch.objects.exclude(pk__in=demo_history)
    for text in ("estoy triste todo el tiempo", "I lost my job and need to find work", "dentist"):
        search(SearchRequest(text=text))
    assert list(logged.values_list("query", flat=True)) == []

    for text in ("my dog ate my homework", "a vet for my sick dog", "zqxw"):
        search(SearchRequest(text=text))
    assert sorted(logged.values_list("query", flat=True)) == ["a vet for my sick dog", "my dog ate my homework", "zqxw"]


@pytest.mark.django_db
def test_it_leaves_out_function_and_filler_words():
    """Only the words that matter are searched, in either language; accents are folded."""
    english = understand("I need help finding a place to sleep tonight")
    assert english.language == ENGLISH
    assert [word.text for word in english.words] == ["sleep", "tonight"]
    spanish = understand("Necesito ayuda con la renta, por favor")
    assert spanish.language == SPANISH
    assert [word.text for word in spanish.words] == ["renta"]
    assert [word.text for word in understand("Guardería").words] == ["guarderia"]
    assert [word.text for word in understand("help").words] == ["help"]  # nothing else: the word itself


@pytest.mark.django_db
def test_it_loads_spanish_synonyms_and_lets_the_network_edit_them(demo_network, admin_client):
    """The reference taxonomies' Spanish phrases are loaded into synonyms_es, and the admin edits them."""
    term = TaxonomyTerm.objects.get(taxonomy__code="categories", code="child-care")
    assert "guardería" in term.synonyms_es
    assert "guardería" not in term.synonyms  # Spanish is analysed as Spanish, in its own field
    response = admin_client.get(reverse("admin:providers_taxonomyterm_change", args=[term.pk]))
    assert response.status_code == 200
    assert 'name="synonyms_es"' in response.content.decode()
