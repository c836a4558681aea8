"""The access log: every read of a participant's data leaves a record of who, when, what and through which
door; reads by one person of one thing within ACCESS_LOG_WINDOW_MINUTES count once. The referring and the
receiving organization see the reads of their referral on a page linked from it; network admins see all of
them in the admin (read-only), and a participant's admin page shows who opened it. Nobody changes or
deletes a record; ``manage.py purge_access_log`` removes those older than ACCESS_LOG_RETENTION_DAYS.

The API's doors are in tests/referrals/api/test_access_log.py.
"""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.models import Membership
from referrals.models import AccessRecord, Participant, Referral
from tests.conftest import PASSWORD, make_user

from .test_privacy import another_programs_case_manager

Door = AccessRecord.Door


def reads_url(referral: Referral) -> str:
    return reverse("referrals:reads", args=[referral.pk])


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def records() -> list[tuple]:
    return [
        (record.reader.username, record.door, record.referral_id, record.participant_id)
        for record in AccessRecord.objects.order_by("read_at", "pk").select_related("reader")
    ]


@pytest.fixture
def staff_admin(admin):
    """The network admin, as staff with the referrals app's view permissions (as a network admin is made)."""
    admin.is_staff = True
    admin.save()
    admin.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="referrals", codename__startswith="view_")
    )
    return admin


# Every door writes the log


def test_it_records_who_opened_the_referral_page(client, referral, alice):
    """alice opening the referral she received is on record: her, the referral, its participant, the page."""
    client.force_login(alice)

    assert client.get(referral.get_absolute_url()).status_code == 200

    assert records() == [("alice", Door.REFERRAL_PAGE, referral.pk, referral.participant_id)]
    assert AccessRecord.objects.get().read_at <= timezone.now()


def test_it_records_who_printed_the_slip(client, referral, carol):
    """The slip carries the participant's name and private link: printing it is a read."""
    client.force_login(carol)

    assert client.get(reverse("referrals:slip", args=[referral.pk])).status_code == 200

    assert records() == [("carol", Door.SLIP, referral.pk, referral.participant_id)]


def test_it_records_who_opened_the_participant_in_the_admin(client, staff_admin, participant):
    client.force_login(staff_admin)

    assert client.get(admin_url(Participant, "change", participant.pk)).status_code == 200

    assert records() == [("admin", Door.ADMIN, None, participant.pk)]


def test_it_records_who_opened_the_referral_in_the_admin(client, staff_admin, referral):
    client.force_login(staff_admin)

    assert client.get(admin_url(Referral, "change", referral.pk)).status_code == 200

    assert records() == [("admin", Door.ADMIN, referral.pk, referral.participant_id)]


def test_it_records_nothing_for_a_refused_read(client, referral, bob):
    """bob's 404 read nothing, and the log says nothing about him."""
    client.force_login(bob)

    assert client.get(referral.get_absolute_url()).status_code == 404
    assert client.get(reverse("referrals:slip", args=[referral.pk])).status_code == 404

    assert records() == []


# Reads within the window count once


def test_it_counts_reads_within_the_window_once(client, referral, alice, carol, settings):
    """Three visits by alice in ten minutes are one read; carol's visit is hers; alice's visit after the
    window is a read of its own."""
    settings.ACCESS_LOG_WINDOW_MINUTES = 10
    start = timezone.now().replace(minute=0, second=0)
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(alice)
        for minutes in (0, 4, 9):
            traveller.move_to(start + datetime.timedelta(minutes=minutes))
            client.get(referral.get_absolute_url())
        client.force_login(carol)
        client.get(referral.get_absolute_url())
        traveller.move_to(start + datetime.timedelta(minutes=12))
        client.force_login(alice)
        client.get(referral.get_absolute_url())

    assert [(reader, door) for reader, door, *_ in records()] == [
        ("alice", Door.REFERRAL_PAGE),
        ("carol", Door.REFERRAL_PAGE),
        ("alice", Door.REFERRAL_PAGE),
    ]


# Who sees the log


def test_it_shows_both_organizations_who_opened_their_referral(client, referral, alice, carol):
    """The referral's page links to its reads; carol (referrer) and alice (provider) see each other's."""
    client.force_login(alice)
    client.get(referral.get_absolute_url())
    client.force_login(carol)
    detail = client.get(referral.get_absolute_url()).content.decode()

    assert reads_url(referral) in detail
    for person in (carol, alice):
        client.force_login(person)
        response = client.get(reads_url(referral))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Who opened this referral" in page
        assert "alice" in page and "carol" in page and "Referral page" in page


