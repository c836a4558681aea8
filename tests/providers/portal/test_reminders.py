"""`manage.py send_verification_reminders` e-mails editors a link to confirm each stale listing, once."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from directory.models import Membership
from providers.models import Service, VerificationReminder
from tests.conftest import make_user

NOW = datetime.datetime(2026, 6, 1, 15, tzinfo=datetime.UTC)


def run(**options) -> str:
    out = io.StringIO()
    call_command("send_verification_reminders", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def stale_service(service_a) -> Service:
    Service.objects.filter(pk=service_a.pk).update(last_verified_at=NOW - datetime.timedelta(days=200))
    return service_a


def test_it_emails_the_editors_a_link_to_the_confirm_page(stale_service, alice, bob, admin, settings):
    """alice (agency A) gets one e-mail with a link straight to the confirm page; bob and the admin get none."""
    settings.SITE_URL = "https://directory.example.org"

    with time_machine.travel(NOW, tick=False):
        output = run()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Please confirm your listing is still accurate"
    assert "Sunrise Daycare (Agency A)" in message.body
    assert f"https://directory.example.org{reverse('portal:confirm', args=[stale_service.pk])}" in message.body
    assert "in the last 180 days" in message.body
    assert "1 e-mails about 1 stale listings" in output


def test_it_sends_once_a_day_however_often_it_runs(stale_service, alice):
    """Cron may run it twice: the second run that day sends nothing."""
    with time_machine.travel(NOW, tick=False):
        run()
        output = run()

    assert len(mail.outbox) == 1
    assert "0 e-mails" in output
    assert VerificationReminder.objects.get().sent_on == datetime.date(2026, 6, 1)


def test_it_reminds_again_after_the_interval(stale_service, alice):
    """With the default interval, the same listing is mentioned again a week later, not before."""
    with time_machine.travel(NOW, tick=False):
        run()
    with time_machine.travel(NOW + datetime.timedelta(days=6), tick=False):
        run()
    assert len(mail.outbox) == 1
    with time_machine.travel(NOW + datetime.timedelta(days=7), tick=False):
        run()
    assert len(mail.outbox) == 2


def test_it_leaves_fresh_and_unlisted_listings_alone(service_a, alice):
    """A listing verified within the window, or one that is closed, is not reminded."""
    Service.objects.filter(pk=service_a.pk).update(last_verified_at=NOW - datetime.timedelta(days=10))
    with time_machine.travel(NOW, tick=False):
        run()
    Service.objects.filter(pk=service_a.pk).update(last_verified_at=None, status=Service.Status.DEFUNCT)
    with time_machine.travel(NOW, tick=False):
        run()

    assert mail.outbox == []


def test_it_lists_every_stale_listing_of_an_editor_in_one_email(stale_service, alice, agency_a):
    """Two stale listings of one editor: one e-mail naming both; a second editor of the agency gets their own."""
    second = Service.objects.create(organization=agency_a, name="Sunrise Evenings", last_verified_at=None)
    make_user("dana", agency_a, Membership.Role.AGENCY_EDITOR)

    with time_machine.travel(NOW, tick=False):
        output = run()

    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.org", "dana@example.org"]
    assert "Sunrise Evenings" in mail.outbox[0].body and "Sunrise Daycare" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Please confirm your 2 listings are still accurate"
    assert "2 e-mails about 2 stale listings" in output
    assert str(second.pk) in mail.outbox[0].body


def test_it_counts_stale_listings_nobody_can_be_reminded_about(stale_service):
    """Without an editor, the summary says so, for the network admins to act on."""
    with time_machine.travel(NOW, tick=False):
        output = run()

    assert mail.outbox == []
    assert "1 stale listings have no editor to remind" in output


def test_it_refuses_a_zero_interval(db):
    """--every 0 would remind on every run: refused."""
    with pytest.raises(CommandError):
        run(every=0)
