"""/api/v1/plans/, barriers/, steps/, check-ins/: the program's case system reads and writes its participants'
plans with the referral API's tokens, rules and errors; a bad request is a 400 naming the field, nothing saved."""

import datetime

import pytest
from django.utils import timezone

from directory.models import Membership
from plans import services as plan_services
from plans.api import NOT_A_CASE_MANAGER
from plans.models import CHECK_IN_IN_FUTURE, DUE_BEFORE_PLAN, Barrier, CheckIn, Plan, Step, StepEvent, StepProgress
from plans.services import STEP_NOT_IN_PLAN
from providers.models import TaxonomyTerm
from referrals import services
from referrals.erasure import participant_erase

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


def test_it_lists_the_programs_plans_with_barriers_and_steps(program_api, plan, child_care, find_care):
    """A plan comes back with its participant, its barriers (category, the participant's words, goal) and steps."""
    response = program_api.get("/api/v1/plans/")
    assert response.status_code == 200
    [data] = response.json()["results"]
    assert (data["id"], data["participant"], data["case_manager"]) == (
        str(plan.pk),
        str(plan.participant_id),
        plan.case_manager.get_full_name() or plan.case_manager.get_username(),
    )
    [barrier] = data["barriers"]
    assert barrier["category"] == "child-care"
    assert barrier["in_their_words"] == "Nobody can watch my daughter during the training."
    [step] = barrier["steps"]
    assert (step["id"], step["text"], step["status"], step["owner"]) == (
        str(find_care.pk),
        "Visit two daycares near the training site",
        "planned",
        "participant",
    )
    assert "check_ins" not in data


def test_it_reads_one_plan_with_its_check_ins(program_api, plan, find_care, carol):
    plan_services.check_in_record(
        plan=plan,
        held_on=timezone.localdate(),
        method=CheckIn.Method.PHONE,
        note="Called two daycares.",
        progress={find_care: (Step.Status.UNDER_WAY, "One has room.")},
        actor=carol,
    )
    response = program_api.get(f"/api/v1/plans/{plan.pk}/")
    assert response.status_code == 200
    [check_in] = response.json()["check_ins"]
    assert (check_in["method"], check_in["note"]) == ("phone", "Called two daycares.")
    assert check_in["progress"] == [{"step": str(find_care.pk), "status": "under_way", "note": "One has room."}]


def test_it_filters_by_participant_barrier_plan_and_status(program_api, plan, child_care, find_care):
    assert program_api.get("/api/v1/plans/", {"participant": str(plan.participant_id)}).json()["count"] == 1
    assert program_api.get("/api/v1/barriers/", {"plan": str(plan.pk)}).json()["count"] == 1
    assert program_api.get("/api/v1/steps/", {"barrier": str(child_care.pk)}).json()["count"] == 1
    assert program_api.get("/api/v1/steps/", {"status": "done"}).json()["count"] == 0


def test_it_starts_a_plan_for_a_participant_of_the_program(program_api, participant, carol):
    """The plan starts today unless told, followed by the case manager the e-mail address names; one a participant."""
    body = {"participant": str(participant.pk), "case_manager_email": "Carol@example.org"}
    response = program_api.post("/api/v1/plans/", body)
    assert response.status_code == 201, response.json()
    plan = Plan.objects.get()
    assert (plan.participant, plan.started_on, plan.case_manager) == (participant, timezone.localdate(), carol)
    assert (response.json()["id"], response.json()["case_manager_email"]) == (str(plan.pk), "carol@example.org")

    again = program_api.post("/api/v1/plans/", body)
    assert again.status_code == 400
    assert "participant" in again.json()
    assert Plan.objects.count() == 1


def test_it_does_not_start_a_plan_for_another_organizations_participant(agency_api, participant):
    body = {"participant": str(participant.pk), "case_manager_email": "carol@example.org"}
    response = agency_api.post("/api/v1/plans/", body)
    assert response.status_code == 400
    assert "participant" in response.json()
    assert not Plan.objects.exists()


@pytest.mark.parametrize("email", ["alice@example.org", "nobody@example.org"])
def test_a_plan_is_followed_by_a_case_manager_of_the_program(program_api, participant, carol, alice, email):
    """An agency's editor, or nobody known: 400 naming case_manager_email, no plan."""
    response = program_api.post("/api/v1/plans/", {"participant": str(participant.pk), "case_manager_email": email})
    assert response.status_code == 400
    assert list(response.json()) == ["case_manager_email"]
    assert not Plan.objects.exists()


