"""Two editors save the same listing: the second is told it changed and sees how; nothing is overwritten."""

import datetime

from django.test import Client
from django.urls import reverse

from directory.models import Membership
from providers.models import ChangeRecord
from tests.conftest import make_user

from .conftest import html_of, monday_hours, open_form, post_form, read_form


def test_it_stops_the_second_editor_and_shows_what_changed(client, alice, service_a, agency_a):
    """alice and dana open the hours; dana saves first; alice is told, sees dana's change; nothing of hers is saved."""
    dana = make_user("dana", agency_a, Membership.Role.AGENCY_EDITOR)
    url = reverse("portal:service_edit", args=[service_a.pk, "hours"])
    client.force_login(alice)
    alices_form = open_form(client, url)
    other = Client()
    other.force_login(dana)
    post_form(other, url, open_form(other, url), hours__0__closes_at="17:00")

    response = post_form(client, url, alices_form, hours__0__opens_at="07:30")

    assert response.status_code == 409
    html = html_of(response)
    assert "This listing changed since you opened it." in html
    assert "<del>6:00 p.m.</del>" in html and "<ins>5:00 p.m.</ins>" in html  # as the editor writes times
    assert "Saved by dana" in html
    assert 'value="07:30"' in html, "alice's version stays in the form"
    monday = monday_hours(service_a)
    assert (monday.opens_at, monday.closes_at) == (datetime.time(7), datetime.time(17))
    assert ChangeRecord.objects.filter(changed_by=alice).count() == 0


def test_it_saves_the_second_version_when_sent_again_knowingly(client, alice, service_a, agency_a):
    """After seeing the difference, saving again applies alice's version on top of dana's."""
    dana = make_user("dana", agency_a, Membership.Role.AGENCY_EDITOR)
    url = reverse("portal:service_edit", args=[service_a.pk, "hours"])
    client.force_login(alice)
    alices_form = open_form(client, url)
    other = Client()
    other.force_login(dana)
    post_form(other, url, open_form(other, url), hours__0__closes_at="17:00")
    conflict = post_form(client, url, alices_form, hours__0__opens_at="07:30")
    again = read_form(html_of(conflict))

    response = client.post(url, again)

    assert response.status_code == 302
    monday = monday_hours(service_a)
    assert monday.opens_at == datetime.time(7, 30)
    # alice's form still held 18:00 for the closing time, and she chose to save her version.
    assert monday.closes_at == datetime.time(18)


def test_it_does_not_stop_an_edit_for_a_change_elsewhere_on_the_listing(client, alice, service_a):
    """A capacity click in between changes nothing the hours page shows: no false alarm."""
    url = reverse("portal:service_edit", args=[service_a.pk, "hours"])
    client.force_login(alice)
    form = open_form(client, url)
    client.post(reverse("portal:capacity", args=[service_a.pk]), {"capacity_status": "waitlist"})

    response = post_form(client, url, form, hours__0__opens_at="07:30")

    assert response.status_code == 302
    assert monday_hours(service_a).opens_at == datetime.time(7, 30)


def test_it_treats_a_damaged_version_as_a_conflict(client, alice, service_a):
    """A form whose version was tampered with saves nothing and asks to look again."""
    url = reverse("portal:service_edit", args=[service_a.pk, "hours"])
    client.force_login(alice)

    response = post_form(client, url, open_form(client, url), version="forged", hours__0__opens_at="07:30")

    assert response.status_code == 409
    assert "This form could not be checked against the listing." in html_of(response)
    assert monday_hours(service_a).opens_at == datetime.time(7)
