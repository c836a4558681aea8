"""The reference taxonomy's phrases name the need that answers how people ask (fixtures/reference/taxonomies.json,
search/needs.py, issue 18): a parent's everyday phrasings are also listed on the child category that answers
them, in English and Spanish, and a population's phrases name it."""

import pytest

from providers.demo import load_reference_data
from search.needs import understand


@pytest.fixture
def reference_taxonomy(db):
    load_reference_data()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("depresión", ("categories", "counseling")),
        ("I feel sad all the time", ("categories", "counseling")),
        ("tengo ansiedad", ("categories", "counseling")),
        ("necesito trabajo", ("categories", "job-placement")),
        ("I lost my job", ("categories", "job-placement")),
        ("child care", ("categories", "daycare")),
        ("no tengo donde vivir", ("categories", "emergency-shelter")),
        ("my grandmother can't cook for herself anymore", ("categories", "home-delivered-meals")),
        ("mi esposo me pega", ("populations", "domestic-violence")),
    ],
)
def test_it_names_the_need_that_answers_the_phrasing(reference_taxonomy, text, named):
    """The specific category (or the population) is among the needs the query names."""
    assert named in {(need.field, need.code) for need in understand(text).needs}
