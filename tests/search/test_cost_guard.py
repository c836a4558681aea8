"""What one search may cost is bounded whatever is asked: words, typo spellings and list values.

The search page and API refuse, with a 400 naming the parameter, more words than a search takes and
longer lists than a profile has; other callers (the HSDS feed's text search) are cut to the same
words. A misspelt word is tried in at most MAX_NEAR_SPELLINGS near spellings, the nearest first.
"""

import itertools
import time

import pytest
from django.utils.module_loading import import_string

from search.backends import postgres
from search.backends.base import MAX_NEAR_SPELLINGS
from search.backends.whoosh import backend as whoosh
from search.backends.whoosh import index
from search.documents import TEXT_FIELDS
from search.forms import MAX_LIST_VALUES
from search.query import MAX_WORDS

from .conftest import make_service, rebuild

API = "/api/v1/search/"
PAGE = "/search/"
# Seven-letter words two edits from "shelter" (the stemmers leave them as they are).
NEAR_SHELTER = [f"shelt{a}{b}" for a, b in itertools.product("bcdfghkmnpt", repeat=2)]


@pytest.fixture
def listings(taxonomy):
    make_service("Westwood Little Learners", description="Bilingual early learning.")
    make_service("Word Soup Daycare", description=" ".join(NEAR_SHELTER))
    rebuild()


def words(count: int) -> str:
    return " ".join(f"word{number}" for number in range(count))


@pytest.mark.parametrize("url", [API, PAGE])
def test_it_refuses_more_words_than_a_search_takes(client, listings, url):
    """Eleven words: 400, the error on q says how many a search takes; ten are searched."""
    response = client.get(url, {"q": words(MAX_WORDS + 1)})
    assert response.status_code == 400
    message = f"at most {MAX_WORDS} words"
    if url == API:
        assert message in response.json()["errors"]["q"][0]["message"]
    else:
        assert message in response.content.decode()
    assert client.get(url, {"q": words(MAX_WORDS)}).status_code == 200


@pytest.mark.parametrize("parameter", ["speaks", "circumstances"])
def test_it_refuses_longer_lists_than_a_profile_has(client, listings, parameter):
    """A list of more than MAX_LIST_VALUES values: 400 naming the parameter (before any is looked up)."""
    values = ",".join(["es"] * (MAX_LIST_VALUES + 1)) if parameter == "speaks" else ",".join(["youth"] * 5000)
    response = client.get(API, {parameter: values})
    assert response.status_code == 400
    assert f"at most {MAX_LIST_VALUES}" in response.json()["errors"][parameter][0]["message"]


def test_it_searches_at_most_max_words_for_other_callers(listings, settings):
    """The HSDS feed's text search goes through search without the form: words past the tenth are left out."""
    search_text = import_string(settings.HSDS_TEXT_SEARCH)
    filler = " ".join(f"zz{number}" for number in range(MAX_WORDS - 1))
    assert len(search_text(f"{filler} learning")) == 1  # the tenth word: searched (any word matches)
    assert search_text(f"{filler} zz9 learning") == []  # the eleventh: left out


def test_it_tries_a_bounded_number_of_spellings_for_a_typo(listings, settings):
    """121 words of the index are two edits from "shelter": the search tries MAX_NEAR_SPELLINGS of them, and finds."""
    assert len(NEAR_SHELTER) > MAX_NEAR_SPELLINGS
    if settings.SEARCH_BACKEND == "postgres":
        tried = [spelling.strip("'") for spelling in postgres._near_words(["'shelter'"])["'shelter'"] - {"'shelter'"}]
    else:
        view = index.view()
        terms = whoosh._word_terms(view, view.leaves[0], "shelter", TEXT_FIELDS, fuzzy=True)
        tried = [btext.decode() for term in terms for field, btext, *_rest in term.terms if field == "description"]
    assert len(tried) == MAX_NEAR_SPELLINGS
    assert set(tried) <= set(NEAR_SHELTER)
    found = import_string(settings.HSDS_TEXT_SEARCH)("shelter")
    assert len(found) == 1


def test_it_answers_the_costliest_text_quickly(client, listings):
    """Ten long misspelt words (every typo stage runs, with every spelling) with the whole profile: well
    within a second on a small directory."""
    text = " ".join(["sheltre", "learnign", "bilingaul", "childcaer", "evictoin"] * 2)
    client.get(API, {"zip": "80219"})  # the process reads the ZIP gazetteer once (1.5 s), not timed here
    started = time.perf_counter()
    response = client.get(
        API, {"q": text, "zip": "80219", "radius": 30, "age": 4, "speaks": "es,en,vi", "open_now": "true"}
    )
    assert response.status_code == 200
    assert time.perf_counter() - started < 1.0
