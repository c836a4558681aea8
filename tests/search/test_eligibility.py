"""The evaluator: a verdict per service with one plain-language reason per criterion, in English and Spanish."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from search.eligibility import Area, Criteria, Outcome, Participant, Verdict, Verdicts, check_keys, evaluate
from search.geography import place_for_zip

WESTWOOD = place_for_zip("80219")
AURORA = place_for_zip("80010")


def texts(eligibility) -> list[str]:
    return [reason.text for reason in eligibility.reasons]


def test_it_explains_each_met_criterion():
    """A participant who meets everything is eligible, with a reason per criterion in plain words."""
    criteria = Criteria(
        minimum_age=18,
        maximum_age=64,
        income_limit_percent=200,
        languages={"es": "Spanish", "en": "English"},
        residency_required=True,
        areas=(Area(postal_codes=frozenset({"80219"})),),
    )
    participant = Participant(
        age=34, place=WESTWOOD, household_size=3, annual_income=31000, languages=frozenset({"es"})
    )
    result = evaluate(criteria, participant)
    assert result.verdict == Verdict.ELIGIBLE
    assert texts(result) == [
        "Age 34 is within 18–64",
        "Household income is 116% of the poverty guideline, within the limit of 200%",
        "Lives in the service area (80219)",
        "Speaks Spanish",
    ]


def test_it_says_why_a_participant_is_not_eligible():
    """Income over the limit: not eligible, and the reason gives both percentages."""
    criteria = Criteria(income_limit_percent=200)
    participant = Participant(household_size=1, annual_income=33180)  # 212% of $15,650 (2025)
    result = evaluate(criteria, participant)
    assert result.verdict == Verdict.NOT_ELIGIBLE
    assert texts(result) == ["Household income is 212% of the poverty guideline; the limit is 200%"]


def test_it_names_the_missing_facts():
    """Unknown facts make the verdict 'maybe' and the reasons say which facts are needed."""
    criteria = Criteria(minimum_age=18, income_limit_percent=150, insurance={"medicaid": "Medicaid"})
    result = evaluate(criteria, Participant())
    assert result.verdict == Verdict.MAYBE
    assert result.missing == ["age", "income", "insurance"]
    assert "Age needed: serves ages 18 and older" in texts(result)


def test_it_checks_the_service_area_only_when_residency_is_required():
    """Residency is a criterion only where required; then an address outside the area is not eligible."""
    area = (Area(counties=frozenset({"Denver County, CO"})),)
    outside = Participant(place=AURORA)
    assert evaluate(Criteria(areas=area), outside).verdict == Verdict.ELIGIBLE
    required = evaluate(Criteria(areas=area, residency_required=True), outside)
    assert required.verdict == Verdict.NOT_ELIGIBLE
    assert texts(required) == ["Lives outside the service area (80010); serves its residents only"]


def test_it_matches_each_kind_of_service_area():
    """ZIP lists, counties, a radius in miles and a GeoJSON polygon each contain Westwood (80219)."""
    square = [[-105.1, 39.6], [-104.9, 39.6], [-104.9, 39.8], [-105.1, 39.8], [-105.1, 39.6]]
    assert Area(postal_codes=frozenset({"80219"})).contains(WESTWOOD)
    assert Area(counties=frozenset({"Denver County, CO"})).contains(WESTWOOD)
    assert Area(center=(39.7392, -104.9903), radius_miles=5).contains(WESTWOOD)
    assert not Area(center=(39.7392, -104.9903), radius_miles=2).contains(WESTWOOD)
    assert Area(polygon={"type": "Polygon", "coordinates": [square]}).contains(WESTWOOD)
    assert not Area(polygon={"type": "Polygon", "coordinates": [square]}).contains(AURORA)


def test_it_handles_required_and_focus_populations():
    """Required populations exclude others; a focus population is only mentioned when it applies."""
    veterans = {"veterans": "Veterans"}
    required = Criteria(populations=veterans, populations_required=True)
    assert evaluate(required, Participant(populations=frozenset({"veterans"}))).verdict == Verdict.ELIGIBLE
    assert evaluate(required, Participant(populations=frozenset({"youth"}))).verdict == Verdict.NOT_ELIGIBLE
    assert evaluate(required, Participant()).verdict == Verdict.MAYBE
    focus = Criteria(populations=veterans)
    assert evaluate(focus, Participant(populations=frozenset({"youth"}))).reasons == ()
    assert texts(evaluate(focus, Participant(populations=frozenset({"veterans"})))) == ["Focuses on Veterans"]


def test_it_checks_gender_language_and_insurance():
    """Women-only services, shared languages (or interpretation) and accepted insurance each give a reason."""
    assert evaluate(Criteria(gender="women"), Participant(gender="male")).verdict == Verdict.NOT_ELIGIBLE
    assert evaluate(Criteria(gender="women"), Participant(gender="female")).verdict == Verdict.ELIGIBLE
    english = {"en": "English"}
    amharic = Participant(languages=frozenset({"am"}), speaks_only=True)
    assert evaluate(Criteria(languages=english), amharic).verdict == Verdict.NOT_ELIGIBLE
    assert texts(evaluate(Criteria(languages=english, interpretation=True), amharic)) == ["Interpretation available"]
    plans = {"medicaid": "Medicaid", "medicare": "Medicare"}
    assert evaluate(Criteria(insurance=plans), Participant(insurance="medicare")).verdict == Verdict.ELIGIBLE
    assert evaluate(Criteria(insurance=plans), Participant(insurance="private-insurance")).verdict == (
        Verdict.NOT_ELIGIBLE
    )


def test_it_uses_alaska_and_hawaii_guidelines():
    """A participant in Anchorage is measured against Alaska's higher guideline."""
    anchorage = place_for_zip("99501")
    result = evaluate(
        Criteria(income_limit_percent=100),
        Participant(place=anchorage, household_size=1, annual_income=19000),  # 97% of $19,550
    )
    assert result.verdict == Verdict.ELIGIBLE


