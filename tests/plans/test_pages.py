"""The case manager's plan pages: start a plan from a participant, record barriers, add, change and move steps,
resolve a barrier, record a check-in with progress per step. Bad input: an error naming the field, nothing saved."""

import datetime

from django.urls import reverse
from django.utils import timezone

from plans.models import CHECK_IN_IN_FUTURE, DUE_BEFORE_PLAN, Barrier, CheckIn, Plan, Step, StepEvent, StepProgress
from providers.models import TaxonomyTerm
from referrals.models import AccessRecord

TODAY = timezone.localdate


def test_it_starts_a_plan_from_a_participant(client, carol, participant, categories):
    """carol opens "Plan" for a participant without one: a form, then the plan, then the intake of barriers."""
    client.force_login(carol)
    url = reverse("plans:start", args=[participant.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"started_on": TODAY().isoformat()})

    plan = Plan.objects.get(participant=participant)
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:barrier_add", args=[plan.pk])
    assert (plan.case_manager, plan.started_on) == (carol, TODAY())
    # Once there is a plan, "Plan" opens it.
    assert client.get(url)["Location"] == plan.get_absolute_url()


def test_it_records_barriers_one_after_another(client, carol, plan):
    client.force_login(carol)
    url = reverse("plans:barrier_add", args=[plan.pk])
    child_care = TaxonomyTerm.objects.get(code="child-care")

    response = client.post(
        url,
        {
            "category": child_care.pk,
            "in_their_words": "No one for my son",
            "goal": "Care while I train",
            "another": "1",
        },
    )
    assert response["Location"] == url
    response = client.post(url, {"category": TaxonomyTerm.objects.get(code="daycare").pk, "in_their_words": ""})

    barriers = list(plan.barriers.order_by("created_at"))
    assert [barrier.category.code for barrier in barriers] == ["child-care", "daycare"]
    assert barriers[0].in_their_words == "No one for my son"
    assert response["Location"].startswith(plan.get_absolute_url())


def test_a_barrier_needs_a_category(client, carol, plan):
    client.force_login(carol)
    response = client.post(reverse("plans:barrier_add", args=[plan.pk]), {"category": "", "goal": "x"})
    assert response.status_code == 200
    assert "What gets in the way: This field is required." in response.content.decode()
    assert not Barrier.objects.exists()


def test_the_plan_page_shows_barriers_steps_referrals_and_check_ins(client, carol, plan, child_care, find_care):
    plan_check_in(plan, find_care, carol)
    client.force_login(carol)

    response = client.get(plan.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Child care",
        "Nobody can watch my daughter during the training.",
        "My daughter has a place to stay while I train.",
        "Visit two daycares near the training site",
        "The participant",
        "Called the first one",
        "Recent check-ins",
    ]:
        assert text in page
    record = AccessRecord.objects.get()
    assert (record.reader, record.door, record.participant_id) == (
        carol,
        AccessRecord.Door.PLAN_PAGE,
        plan.participant_id,
    )


def plan_check_in(plan, step, carol):
    from plans import services

    services.check_in_record(
        plan=plan,
        held_on=TODAY(),
        method=CheckIn.Method.PHONE,
        note="Good week",
        progress={step: (Step.Status.UNDER_WAY, "Called the first one")},
        actor=carol,
    )


def test_it_adds_a_step(client, carol, plan, child_care):
    client.force_login(carol)
    due = TODAY() + datetime.timedelta(days=5)
    response = client.post(
        reverse("plans:step_add", args=[plan.pk, child_care.pk]),
        {"text": "Call the county's child care line", "owner": Step.Owner.CASE_MANAGER, "due_on": due.isoformat()},
    )
    step = Step.objects.get()
    assert response["Location"] == f"{plan.get_absolute_url()}#step-{step.pk}"
    assert (step.barrier, step.owner, step.due_on, step.status) == (
        child_care,
        Step.Owner.CASE_MANAGER,
        due,
        Step.Status.PLANNED,
    )


