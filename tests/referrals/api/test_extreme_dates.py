"""A date-time at the end of the calendar in the referral API: 400 naming the field, never a 500.

DRF's DateTimeField checks a date-time without an offset in UTC, which raises OverflowError for
9999-12-31T23:59 in Denver. Dates are taken between the years directory.dates.YEARS.
"""

import pytest

from referrals.models import Referral

URL = "/api/v1/referrals/"


@pytest.mark.parametrize(
    "appointment_at",
    [
        "9999-12-31T23:59",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00",
        "3000-01-01T09:00Z",
    ],
)
def test_it_refuses_an_appointment_off_the_calendar(agency_api, referral, appointment_at):
    """400 naming appointment_at; the referral is not scheduled."""
    agency_api.post(f"{URL}{referral.pk}/receive/", {})
    agency_api.post(f"{URL}{referral.pk}/accept/", {})
    response = agency_api.post(f"{URL}{referral.pk}/schedule/", {"appointment_at": appointment_at})
    assert response.status_code == 400
    assert list(response.json()) == ["appointment_at"]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_it_takes_an_appointment_within_the_years(agency_api, referral):
    """The last minute of 2999, without an offset: scheduled."""
    agency_api.post(f"{URL}{referral.pk}/receive/", {})
    agency_api.post(f"{URL}{referral.pk}/accept/", {})
    response = agency_api.post(f"{URL}{referral.pk}/schedule/", {"appointment_at": "2999-12-31T23:59"})
    assert response.status_code == 200
    assert response.json()["appointment_at"].startswith("2999-12-31T23:59")
