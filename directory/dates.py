"""Dates and times people type: between the years YEARS, so that every sum and time zone conversion made
on them stays on Python's calendar (years 1 to 9999; past its ends Python raises OverflowError).

9999-12-31T23:59 in Denver is already the year 10000 in UTC, and 0001-01-01 minus a day is nothing:
a form or an API field that takes a date-time checks it with ``within_years`` and answers 400.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

YEARS = (1900, 2999)  # wide enough for any appointment, plan or report; far from the calendar's ends
# The widest UTC offset a date-time may give: time zones span -12:00 to +14:00, and PostgreSQL refuses an
# offset of 16 hours or more (Python takes up to 24), a database error rather than a 400.
OFFSET_HOURS = 15


def within_years(value: datetime.date | None) -> None:
    """Refuse a date or date-time outside YEARS, or one with a UTC offset of OFFSET_HOURS or more (a form,
    serializer and filter field validator)."""
    if value is None:
        return
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValidationError(
            _("Give a date between the years %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": YEARS[0], "last": YEARS[1]},
        )
    offset = value.utcoffset() if isinstance(value, datetime.datetime) else None
    if offset is not None and abs(offset) >= datetime.timedelta(hours=OFFSET_HOURS):
        raise ValidationError(
            _("Give a time zone offset of less than %(hours)s hours."),
            code="out_of_range",
            params={"hours": OFFSET_HOURS},
        )


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField within YEARS. (DRF's own raises OverflowError, a 500, for a date-time without an
    offset at the calendar's end: it checks it in UTC.)"""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(within_years)

    def to_internal_value(self, value) -> datetime.datetime:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("overflow")
