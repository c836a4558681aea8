"""Reading a row's values as the types the directory keeps: times, languages, numbers, dates."""

import datetime
import re
from collections.abc import Callable
from decimal import Decimal

from django.conf.locale import LANG_INFO
from django.utils import timezone

from providers.hsds.serialize import NOT_STATED


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---- values ------------------------------------------------------------------------------------------

TIME_PATTERN = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::(\d{2})(?:\.\d+)?)?\s*([ap])?\.?\s*m?\.?$", re.IGNORECASE)
THREE_LETTER_LANGUAGES = {
    "eng": "en",
    "spa": "es",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "zho": "zh",
    "chi": "zh",
    "vie": "vi",
    "ara": "ar",
    "rus": "ru",
    "kor": "ko",
    "tgl": "tl",
    "fil": "tl",
    "por": "pt",
    "ita": "it",
    "hin": "hi",
    "urd": "ur",
    "amh": "am",
    "som": "so",
    "fas": "fa",
    "per": "fa",
    "pol": "pl",
    "hat": "ht",
    "jpn": "ja",
    "nep": "ne",
    "swa": "sw",
    "tir": "ti",
    "ukr": "uk",
    "ben": "bn",
    "pan": "pa",
    "guj": "gu",
}
# Language names Django's list lacks or writes otherwise.
LANGUAGE_NAMES = {
    "tagalog": "tl",
    "filipino": "tl",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "zh",
    "farsi": "fa",
    "amharic": "am",
    "somali": "so",
    "haitian creole": "ht",
    "tigrinya": "ti",
    "punjabi": "pa",
    "american sign language": "",
}


def parse_time(value) -> datetime.time:
    """09:30, 9:30, 09:30:00, 9am, 4:00 PM."""
    match = TIME_PATTERN.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a time like 09:30.")
    hour, minute, second = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    if match[4]:
        if not 1 <= hour <= 12:
            raise ValueError(f"{value!r} is not a time like 09:30.")
        hour = hour % 12 + (12 if match[4].lower() == "p" else 0)
    return datetime.time(hour, minute, second)


def language_code(code: str, name: str) -> str | None:
    """The ISO 639-1 code of a language given by code (two or three letters) or by English name."""
    code = (code or "").strip().lower()
    if re.fullmatch(r"[a-z]{2}", code):
        return code
    if code in THREE_LETTER_LANGUAGES:
        return THREE_LETTER_LANGUAGES[code]
    name = (name or "").strip().lower()
    if name in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[name] or None
    # "Chinese (Mandarin)": the language before the variety.
    base = name.split("(")[0].strip()
    for key in (name, base):
        if key in LANGUAGE_NAMES:
            return LANGUAGE_NAMES[key] or None
        for candidate, info in LANG_INFO.items():
            if len(candidate) == 2 and info.get("name", "").lower() == key:
                return candidate
    return None


class Values:
    """Typed reading of a row's values; a bad value becomes a problem on its field, never an exception."""

    def __init__(self, fields: dict) -> None:
        self.fields = fields
        self.errors: dict[str, str] = {}
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
            return parse(value)
        except (ValueError, TypeError, ArithmeticError) as error:
            self.errors[name] = str(error) if isinstance(error, ValueError) and str(error).endswith(".") else message
            return None

    def text(self, name: str) -> str:
        value = self.raw(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)

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
        return self._parse(name, parse_time, "Expected a time like 09:30.")

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
