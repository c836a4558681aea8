"""Privacy, every persona on every plan page: a plan is seen by staff of the participant's organization and network
admins, changed by that organization's case managers only. Staff who see it but may not change it get a 403; to
everyone else, the receiving provider of a referral made for a step included, the plan does not exist (404);
anonymous visitors are sent to sign in. A refused request changes nothing and is not on the access log.

Personas: admin (network admin), carol (case manager of the participant's program), fran (agency editor of that
same program: staff, not a case manager), dave (case manager of another program), alice (editor of the agency a
step's referral went to), bob (editor of an unrelated agency), anonymous.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Membership
from plans.models import Barrier, CheckIn, Step, StepEvent, StepProgress
from providers.models import TaxonomyTerm
from referrals import services
from referrals.models import AccessRecord
from tests.conftest import make_user
from tests.referrals.test_privacy import another_programs_case_manager

PERSONAS = ["admin", "carol", "fran", "dave", "alice", "bob", "anonymous"]
READERS = {"admin", "carol", "fran"}
CHANGERS = {"carol"}


@pytest.fixture
def personas(admin, carol, alice, bob, workforce_program) -> dict:
    return {
        "admin": admin,
        "carol": carol,
        "fran": make_user("fran", workforce_program, Membership.Role.AGENCY_EDITOR),
        "dave": another_programs_case_manager(),
        "alice": alice,
        "bob": bob,
        "anonymous": None,
    }


@pytest.fixture
def referred_step(find_care, consent, service_a, carol):
    """alice's agency received a referral made for the step: she is the plan's provider, and still sees none of it."""
    referral = services.referral_send(
        participant=find_care.barrier.plan.participant,
        service=service_a,
        need=TaxonomyTerm.objects.get(code="daycare"),
        referred_by=carol,
        step_id=find_care.pk,
    )
    find_care.refresh_from_db()
    assert find_care.referral == referral
    return find_care


def state(plan) -> tuple:
    """Everything a plan page could change."""
    plan.refresh_from_db()
    return (
        plan.started_on,
        plan.case_manager_id,
        list(Barrier.objects.order_by("pk").values_list("pk", "resolved_on", "in_their_words")),
        list(Step.objects.order_by("pk").values_list("pk", "text", "status", "due_on", "owner")),
        CheckIn.objects.count(),
        StepEvent.objects.count(),
        StepProgress.objects.count(),
    )


def request_page(client, page: str, plan, barrier, step):
    today = timezone.localdate().isoformat()
    if page == "detail":
        return client.get(plan.get_absolute_url())
    if page == "start":
        return client.get(reverse("plans:start", args=[plan.participant_id]))
    if page == "barrier_add":
        category = TaxonomyTerm.objects.get(code="daycare").pk
        return client.post(reverse("plans:barrier_add", args=[plan.pk]), {"category": category, "goal": "x"})
    if page == "barrier_resolve":
        return client.post(reverse("plans:barrier_resolve", args=[plan.pk, barrier.pk]), {"resolved_on": today})
    if page == "find_providers":
        return client.get(reverse("plans:find_providers", args=[plan.pk, barrier.pk]))
    if page == "step_add":
        data = {"text": "A new step", "owner": Step.Owner.PARTICIPANT}
        return client.post(reverse("plans:step_add", args=[plan.pk, barrier.pk]), data)
    if page == "step_edit":
        data = {"text": "Changed", "owner": Step.Owner.PROVIDER}
        return client.post(reverse("plans:step_edit", args=[plan.pk, step.pk]), data)
    if page == "step_move":
        return client.post(reverse("plans:step_move", args=[plan.pk, step.pk]), {"status": Step.Status.DONE})
    if page == "check_in_add":
        data = {"held_on": today, "method": CheckIn.Method.PHONE, f"status_{step.pk}": Step.Status.DONE}
        return client.post(reverse("plans:check_in_add", args=[plan.pk]), data)
    raise AssertionError(page)


READ_PAGES = ["detail", "start"]
CHANGE_PAGES = [
    "barrier_add",
    "barrier_resolve",
    "find_providers",
    "step_add",
    "step_edit",
    "step_move",
    "check_in_add",
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", READ_PAGES + CHANGE_PAGES)
def test_each_persona_gets_what_the_rule_says(client, personas, plan, child_care, referred_step, page, persona):
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    before = state(plan)

    response = request_page(client, page, plan, child_care, referred_step)

    if user is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif (page in READ_PAGES and persona in READERS) or persona in CHANGERS:
        assert response.status_code in (200, 302)
    elif persona in READERS:
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    if persona not in CHANGERS or page in READ_PAGES:
        assert state(plan) == before
    if user is not None and page == "detail" and persona in READERS:
        assert AccessRecord.objects.filter(reader=user, door=AccessRecord.Door.PLAN_PAGE).count() == 1
    else:
        assert not AccessRecord.objects.filter(door=AccessRecord.Door.PLAN_PAGE).exists()


@pytest.mark.parametrize("persona", ["admin", "fran", "dave", "alice", "bob"])
def test_only_the_participants_case_managers_start_a_plan(client, personas, participant, categories, persona):
    client.force_login(personas[persona])
    url = reverse("plans:start", args=[participant.pk])
    expected = 403 if persona in READERS else 404
    assert client.get(url).status_code == expected
    assert client.post(url, {"started_on": timezone.localdate().isoformat()}).status_code == expected
    assert not hasattr(participant, "plan") or participant.plan is None


def test_the_provider_page_for_a_step_shows_no_plan_page_link(client, personas, plan, referred_step):
    """alice, the provider, reads the step's text on the referral's page: no link into the plan, which is a 404 for
    her; the participant's words and goal are not on the page."""
    client.force_login(personas["alice"])
    page = client.get(referred_step.referral.get_absolute_url()).content.decode()
    assert referred_step.text in page
    assert plan.get_absolute_url() not in page
    assert referred_step.barrier.in_their_words not in page
    assert referred_step.barrier.goal not in page


def test_an_erased_participants_plan_shows_no_text_and_cannot_change(client, personas, plan, child_care, find_care):
    from referrals import erasure

    erasure.participant_erase(participant_id=plan.participant_id, reason="Asked", erased_by=personas["carol"])
    client.force_login(personas["carol"])
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Child care" in page
    for text in ["Nobody can watch my daughter", "My daughter has a place", "Visit two daycares"]:
        assert text not in page
    url = reverse("plans:step_add", args=[plan.pk, child_care.pk])
    assert client.post(url, {"text": "New", "owner": Step.Owner.PARTICIPANT}).status_code == 403
    assert Step.objects.count() == 1