def test_it_shows_the_reads_in_spanish(client, referral, alice):
    client.force_login(alice)
    client.get(referral.get_absolute_url())

    page = client.get(reads_url(referral), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Quién abrió este referido" in page
    assert "Página del referido" in page


@pytest.mark.parametrize("persona", ["bob", "dave"])
def test_it_hides_the_reads_from_other_organizations(client, referral, alice, bob, persona):
    """bob's agency and dave's program had no part in the referral: 404, as for the referral itself."""
    client.force_login(alice)
    client.get(referral.get_absolute_url())
    client.force_login(bob if persona == "bob" else another_programs_case_manager())

    response = client.get(reads_url(referral))

    assert response.status_code == 404
    assert "alice" not in response.content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(client, referral):
    response = client.get(reads_url(referral))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_network_admins_every_read_in_the_admin(client, staff_admin, referral, alice):
    client.force_login(alice)
    client.get(referral.get_absolute_url())
    client.force_login(staff_admin)

    response = client.get(admin_url(AccessRecord, "changelist"))

    assert response.status_code == 200
    assert [(record.reader.username, record.door) for record in response.context["cl"].result_list] == [
        ("alice", Door.REFERRAL_PAGE)
    ]


def test_it_shows_who_opened_a_participant_on_their_admin_page(client, staff_admin, referral, alice, participant):
    client.force_login(alice)
    client.get(referral.get_absolute_url())
    client.force_login(staff_admin)

    page = client.get(admin_url(Participant, "change", participant.pk)).content.decode()

    assert "Opened by" in page
    assert "alice" in page and "Referral page" in page
    everything = client.get(admin_url(AccessRecord, "changelist"), {"participant__id__exact": participant.pk})
    assert everything.status_code == 200
    assert {record.reader.username for record in everything.context["cl"].result_list} == {"alice", "admin"}


def test_it_hides_the_access_log_admin_from_organization_staff(client, referral, alice):
    """alice, staff with every view permission, still gets no access log in the admin."""
    client.force_login(alice)
    client.get(referral.get_absolute_url())
    alice.is_staff = True
    alice.save()
    alice.user_permissions.add(*Permission.objects.filter(content_type__app_label="referrals"))

    assert client.get(admin_url(AccessRecord, "changelist")).status_code == 403
    assert client.get(admin_url(AccessRecord, "change", AccessRecord.objects.get().pk)).status_code == 403


# Append-only


def test_it_lets_nobody_change_or_delete_a_record_in_the_admin(client, referral, alice, admin):
    """Even a superuser: no add, change or delete page, no delete action; the record stays as it was."""
    client.force_login(alice)
    client.get(referral.get_absolute_url())
    record = AccessRecord.objects.get()
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)

    assert client.post(admin_url(AccessRecord, "delete", record.pk), {"post": "yes"}).status_code == 403
    assert client.get(admin_url(AccessRecord, "add")).status_code == 403
    response = client.post(
        admin_url(AccessRecord, "changelist"), {"action": "delete_selected", "_selected_action": [record.pk]}
    )
    assert response.status_code in (200, 302)
    form = client.get(admin_url(AccessRecord, "change", record.pk)).context["adminform"].form
    assert form.fields == {}
    assert records() == [("alice", Door.REFERRAL_PAGE, referral.pk, referral.participant_id)]


def test_it_refuses_to_change_or_delete_a_record_in_code(client, referral, alice):
    client.force_login(alice)
    client.get(referral.get_absolute_url())
    record = AccessRecord.objects.get()

    record.door = Door.SLIP
    with pytest.raises(TypeError):
        record.save()
    with pytest.raises(TypeError):
        record.delete()
    with pytest.raises(TypeError):
        AccessRecord.objects.update(door=Door.SLIP)
    with pytest.raises(TypeError):
        AccessRecord.objects.all().delete()
    assert records() == [("alice", Door.REFERRAL_PAGE, referral.pk, referral.participant_id)]


# Retention


def test_it_purges_records_older_than_the_retention_period(client, referral, alice, carol, settings):
    """A read from before ACCESS_LOG_RETENTION_DAYS goes; a younger one stays; a second run finds nothing."""
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - datetime.timedelta(days=31), tick=False):
        client.force_login(alice)
        client.get(referral.get_absolute_url())
    with time_machine.travel(timezone.now() - datetime.timedelta(days=29), tick=False):
        client.force_login(carol)
        client.get(referral.get_absolute_url())

    out = io.StringIO()
    call_command("purge_access_log", stdout=out)
    again = io.StringIO()
    call_command("purge_access_log", stdout=again)

    assert [reader for reader, *_ in records()] == ["carol"]
    assert "Deleted 1 access log record older than 30 days" in out.getvalue()
    assert "Deleted 0 access log records older than 30 days" in again.getvalue()


def test_it_keeps_the_record_when_the_reader_leaves(client, referral, alice):
    """A person removed from the network: their reads stay on record, shown as someone no longer here."""
    client.force_login(alice)
    client.get(referral.get_absolute_url())
    alice.delete()
    client.login(username="carol", password=PASSWORD)

    page = client.get(reads_url(referral)).content.decode()

    assert AccessRecord.objects.get().reader is None
    assert "someone no longer in the network" in page


def test_it_shows_the_reads_in_a_fixed_number_of_queries(client, referral, alice, carol, agency_a):
    """Ten readers cost the queries of one."""
    client.force_login(alice)
    client.get(referral.get_absolute_url())
    client.force_login(carol)
    with CaptureQueriesContext(connection) as one:
        client.get(reads_url(referral))
    for number in range(9):
        client.force_login(make_user(f"colleague{number}", agency_a, Membership.Role.AGENCY_EDITOR))
        client.get(referral.get_absolute_url())
    client.force_login(carol)

    with CaptureQueriesContext(connection) as ten:
        page = client.get(reads_url(referral)).content.decode()

    assert "colleague8" in page
    assert len(ten.captured_queries) == len(one.captured_queries)
