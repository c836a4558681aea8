"""The case manager's "this week" queue (/plans/week/): the participants whose plans need her, each linking to
the plan; requests for help answered from it; nobody else's participants; nothing for people who follow no plans.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format

from directory.models import Membership
from plans import services as plan_services
from plans.models import Step
from providers.models import Organization
from referrals.erasure import participant_erase
from referrals.models import AccessRecord
from tests.conftest import make_user

from .week_support import a_check_in, a_full_week, a_plan, a_step

URL = reverse("plans:week")


def plan_url(plan) -> str | None:
    """The plan's page, once plans:detail exists (rows name the participant without a link until then)."""
    try:
        return reverse("plans:detail", args=[plan.pk])
    except NoReverseMatch:
        return None


@pytest.fixture
def other_program(db) -> Organization:
    return Organization.objects.create(name="Other Program", description="Another program that refers.")


@pytest.fixture
def dave(other_program) -> User:
    """A case manager of another program."""
    return make_user("dave", other_program, Membership.Role.CASE_MANAGER)


def test_it_lists_what_needs_the_case_manager_this_week(client, carol, workforce_program, service_a):
    """Requests for help, steps due this week or overdue, check-ins due and referrals waiting on the participant,
    each row naming the participant; a step due later is not there."""
    plan = a_full_week(carol, workforce_program, service_a, "M. R.")
    client.force_login(carol)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 participant needs you this week." in html
    assert "M. R.: I do not understand page two" in html
    assert "M. R.: visit two daycares" in html
    assert "Overdue since" in html and "M. R.: fill in the subsidy form" in html
    assert "No check-in yet; the plan started" in html
    assert "Sunrise Daycare" in html and "Accepted" in html
    assert "ask about the bus pass" not in html
    week = response.context["week"]
    assert [step.text for step in week.help_requested] == ["M. R.: fill in the subsidy form"]
    assert [step.text for step in week.steps_due] == ["M. R.: fill in the subsidy form", "M. R.: visit two daycares"]
    assert week.check_ins_due == [plan]
    assert [referral.plan_step.text for referral in week.referrals_waiting] == ["M. R.: go to the daycare's intake"]
    if plan_url(plan):
        assert f'href="{plan_url(plan)}"' in html


def test_it_records_each_participant_shown_in_the_access_log(client, carol, workforce_program, service_a):
    """The page shows the participants' steps and words: one read of each, through the plan's door."""
    plan = a_full_week(carol, workforce_program, service_a, "M. R.")
    client.force_login(carol)

    client.get(URL)

    records = AccessRecord.objects.filter(reader=carol, participant=plan.participant)
    assert list(records.values_list("door", flat=True)) == [AccessRecord.Door.PLAN_PAGE]


def test_it_says_when_nothing_needs_her(client, carol, workforce_program, categories):
    """A plan checked in with yesterday, its one step due in a fortnight: an empty week."""
    plan = a_plan(carol, workforce_program, "M. R.")
    a_check_in(plan, days_ago=1, actor=carol)
    a_step(plan, "Ask about the bus pass", due_in_days=14, actor=carol)
    client.force_login(carol)

    html = client.get(URL).content.decode()

    assert "Nothing in your participants’ plans needs you this week." in html
    assert "M. R." not in html


def test_a_finished_plan_is_not_due_a_check_in(client, carol, workforce_program, categories):
    """Every barrier resolved and no step open: nothing is left to follow."""
    plan = a_plan(carol, workforce_program, "M. R.")
    plan.barriers.update(resolved_on=timezone.localdate())
    client.force_login(carol)

    assert client.get(URL).context["week"].check_ins_due == []


def test_it_shows_a_check_in_due_with_the_last_one(client, carol, workforce_program, categories, settings):
    """No check-in for PLAN_CHECK_IN_DAYS days: due, with the day of the last one."""
    settings.PLAN_CHECK_IN_DAYS = 7
    plan = a_plan(carol, workforce_program, "M. R.", started_days_ago=30)
    a_check_in(plan, days_ago=8, actor=carol)
    recent = a_plan(carol, workforce_program, "J. K.", started_days_ago=30)
    a_check_in(recent, days_ago=6, actor=carol)
    client.force_login(carol)

    response = client.get(URL)

    assert response.context["week"].check_ins_due == [plan]
    held = timezone.localdate() - datetime.timedelta(days=8)
    assert f"Last check-in {date_format(held, 'DATE_FORMAT')}" in response.content.decode()


def test_it_leaves_out_other_case_managers_and_erased_participants(
    client, carol, workforce_program, service_a, dave, other_program
):
    """Plans another case manager of her program follows, another program's plans, and an erased participant's
    plan are not in her week; a plan whose case manager left the program is (nobody else follows it)."""
    erin = make_user("erin", workforce_program, Membership.Role.CASE_MANAGER)
    a_full_week(erin, workforce_program, service_a, "Erin participant")
    a_full_week(dave, other_program, service_a, "Dave participant")
    erased = a_full_week(carol, workforce_program, service_a, "Erased")
    participant_erase(participant_id=erased.participant_id, reason="Asked", erased_by=carol)
    left = make_user("frank", workforce_program, Membership.Role.CASE_MANAGER)
    orphan = a_full_week(left, workforce_program, service_a, "Frank participant")
    Membership.objects.filter(user=left).delete()
    client.force_login(carol)

    response = client.get(URL)

    html = response.content.decode()
    assert "Erin participant" not in html
    assert "Dave participant" not in html
    assert "Erased" not in html
    assert "Frank participant: visit two daycares" in html
    assert response.context["week"].check_ins_due == [orphan]


