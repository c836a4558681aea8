"""Is a service open at a given moment? Pure functions over Schedule rows.

Rules:
- Each row's times are in its own time zone; the moment is converted into it.
- Hours whose closing time is earlier than the opening time run past midnight: Friday 22:00-06:00
  covers Friday 22:00 until Saturday 06:00. Such an interval belongs to the day it starts.
- A closing time of 23:59 means "until midnight", so 00:00-23:59 is open all day.
- A closure (holiday) cancels every interval that starts on its dates.
- Hours with valid_from/valid_to (seasonal hours) count only when the interval starts within them.
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from typing import NamedTuple

from providers.models import Schedule


class Hours(NamedTuple):
    """The fields of a Schedule these functions read: cheap to make, and to keep in the search index.

    Every function here takes Schedule rows or Hours alike.
    """

    kind: str
    weekday: str
    opens_at: datetime.time | None
    closes_at: datetime.time | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    timezone: str

    @classmethod
    def of(cls, schedule: Schedule) -> "Hours":
        return cls(
            schedule.kind,
            schedule.weekday,
            schedule.opens_at,
            schedule.closes_at,
            schedule.valid_from,
            schedule.valid_to,
            schedule.timezone,
        )

    @property
    def last_day(self) -> datetime.date | None:
        return self.valid_to or self.valid_from


WEEKDAYS = [choice.value for choice in Schedule.Weekday]  # MO..SU, index = date.weekday()
END_OF_DAY = datetime.time(23, 59)


def _covers(schedule: Schedule, day: datetime.date) -> bool:
    """True when ``day`` is within the schedule's valid_from..valid_to (either may be open)."""
    if schedule.valid_from and day < schedule.valid_from:
        return False
    last = schedule.valid_to if schedule.kind == Schedule.Kind.HOURS else schedule.last_day
    return not (last and day > last)


def _closes(schedule: Schedule) -> datetime.time | None:
    """Return the closing time, or None for 'until midnight'."""
    return None if schedule.closes_at == END_OF_DAY else schedule.closes_at


def open_interval_start(schedule: Schedule, local: datetime.datetime) -> datetime.date | None:
    """Return the date on which the interval containing ``local`` began, or None if it is not open then."""
    weekday = WEEKDAYS.index(schedule.weekday)
    closes = _closes(schedule)
    time = local.time()
    today = local.date()
    if closes is None or closes > schedule.opens_at:  # same-day interval
        if local.weekday() == weekday and schedule.opens_at <= time and (closes is None or time < closes):
            return today
        return None
    # Past midnight: the evening part today, or the morning part of the day after it started.
    if local.weekday() == weekday and time >= schedule.opens_at:
        return today
    if local.weekday() == (weekday + 1) % 7 and time < closes:
        return today - datetime.timedelta(days=1)
    return None


def is_open_at(schedules: Iterable[Schedule], moment: datetime.datetime) -> bool | None:
    """Return True or False, or None when there are no opening hours to tell."""
    schedules = list(schedules)
    hours = [s for s in schedules if s.kind == Schedule.Kind.HOURS]
    if not hours:
        return None
    closures = [s for s in schedules if s.kind == Schedule.Kind.CLOSURE]
    for schedule in hours:
        try:
            local = moment.astimezone(zoneinfo.ZoneInfo(schedule.timezone))
            started = open_interval_start(schedule, local)
        except OverflowError:  # the moment, or the day before it, is off the calendar there: not open then
            continue
        if started is None or not _covers(schedule, started):
            continue
        if any(_covers(closure, started) for closure in closures):
            continue
        return True
    return False


def applicable_schedules(
    *, service_schedules: list[Schedule], location_schedules: list[Schedule], sal_schedules: list[Schedule]
) -> list[Schedule]:
    """Pick the hours that apply at one location: the most specific level that has any.

    A service-at-location's own schedule wins over the service's, which wins over the location's.
    Closures from every level apply.
    """
    levels = [sal_schedules, service_schedules, location_schedules]
    hours = next(
        (
            [s for s in level if s.kind == Schedule.Kind.HOURS]
            for level in levels
            if any(s.kind == Schedule.Kind.HOURS for s in level)
        ),
        [],
    )
    closures = [s for level in levels for s in level if s.kind == Schedule.Kind.CLOSURE]
    return hours + closures
