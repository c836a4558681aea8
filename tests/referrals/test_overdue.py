"""Overdue: no answer from the provider within REFERRAL_RESPONSE_DAYS business days; reminders once a day."""

import datetime
import zoneinfo

import time_machine
from django.core import mail
from django.core.management import call_command

from referrals.models import Referral
from referrals.selectors import is_overdue, overdue

from .conftest import move

DENVER = zoneinfo.ZoneInfo("America/Denver")
FRIDAY_4PM = datetime.datetime(2026, 11, 20, 16, tzinfo=DENVER)


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, tzinfo=DENVER)


def sent_on_friday(referral) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(sent_at=FRIDAY_4PM)
    referral.refresh_from_db()
    return referral


def test_it_counts_business_days_only(referral, settings):
    """Sent Friday 4 pm with 2 business days: not overdue over the weekend or Monday, overdue Tuesday after 4 pm."""
    settings.REFERRAL_RESPONSE_DAYS = 2
    referral = sent_on_friday(referral)
    for moment, expected in [
        (at(22, 12), False),  # Sunday
        (at(23, 17), False),  # Monday
        (at(24, 15), False),  # Tuesday before 4 pm
        (at(24, 17), True),  # Tuesday after 4 pm
    ]:
        assert is_overdue(referral, moment) is expected
        assert overdue(Referral.objects.all(), moment).exists() is expected


def test_it_stops_being_overdue_once_answered(referral, alice, settings):
    """Received (opened) is not an answer; accepted is."""
    settings.REFERRAL_RESPONSE_DAYS = 2
    referral = sent_on_friday(referral)
    move(referral, alice, Referral.Status.RECEIVED)
    assert overdue(Referral.objects.all(), at(25, 9)).exists()
    move(referral, alice, Referral.Status.ACCEPTED)
    assert not overdue(Referral.objects.all(), at(25, 9)).exists()


def test_it_reminds_once_a_day(referral, settings):
    """The command reminds the provider and tells the case manager; run again the same day, it sends nothing."""
    settings.REFERRAL_RESPONSE_DAYS = 2
    sent_on_friday(referral)
    with time_machine.travel(at(25, 9), tick=False):
        call_command("send_referral_reminders", verbosity=0)
        call_command("send_referral_reminders", verbosity=0)
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.org", "carol@example.org"]
    with time_machine.travel(at(26, 9), tick=False):
        call_command("send_referral_reminders", verbosity=0)
    assert len(mail.outbox) == 4
    referral.refresh_from_db()
    assert referral.reminded_on == datetime.date(2026, 11, 26)


def test_it_reminds_no_one_before_the_deadline(referral, settings):
    """Nothing is due yet: no e-mail, and the summary says 0."""
    settings.REFERRAL_RESPONSE_DAYS = 2
    sent_on_friday(referral)
    with time_machine.travel(at(23, 9), tick=False):
        from io import StringIO

        out = StringIO()
        call_command("send_referral_reminders", stdout=out)
    assert mail.outbox == []
    assert "Overdue referrals reminded: 0" in out.getvalue()