@pytest.mark.parametrize("persona", ["alice", "admin"])
def test_it_is_refused_to_people_who_follow_no_plans(client, request, persona, carol, workforce_program, service_a):
    """An agency editor and a network admin (not a case manager) get a 403 that says why, and no names."""
    a_full_week(carol, workforce_program, service_a, "M. R.")
    client.force_login(request.getfixturevalue(persona))

    response = client.get(URL)

    assert response.status_code == 403
    assert "M. R." not in response.content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_answers_a_request_for_help(client, carol, workforce_program, service_a):
    """Marking a request for help answered: it leaves the queue; the step stays due."""
    plan = a_full_week(carol, workforce_program, service_a, "M. R.")
    step = Step.objects.get(barrier__plan=plan, help_requested_at__isnull=False)
    client.force_login(carol)

    response = client.post(reverse("plans:help_answered", args=[step.pk]))

    assert response.status_code == 302
    assert response["Location"] == URL
    step.refresh_from_db()
    assert step.help_answered_at is not None
    week = client.get(URL).context["week"]
    assert week.help_requested == []
    assert step in week.steps_due


@pytest.mark.parametrize("persona", ["dave", "alice"])
def test_nobody_else_answers_a_request_for_help(client, request, persona, carol, workforce_program, service_a):
    """A case manager of another program gets a 404, an agency editor a 403; the request stays open."""
    plan = a_full_week(carol, workforce_program, service_a, "M. R.")
    step = Step.objects.get(barrier__plan=plan, help_requested_at__isnull=False)
    client.force_login(request.getfixturevalue(persona))

    response = client.post(reverse("plans:help_answered", args=[step.pk]))

    assert response.status_code == {"dave": 404, "alice": 403}[persona]
    step.refresh_from_db()
    assert step.help_answered_at is None


def test_answering_takes_a_post(client, carol, workforce_program, service_a):
    plan = a_full_week(carol, workforce_program, service_a, "M. R.")
    step = Step.objects.get(barrier__plan=plan, help_requested_at__isnull=False)
    client.force_login(carol)

    assert client.get(reverse("plans:help_answered", args=[step.pk])).status_code == 405
    step.refresh_from_db()
    assert step.help_answered_at is None


def test_a_step_nobody_asked_help_with_stays_as_it_is(client, carol, workforce_program, categories):
    plan = a_plan(carol, workforce_program, "M. R.")
    step = a_step(plan, "Call the daycare", due_in_days=1, actor=carol)
    client.force_login(carol)

    response = client.post(reverse("plans:help_answered", args=[step.pk]), follow=True)

    assert "Nobody asked for help with this step." in response.content.decode()
    step.refresh_from_db()
    assert step.help_answered_at is None


def test_it_is_in_spanish(client, carol, workforce_program, service_a):
    a_full_week(carol, workforce_program, service_a, "M. R.")
    client.force_login(carol)

    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Esta semana" in html
    assert "Pidió ayuda" in html
    assert "Marcar como respondida" in html


@pytest.mark.parametrize("size", [1, 4])
def test_it_runs_the_same_queries_however_many_plans(
    client, carol, workforce_program, service_a, size, django_assert_max_num_queries
):
    """Session, user, her roles, the week's four parts, the access log's insert: the same for one plan as for
    four, each with steps, a request for help, a referral and check-ins."""
    for number in range(size):
        plan = a_full_week(carol, workforce_program, service_a, f"Participant {number}")
        a_check_in(plan, days_ago=9, actor=carol)
        a_check_in(plan, days_ago=10, actor=carol)
    client.force_login(carol)

    with django_assert_max_num_queries(9):
        response = client.get(URL)

    assert response.context["participant_count"] == size


def test_the_week_counts_what_the_page_lists(carol, workforce_program, service_a, dave, other_program):
    """week_count (the menu's and the home page's, one query) is the number of participants the page lists."""
    from plans import selectors

    a_full_week(carol, workforce_program, service_a, "M. R.")
    only_check_in = a_plan(carol, workforce_program, "J. K.")
    a_step(only_check_in, "Later", due_in_days=30, actor=carol)
    quiet = a_plan(carol, workforce_program, "Quiet")
    a_check_in(quiet, days_ago=1, actor=carol)
    a_full_week(dave, other_program, service_a, "Dave")

    assert selectors.week_count(carol) == selectors.week_of(carol).participant_count == 2
    plan_services.check_in_record(plan=only_check_in, held_on=timezone.localdate(), method="phone", actor=carol)
    assert selectors.week_count(carol) == selectors.week_of(carol).participant_count == 1


def test_the_menu_and_home_page_count_the_week(client, carol, workforce_program, service_a):
    """A case manager's menu says "This week" with how many participants need her, and so does her home page,
    linking to the week; with nothing in her week, the menu item has no count and the home page no item."""
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert f'<a href="{URL}">This week</a>' in html
    assert "participant needs you" not in html

    a_full_week(carol, workforce_program, service_a, "M. R.")
    html = client.get(reverse("home")).content.decode()

    assert f'<a href="{URL}">This week <span class="site-nav__count">1</span></a>' in html
    assert f'<li><a href="{URL}">This week: 1 participant needs you</a></li>' in html
    week_page = client.get(URL).content.decode()
    assert f'<a href="{URL}" aria-current="page">This week <span class="site-nav__count">1</span></a>' in week_page


@pytest.mark.parametrize("persona", ["alice", "admin"])
def test_the_menu_offers_the_week_only_to_case_managers(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert URL not in client.get(reverse("home")).content.decode()
