"""Eligibility and "not a match for this participant" kept apart (issue 18): a language the staff do not speak
is a note unless the participant speaks no other language, and every "outside the service area" reads
alike; "hide not eligible" hides only the services whose rules the participant fails."""

import re

import pytest
from django.utils import translation

from search.backends.base import SearchRequest
from search.eligibility import Area, Criteria, Outcome, Participant, Verdict, evaluate
from search.geography import place_for_zip
from search.query import search

from .conftest import make_service, rebuild

WESTWOOD = place_for_zip("80219")
AURORA = place_for_zip("80010")
ENGLISH = {"en": "English"}
AURORA_ONLY = (Area(postal_codes=frozenset({"80010"})),)


def outcomes(eligibility) -> list[tuple[str, str]]:
    return [(reason.outcome, reason.text) for reason in eligibility.reasons]


def test_it_notes_a_language_the_staff_do_not_speak_without_ruling_the_service_out():
    """Staff who speak only English, for a participant whose language is Spanish: a note, and still eligible."""
    result = evaluate(Criteria(languages=ENGLISH), Participant(languages=frozenset({"es"})))

    assert result.verdict == Verdict.ELIGIBLE
    assert outcomes(result) == [(Outcome.NOTE, "Staff speak English; no interpretation listed")]


def test_it_rules_the_service_out_when_the_participant_speaks_only_languages_the_staff_do_not():
    """A participant who speaks only Spanish cannot be served in English: not eligible, and why."""
    participant = Participant(languages=frozenset({"es"}), speaks_only=True)

    result = evaluate(Criteria(languages=ENGLISH), participant)

    assert result.verdict == Verdict.NOT_ELIGIBLE
    assert outcomes(result) == [(Outcome.NOT_MET, "No shared language: staff speak English")]
    assert evaluate(Criteria(languages=ENGLISH, interpretation=True), participant).verdict == Verdict.ELIGIBLE
    assert evaluate(Criteria(languages={**ENGLISH, "es": "Spanish"}), participant).verdict == Verdict.ELIGIBLE


@pytest.mark.parametrize(
    ("residency_required", "verdict", "outcome", "rest"),
    [
        (True, Verdict.NOT_ELIGIBLE, Outcome.NOT_MET, "serves its residents only"),
        (None, Verdict.MAYBE, Outcome.UNKNOWN, "not stated whether only its residents qualify"),
        (False, Verdict.ELIGIBLE, Outcome.NOTE, "serves people from other areas too"),
    ],
)
def test_it_says_outside_the_service_area_alike_whatever_the_service_requires(
    residency_required, verdict, outcome, rest
):
    """Outside the area reads "Lives outside the service area (ZIP)" every time, with what the service states
    about other areas; the verdict follows what it requires."""
    result = evaluate(Criteria(areas=AURORA_ONLY, residency_required=residency_required), Participant(place=WESTWOOD))

    assert result.verdict == verdict
    assert outcomes(result) == [(outcome, f"Lives outside the service area (80219); {rest}")]


def test_it_says_nothing_of_the_area_to_a_participant_who_lives_in_it():
    """Inside the area of a service that serves other areas too, there is nothing to say."""
    result = evaluate(Criteria(areas=AURORA_ONLY, residency_required=False), Participant(place=AURORA))

    assert (result.verdict, result.reasons) == (Verdict.ELIGIBLE, ())


def test_it_notes_in_spanish():
    """The notes are in Spanish on a Spanish page."""
    with translation.override("es"):
        language = evaluate(Criteria(languages={"en": "inglés"}), Participant(languages=frozenset({"es"})))
        area = evaluate(Criteria(areas=AURORA_ONLY), Participant(place=WESTWOOD))

    assert [reason.text for reason in language.reasons + area.reasons] == [
        "El personal habla inglés; no se indica interpretación",
        "Vive fuera del área de servicio (80219); también atiende a personas de otras áreas",
    ]


@pytest.fixture
def english_only_daycares(taxonomy):
    """Two daycares whose staff speak only English: one in Westwood, one that serves Aurora but anyone too."""
    make_service("English Only Daycare")
    make_service(
        "Aurora Daycare",
        area={"extent_type": "postal_codes", "postal_codes": ["80010"]},
        residency_required=False,
    )
    make_service(
        "Aurora Residents Daycare",
        area={"extent_type": "postal_codes", "postal_codes": ["80010"]},
        residency_required=True,
    )
    rebuild()


def shown(participant: Participant, **request) -> dict[str, str]:
    results = search(SearchRequest(text="daycare", place=WESTWOOD, participant=participant, **request), log_unmet=False)
    return {result.data["name"]: result.verdict for result in results.results}


def test_it_hides_only_the_services_whose_rules_the_participant_fails(english_only_daycares):
    """ "Hide not eligible" keeps the services that only lack the participant's language or list another
    area without keeping to its residents; it hides the one for Aurora's residents only."""
    participant = Participant(languages=frozenset({"es"}), place=WESTWOOD)

    assert shown(participant) == {
        "English Only Daycare": Verdict.ELIGIBLE,
        "Aurora Daycare": Verdict.ELIGIBLE,
        "Aurora Residents Daycare": Verdict.NOT_ELIGIBLE,
    }
    assert set(shown(participant, hide_ineligible=True)) == {"English Only Daycare", "Aurora Daycare"}


def test_it_hides_every_service_without_the_language_of_a_participant_who_speaks_only_it(english_only_daycares):
    """For a participant who speaks only Spanish, none of the English-only daycares can serve them."""
    participant = Participant(languages=frozenset({"es"}), speaks_only=True, place=WESTWOOD)

    assert set(shown(participant).values()) == {Verdict.NOT_ELIGIBLE}
    assert shown(participant, hide_ineligible=True) == {}


def test_it_takes_speaks_only_from_the_page_and_says_so(client, english_only_daycares):
    """The page's "Speaks only these languages" box (speaks_only=on) rules the English-only daycares out; without
    it, each reads a note; the card's own "outside its area" line gives way to the reason that says it."""
    url = "/search/"
    profile = {"q": "daycare", "zip": "80219", "speaks": "es"}

    noted = client.get(url, profile).content.decode()
    only = client.get(url, {**profile, "speaks_only": "on", "hide_ineligible": "on"}).content.decode()

    assert 'id="id_speaks_only"' in noted and 'aria-describedby="id_speaks_only_hint"' in noted
    assert re.search(
        r'<li class="reason reason--note[^"]*"><span class="visually-hidden">Note: </span>Staff speak English; no ',
        noted,
    )
    assert "Lives outside the service area (80219); serves people from other areas too" in noted
    assert "Does not list the participant’s area as one it serves." not in noted
    assert "No service matches this search." in only
    assert "Spanish, no other language" in only  # the profile's summary
