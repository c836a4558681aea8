"""Plans in the admin: for network admins only, as participant data is (referrals/admin.py). Staff of the
participant's organization, of a provider or of no organization, even with every view permission of plans, get a
403 on every plan page of the admin; a network admin's opening of a plan or a step is on the access log. The
participant's private link's token is on no page."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from directory.models import Membership
from plans.models import Plan, Step, WeeklyReminder
from referrals.models import AccessRecord
from tests.conftest import make_user


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff(admin, carol, alice, bob) -> dict:
    view_permissions = Permission.objects.filter(content_type__app_label="plans", codename__startswith="view_")
    people = {"admin": admin, "carol": carol, "alice": alice, "bob": bob}
    for person in people.values():
        person.is_staff = True
        person.save()
        person.user_permissions.add(*view_permissions)
    return people


def pages(plan, step) -> list[str]:
    return [
        reverse("admin:app_list", args=["plans"]),
        admin_url(Plan, "changelist"),
        admin_url(Plan, "change", plan.pk),
        admin_url(Plan, "history", plan.pk),
        admin_url(Step, "changelist"),
        admin_url(Step, "change", step.pk),
        admin_url(WeeklyReminder, "changelist"),
    ]


@pytest.mark.parametrize("persona", ["carol", "alice", "bob"])
def test_staff_who_are_not_network_admins_see_no_plan_in_the_admin(client, staff, plan, find_care, persona):
    client.force_login(staff[persona])
    app_list, *others = pages(plan, find_care)
    assert client.get(app_list).status_code == 404  # no model of the app for them
    for url in others:
        assert client.get(url).status_code == 403, url
    index = client.get(reverse("admin:index")).content.decode()
    assert "Plans" not in index
    assert not AccessRecord.objects.exists()


def test_a_network_admin_reads_plans_and_the_reads_are_logged(client, staff, plan, find_care):
    client.force_login(staff["admin"])
    for url in pages(plan, find_care):
        response = client.get(url)
        assert response.status_code == 200, url
        assert plan.link.token not in response.content.decode()
    assert (
        "Visit two daycares near the training site"
        in client.get(admin_url(Step, "change", find_care.pk)).content.decode()
    )
    reads = AccessRecord.objects.filter(reader=staff["admin"], door=AccessRecord.Door.ADMIN)
    assert set(reads.values_list("participant_id", flat=True)) == {plan.participant_id}


def test_the_admin_changes_only_who_follows_the_plan(client, staff, plan, find_care, workforce_program):
    """Who follows a plan changes when a case manager leaves; nothing else of the plan changes here."""
    erin = make_user("erin", workforce_program, Membership.Role.CASE_MANAGER)
    client.force_login(staff["admin"])
    staff["admin"].user_permissions.add(*Permission.objects.filter(codename="change_plan"))
    response = client.post(
        admin_url(Plan, "change", plan.pk),
        {
            "case_manager": erin.pk,
            "started_on": "2001-01-01",
            "barriers-TOTAL_FORMS": "0",
            "barriers-INITIAL_FORMS": "0",
            "check_ins-TOTAL_FORMS": "0",
            "check_ins-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    plan.refresh_from_db()
    assert plan.case_manager == erin
    assert plan.started_on != datetime.date(2001, 1, 1)
    assert client.post(admin_url(Step, "change", find_care.pk), {"text": "Changed"}).status_code == 403
    find_care.refresh_from_db()
    assert find_care.text == "Visit two daycares near the training site"
