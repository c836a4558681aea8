"""Unknown stays unknown in search: a service whose capacity nobody stated is not "accepting new clients",
and a rule about who qualifies that nobody stated gives "maybe", never "eligible" by default. Each test
that builds listings runs on both backends (conftest.py)."""

import pytest

from providers.models import Service, TaxonomyTerm
from search.backends.base import SearchRequest
from search.eligibility import Area, Criteria, Outcome, Participant, Verdict, evaluate
from search.geography import place_for_zip
from search.query import search
from tests.imported import NAME, import_unstated_service

from .conftest import make_service, rebuild

WESTWOOD = place_for_zip("80219")
BOULDER = place_for_zip("80302")


@pytest.fixture
def imported(taxonomy, tmp_path) -> Service:
    """The imported service that states nothing, beside a daycare whose agency said it is accepting."""
    service = import_unstated_service(tmp_path, category=TaxonomyTerm.objects.get(code="daycare"))
    make_service("Westwood Little Learners")
    rebuild()
    return service


def results(**request) -> list:
    return search(SearchRequest(**request), log_unmet=False).results


def test_it_leaves_a_service_of_unstated_capacity_out_of_accepting(imported):
    """The "accepting new clients" filter keeps only services whose agency said so; the facet counts it apart."""
    assert sorted(result.data["name"] for result in results()) == [NAME, "Westwood Little Learners"]
    assert [result.data["name"] for result in results(accepting=True)] == ["Westwood Little Learners"]
    facets = search(SearchRequest(), log_unmet=False).facets
    assert facets["capacity"] == {"accepting": 1, "not_stated": 1}


def test_it_ranks_an_accepting_service_before_one_of_unstated_capacity(imported):
    """Among equals, the service that said it takes new clients comes first."""
    assert [result.data["name"] for result in results()] == ["Westwood Little Learners", NAME]


def test_it_says_maybe_when_the_gender_served_is_not_stated(imported):
    """A woman's profile: the service that did not say whom it serves is "maybe", with the reason named."""
    result = next(
        r for r in results(participant=Participant(gender="female", place=WESTWOOD)) if r.data["name"] == NAME
    )

    assert result.eligibility.verdict == Verdict.MAYBE
    gender = next(reason for reason in result.eligibility.reasons if reason.criterion == "gender")
    assert (gender.outcome, gender.text) == (Outcome.UNKNOWN, "Gender served: not stated")


def test_it_shows_capacity_not_stated_on_the_result_card(client, imported):
    """The result card's badge says so, in English and Spanish."""
    english = client.get("/search/", {"q": "daycare"}).content.decode()
    spanish = client.get("/search/", {"q": "daycare"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert '<span class="badge badge--not_stated">Capacity not stated</span>' in english
    assert '<span class="badge badge--not_stated">Cupo no indicado</span>' in spanish


@pytest.mark.parametrize(
    ("participant", "verdict"),
    [
        (Participant(gender="female"), Verdict.MAYBE),
        (Participant(gender="male"), Verdict.MAYBE),
        (Participant(age=30), Verdict.MAYBE),
    ],
)
def test_it_never_finds_an_unstated_gender_rule_met(participant, verdict):
    """Whatever the participant's gender, or none given, a rule nobody stated is unknown."""
    assert evaluate(Criteria(gender=Service.Gender.NOT_STATED), participant).verdict == verdict
    assert evaluate(Criteria(gender=Service.Gender.ANY), participant).verdict == Verdict.ELIGIBLE


def test_it_does_not_know_whether_only_some_populations_qualify():
    """Populations with an unstated rule: met by someone in them, unknown for anyone else."""
    criteria = Criteria(populations={"veterans": "Veterans"}, populations_required=None)

    member = evaluate(criteria, Participant(populations=frozenset({"veterans"})))
    other = evaluate(criteria, Participant(populations=frozenset({"youth"})))
    untold = evaluate(criteria, Participant(age=40))

    assert member.verdict == Verdict.ELIGIBLE
    assert other.verdict == untold.verdict == Verdict.MAYBE
    assert other.reasons[0].text == "Serves Veterans; not stated whether only they qualify"


def test_it_does_not_know_whether_only_residents_qualify():
    """A service area with an unstated residency rule: met inside it, unknown outside or without a place."""
    criteria = Criteria(areas=(Area(postal_codes=frozenset({"80219"})),), residency_required=None)

    inside = evaluate(criteria, Participant(age=40, place=WESTWOOD))
    outside = evaluate(criteria, Participant(age=40, place=BOULDER))
    nowhere = evaluate(criteria, Participant(age=40))

    assert inside.verdict == Verdict.ELIGIBLE
    assert outside.verdict == nowhere.verdict == Verdict.MAYBE
    assert (
        outside.reasons[0].text
        == "Lives outside the service area (80302); not stated whether only its residents qualify"
    )
    assert nowhere.reasons[0].text == "Not stated whether only residents of its area qualify"