def test_a_step_cannot_be_due_before_the_plan(client, carol, plan, child_care):
    """The form says which field is wrong and why; nothing is saved."""
    client.force_login(carol)
    response = client.post(
        reverse("plans:step_add", args=[plan.pk, child_care.pk]),
        {
            "text": "Call",
            "owner": Step.Owner.PARTICIPANT,
            "due_on": (plan.started_on - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert f"By (optional): {DUE_BEFORE_PLAN}" in response.content.decode()
    assert not Step.objects.exists()


def test_it_changes_a_step(client, carol, plan, find_care):
    client.force_login(carol)
    url = reverse("plans:step_edit", args=[plan.pk, find_care.pk])
    assert "Visit two daycares" in client.get(url).content.decode()

    client.post(url, {"text": "Visit three daycares", "owner": Step.Owner.PARTICIPANT, "due_on": ""})

    find_care.refresh_from_db()
    assert (find_care.text, find_care.due_on) == ("Visit three daycares", None)


def test_it_moves_a_step_and_records_who(client, carol, plan, find_care):
    client.force_login(carol)
    response = client.post(reverse("plans:step_move", args=[plan.pk, find_care.pk]), {"status": Step.Status.DONE})
    find_care.refresh_from_db()
    assert response.status_code == 302
    assert (find_care.status, find_care.done_on) == (Step.Status.DONE, TODAY())
    assert StepEvent.objects.get().actor == carol


def test_a_move_to_no_status_changes_nothing(client, carol, plan, find_care):
    client.force_login(carol)
    client.post(reverse("plans:step_move", args=[plan.pk, find_care.pk]), {"status": "finished-maybe"})
    find_care.refresh_from_db()
    assert find_care.status == Step.Status.PLANNED
    assert not StepEvent.objects.exists()


def test_a_step_of_another_plan_is_not_found_through_this_one(client, carol, plan, find_care, workforce_program):
    """The step's id under another plan's address: 404, nothing moves."""
    from plans import services as plan_services
    from referrals import services

    other = services.participant_create(organization=workforce_program, created_by=carol, display_name="K. L.")
    other_plan = plan_services.plan_start(participant=other, case_manager=carol)
    client.force_login(carol)
    for url in [
        reverse("plans:step_move", args=[other_plan.pk, find_care.pk]),
        reverse("plans:step_edit", args=[other_plan.pk, find_care.pk]),
    ]:
        assert client.post(url, {"status": Step.Status.DONE, "text": "x", "owner": "participant"}).status_code == 404
    find_care.refresh_from_db()
    assert (find_care.status, find_care.text) == (Step.Status.PLANNED, "Visit two daycares near the training site")


def test_it_resolves_a_barrier_and_opens_it_again(client, carol, plan, child_care):
    client.force_login(carol)
    url = reverse("plans:barrier_resolve", args=[plan.pk, child_care.pk])

    client.post(url, {"resolved_on": TODAY().isoformat()})
    child_care.refresh_from_db()
    assert child_care.resolved_on == TODAY()

    client.post(url, {"reopen": "1"})
    child_care.refresh_from_db()
    assert child_care.resolved_on is None


def test_a_barrier_is_not_resolved_in_the_future(client, carol, plan, child_care):
    client.force_login(carol)
    response = client.post(
        reverse("plans:barrier_resolve", args=[plan.pk, child_care.pk]),
        {"resolved_on": (TODAY() + datetime.timedelta(days=2)).isoformat()},
        follow=True,
    )
    assert "Resolved on: A barrier cannot be resolved on a day still to come." in response.content.decode()
    child_care.refresh_from_db()
    assert child_care.resolved_on is None


def test_it_records_a_check_in_with_progress_per_open_step(client, carol, plan, child_care, find_care):
    from plans import services

    done_step = services.step_add(barrier=child_care, text="Ask my sister", actor=carol)
    services.step_move(step=done_step, status=Step.Status.DONE, actor=carol)
    client.force_login(carol)
    url = reverse("plans:check_in_add", args=[plan.pk])
    page = client.get(url).content.decode()
    assert "Visit two daycares" in page
    assert "Ask my sister" not in page  # done already: no progress to record

    held_on = TODAY() - datetime.timedelta(days=1)
    response = client.post(
        url,
        {
            "held_on": held_on.isoformat(),
            "method": CheckIn.Method.PHONE,
            "note": "Good week",
            f"status_{find_care.pk}": Step.Status.DONE,
            f"note_{find_care.pk}": "Found one near the bus line",
        },
    )

    assert response["Location"] == f"{plan.get_absolute_url()}#check-ins"
    check_in = CheckIn.objects.get()
    assert (check_in.held_on, check_in.method, check_in.recorded_by) == (held_on, CheckIn.Method.PHONE, carol)
    progress = StepProgress.objects.get()
    assert (progress.step, progress.status, progress.note) == (
        find_care,
        Step.Status.DONE,
        "Found one near the bus line",
    )
    find_care.refresh_from_db()
    assert (find_care.status, find_care.done_on) == (Step.Status.DONE, held_on)


def test_a_check_in_cannot_be_in_the_future(client, carol, plan, find_care):
    client.force_login(carol)
    response = client.post(
        reverse("plans:check_in_add", args=[plan.pk]),
        {
            "held_on": (TODAY() + datetime.timedelta(days=1)).isoformat(),
            "method": CheckIn.Method.PHONE,
            f"status_{find_care.pk}": Step.Status.DONE,
        },
    )
    assert response.status_code == 200
    assert f"Held on: {CHECK_IN_IN_FUTURE}" in response.content.decode()
    assert not CheckIn.objects.exists()
    assert not StepProgress.objects.exists()
    find_care.refresh_from_db()
    assert find_care.status == Step.Status.PLANNED


def test_a_check_in_cannot_report_on_a_step_of_another_plan(client, carol, plan, find_care, workforce_program):
    """A status posted for another plan's step is not a field of this check-in: it is ignored, nothing moves."""
    from plans import services as plan_services
    from referrals import services

    other = services.participant_create(organization=workforce_program, created_by=carol, display_name="K. L.")
    other_plan = plan_services.plan_start(participant=other, case_manager=carol)
    client.force_login(carol)
    client.post(
        reverse("plans:check_in_add", args=[other_plan.pk]),
        {"held_on": TODAY().isoformat(), "method": CheckIn.Method.PHONE, f"status_{find_care.pk}": Step.Status.DONE},
    )
    find_care.refresh_from_db()
    assert find_care.status == Step.Status.PLANNED
    assert not StepProgress.objects.exists()


def test_find_providers_opens_the_search_with_the_profile_and_the_step(client, carol, plan, child_care, find_care):
    """The participant's ZIP code and language, the barrier's category, and opaque ids: no name in the address."""
    client.force_login(carol)
    response = client.get(reverse("plans:find_providers", args=[plan.pk, child_care.pk]))
    location = response["Location"]
    assert location.startswith(reverse("search:page") + "?")
    for part in [
        "category=child-care",
        "zip=80219",
        "speaks=es",
        f"participant={plan.participant_id}",
        f"step={find_care.pk}",
    ]:
        assert part in location
    assert "M.+R." not in location and "M. R." not in location


def test_the_private_link_is_offered_only_to_who_may_open_it(client, carol, admin, plan):
    """The participant's case manager gets the link's page from the plan; a network admin, who may read the plan
    but not the link (403), is not offered it."""
    link_url = reverse("plans:participant_link", args=[plan.pk])
    client.force_login(carol)
    assert link_url in client.get(plan.get_absolute_url()).content.decode()

    client.force_login(admin)
    response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    assert link_url not in response.content.decode()
    assert client.get(link_url).status_code == 403
