"""Reading a row's values as the types the directory keeps: text, times, numbers, dates.

A value that needs normalising is changed and the change noted (``changes``); a value that cannot be read
is left out and noted (``dropped``): the loader reports both as warnings, and the record is kept.
``errors`` are for what costs the record (a required reference that is not there).
"""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from providers.hsds.importer.normalise import (
    TRIMMED,
    clean_text,
    is_plain_time,
    language_code,  # noqa: F401 (the readers take it from here)
    parse_time,
)
from providers.hsds.serialize import NOT_STATED


def is_empty(value) -> bool:
    """Whether a value says nothing: None, or text of spaces only (no-break and zero-width ones too)."""
    return value is None or (isinstance(value, str) and not clean_text(value))


class Values:
    """Typed reading of a row's values; a bad value becomes a problem on its field, never an exception."""

    def __init__(self, fields: dict) -> None:
        self.fields = fields
        self.errors: dict[str, str] = {}
        self.dropped: dict[str, tuple[str, str]] = {}  # field -> (reason, the value)
        self.changes: list[tuple[str, str, str]] = []  # (field, reason, "before → after")
        self.read: set[str] = set()

    def raw(self, name: str):
        self.read.add(name)
        value = self.fields.get(name)
        return None if is_empty(value) else value

    def _parse(self, name: str, parse: Callable, message: str):
        value = self.raw(name)
        if value is None:
            return None
        try:
            return parse(clean_text(value) if isinstance(value, str) else value)
        except (ValueError, TypeError, ArithmeticError):
            self.dropped[name] = (message + " Left out.", str(value))
            return None

    def text(self, name: str) -> str:
        """The value as text, trimmed of spaces of every kind at its ends (the change noted)."""
        value = self.raw(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = clean_text(str(value))
        if text != str(value):
            self.changes.append((name, TRIMMED.capitalize() + ".", f"{str(value)!r} → {text!r}"))
        return text

    def integer(self, name: str) -> int | None:
        def parse(value):
            number = Decimal(str(value).strip())
            if number != number.to_integral_value():
                raise ValueError
            return int(number)

        return self._parse(name, parse, "Expected a whole number.")

    def number(self, name: str) -> float | None:
        return self._parse(name, lambda value: float(str(value).strip()), "Expected a number.")

    def decimal(self, name: str) -> Decimal | None:
        return self._parse(name, lambda value: Decimal(str(value).strip()), "Expected a number.")

    def date(self, name: str) -> datetime.date | None:
        return self._parse(
            name, lambda value: datetime.date.fromisoformat(str(value).strip()[:10]), "Expected a date like 2025-01-31."
        )

    def date_time(self, name: str) -> datetime.datetime | None:
        def parse(value):
            moment = datetime.datetime.fromisoformat(str(value).strip())
            return moment if timezone.is_aware(moment) else timezone.make_aware(moment)

        return self._parse(name, parse, "Expected a date and time like 2025-01-31T09:30:00Z.")

    def time(self, name: str) -> datetime.time | None:
        time = self._parse(name, parse_time, "Expected a time like 09:30.")
        if time is not None and not is_plain_time(self.fields[name]):
            self.changes.append((name, "Time read as hours and minutes.", f"{self.fields[name]} → {time:%H:%M}"))
        return time

    def boolean(self, name: str) -> bool | None:
        def parse(value):
            text = str(value).strip().lower()
            if text in ("true", "1", "yes", "t"):
                return True
            if text in ("false", "0", "no", "f"):
                return False
            raise ValueError

        return self._parse(name, parse, "Expected true or false.")

    def stated_boolean(self, name: str) -> bool | None:
        """Return true or false, or None for "not_stated": a rule nobody stated, as the feed writes it."""
        value = self.raw(name)
        if isinstance(value, str) and value.strip().lower() == NOT_STATED:
            return None
        return self.boolean(name)
