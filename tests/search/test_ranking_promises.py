"""The ranking keeps the promises the results page makes (issue 18), with either backend: the services the
participant qualifies for before those they do not, the service whose name was typed first, and the
better text match before the name among results otherwise alike."""

import re

import pytest
from django.utils import translation
from django.utils.html import escape

from providers.models import Organization, Service
from search.backends.base import SearchRequest
from search.eligibility import Participant, Verdict
from search.geography import place_for_zip
from search.query import RANKING, search
from search.views import ORDER_STEPS

from .conftest import make_service, rebuild

WESTWOOD = place_for_zip("80219")
HALF_A_MILE_AWAY = (39.7030, -105.0341)
TEN_MILES_AWAY = (39.8400, -105.0341)


def ranked(**request) -> list:
    return search(SearchRequest(**request), log_unmet=False).results


def test_it_puts_the_services_the_participant_qualifies_for_before_those_they_do_not(taxonomy):
    """Three daycares that say "daycare" everywhere but take children of the staff only up to 17, ten miles
    away, and one half a mile away that says it once, in a long description, and serves anyone: a
    29-year-old's search lists the one they qualify for first, however weakly it matches the word."""
    for number in range(3):
        make_service(
            f"Daycare Daycare {number}",
            point=TEN_MILES_AWAY,
            keywords="daycare",
            description="Daycare, daycare and more daycare.",
            maximum_age=17,
        )
    make_service(
        "Little Learners",
        category="housing",
        point=HALF_A_MILE_AWAY,
        description="A neighbourhood centre for families: meals, homework help, a library corner, parenting "
        "classes, a clothing closet, tax help in the spring, and drop-in daycare while parents attend.",
    )
    rebuild()
    participant = Participant(age=29, place=WESTWOOD)

    results = ranked(text="daycare", place=WESTWOOD, participant=participant)

    assert [(result.data["name"], result.verdict) for result in results] == [
        ("Little Learners", Verdict.ELIGIBLE),
        ("Daycare Daycare 0", Verdict.NOT_ELIGIBLE),
        ("Daycare Daycare 1", Verdict.NOT_ELIGIBLE),
        ("Daycare Daycare 2", Verdict.NOT_ELIGIBLE),
    ]


@pytest.fixture
def resource_centers(taxonomy):
    """A family resource center that is full, far away and for youth only, among nearer services whose
    words say "family resource center" louder than its name does."""
    hope = Organization.objects.create(name="Hope Partners", description="An agency.")
    make_service(
        "Family Resource Center",
        organization=hope,
        point=TEN_MILES_AWAY,
        capacity_status=Service.Capacity.NOT_ACCEPTING,
        maximum_age=24,
    )
    make_service("Resource Line", organization=hope, point=HALF_A_MILE_AWAY, keywords="family resource center")
    for name in ("Family Center of Westwood", "Westwood Resource Hub", "Center for Families"):
        make_service(
            name,
            point=HALF_A_MILE_AWAY,
            keywords="family resource center, family, resource, center",
            description="The family resource center of the neighbourhood: family resources at the center.",
        )
    make_service("St. Mary’s Food & Clothing", category="housing", point=HALF_A_MILE_AWAY)
    make_service("St Mary Food Clothing Bank", category="housing", point=HALF_A_MILE_AWAY, keywords="marys food")
    rebuild()


@pytest.mark.parametrize(
    "text",
    [
        "Family Resource Center",
        "FAMILY   resource center!",  # case, spaces and punctuation aside
        "famly resource center",  # a typo in a long name
        "Hope Partners Family Resource Center",  # the organization's name, then the service's
        "Family Resource Center - Hope Partners",  # the other way round
    ],
)
def test_it_lists_the_service_whose_name_was_typed_first(resource_centers, text):
    """The service whose whole name was typed comes first, even full, far away and not for this participant."""
    results = ranked(text=text, place=WESTWOOD, participant=Participant(age=40, place=WESTWOOD))

    assert results[0].data["name"] == "Family Resource Center"
    assert results[0].verdict == Verdict.NOT_ELIGIBLE
    assert len(results) > 1


def test_it_lists_an_organization_s_services_first_when_its_name_was_typed(resource_centers):
    """An organization's name typed lists its services first."""
    make_service("Partners in Hope", category="housing", description="Hope for partners.")
    rebuild()

    results = ranked(text="hope partners", place=WESTWOOD)

    assert {result.data["name"] for result in results[:2]} == {"Family Resource Center", "Resource Line"}
    assert [result.data["name"] for result in results[2:]] == ["Partners in Hope"]


def test_it_reads_a_name_without_its_accents_apostrophes_and_ampersand(resource_centers):
    """The text "st marys food and clothing" is St. Mary’s Food & Clothing, ahead of a service with its words."""
    results = ranked(text="st marys food and clothing", place=WESTWOOD)

    assert [result.data["name"] for result in results][:2] == [
        "St. Mary’s Food & Clothing",
        "St Mary Food Clothing Bank",
    ]


def test_it_puts_the_better_text_match_before_the_name_among_results_otherwise_alike(taxonomy):
    """Without a place or a profile, two daycares alike in all but how well they match "daycare": the better
    match first, not the first name in the alphabet."""
    make_service("Aardvark Daycare")
    make_service("Zebra Daycare", keywords="daycare, daycare center", description="A daycare: full-day daycare.")
    rebuild()

    assert [result.data["name"] for result in ranked(text="daycare")] == ["Zebra Daycare", "Aardvark Daycare"]


ALWAYS = ["capacity", "responsiveness"]


@pytest.mark.parametrize(
    ("parameters", "steps"),
    [
        ({"q": "daycare"}, ["name_typed", "text_match", *ALWAYS, "relevance", "name"]),
        (
            {"q": "daycare", "zip": "80219"},
            ["name_typed", "text_match", "area", *ALWAYS, "distance", "relevance", "name"],
        ),
        (
            {"q": "daycare", "zip": "80219", "age": "29"},
            [
                "name_typed",
                "not_eligible_last",
                "text_match",
                "verdict",
                "area",
                *ALWAYS,
                "distance",
                "relevance",
                "name",
            ],
        ),
        (
            {"q": "daycare", "age": "29"},
            ["name_typed", "not_eligible_last", "text_match", "verdict", *ALWAYS, "relevance", "name"],
        ),
        ({"zip": "80219", "age": "29"}, ["not_eligible_last", "verdict", "area", *ALWAYS, "distance", "name"]),
        ({"zip": "80219"}, ["area", *ALWAYS, "distance", "name"]),
        ({"age": "29"}, ["not_eligible_last", "verdict", *ALWAYS, "name"]),
        ({"category": "daycare"}, [*ALWAYS, "name"]),
    ],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_it_says_how_the_results_are_ordered(client, taxonomy, parameters, steps, language):
    """The page lists the steps of the ranking that order this search, in the ranking's order (search.query's
    RANKING, which _rank follows), with or without text, a place and a profile, in English and Spanish;
    it no longer promises "best matches first" over an order that put others first."""
    make_service("Westwood Daycare")
    rebuild()

    html = client.get("/search/", parameters, headers={"accept-language": language}).content.decode()

    listed = re.search(r'<ol class="results-order__steps">(.*?)</ol>', html, re.S).group(1)
    with translation.override(language):
        expected = [str(ORDER_STEPS[step]) % {"zip": "80219"} for step in steps]
    assert re.findall(r"<li>(.*?)</li>", listed) == [escape(step) for step in expected]
    assert [step for step in RANKING if step in steps] == steps
    assert "Best matches first" not in html and "Primero los más adecuados" not in html
