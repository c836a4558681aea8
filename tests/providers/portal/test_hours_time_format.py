"""The hours editor writes every time one way, the page language's, as the listing does: "7:00 a.m." in English,
"7:00" in Spanish, in each row's heading and in its boxes alike; it reads back what it shows, and 24-hour times."""

import datetime
import re

from django.urls import reverse

from directory.models import Preference

from .conftest import html_of, monday_hours, open_form, post_form


def hours_url(service) -> str:
    return reverse("portal:service_edit", args=[service.pk, "hours"])


def opening_hours(html: str) -> str:
    """The markup of the editor's opening hours (not the closures, whose dates have their own format)."""
    start = html.index("<h2>Opening hours</h2>") if "<h2>Opening hours</h2>" in html else html.index("<form")
    return html[start : html.index("</section>", start)]


def test_it_shows_times_as_the_listing_does_in_headings_and_boxes(client, alice, service_a):
    """Monday 7 a.m. to 6 p.m.: the row says "Monday 7:00 a.m. – 6:00 p.m." and its boxes "7:00 a.m." and
    "6:00 p.m."; no 24-hour time and no browser time picker (which writes its own format) anywhere."""
    client.force_login(alice)

    hours = opening_hours(html_of(client.get(hours_url(service_a))))

    assert "<legend>Monday 7:00 a.m. – 6:00 p.m.</legend>" in hours
    assert 'name="hours-0-opens_at" value="7:00 a.m."' in hours
    assert 'name="hours-0-closes_at" value="6:00 p.m."' in hours
    assert not re.search(r"\b\d\d:\d\d\b", hours)
    assert 'type="time"' not in hours
    public = html_of(client.get(service_a.get_absolute_url()))
    assert "7:00 a.m. – 6:00 p.m." in public


def test_it_shows_times_the_spanish_way_to_a_spanish_speaking_editor(client, alice, service_a):
    """alice reads the portal in Spanish: "lunes 7:00 – 18:00", the boxes "7:00" and "18:00"."""
    Preference.objects.create(user=alice, language="es")
    client.force_login(alice)

    hours = opening_hours(html_of(client.get(hours_url(service_a), HTTP_ACCEPT_LANGUAGE="es")))

    assert re.search(r"<legend>[Ll]unes 7:00 – 18:00</legend>", hours)
    assert 'name="hours-0-opens_at" value="7:00"' in hours
    assert 'name="hours-0-closes_at" value="18:00"' in hours


def test_it_reads_back_what_it_shows_and_other_ways_of_writing_a_time(client, alice, service_a):
    """The form posted as shown changes nothing; "7:30 a.m.", "5 PM" and "17:00" save as 7:30 and 17:00."""
    client.force_login(alice)
    form = open_form(client, hours_url(service_a))

    assert post_form(client, hours_url(service_a), form).status_code == 302
    assert (monday_hours(service_a).opens_at, monday_hours(service_a).closes_at) == (
        datetime.time(7),
        datetime.time(18),
    )

    for opens, closes in [("7:30 a.m.", "5 PM"), ("7:30am", "17:00")]:
        form = open_form(client, hours_url(service_a))
        response = post_form(client, hours_url(service_a), form, hours__0__opens_at=opens, hours__0__closes_at=closes)
        assert response.status_code == 302
        assert (monday_hours(service_a).opens_at, monday_hours(service_a).closes_at) == (
            datetime.time(7, 30),
            datetime.time(17),
        )


def test_it_says_how_to_write_a_time_it_cannot_read(client, alice, service_a):
    """ "half past seven" and "13 p.m." are not times it can read: it says so with examples, and saves nothing."""
    client.force_login(alice)
    form = open_form(client, hours_url(service_a))

    response = post_form(
        client, hours_url(service_a), form, hours__0__opens_at="half past seven", hours__0__closes_at="13 p.m."
    )

    assert response.status_code == 400
    assert html_of(response).count("Give a time of day, like 9:00 a.m. or 5:30 p.m.") == 2
    assert monday_hours(service_a).opens_at == datetime.time(7)
