"""The case manager's dashboard: open, overdue, waiting for an outcome, closed, with filters."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from providers.models import Service, TaxonomyTerm
from referrals import services
from referrals.models import Referral
from tests.directory.test_security_headers import inline_code

from .conftest import move

S = Referral.Status


def send(participant, service, carol) -> Referral:
    return services.referral_send(
        participant=participant, service=service, need=TaxonomyTerm.objects.get(code="child-care"), referred_by=carol
    )


@pytest.fixture
def referrals(participant, consent, service_a, carol, alice) -> dict[str, Referral]:
    """One referral in each state the dashboard tells apart."""
    fresh = send(participant, service_a, carol)
    late = send(participant, service_a, carol)
    Referral.objects.filter(pk=late.pk).update(sent_at=timezone.now() - datetime.timedelta(days=10))
    accepted = move(send(participant, service_a, carol), alice, S.ACCEPTED)
    completed = move(move(send(participant, service_a, carol), alice, S.ACCEPTED), alice, S.COMPLETED)
    closed = move(move(send(participant, service_a, carol), carol, S.CANCELLED), carol, S.CLOSED)
    return {"fresh": fresh, "late": late, "accepted": accepted, "completed": completed, "closed": closed}


def shown(response) -> set:
    assert response.status_code == 200
    return {row.referral.pk for row in response.context["rows"]}


def test_it_groups_referrals_by_where_they_stand(client, carol, referrals):
    """Open: not yet finished; overdue: unanswered too long; waiting: finished, no outcome; closed: done."""
    client.force_login(carol)
    url = reverse("referrals:dashboard")
    pks = {name: referral.pk for name, referral in referrals.items()}

    assert shown(client.get(url)) == {pks["fresh"], pks["late"], pks["accepted"]}
    assert shown(client.get(url, {"tab": "overdue"})) == {pks["late"]}
    assert shown(client.get(url, {"tab": "waiting"})) == {pks["completed"]}
    assert shown(client.get(url, {"tab": "closed"})) == {pks["closed"]}
    assert len(shown(client.get(url, {"tab": "all"}))) == 5
    tabs = {tab["key"]: tab["count"] for tab in client.get(url).context["tabs"]}
    assert tabs == {"open": 3, "overdue": 1, "waiting": 1, "closed": 1, "all": 5}


def test_it_flags_overdue_referrals_in_the_list(client, carol, referrals):
    """The overdue one carries the badge in the open list."""
    client.force_login(carol)

    response = client.get(reverse("referrals:dashboard"))

    flagged = {row.referral.pk for row in response.context["rows"] if row.overdue}
    assert flagged == {referrals["late"].pk}
    assert "status--overdue" in response.content.decode()
    assert inline_code(response.content.decode()) == []


def test_it_filters_by_status_service_and_participant(client, carol, referrals, participant, consent, agency_a):
    """Filters narrow the tab: a status, a service, a participant's name or case id."""
    other_service = Service.objects.create(organization=agency_a, name="Moonlight Care")
    other_service.categories.add(TaxonomyTerm.objects.get(code="daycare"))
    other = send(participant, other_service, carol)
    client.force_login(carol)
    url = reverse("referrals:dashboard")

    assert shown(client.get(url, {"tab": "all", "status": "accepted"})) == {referrals["accepted"].pk}
    assert shown(client.get(url, {"tab": "all", "service": other_service.pk})) == {other.pk}
    assert len(shown(client.post(url, {"tab": "all", "participant": "m. r."}, follow=True))) == 6
    assert shown(client.post(url, {"tab": "all", "participant": "nobody"}, follow=True)) == set()


def test_it_ignores_a_bad_tab_or_filter(client, carol, referrals):
    """An unknown tab shows the open ones; an unknown status is ignored rather than an error."""
    client.force_login(carol)

    response = client.get(reverse("referrals:dashboard"), {"tab": "nope", "status": "nope"})

    assert len(shown(response)) == 3


def test_it_shows_only_the_programs_own_referrals(client, alice, referrals):
    """Alice's agency receives these referrals but did not send them: an empty dashboard, a link to the inbox."""
    client.force_login(alice)

    response = client.get(reverse("referrals:dashboard"), {"tab": "all"})

    assert shown(response) == set()
    assert reverse("referrals:inbox") in response.content.decode()


def test_it_runs_a_fixed_number_of_queries(
    client, carol, participant, consent, service_a, django_assert_max_num_queries
):
    """However many referrals there are, the dashboard costs the same few queries."""
    for _ in range(30):
        send(participant, service_a, carol)
    client.force_login(carol)

    # Session, user, admin check and organizations (twice: visibility, then the referrer side),
    # tab counts, services to filter by, page count, the page's rows, demo banner.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("referrals:dashboard"), {"tab": "all"})

    assert len(response.context["rows"]) == 25
