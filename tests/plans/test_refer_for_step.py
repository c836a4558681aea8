"""Refer for a step, end to end on the pages: "find providers" from a barrier opens the search with the
participant's profile and the step; "Refer" from a result refers for that step; the referral's outcome moves the
step; the provider sees the step's text and nothing else of the plan. A step that is not an open step of that
participant's plan is refused on the refer page, nothing saved."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from plans import services as plan_services
from plans.models import Step, StepEvent
from plans.services import STEP_NOT_FOR_REFERRAL
from providers.models import Location, TaxonomyTerm
from referrals import services
from referrals.models import Referral
from tests.referrals.test_privacy import another_programs_case_manager

S = Referral.Status


def refer_from_search(client, plan, barrier, service, step=None) -> str:
    """Follow "find providers" to the search's address, then build the result's "Refer" link as the search's
    result card does (the search's parameters travel along)."""
    find = reverse("plans:find_providers", args=[plan.pk, barrier.pk])
    search = client.get(find + (f"?step={step.pk}" if step else ""))["Location"]
    query = urlsplit(search).query
    return f"{reverse('referrals:new')}?service={service.pk}&{query}"


def referral_data() -> dict:
    return {
        "need": TaxonomyTerm.objects.get(code="daycare").pk,
        "location": Location.objects.get().pk,
        "urgency": Referral.Urgency.ROUTINE,
        "note": "Needs care from January.",
    }


def test_carol_refers_for_a_step_and_the_referral_moves_it(
    client, carol, alice, plan, child_care, find_care, consent, service_a
):
    client.force_login(carol)
    refer_url = refer_from_search(client, plan, child_care, service_a, step=find_care)
    assert parse_qs(urlsplit(refer_url).query)["step"] == [str(find_care.pk)]

    page = client.get(refer_url).content.decode()
    assert "For this step of the participant&#x27;s plan:" in page or "For this step of the participant's plan:" in page
    assert "Visit two daycares near the training site" in page

    response = client.post(refer_url, referral_data())

    referral = Referral.objects.get()
    assert response["Location"] == referral.get_absolute_url()
    find_care.refresh_from_db()
    assert (find_care.referral, find_care.status) == (referral, Step.Status.UNDER_WAY)

    # alice accepts, then completes: the step is done, on the day the referral finished.
    client.force_login(alice)
    move = reverse("referrals:move", args=[referral.pk])
    client.post(move, {"to_status": S.ACCEPTED})
    find_care.refresh_from_db()
    assert find_care.status == Step.Status.UNDER_WAY
    client.post(move, {"to_status": S.COMPLETED})
    find_care.refresh_from_db()
    assert (find_care.status, find_care.done_on) == (Step.Status.DONE, timezone.localdate())
    event = StepEvent.objects.filter(step=find_care).latest("created_at")
    assert (event.new_status, event.referral_status, event.actor) == (Step.Status.DONE, S.COMPLETED, alice)


def test_a_declined_referral_opens_the_step_again(
    client, carol, alice, plan, child_care, find_care, consent, service_a
):
    client.force_login(carol)
    client.post(refer_from_search(client, plan, child_care, service_a, step=find_care), referral_data())
    referral = Referral.objects.get()
    client.force_login(alice)
    client.post(reverse("referrals:move", args=[referral.pk]), {"to_status": S.DECLINED, "reason": "no_capacity"})
    find_care.refresh_from_db()
    assert referral.pk == find_care.referral_id
    assert find_care.status == Step.Status.PLANNED


def test_find_providers_from_the_barrier_carries_its_first_open_step(
    client, carol, plan, child_care, find_care, service_a
):
    client.force_login(carol)
    refer_url = refer_from_search(client, plan, child_care, service_a)
    query = parse_qs(urlsplit(refer_url).query)
    assert query["step"] == [str(find_care.pk)]
    assert query["category"] == ["child-care"]
    assert query["participant"] == [str(plan.participant_id)]


def test_the_provider_sees_the_steps_text_only(client, carol, alice, plan, child_care, find_care, consent, service_a):
    """On the referral's page alice reads the step she is asked to help with; not the participant's words about
    the barrier, nor the goal, nor the other steps of the plan."""
    other_step = plan_services.step_add(barrier=child_care, text="Ask my sister about Saturdays", actor=carol)
    client.force_login(carol)
    client.post(refer_from_search(client, plan, child_care, service_a, step=find_care), referral_data())
    referral = Referral.objects.get()

    client.force_login(alice)
    page = client.get(referral.get_absolute_url()).content.decode()

    assert "Visit two daycares near the training site" in page
    for private in [
        child_care.in_their_words,
        child_care.goal,
        other_step.text,
        reverse("plans:start", args=[plan.participant_id]),
    ]:
        assert private not in page
    assert client.get(plan.get_absolute_url()).status_code == 404


def test_the_referring_side_sees_the_step_and_the_plan_link(
    client, carol, plan, child_care, find_care, consent, service_a
):
    client.force_login(carol)
    client.post(refer_from_search(client, plan, child_care, service_a, step=find_care), referral_data())
    page = client.get(Referral.objects.get().get_absolute_url()).content.decode()
    assert "Visit two daycares near the training site" in page
    assert f"{plan.get_absolute_url()}#step-{find_care.pk}" in page


@pytest.fixture
def other_participants_step(carol, workforce_program, categories):
    other = services.participant_create(organization=workforce_program, created_by=carol, display_name="K. L.")
    other_plan = plan_services.plan_start(participant=other, case_manager=carol)
    barrier = plan_services.barrier_add(
        plan=other_plan, category=TaxonomyTerm.objects.get(code="child-care"), actor=carol
    )
    return plan_services.step_add(barrier=barrier, text="Someone else's step", actor=carol)


@pytest.fixture
def another_programs_step(categories):
    dave = another_programs_case_manager()
    program = dave.memberships.get().organization
    participant = services.participant_create(organization=program, created_by=dave, display_name="Z. Z.")
    other_plan = plan_services.plan_start(participant=participant, case_manager=dave)
    barrier = plan_services.barrier_add(
        plan=other_plan, category=TaxonomyTerm.objects.get(code="child-care"), actor=dave
    )
    return plan_services.step_add(barrier=barrier, text="Dave's participant's step", actor=dave)


@pytest.mark.parametrize("which", ["another participant's", "another program's", "done", "not an id", "unknown"])
def test_a_referral_is_not_made_for_a_step_that_is_not_this_participants(
    client, carol, plan, find_care, consent, service_a, other_participants_step, another_programs_step, which
):
    """The refer page says the step cannot be used and names it; no referral is sent, no step moves."""
    if which == "done":
        plan_services.step_move(step=find_care, status=Step.Status.DONE, actor=carol)
    step_id = {
        "another participant's": other_participants_step.pk,
        "another program's": another_programs_step.pk,
        "done": find_care.pk,
        "not an id": "1%20OR%201=1",
        "unknown": "7d0b6b8e-0000-4000-8000-000000000000",
    }[which]
    client.force_login(carol)
    url = f"{reverse('referrals:new')}?service={service_a.pk}&participant={plan.participant_id}&step={step_id}"

    page = client.get(url).content.decode()
    assert "cannot be made for it" in page
    response = client.post(url, referral_data())

    assert response.status_code == 200
    assert str(STEP_NOT_FOR_REFERRAL).replace("'", "&#x27;") in response.content.decode()
    assert not Referral.objects.exists()
    assert not Step.objects.filter(referral__isnull=False).exists()
    assert Step.objects.exclude(status__in=[Step.Status.PLANNED, Step.Status.DONE]).count() == 0


def test_a_referral_without_a_step_leaves_the_plan_alone(client, carol, alice, plan, find_care, consent, service_a):
    client.force_login(carol)
    client.post(f"{reverse('referrals:new')}?service={service_a.pk}&participant={plan.participant_id}", referral_data())
    referral = Referral.objects.get()
    client.force_login(alice)
    client.post(reverse("referrals:move", args=[referral.pk]), {"to_status": S.ACCEPTED})
    find_care.refresh_from_db()
    assert (find_care.status, find_care.referral) == (Step.Status.PLANNED, None)
    assert not StepEvent.objects.exists()


def test_a_step_due_date_is_kept_when_referred(client, carol, plan, child_care, find_care, consent, service_a):
    due = find_care.due_on
    client.force_login(carol)
    client.post(refer_from_search(client, plan, child_care, service_a, step=find_care), referral_data())
    find_care.refresh_from_db()
    assert find_care.due_on == due == timezone.localdate() + datetime.timedelta(days=3)


def test_the_search_keeps_the_step_when_it_is_refined(client, carol, plan, child_care, find_care):
    """The search page opened from "find providers" says it is for a plan's step and keeps the participant's and
    the step's ids in its form, so that a refined search still refers for the step."""
    client.force_login(carol)
    search = client.get(reverse("plans:find_providers", args=[plan.pk, child_care.pk]))["Location"]
    page = client.get(search).content.decode()
    assert "Searching for a step of a participant" in page
    assert f'<input type="hidden" name="step" value="{find_care.pk}">' in page
    assert f'<input type="hidden" name="participant" value="{plan.participant_id}">' in page
    assert "Searching for a step" not in client.get(reverse("search:page") + "?q=daycare").content.decode()
