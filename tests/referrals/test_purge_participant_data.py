"""manage.py purge_participant_data: PARTICIPANT_RETENTION_DAYS after a participant's last referral ended, their
personal data is erased; open or recent referrals keep it. Safe to repeat, says what it did, previews with
--dry-run, and leaves every report figure as it was."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from referrals import erasure, services
from referrals.models import Participant, ParticipantErasure, Referral

from .conftest import move
from .test_erasure import report_csvs
from .test_outcomes import at
from .test_reports import MARCH, example, searches, service_b  # noqa: F401 (fixtures)

S = Referral.Status


def run(*args) -> str:
    out = io.StringIO()
    call_command("purge_participant_data", *args, stdout=out)
    return out.getvalue()


def someone(name: str, organization, carol, service, *, sent: datetime.datetime, to: list[str]) -> Participant:
    """A participant referred once on ``sent``, the referral then moved through ``to`` on the same day."""
    with time_machine.travel(sent, tick=False):
        participant = services.participant_create(
            organization=organization, created_by=carol, display_name=name, phone="303-555-0100"
        )
        services.consent_record(participant=participant, recorded_by=carol, scope="referral")
        referral = services.referral_send(
            participant=participant, service=service, need=service.categories.get(), referred_by=carol
        )
        for status in to:
            actor = carol if status in (S.CANCELLED, S.CLOSED) else service.organization.memberships.get().user
            move(referral, actor, status, **({"reason": "no_capacity"} if status == S.DECLINED else {}))
    return participant


@pytest.fixture
def people(carol, alice, workforce_program, service_a, settings):
    settings.PARTICIPANT_RETENTION_DAYS = 365
    long_ago = timezone.now() - datetime.timedelta(days=400)
    lately = timezone.now() - datetime.timedelta(days=100)
    return {
        "closed long ago": someone(
            "A. Old", workforce_program, carol, service_a, sent=long_ago, to=[S.CANCELLED, S.CLOSED]
        ),
        "declined long ago": someone("B. Old", workforce_program, carol, service_a, sent=long_ago, to=[S.DECLINED]),
        "open since long ago": someone("C. Open", workforce_program, carol, service_a, sent=long_ago, to=[S.ACCEPTED]),
        "closed lately": someone(
            "D. Recent", workforce_program, carol, service_a, sent=lately, to=[S.CANCELLED, S.CLOSED]
        ),
    }


def test_it_erases_whose_last_referral_ended_before_the_retention_period(people):
    """Only the participants whose referrals all ended more than PARTICIPANT_RETENTION_DAYS ago; it says how many."""
    output = run()

    erased = set(ParticipantErasure.objects.values_list("participant__pk", flat=True))
    assert erased == {people["closed long ago"].pk, people["declined long ago"].pk}
    assert "Participants erased: 2 (retention 365 days)" in output
    for key in ("closed long ago", "declined long ago"):
        participant = Participant.objects.get(pk=people[key].pk)
        assert (participant.display_name, participant.phone) == (erasure.ERASED_NAME, "")
        assert participant.erasure.kind == ParticipantErasure.Kind.RETENTION
    assert Participant.objects.get(pk=people["open since long ago"].pk).display_name == "C. Open"
    assert Participant.objects.get(pk=people["closed lately"].pk).display_name == "D. Recent"


def test_it_is_idempotent(people):
    """A second run (from cron the next day, or at the same time) erases nothing more and says so."""
    run()
    first = list(ParticipantErasure.objects.order_by("pk").values_list("pk", "erased_at"))

    output = run()

    assert "Participants erased: 0" in output
    assert list(ParticipantErasure.objects.order_by("pk").values_list("pk", "erased_at")) == first


def test_a_dry_run_lists_who_would_go_and_changes_nothing(people):
    """--dry-run names each participant by id (never by name) and changes nothing."""
    output = run("--dry-run")

    assert str(people["closed long ago"].pk) in output and str(people["declined long ago"].pk) in output
    assert str(people["open since long ago"].pk) not in output
    assert "A. Old" not in output and "B. Old" not in output
    assert "Dry run: 2 participants would be erased" in output
    assert not ParticipantErasure.objects.exists()
    assert Participant.objects.get(pk=people["closed long ago"].pk).display_name == "A. Old"


def test_it_refuses_a_retention_of_no_days(people, settings):
    """PARTICIPANT_RETENTION_DAYS=0 would erase everyone at once: an error, nothing erased."""
    settings.PARTICIPANT_RETENTION_DAYS = 0

    with pytest.raises(CommandError, match="PARTICIPANT_RETENTION_DAYS"):
        run()
    assert not ParticipantErasure.objects.exists()


def test_the_reports_do_not_change(client, admin, carol, alice, bob, example, searches, settings):  # noqa: F811
    """The example week's open referrals cancelled and closed in March; a year later the purge erases the
    participant, and every report CSV, for every person, is the same byte for byte."""
    for referral in Referral.objects.exclude(status__in=erasure.ENDED):
        with time_machine.travel(at(20, 9), tick=False):
            move(referral, carol, S.CANCELLED)
    settings.PARTICIPANT_RETENTION_DAYS = 30
    people = [admin, carol, alice, bob]
    with time_machine.travel(at(25, 9) + datetime.timedelta(days=400), tick=False):
        before = {}
        for person in people:
            client.force_login(person)
            before[person.username] = report_csvs(client)

        output = run()

        assert "Participants erased: 1" in output
        for person in people:
            client.force_login(person)
            assert report_csvs(client) == before[person.username], person.username
    assert ParticipantErasure.objects.get().participant == example["r1"].participant
    assert MARCH  # the tables are read for March 2026, the example's month
