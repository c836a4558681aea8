"""Every read of a plan through the API is on the access log, door API_PLAN, for the plan's participant."""

import pytest

from plans import services as plan_services
from referrals.models import AccessRecord

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/plans/",
        "/api/v1/plans/{plan}/",
        "/api/v1/barriers/",
        "/api/v1/barriers/{barrier}/",
        "/api/v1/steps/",
        "/api/v1/steps/{step}/",
        "/api/v1/check-ins/",
    ],
)
def test_a_read_is_on_the_access_log(program_api, plan, child_care, find_care, carol, url):
    plan_services.check_in_record(plan=plan, held_on=plan.started_on, method="phone", actor=carol)
    response = program_api.get(url.format(plan=plan.pk, barrier=child_care.pk, step=find_care.pk))
    assert response.status_code == 200
    record = AccessRecord.objects.get()
    assert (record.reader, record.door, record.participant, record.referral) == (
        program_api.client_system.user,
        AccessRecord.Door.API_PLAN,
        plan.participant,
        None,
    )


def test_a_refused_read_and_a_write_are_not_reads(program_api, agency_api, plan, find_care):
    """A 404 shows nothing, so it logs nothing; a change's answer is the caller's own write."""
    assert agency_api.get(f"/api/v1/plans/{plan.pk}/").status_code == 404
    assert agency_api.get("/api/v1/plans/").json()["results"] == []
    assert (
        program_api.patch(f"/api/v1/steps/{find_care.pk}/", {"status": "under_way"}, format="json").status_code == 200
    )
    assert not AccessRecord.objects.exists()
