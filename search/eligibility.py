"""Eligibility that explains itself: a participant profile against a service's criteria.

Pure functions: ``evaluate(criteria, participant)`` returns a verdict and one plain-language reason
per criterion the service sets, in the active language. The verdict follows from the reasons:

- ``not_eligible`` when any criterion is not met;
- otherwise ``maybe`` when a fact needed by a criterion is unknown (the reason names it);
- otherwise ``eligible``.

Criteria the service does not set are not mentioned. A reason may also be a note (Outcome.NOTE), which
tells the case manager something that makes a service a poorer fit for this participant without being
a rule they fail, and leaves the verdict as it is; "hide not eligible" keeps such services:

- Language: staff who speak none of the participant's languages, without interpretation, are a note,
  unless the participant speaks only those languages (``Participant.speaks_only``, the search form's
  "Speaks only these languages"): then they cannot be served there, and the criterion is not met.
- Area: a participant who lives outside every area a service lists reads "Lives outside the service
  area (ZIP)" in every case, followed by what the service stated: residents only (not met), not stated
  (unknown), or people from other areas served too (a note). The search's "serves me" filter and its
  ranking use the area whatever the service requires.

A rule nobody stated (the gender served, whether only the listed populations or only residents qualify)
is never met by default: it is met only when the participant fits it either way (in the populations,
inside the area), and otherwise unknown, so the verdict is at best "maybe".
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from providers.poverty import percent_of_guideline, region_for_state
from search.geography import Place, distance_miles, point_in_polygon


class Verdict(models.TextChoices):
    ELIGIBLE = "eligible", gettext_lazy("Eligible")
    MAYBE = "maybe", gettext_lazy("Maybe: facts missing")
    NOT_ELIGIBLE = "not_eligible", gettext_lazy("Not eligible")


class Outcome(models.TextChoices):
    MET = "met", gettext_lazy("Met")
    UNKNOWN = "unknown", gettext_lazy("Unknown")
    NOT_MET = "not_met", gettext_lazy("Not met")
    NOTE = "note", gettext_lazy("Note")  # worth knowing, not a rule: the verdict is as without it


NOT_STATED = "not_stated"  # Service.Gender.NOT_STATED


@dataclass(frozen=True)
class Area:
    """A service area as the evaluator needs it (ServiceArea without the database)."""

    postal_codes: frozenset[str] = frozenset()
    counties: frozenset[str] = frozenset()
    center: tuple[float, float] | None = None
    radius_miles: float | None = None
    polygon: dict | None = None

    def contains(self, place: Place) -> bool:
        if place.zip_code and place.zip_code in self.postal_codes:
            return True
        if place.county and place.county in self.counties:
            return True
        if self.center is not None and distance_miles(self.center, place.point) <= self.radius_miles:
            return True
        return self.polygon is not None and point_in_polygon(place.point, self.polygon)


@dataclass(frozen=True)
class Criteria:
    """What a service asks of the people it serves. Empty fields set no criterion."""

    minimum_age: int | None = None
    maximum_age: int | None = None
    income_limit_percent: int | None = None
    gender: str = "any"  # Service.Gender values
    populations: dict[str, str] = field(default_factory=dict)  # code -> display name
    populations_required: bool | None = False  # None: not stated
    residency_required: bool | None = False  # None: not stated
    areas: tuple[Area, ...] = ()
    languages: dict[str, str] = field(default_factory=dict)  # ISO 639-1 code -> display name
    interpretation: bool = False
    insurance: dict[str, str] = field(default_factory=dict)  # code -> display name

    def serves(self, place: Place | None) -> bool | None:
        """True when the place is in a service area (or there is none); None when the place is unknown."""
        if not self.areas:
            return True
        if place is None:
            return None
        return any(area.contains(place) for area in self.areas)


@dataclass(frozen=True)
class Participant:
    """What the case manager chose to tell about the participant; None and empty mean unknown."""

    age: int | None = None
    place: Place | None = None
    household_size: int | None = None
    annual_income: float | None = None
    languages: frozenset[str] = frozenset()
    # True: the participant speaks no language but ``languages`` (staff who speak none of them cannot serve
    # them); False: they may get by in another, and a service without their language is only a note.
    speaks_only: bool = False
    populations: frozenset[str] = frozenset()
    gender: str | None = None  # "female", "male", "another"
    insurance: str | None = None  # an insurance taxonomy code

    @property
    def is_empty(self) -> bool:
        return self == Participant()


@dataclass(frozen=True)
class Reason:
    criterion: str
    outcome: str  # Outcome values
    text: str


@dataclass(frozen=True)
class Eligibility:
    verdict: str
    reasons: tuple[Reason, ...]

    @property
    def missing(self) -> list[str]:
        return [reason.criterion for reason in self.reasons if reason.outcome == Outcome.UNKNOWN]


def verdict_for(reasons: tuple[Reason, ...]) -> str:
    outcomes = {reason.outcome for reason in reasons}
    if Outcome.NOT_MET in outcomes:
        return Verdict.NOT_ELIGIBLE
    if Outcome.UNKNOWN in outcomes:
        return Verdict.MAYBE
    return Verdict.ELIGIBLE


def evaluate(criteria: Criteria, participant: Participant) -> Eligibility:
    reasons = tuple(reason for check in CHECKS if (reason := check(criteria, participant)) is not None)
    return Eligibility(verdict_for(reasons), reasons)


def check_keys(criteria: Criteria) -> tuple:
    """Return, for each of CHECKS, the criteria it reads: services with an equal key get the same outcome."""
    return (
        (criteria.minimum_age, criteria.maximum_age),
        criteria.income_limit_percent,
        criteria.gender,
        (tuple(criteria.populations), criteria.populations_required),
        (criteria.residency_required, hashable(criteria.areas)) if criteria.residency_required is not False else False,
        (tuple(criteria.languages), criteria.interpretation),
        tuple(criteria.insurance),
    )


def hashable(value):
    """Return the value, or its repr when it cannot be a dict key (an area's polygon is a dict)."""
    try:
        hash(value)
    except TypeError:  # an area's polygon (a dict)
        return repr(value)
    return value


def criteria_of(keys: tuple, areas: tuple[Area, ...]) -> Criteria:
    """Return Criteria made of check_keys' keys (names are codes): each check's outcome is the same."""
    ages, income, gender, (populations, required), residency, (languages, interpretation), insurance = keys
    return Criteria(
        minimum_age=ages[0],
        maximum_age=ages[1],
        income_limit_percent=income,
        gender=gender,
        populations={code: code for code in populations},
        populations_required=required,
        residency_required=False if residency is False else residency[0],
        areas=areas,
        languages={code: code for code in languages},
        interpretation=interpretation,
        insurance={code: code for code in insurance},
    )


class Verdicts:
    """The verdicts of many services for one participant (a search's candidates), each criterion's outcome
    worked out once per distinct value: thousands of services share a few age ranges, income limits and
    areas. The same checks as ``evaluate``, without the reasons' words."""

    def __init__(self, participant: Participant) -> None:
        self.participant = participant
        self._outcomes: list[dict] = [{} for _check in CHECKS]

    def verdict(self, keys: tuple, areas: tuple[Area, ...]) -> str:
        """Return ``evaluate(criteria, participant).verdict`` for the criteria with these check_keys and areas."""
        unknown = False
        for number in range(len(CHECKS)):
            outcome = self.outcome(number, keys, areas)
            if outcome == Outcome.NOT_MET:
                return Verdict.NOT_ELIGIBLE
            if outcome == Outcome.UNKNOWN:
                unknown = True
        return Verdict.MAYBE if unknown else Verdict.ELIGIBLE

    def outcome(self, number: int, keys: tuple, areas: tuple[Area, ...]) -> str:
        """Return the outcome of CHECKS[number] ("" when it does not apply) for the criteria with these
        check_keys and areas: worked out once per distinct ``keys[number]``. A note and no reason are not
        told apart (either leaves the verdict as it is), so a key may leave out what only a note reads: the
        areas of a service that does not keep to its residents."""
        outcomes = self._outcomes[number]
        outcome = outcomes.get(keys[number])
        if outcome is None:
            reason = CHECKS[number](criteria_of(keys, areas), self.participant)
            outcome = outcomes[keys[number]] = "" if reason is None else reason.outcome
        return outcome


def _age_range(criteria: Criteria) -> str:
    if criteria.minimum_age is not None and criteria.maximum_age is not None:
        return f"{criteria.minimum_age}–{criteria.maximum_age}"
    if criteria.minimum_age is not None:
        return _("%(age)s and older") % {"age": criteria.minimum_age}
    return _("up to %(age)s") % {"age": criteria.maximum_age}


def _age(criteria: Criteria, participant: Participant) -> Reason | None:
    if criteria.minimum_age is None and criteria.maximum_age is None:
        return None
    ages = _age_range(criteria)
    if participant.age is None:
        return Reason("age", Outcome.UNKNOWN, _("Age needed: serves ages %(ages)s") % {"ages": ages})
    values = {"age": participant.age, "ages": ages}
    if criteria.minimum_age is not None and participant.age < criteria.minimum_age:
        return Reason("age", Outcome.NOT_MET, _("Age %(age)s is outside %(ages)s") % values)
    if criteria.maximum_age is not None and participant.age > criteria.maximum_age:
        return Reason("age", Outcome.NOT_MET, _("Age %(age)s is outside %(ages)s") % values)
    return Reason("age", Outcome.MET, _("Age %(age)s is within %(ages)s") % values)


def _income(criteria: Criteria, participant: Participant) -> Reason | None:
    limit = criteria.income_limit_percent
    if limit is None:
        return None
    if participant.annual_income is None or participant.household_size is None:
        return Reason(
            "income",
            Outcome.UNKNOWN,
            _("Household size and income needed: the limit is %(limit)s%% of the poverty guideline") % {"limit": limit},
        )
    region = (
        region_for_state(participant.place.state) if participant.place and participant.place.state else "contiguous"
    )
    percent = percent_of_guideline(
        annual_income=participant.annual_income, household_size=participant.household_size, region=region
    )
    values = {"percent": round(percent), "limit": limit}
    if percent > limit:
        return Reason(
            "income",
            Outcome.NOT_MET,
            _("Household income is %(percent)s%% of the poverty guideline; the limit is %(limit)s%%") % values,
        )
    return Reason(
        "income",
        Outcome.MET,
        _("Household income is %(percent)s%% of the poverty guideline, within the limit of %(limit)s%%") % values,
    )


def _gender(criteria: Criteria, participant: Participant) -> Reason | None:
    if criteria.gender == "any":
        return None
    if criteria.gender == NOT_STATED:
        return Reason("gender", Outcome.UNKNOWN, _("Gender served: not stated"))
    serves = {"women": "female", "men": "male"}[criteria.gender]
    label = _("Serves women only") if criteria.gender == "women" else _("Serves men only")
    if participant.gender is None:
        return Reason("gender", Outcome.UNKNOWN, _("%(rule)s: gender not given") % {"rule": label})
    outcome = Outcome.MET if participant.gender == serves else Outcome.NOT_MET
    return Reason("gender", outcome, label)


def _populations(criteria: Criteria, participant: Participant) -> Reason | None:
    if not criteria.populations:
        return None
    shared = [name for code, name in criteria.populations.items() if code in participant.populations]
    names = ", ".join(criteria.populations.values())
    if criteria.populations_required is False:
        if shared:
            return Reason("populations", Outcome.MET, _("Focuses on %(names)s") % {"names": ", ".join(shared)})
        return None
    if shared:
        return Reason("populations", Outcome.MET, _("Serves %(names)s") % {"names": ", ".join(shared)})
    if criteria.populations_required is None:
        return Reason(
            "populations",
            Outcome.UNKNOWN,
            _("Serves %(names)s; not stated whether only they qualify") % {"names": names},
        )
    if not participant.populations:
        return Reason(
            "populations", Outcome.UNKNOWN, _("Serves only: %(names)s; circumstances not given") % {"names": names}
        )
    return Reason("populations", Outcome.NOT_MET, _("Serves only: %(names)s") % {"names": names})


def _residency(criteria: Criteria, participant: Participant) -> Reason | None:
    if not criteria.areas:
        return None
    serves = criteria.serves(participant.place)
    if criteria.residency_required is False:
        if serves is not False:
            return None
        where = participant.place.zip_code or participant.place.county
        return Reason(
            "residency",
            Outcome.NOTE,
            _("Lives outside the service area (%(where)s); serves people from other areas too") % {"where": where},
        )
    stated = criteria.residency_required is not None
    if serves is None:
        if not stated:
            return Reason("residency", Outcome.UNKNOWN, _("Not stated whether only residents of its area qualify"))
        return Reason("residency", Outcome.UNKNOWN, _("ZIP code needed: serves residents of its area only"))
    where = participant.place.zip_code or participant.place.county
    if serves:
        return Reason("residency", Outcome.MET, _("Lives in the service area (%(where)s)") % {"where": where})
    if not stated:
        return Reason(
            "residency",
            Outcome.UNKNOWN,
            _("Lives outside the service area (%(where)s); not stated whether only its residents qualify")
            % {"where": where},
        )
    return Reason(
        "residency",
        Outcome.NOT_MET,
        _("Lives outside the service area (%(where)s); serves its residents only") % {"where": where},
    )


def _languages(criteria: Criteria, participant: Participant) -> Reason | None:
    if not criteria.languages or not participant.languages:
        return None
    shared = [name for code, name in criteria.languages.items() if code in participant.languages]
    if shared:
        return Reason("languages", Outcome.MET, _("Speaks %(languages)s") % {"languages": ", ".join(shared)})
    if criteria.interpretation:
        return Reason("languages", Outcome.MET, _("Interpretation available"))
    staff = {"languages": ", ".join(criteria.languages.values())}
    if participant.speaks_only:
        return Reason("languages", Outcome.NOT_MET, _("No shared language: staff speak %(languages)s") % staff)
    return Reason("languages", Outcome.NOTE, _("Staff speak %(languages)s; no interpretation listed") % staff)


def _insurance(criteria: Criteria, participant: Participant) -> Reason | None:
    if not criteria.insurance:
        return None
    accepted = ", ".join(criteria.insurance.values())
    if participant.insurance is None:
        return Reason("insurance", Outcome.UNKNOWN, _("Insurance needed: accepts %(plans)s") % {"plans": accepted})
    if participant.insurance in criteria.insurance:
        return Reason(
            "insurance", Outcome.MET, _("Accepts %(plan)s") % {"plan": criteria.insurance[participant.insurance]}
        )
    return Reason("insurance", Outcome.NOT_MET, _("Accepts only %(plans)s") % {"plans": accepted})


CHECKS = (_age, _income, _gender, _populations, _residency, _languages, _insurance)
