"""Normalising what a source spells its own way, where only one reading is possible.

Each function returns the value the directory keeps and raises ValueError when there is no unambiguous
reading; the caller reports the change (a grouped warning) or leaves the field out (also a warning).

- Text: trimmed of every kind of space at its ends, Unicode's (no-break, thin, ideographic ...) and the
  invisible ones Python's ``strip`` keeps (zero-width space, joiners, the byte order mark).
- E-mail addresses: trimmed, invisible characters and a ``mailto:`` removed.
- Web addresses: ``providers.uris.normalise_url`` (the rule every URL of a listing follows).
- Times: ``830am``, ``9:0am``, ``9.30``, ``09h30``, ``noon``, ``12 midnight``, ``9 a.m.``, ``1730``.
- Languages: ISO 639-1 codes from English or native names (``Spanish``, ``Español``) or ISO 639-2/3 codes,
  by ``langcodes`` (CLDR and the IANA registry); a language that has no ISO 639-1 code keeps its ISO 639-3
  one (``Hmong``: ``hmn``), as HSDS 3.0's ``language.code`` allows.
"""

import datetime
import re

import langcodes
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from providers.uris import INVISIBLE

# Python's str.strip() takes Unicode's spaces (no-break, thin, ideographic ...) but not these.
EDGES = "\u200b\u200c\u200d\u2060\ufeff\u180e"
TRIMMED = "spaces trimmed"


def clean_text(value: str) -> str:
    """``value`` without spaces of any kind, visible or not, at its ends."""
    text = str(value)
    while text and (text[0].isspace() or text[0] in EDGES or text[-1].isspace() or text[-1] in EDGES):
        text = text.strip().strip(EDGES)
    return text


def normalise_email(value: str) -> tuple[str, list[str]]:
    """An e-mail address without spaces, invisible characters or ``mailto:``; ValueError if it is none."""
    text = clean_text(value)
    changes = [TRIMMED] if text != value else []
    if INVISIBLE.search(text):
        text, changes = INVISIBLE.sub("", text), [*changes, "invisible characters removed"]
    if text.lower().startswith("mailto:"):
        text, changes = text[len("mailto:") :].strip(), [*changes, "mailto: removed"]
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError("Not an e-mail address.") from None
    return text, changes


# ---- times --------------------------------------------------------------------------------------------

PLAIN_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
TIME_WORDS = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
CLOCK = re.compile(
    r"""^(?:
        (?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{1,2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?   # 9, 9:30, 9.30, 09h30, 9:0
      | (?P<packed>\d{3,4})                                                            # 830, 1730
    )\s*(?P<half>[ap])?\s*m?\s*(?:h|hrs?)?$""",
    re.VERBOSE,
)
TIME_MESSAGE = "{value!r} is not a time like 09:30."


def parse_time(value) -> datetime.time:
    """The time of day in ``value``: 09:30, 9:30:00, 9am, 4:00 PM, 830am, 9:0am, 9.30, 09h30, 1730, noon ..."""
    text = clean_text(value).lower().replace(".m.", "m").replace("a.m", "am").replace("p.m", "pm")
    text = re.sub(r"\s+", " ", text).strip(". ")
    # "12 noon", "12:00 midnight": the word says it.
    words = re.fullmatch(r"(?:12(?::00)?\s*)?(noon|midday|midnight)", text)
    if words:
        return datetime.time(*TIME_WORDS[words[1]])
    match = CLOCK.match(text)
    if not match:
        raise ValueError(TIME_MESSAGE.format(value=value))
    if match["packed"]:
        hour, minute, second = int(match["packed"][:-2]), int(match["packed"][-2:]), 0
    else:
        hour, minute, second = int(match["hour"]), int(match["minute"] or 0), int(match["second"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            raise ValueError(TIME_MESSAGE.format(value=value))
        hour = hour % 12 + (12 if match["half"] == "p" else 0)
    elif hour == 24 and minute == second == 0:
        hour = 0  # 24:00, the end of the day
    try:
        return datetime.time(hour, minute, second)
    except ValueError:
        raise ValueError(TIME_MESSAGE.format(value=value)) from None


def is_plain_time(value) -> bool:
    """Whether ``value`` is written as HSDS writes times (09:30, 09:30:00): then reading it changes nothing."""
    return bool(PLAIN_TIME.match(str(value).strip()))


# ---- languages ----------------------------------------------------------------------------------------

# Codes that name no language a service could be offered in: undetermined, none, several, private use.
NO_LANGUAGE = {"und", "zxx", "mul", "mis"}
TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*")


def language_code(code: str, name: str) -> str | None:
    """The ISO 639-1 code of a language given by code (ISO 639-1/2/3, a tag like en-US) or by name.

    A language without an ISO 639-1 code keeps its ISO 639-3 code. A variety of a macrolanguage that is
    its usual form becomes the macrolanguage (Mandarin: zh). None when neither says a language.
    """
    code = clean_text(code or "")
    name = clean_text(name or "")
    if code and TAG.fullmatch(code):
        found = from_tag(code)
        if found:
            return found
    # "Chinese (Mandarin)", "Spanish / Español": the first name that is a language.
    for candidate in (name, *re.split(r"\s*[(/,;]\s*", name.rstrip(")"))):
        if not candidate:
            continue
        try:
            found = from_tag(langcodes.find(candidate).to_tag())
        except (LookupError, ValueError):
            found = from_tag(candidate) if TAG.fullmatch(candidate) else None  # a code in the name's place
        if found:
            return found
    return None


def from_tag(tag: str) -> str | None:
    try:
        standard = langcodes.standardize_tag(tag.replace("_", "-"), macro=True)
    except ValueError:
        return None
    language = langcodes.Language.get(standard).language
    if not language or language in NO_LANGUAGE or "qaa" <= language <= "qtz" or not langcodes.tag_is_valid(language):
        return None
    return language


def language_name(code: str) -> str:
    """The English name of a language code ("es": "Spanish"; "hmn": "Hmong")."""
    return langcodes.Language.get(code).display_name("en")
