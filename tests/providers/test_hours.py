"""Open now / open at: weekly hours in the schedule's time zone, hours past midnight, holiday closures."""

import datetime
import zoneinfo

import pytest

from providers.hours import applicable_schedules, is_open_at
from providers.models import Schedule

DENVER = zoneinfo.ZoneInfo("America/Denver")


def hours(weekday, opens, closes, **extra) -> Schedule:
    return Schedule(
        kind=Schedule.Kind.HOURS,
        weekday=weekday,
        opens_at=datetime.time.fromisoformat(opens),
        closes_at=datetime.time.fromisoformat(closes),
        **extra,
    )


def closure(first, last=None) -> Schedule:
    return Schedule(kind=Schedule.Kind.CLOSURE, valid_from=first, valid_to=last, description="Holiday")


def at(text: str, zone=DENVER) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=zone)


# 2026-11-23 is a Monday.
WEEKDAY_HOURS = [hours(day, "09:00", "17:00") for day in ["MO", "TU", "WE", "TH", "FR"]]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-23 09:00", True),  # opening minute
        ("2026-11-23 16:59", True),
        ("2026-11-23 17:00", False),  # closing minute is closed
        ("2026-11-23 08:59", False),
        ("2026-11-28 12:00", False),  # Saturday
    ],
)
def test_it_tells_weekday_hours(moment, expected):
    """9-5 on weekdays: open from the opening minute until just before closing."""
    assert is_open_at(WEEKDAY_HOURS, at(moment)) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-27 21:59", False),  # Friday evening before opening
        ("2026-11-27 22:00", True),
        ("2026-11-28 02:30", True),  # Saturday small hours: Friday's interval
        ("2026-11-28 05:59", True),
        ("2026-11-28 06:00", False),
        ("2026-11-28 23:00", False),  # Saturday night: no Saturday hours
        ("2026-11-27 02:00", False),  # Friday small hours: no Thursday hours
    ],
)
def test_it_tells_hours_past_midnight(moment, expected):
    """An overnight shelter open Friday 22:00-06:00 is open until Saturday 06:00."""
    assert is_open_at([hours("FR", "22:00", "06:00")], at(moment)) is expected


def test_it_treats_23_59_as_midnight():
    """00:00-23:59 every day is open around the clock, including the last minute."""
    always = [hours(day, "00:00", "23:59") for day in ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]]
    assert is_open_at(always, at("2026-11-23 23:59:30"))
    assert is_open_at(always, at("2026-11-24 00:00"))


def test_it_closes_on_holidays():
    """A closure on Thanksgiving closes the day; the next day is open again."""
    schedules = [*WEEKDAY_HOURS, closure(datetime.date(2026, 11, 26))]
    assert is_open_at(schedules, at("2026-11-26 10:00")) is False
    assert is_open_at(schedules, at("2026-11-27 10:00")) is True


def test_it_closes_an_overnight_interval_that_starts_on_a_holiday():
    """Hours past midnight belong to the day they start: a closure that day closes the morning after too."""
    schedules = [hours("TH", "22:00", "06:00"), closure(datetime.date(2026, 12, 24), datetime.date(2026, 12, 25))]
    assert is_open_at(schedules, at("2026-12-25 02:00")) is False  # Thursday Dec 24's interval
    assert is_open_at(schedules, at("2026-12-18 02:00")) is True  # a Friday morning the week before


def test_it_reads_times_in_the_schedule_time_zone():
    """A New York service open 9-5 Eastern is open at 7:30 in Denver and closed at 15:30 Denver time."""
    eastern = [hours("MO", "09:00", "17:00", timezone="America/New_York")]
    assert is_open_at(eastern, at("2026-11-23 07:30")) is True
    assert is_open_at(eastern, at("2026-11-23 15:30")) is False
    assert is_open_at(eastern, at("2026-11-23 14:30", zone=datetime.UTC)) is True  # 09:30 Eastern


def test_it_respects_seasonal_hours():
    """Hours valid only in summer do not count in November."""
    summer = [hours("MO", "09:00", "17:00", valid_from=datetime.date(2026, 6, 1), valid_to=datetime.date(2026, 8, 31))]
    assert is_open_at(summer, at("2026-11-23 10:00")) is False
    assert is_open_at(summer, at("2026-06-01 10:00")) is True


def test_it_says_unknown_without_hours():
    """No opening hours at all: unknown, not closed."""
    assert is_open_at([], at("2026-11-23 10:00")) is None
    assert is_open_at([closure(datetime.date(2026, 11, 23))], at("2026-11-23 10:00")) is None


def test_it_prefers_the_most_specific_hours():
    """A service-at-location's hours win over the service's, which win over the location's; closures add up."""
    location_hours = [hours("MO", "08:00", "12:00")]
    service_hours = [hours("MO", "13:00", "17:00")]
    holiday = closure(datetime.date(2026, 12, 25))
    picked = applicable_schedules(
        service_schedules=service_hours, location_schedules=[*location_hours, holiday], sal_schedules=[]
    )
    assert picked == [*service_hours, holiday]
    assert applicable_schedules(service_schedules=[], location_schedules=location_hours, sal_schedules=[]) == (
        location_hours
    )
