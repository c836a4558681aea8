"""`manage.py load_demo` gives the demo network six months of referrals in every status, the same every time."""

import datetime
import io
import itertools
from collections import Counter

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from directory.models import Membership
from providers.models import Service
from referrals import demo, outcomes, services
from referrals.models import Consent, Feedback, Participant, Referral, ReferralEvent
from referrals.selectors import overdue
from referrals.services import ALLOWED_TRANSITIONS
from search.models import UnmetSearch

pytestmark = pytest.mark.django_db
S = Referral.Status


def load_demo(*args: str) -> str:
    output = io.StringIO()
    call_command("load_demo", *args, stdout=output)
    return output.getvalue()


def snapshot() -> dict:
    return {
        "referrals": sorted(
            Referral.objects.values_list(
                "id", "status", "service_id", "participant_id", "sent_at", "first_response_at", "updated_at"
            )
        ),
        "events": sorted(ReferralEvent.objects.values_list("id", "new_status", "created_at")),
        "feedback": sorted(Feedback.objects.values_list("referral_id", "need_met", "participant_rating")),
        "participants": sorted(Participant.objects.values_list("id", "display_name", "updated_at")),
        "consents": sorted(Consent.objects.values_list("id", "given_at")),
        "searches": sorted(UnmetSearch.objects.values_list("query", "zip_code", "created_at")),
    }


def business_days_between(start: datetime.datetime, end: datetime.datetime) -> float:
    """Whole weekdays between two moments, plus the part of a day left over."""
    days, moment = 0, start
    while moment + datetime.timedelta(days=1) <= end:
        moment += datetime.timedelta(days=1)
        days += moment.weekday() < 5
    return days + (end - moment) / datetime.timedelta(days=1)


def test_it_loads_a_history_in_every_status(demo_network):
    """Between 150 and 300 referrals over the past six months, in every status, some overdue now."""
    referrals = Referral.objects.all()
    assert 150 <= referrals.count() <= 300
    assert set(referrals.values_list("status", flat=True)) == set(S.values)
    assert overdue(referrals).exists()
    now = timezone.now()
    assert not referrals.filter(sent_at__gt=now).exists()
    assert not ReferralEvent.objects.filter(created_at__gt=now).exists()
    assert referrals.filter(sent_at__lt=now - datetime.timedelta(days=150)).exists()
    assert not referrals.filter(sent_at__lt=now - datetime.timedelta(days=183)).exists()
    reasons = Counter(referrals.exclude(decline_reason="").values_list("decline_reason", flat=True))
    assert reasons[Referral.DeclineReason.NO_CAPACITY] >= 5
    assert reasons[Referral.DeclineReason.NOT_ELIGIBLE] >= 3
    assert referrals.exclude(not_completed_reason="").count() >= 5
    assert Feedback.objects.exclude(need_met="").count() >= 100
    assert Feedback.objects.filter(participant_rating__isnull=False).count() >= 30
    searched = UnmetSearch.objects.filter(filters=demo.DEMO_SEARCH_MARK).values_list("created_at", flat=True)
    assert len({timezone.localtime(moment).month for moment in searched}) >= 5
    assert "Demo history: 230 referrals (created 230, kept 0), 150 participants" in demo_network.output
    assert demo_network.output.strip().splitlines()[-1].startswith("Demo network:")


def test_it_refers_from_the_two_workforce_programs_to_demo_services(demo_network):
    """carol's and dave's programs refer, by their case managers, to listed demo services of other organizations."""
    carol, dave = User.objects.get(username="carol"), User.objects.get(username="dave")
    programs = {
        Membership.objects.get(user=carol).organization_id: carol,
        Membership.objects.get(user=dave).organization_id: dave,
    }
    sent = Counter(Referral.objects.values_list("referring_organization_id", "referred_by_id"))
    assert set(sent) == {(organization, user.pk) for organization, user in programs.items()}
    assert min(sent.values()) >= 50
    services_used = Service.objects.filter(referrals__isnull=False).distinct()
    assert services_used.count() >= 30
    assert not services_used.exclude(organization__is_demo=True).exists()
    assert not services_used.exclude(status__in=[Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED]).exists()
    assert not Referral.objects.exclude(receiving_organization_id=F("service__organization_id")).exists()
    # alice's and bob's agencies have plenty in their inboxes.
    for username in ("alice", "bob"):
        organization = Membership.objects.get(user__username=username).organization_id
        assert Referral.objects.filter(receiving_organization_id=organization).count() >= 10
    for participant in Participant.objects.filter(referrals__isnull=False).distinct():
        assert participant.organization_id in programs
        assert len(participant.display_name) <= 5  # initials only


