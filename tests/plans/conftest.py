"""A plan for a participant of carol's workforce program: two barriers (child care, transportation), with steps."""

import datetime

import pytest
from django.utils import timezone

from plans import services as plan_services
from plans.models import Barrier, Plan, Step
from providers.models import TaxonomyTerm
from referrals import services
from referrals.models import Consent, Participant
from tests.referrals.api.conftest import api_for


@pytest.fixture
def participant(carol, workforce_program) -> Participant:
    return services.participant_create(
        organization=workforce_program,
        created_by=carol,
        display_name="M. R.",
        preferred_language="es",
        zip_code="80219",
    )


@pytest.fixture
def consent(participant, carol) -> Consent:
    return services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)


@pytest.fixture
def plan(participant, carol, categories) -> Plan:
    return plan_services.plan_start(
        participant=participant, case_manager=carol, started_on=timezone.localdate() - datetime.timedelta(days=14)
    )


@pytest.fixture
def child_care(plan, carol) -> Barrier:
    return plan_services.barrier_add(
        plan=plan,
        category=TaxonomyTerm.objects.get(code="child-care"),
        in_their_words="Nobody can watch my daughter during the training.",
        goal="My daughter has a place to stay while I train.",
        actor=carol,
    )


@pytest.fixture
def find_care(child_care, carol) -> Step:
    return plan_services.step_add(
        barrier=child_care,
        text="Visit two daycares near the training site",
        owner=Step.Owner.PARTICIPANT,
        due_on=timezone.localdate() + datetime.timedelta(days=3),
        actor=carol,
    )


@pytest.fixture
def program_api(admin, workforce_program):
    """The plan API as the workforce program's case system (carol's organization)."""
    return api_for(workforce_program, "Workforce CMS", admin)


@pytest.fixture
def agency_api(admin, agency_a):
    """The plan API as agency A's system: the provider a step's referral goes to."""
    return api_for(agency_a, "Agency A EHR", admin)