def test_it_adds_a_barrier_and_a_step_for_it(program_api, plan):
    response = program_api.post(
        f"/api/v1/plans/{plan.pk}/barriers/",
        {"category": "child-care", "in_their_words": "No one to watch my son.", "goal": "A daycare by March."},
    )
    assert response.status_code == 201, response.json()
    barrier = Barrier.objects.get()
    assert (barrier.plan, barrier.category.code, barrier.goal) == (plan, "child-care", "A daycare by March.")
    assert barrier.created_by == program_api.client_system.user

    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    response = program_api.post(
        f"/api/v1/plans/{plan.pk}/steps/", {"barrier": str(barrier.pk), "text": "Call the daycare", "due_on": due}
    )
    assert response.status_code == 201, response.json()
    step = Step.objects.get()
    assert (step.barrier, step.text, step.due_on.isoformat(), step.status) == (
        barrier,
        "Call the daycare",
        due,
        "planned",
    )
    assert response.json()["barrier"] == str(barrier.pk)


@pytest.fixture
def other_plan(workforce_program, carol, categories):
    """Another participant's plan in the same program, with a barrier and a step."""
    someone = services.participant_create(organization=workforce_program, created_by=carol, display_name="J. K.")
    plan = plan_services.plan_start(
        participant=someone, case_manager=carol, started_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    barrier = plan_services.barrier_add(plan=plan, category=TaxonomyTerm.objects.get(code="child-care"), actor=carol)
    plan_services.step_add(barrier=barrier, text="Ask a neighbour", actor=carol)
    return plan


def test_a_step_needs_a_barrier_of_the_plan(program_api, plan, child_care, other_plan):
    """Without a barrier, or with another plan's: 400 naming barrier, nothing saved."""
    url = f"/api/v1/plans/{plan.pk}/steps/"
    missing = program_api.post(url, {"text": "Call the daycare"})
    assert missing.status_code == 400
    assert "barrier" in missing.json()
    elsewhere = program_api.post(url, {"barrier": str(other_plan.barriers.get().pk), "text": "Call the daycare"})
    assert elsewhere.status_code == 400
    assert list(elsewhere.json()) == ["barrier"]
    assert Step.objects.count() == 1  # the other plan's


def test_a_step_is_not_due_before_the_plan(program_api, plan, child_care):
    response = program_api.post(
        f"/api/v1/plans/{plan.pk}/steps/",
        {
            "barrier": str(child_care.pk),
            "text": "Call the daycare",
            "due_on": (plan.started_on - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert response.json() == {"due_on": [str(DUE_BEFORE_PLAN)]}
    assert not Step.objects.exists()


def test_a_check_in_moves_the_steps_it_reports_on(program_api, plan, find_care):
    held_on = timezone.localdate() - datetime.timedelta(days=1)
    response = program_api.post(
        f"/api/v1/plans/{plan.pk}/check-ins/",
        {
            "held_on": held_on.isoformat(),
            "method": "in_person",
            "note": "Went well.",
            "progress": [{"step": str(find_care.pk), "status": "done", "note": "Found one."}],
        },
    )
    assert response.status_code == 201, response.json()
    check_in = CheckIn.objects.get()
    assert (check_in.held_on, check_in.recorded_by) == (held_on, program_api.client_system.user)
    assert response.json()["progress"] == [{"step": str(find_care.pk), "status": "done", "note": "Found one."}]
    find_care.refresh_from_db()
    assert (find_care.status, find_care.done_on) == (Step.Status.DONE, held_on)


def test_a_check_in_is_not_in_the_future(program_api, plan, find_care):
    response = program_api.post(
        f"/api/v1/plans/{plan.pk}/check-ins/",
        {"held_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(), "method": "phone"},
    )
    assert response.status_code == 400
    assert response.json() == {"held_on": [str(CHECK_IN_IN_FUTURE)]}
    assert not CheckIn.objects.exists()


def test_a_check_in_reports_only_on_the_plans_steps(program_api, plan, find_care, other_plan):
    """A step of another plan (or no step at all) in progress: 400 naming progress, nothing saved or moved."""
    other_step = Step.objects.get(barrier__plan=other_plan)
    for step_id in (other_step.pk, "00000000-0000-0000-0000-000000000000"):
        response = program_api.post(
            f"/api/v1/plans/{plan.pk}/check-ins/",
            {
                "held_on": timezone.localdate().isoformat(),
                "method": "phone",
                "progress": [
                    {"step": str(find_care.pk), "status": "done"},
                    {"step": str(step_id), "status": "done"},
                ],
            },
        )
        assert response.status_code == 400
        assert response.json() == {"progress": [str(STEP_NOT_IN_PLAN)]}
    assert not CheckIn.objects.exists()
    assert not StepProgress.objects.exists()
    assert set(Step.objects.values_list("status", flat=True)) == {Step.Status.PLANNED}


def test_it_changes_a_step_and_moves_it(program_api, plan, find_care):
    """PATCH changes the text and due date; a status moves the step with its history (who: the client)."""
    due = (timezone.localdate() + datetime.timedelta(days=9)).isoformat()
    response = program_api.patch(
        f"/api/v1/steps/{find_care.pk}/", {"text": "Visit three daycares", "due_on": due}, format="json"
    )
    assert response.status_code == 200, response.json()
    find_care.refresh_from_db()
    assert (find_care.text, find_care.due_on.isoformat(), find_care.status) == ("Visit three daycares", due, "planned")
    assert not StepEvent.objects.exists()

    response = program_api.patch(f"/api/v1/steps/{find_care.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["done_on"]) == ("done", timezone.localdate().isoformat())
    event = StepEvent.objects.get()
    assert (event.old_status, event.new_status, event.actor) == ("planned", "done", program_api.client_system.user)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_on": "2000-01-01"}, "due_on"),
        ({"text": "   "}, "text"),
        ({"status": "finished"}, "status"),
        ({"done_on": "2026-01-01"}, "done_on"),
        ({"text": 5}, "text"),
    ],
)
def test_it_refuses_a_bad_change_of_a_step(program_api, find_care, body, field):
    response = program_api.patch(f"/api/v1/steps/{find_care.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    find_care.refresh_from_db()
    assert (find_care.text, find_care.status) == ("Visit two daycares near the training site", "planned")


def test_it_resolves_a_barrier_and_opens_it_again(program_api, child_care):
    url = f"/api/v1/barriers/{child_care.pk}/"
    today = timezone.localdate().isoformat()
    assert program_api.patch(url, {"resolved_on": today}, format="json").json()["resolved_on"] == today
    before = (child_care.identified_on - datetime.timedelta(days=1)).isoformat()
    refused = program_api.patch(url, {"resolved_on": before}, format="json")
    assert refused.status_code == 400
    assert "resolved_on" in refused.json()
    assert program_api.patch(url, {"resolved_on": None}, format="json").json()["resolved_on"] is None
    child_care.refresh_from_db()
    assert child_care.resolved_on is None


def test_it_answers_a_request_for_help(program_api, find_care):
    plan_services.step_help_request(step=find_care, note="I do not know which daycare takes vouchers.")
    response = program_api.post(f"/api/v1/steps/{find_care.pk}/help-answered/")
    assert response.status_code == 200
    assert response.json()["help_answered_at"] is not None
    find_care.refresh_from_db()
    assert find_care.help_answered_at is not None


@pytest.fixture
def referral_for_step(find_care, consent, service_a, carol):
    """Carol referred the participant to agency A's daycare for the step."""
    referral = services.referral_send(
        participant=find_care.barrier.plan.participant,
        service=service_a,
        need=TaxonomyTerm.objects.get(code="child-care"),
        referred_by=carol,
    )
    plan_services.referral_attach(step=find_care, referral=referral, actor=carol)
    return referral


def test_the_receiving_provider_does_not_see_the_plan(agency_api, plan, child_care, find_care, referral_for_step):
    """Agency A, which the step's referral went to, gets 404 for the plan and all of it, lists nothing, and
    changes nothing."""
    for url in (
        f"/api/v1/plans/{plan.pk}/",
        f"/api/v1/barriers/{child_care.pk}/",
        f"/api/v1/steps/{find_care.pk}/",
    ):
        assert agency_api.get(url).status_code == 404, url
    for url in ("/api/v1/plans/", "/api/v1/barriers/", "/api/v1/steps/", "/api/v1/check-ins/"):
        assert agency_api.get(url).json()["results"] == [], url
    writes = [
        agency_api.post(f"/api/v1/plans/{plan.pk}/barriers/", {"category": "child-care"}),
        agency_api.post(f"/api/v1/plans/{plan.pk}/steps/", {"barrier": str(child_care.pk), "text": "X"}),
        agency_api.post(
            f"/api/v1/plans/{plan.pk}/check-ins/", {"held_on": timezone.localdate().isoformat(), "method": "phone"}
        ),
        agency_api.patch(f"/api/v1/steps/{find_care.pk}/", {"status": "done"}, format="json"),
        agency_api.patch(f"/api/v1/barriers/{child_care.pk}/", {"resolved_on": None}, format="json"),
        agency_api.post(f"/api/v1/steps/{find_care.pk}/help-answered/"),
    ]
    assert [response.status_code for response in writes] == [404] * len(writes)
    find_care.refresh_from_db()
    assert (Barrier.objects.count(), Step.objects.count(), CheckIn.objects.count()) == (1, 1, 0)
    assert find_care.status == Step.Status.UNDER_WAY  # as the referral left it


def test_it_refuses_a_caller_without_a_token(client, plan, find_care):
    assert client.get("/api/v1/plans/").status_code == 401
    assert client.get(f"/api/v1/plans/{plan.pk}/").status_code == 401
    assert client.patch(f"/api/v1/steps/{find_care.pk}/", {"status": "done"}).status_code == 401
    find_care.refresh_from_db()
    assert find_care.status == Step.Status.PLANNED


def test_it_takes_neither_put_nor_delete(program_api, plan, find_care):
    assert program_api.put(f"/api/v1/steps/{find_care.pk}/", {"text": "X"}, format="json").status_code == 405
    assert program_api.delete(f"/api/v1/plans/{plan.pk}/").status_code == 405
    assert Plan.objects.count() == Step.objects.count() == 1


def test_a_retried_create_creates_nothing_new(program_api, plan):
    """The same Idempotency-Key and body: the first answer again, one barrier; another body: 422."""
    url = f"/api/v1/plans/{plan.pk}/barriers/"
    body = {"category": "child-care", "goal": "A daycare by March."}
    first = program_api.post(url, body, HTTP_IDEMPOTENCY_KEY="intake-1")
    again = program_api.post(url, body, HTTP_IDEMPOTENCY_KEY="intake-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    other = program_api.post(url, {**body, "goal": "Another"}, HTTP_IDEMPOTENCY_KEY="intake-1")
    assert other.status_code == 422
    assert Barrier.objects.count() == 1


def test_an_erased_participants_plan_shows_no_text(program_api, plan, child_care, find_care, carol):
    """After erasure the plan's categories, dates and statuses remain; none of the participant's words."""
    participant_erase(participant_id=plan.participant_id, reason="Asked to be forgotten.", erased_by=carol)
    data = program_api.get(f"/api/v1/plans/{plan.pk}/").json()
    [barrier] = data["barriers"]
    assert (barrier["category"], barrier["in_their_words"], barrier["goal"]) == ("child-care", "", "")
    assert barrier["steps"][0]["text"] == ""
    assert program_api.get(f"/api/v1/steps/{find_care.pk}/").json()["text"] == ""


def test_a_client_that_sees_but_may_not_change_the_plan_is_refused(program_api, plan, child_care, find_care):
    """A client whose user is not a case manager of the organization (its role changed) reads the plan but
    changes nothing of it: 403 naming why."""
    Membership.objects.filter(user=program_api.client_system.user).update(role=Membership.Role.AGENCY_EDITOR)
    assert program_api.get(f"/api/v1/plans/{plan.pk}/").status_code == 200
    writes = [
        program_api.post(f"/api/v1/plans/{plan.pk}/barriers/", {"category": "child-care"}),
        program_api.post(f"/api/v1/plans/{plan.pk}/steps/", {"barrier": str(child_care.pk), "text": "X"}),
        program_api.patch(f"/api/v1/steps/{find_care.pk}/", {"status": "done"}, format="json"),
        program_api.patch(f"/api/v1/barriers/{child_care.pk}/", {"resolved_on": None}, format="json"),
    ]
    assert [response.status_code for response in writes] == [403] * len(writes)
    assert writes[0].json() == {"detail": str(NOT_A_CASE_MANAGER)}
    find_care.refresh_from_db()
    assert (Barrier.objects.count(), Step.objects.count(), find_care.status) == (1, 1, Step.Status.PLANNED)