def test_it_writes_histories_the_lifecycle_allows(demo_network):
    """Each referral's events start with "sent", follow ALLOWED_TRANSITIONS by the right side and end at its status."""
    editors = dict(
        Membership.objects.filter(role=Membership.Role.AGENCY_EDITOR).values_list("organization_id", "user_id")
    )
    events_of = {}
    for event in ReferralEvent.objects.order_by("created_at"):
        events_of.setdefault(event.referral_id, []).append(event)
    for referral in Referral.objects.select_related("consent", "participant", "participant_link"):
        events = events_of[referral.pk]
        assert (events[0].old_status, events[0].new_status, events[0].actor_id) == ("", S.SENT, referral.referred_by_id)
        assert events[0].created_at == referral.sent_at
        for previous, event in itertools.pairwise(events):
            assert event.old_status == previous.new_status
            side = ALLOWED_TRANSITIONS[event.old_status][event.new_status]
            if side == "referrer":
                assert event.actor_id == referral.referred_by_id
            else:
                assert event.actor_id == editors.get(referral.receiving_organization_id)
        assert events[-1].new_status == referral.status
        assert referral.updated_at == events[-1].created_at
        answers = [event for event in events if event.new_status in (S.ACCEPTED, S.DECLINED)]
        assert referral.first_response_at == (answers[0].created_at if answers else None)
        assert (referral.status == S.DECLINED) <= bool(referral.decline_reason)
        assert referral.consent.participant_id == referral.participant_id
        assert referral.consent.given_at < referral.sent_at
        assert not referral.share_contact or referral.consent.scope == Consent.Scope.REFERRAL_AND_CONTACT
        assert referral.participant_link.created_at == referral.sent_at
        assert referral.participant.created_at < referral.sent_at


def test_it_answers_most_referrals_within_three_business_days(demo_network):
    """Most first answers come within 1 to 3 business days; a couple of services are slow."""
    waits = [
        business_days_between(sent_at, answered_at)
        for sent_at, answered_at in Referral.objects.filter(first_response_at__isnull=False).values_list(
            "sent_at", "first_response_at"
        )
    ]
    assert sum(wait <= 3 for wait in waits) / len(waits) >= 0.8
    bands = Counter(outcomes.responsiveness_bands().values())
    assert bands[outcomes.QUICK] >= 8
    assert bands[outcomes.SLOW] >= 2


def test_it_gives_the_reports_something_to_show(demo_network, client):
    """Services with a track record, searches that found nothing, and a reports page full of figures."""
    records = outcomes.track_record_for(Service.objects.values_list("pk", flat=True))
    assert len(records) >= 10
    assert UnmetSearch.objects.filter(filters=demo.DEMO_SEARCH_MARK).count() >= 30
    client.force_login(User.objects.get(username="admin"))
    response = client.get("/reports/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lodgepole Housing Partners" in html
    assert html.count('<figure class="chart">') == 10  # participants' barriers among them, and the plans' four


def test_it_changes_nothing_when_loaded_again(demo_network):
    """A second load, even days later, keeps every referral, event and search as it is."""
    before = snapshot()
    with time_machine.travel(demo_network.loaded_at + datetime.timedelta(days=3), tick=False):
        output = load_demo()
    assert snapshot() == before
    assert "Demo history: 230 referrals (created 0, kept 230)" in output


def test_it_draws_the_same_history_every_time_and_sends_no_mail(demo_network):
    """--reset at the same moment draws exactly the same history, and no e-mail goes out."""
    before = snapshot()
    mail.outbox = []
    output = load_demo("--reset")
    assert "created 230, kept 0" in output
    after = snapshot()
    for key in before:
        assert after[key] == before[key], key
    assert mail.outbox == []


def test_it_keeps_what_was_done_through_the_site_on_reset(demo_network):
    """A demo participant that carol referred again through the site survives --reset, with that referral."""
    carol = User.objects.get(username="carol")
    participant = Participant.objects.filter(organization__memberships__user=carol).order_by("id").first()
    service = Service.objects.listed().filter(organization__is_demo=True).exclude(referrals__participant=participant)
    service = service.order_by("name").first()
    referral = services.referral_send(
        participant=participant, service=service, need=service.categories.first(), referred_by=carol
    )
    load_demo("--reset")
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert Participant.objects.filter(pk=participant.pk).exists()
    assert Referral.objects.count() == 231