def test_it_explains_in_spanish():
    """With Spanish active, every reason is in Spanish."""
    criteria = Criteria(minimum_age=18, maximum_age=64, income_limit_percent=200, languages={"es": "español"})
    participant = Participant(age=34, household_size=3, annual_income=31000, languages=frozenset({"es"}))
    with translation.override("es"):
        result = evaluate(criteria, participant)
    assert texts(result) == [
        "La edad 34 está dentro de 18–64",
        "El ingreso del hogar es el 116% de la guía de pobreza, dentro del límite de 200%",
        "Habla español",
    ]


criteria_strategy = st.builds(
    Criteria,
    minimum_age=st.none() | st.integers(0, 60),
    maximum_age=st.none() | st.integers(60, 120),
    income_limit_percent=st.none() | st.integers(1, 400),
    gender=st.sampled_from(["any", "women", "men", "not_stated"]),
    populations=st.dictionaries(st.sampled_from(["veterans", "youth", "seniors"]), st.just("x"), max_size=2),
    populations_required=st.none() | st.booleans(),  # None: not stated
    residency_required=st.none() | st.booleans(),
    areas=st.lists(st.builds(Area, postal_codes=st.sets(st.sampled_from(["80219", "80010", "80202"]))), max_size=2).map(
        tuple
    ),
    languages=st.dictionaries(st.sampled_from(["en", "es", "vi"]), st.just("x"), max_size=3),
    interpretation=st.booleans(),
    insurance=st.dictionaries(st.sampled_from(["medicaid", "medicare", "uninsured"]), st.just("x"), max_size=2),
)
participant_strategy = st.builds(
    Participant,
    age=st.none() | st.integers(0, 110),
    place=st.none() | st.sampled_from([WESTWOOD, AURORA]),
    household_size=st.none() | st.integers(1, 10),
    annual_income=st.none() | st.integers(0, 200000),
    languages=st.frozensets(st.sampled_from(["en", "es", "vi", "am"]), max_size=2),
    speaks_only=st.booleans(),
    populations=st.frozensets(st.sampled_from(["veterans", "youth", "seniors"]), max_size=2),
    gender=st.none() | st.sampled_from(["female", "male", "another"]),
    insurance=st.none() | st.sampled_from(["medicaid", "medicare", "private-insurance"]),
)


@given(criteria_strategy, participant_strategy)
def test_it_never_contradicts_its_reasons(criteria, participant):
    """Property: never 'eligible' when a criterion fails, never 'not eligible' when none does."""
    result = evaluate(criteria, participant)
    outcomes = {reason.outcome for reason in result.reasons}
    if Outcome.NOT_MET in outcomes:
        assert result.verdict == Verdict.NOT_ELIGIBLE
    else:
        assert result.verdict != Verdict.NOT_ELIGIBLE
    if result.verdict == Verdict.ELIGIBLE:
        assert outcomes <= {Outcome.MET, Outcome.NOTE}  # a note is not a rule
    assert all(reason.text for reason in result.reasons)


@pytest.mark.parametrize("age", [17, 65])
def test_it_refuses_ages_outside_the_range(age):
    """Both ends of the age range are inclusive; one year past either end is not eligible."""
    result = evaluate(Criteria(minimum_age=18, maximum_age=64), Participant(age=age))
    assert result.verdict == Verdict.NOT_ELIGIBLE
    assert texts(result) == [f"Age {age} is outside 18–64"]


@given(st.lists(criteria_strategy, min_size=1, max_size=6), participant_strategy)
def test_it_gives_a_search_the_same_verdicts_without_the_words(criterias, participant):
    """Property: a search's Verdicts, which works out each criterion once per distinct value over many
    services, gives each service the verdict ``evaluate`` gives it."""
    verdicts = Verdicts(participant)
    for criteria in criterias * 2:  # the second time, from what it remembered
        assert verdicts.verdict(check_keys(criteria), criteria.areas) == evaluate(criteria, participant).verdict
