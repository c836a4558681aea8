"""Dates at the ends of the calendar in the referral pages and reports: a message, never a 500.

9999-12-31T23:59 in Denver is the year 10000 in UTC, where the database write (and any sum on it)
raises OverflowError; a report's month 9999-12 ends in the year 10000. Dates and months are taken
between the years directory.dates.YEARS.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from referrals.models import Referral

from .conftest import move

MESSAGE = "Give a date between the years 1900 and 2999."


@pytest.mark.parametrize("appointment_at", ["9999-12-31T23:59", "0001-01-01T00:00", "3000-01-01T00:00"])
def test_it_refuses_an_appointment_off_the_calendar(client, alice, referral, appointment_at):
    """Scheduling with an extreme date: back to the page with the message; the referral stays accepted."""
    move(referral, alice, "accepted")
    client.force_login(alice)
    response = client.post(
        reverse("referrals:move", args=[referral.pk]), {"to_status": "scheduled", "appointment_at": appointment_at}
    )
    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == [MESSAGE]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.appointment_at is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"last_month": "9999-12"}, "last_month"),
        ({"first_month": "9999-01", "last_month": "9999-12"}, "last_month"),
        ({"last_month": "0001-01"}, "last_month"),
        ({"first_month": "0001-01", "last_month": "0001-06"}, "first_month"),
    ],
)
@pytest.mark.parametrize("url", ["/reports/", "/reports/unmet-needs.csv"])
def test_it_refuses_report_months_off_the_calendar(client, admin, params, field, url):
    """A report for months past the calendar's ends: 400 with the message, never a 500."""
    client.force_login(admin)
    response = client.get(url, params)
    assert response.status_code == 400
    if url == "/reports/":
        assert MESSAGE in response.content.decode()
