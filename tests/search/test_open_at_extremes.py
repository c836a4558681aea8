"""Extreme "open at" moments: a clear 400 naming open_at (a form error on the page), never a 500.

A date at the end of the calendar (9999-12-31T23:59) cannot be moved into a time zone east of the
network's, nor 0001-01-01 into one west of it: Python raises OverflowError. The search takes dates
between the years directory.dates.YEARS, and the opening-hours functions answer for any moment.
"""

import datetime
import zoneinfo

import pytest

from directory.dates import YEARS
from providers.hours import Hours, is_open_at
from search.documents import slot_terms

from .conftest import make_service, rebuild

API = "/api/v1/search/"
PAGE = "/search/"
MESSAGE = f"Give a date between the years {YEARS[0]} and {YEARS[1]}."
EXTREMES = [
    "9999-12-31T23:59",
    "9999-12-31T23:59:59.999999",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T10:00+14:00",
    "0001-01-01T00:00",
    "0001-01-01T00:00+14:00",
    "0001-01-01T23:00-12:00",
    "3000-01-01T00:00",
    "1899-12-31T23:59",
]


@pytest.fixture
def listings(taxonomy):
    make_service("Westwood Little Learners")
    make_service("Night Shelter", category="housing", hours=[("SU", "22:00", "06:00")])
    make_service("Kiritimati Day Care", point=(1.87, -157.4), hours=[("MO", "00:00", "23:59")])
    rebuild()


@pytest.mark.parametrize("open_at", EXTREMES)
def test_it_refuses_moments_off_the_calendar_with_a_400(client, listings, open_at):
    """The API names open_at and says which dates it takes."""
    response = client.get(API, {"open_at": open_at})
    assert response.status_code == 400
    assert response.json()["errors"]["open_at"][0]["message"] == MESSAGE


@pytest.mark.parametrize("open_at", ["9999-12-31T23:59", "0001-01-01T00:00+14:00"])
def test_it_shows_the_error_beside_the_field_on_the_page(client, listings, open_at):
    """The search page re-renders the form with status 400 and the message (Spanish too)."""
    response = client.get(PAGE, {"q": "daycare", "open_at": open_at})
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    spanish = client.get(PAGE, {"q": "daycare", "open_at": open_at}, headers={"accept-language": "es"})
    assert spanish.status_code == 400
    assert "Indique una fecha entre los años 1900 y 2999." in spanish.content.decode()


@pytest.mark.parametrize("open_at", ["1900-01-01T00:00", "2999-12-31T23:59", "2999-12-31T23:59+14:00"])
def test_it_answers_the_first_and_last_moments_it_takes(client, listings, open_at):
    """At the edges of the years it takes, the search answers (nothing is open in 1900 or 2999 here)."""
    response = client.get(API, {"open_at": open_at})
    assert response.status_code == 200


ZONES = ["America/Denver", "Pacific/Kiritimati", "Etc/GMT+12", "UTC"]
MOMENTS = [
    datetime.datetime.min.replace(tzinfo=datetime.UTC),
    datetime.datetime.max.replace(tzinfo=datetime.UTC),
    datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=14))),
    datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=-12))),
    datetime.datetime(1, 1, 1, 3, tzinfo=zoneinfo.ZoneInfo("Etc/GMT+12")),
]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("moment", MOMENTS, ids=[moment.isoformat() for moment in MOMENTS])
def test_it_tells_whether_hours_are_open_at_any_moment(zone, moment):
    """Hours, and the "open at" prefilter's terms, for moments at the ends of the calendar: an answer, no
    OverflowError. A moment that is not on the calendar in the hours' zone is not open there."""
    overnight = Hours("hours", "SU", datetime.time(22), datetime.time(6), None, None, zone)
    all_monday = Hours("hours", "MO", datetime.time(0), datetime.time(23, 59), None, None, zone)
    assert is_open_at([overnight, all_monday], moment) in (True, False)
    assert isinstance(slot_terms(zone, moment), list)
