"""Names as people type them: when the text of a search is a service's or its organization's name.

A case manager who types a service's whole name wants that service, first, even in a directory of
thousands where its words also fill other listings' descriptions. People type names loosely: in
other case, without accents or punctuation, "&" for "and", with a typo or two in a long name, or the
organization's name before the service's. ``name_form`` is the written form they are compared in
(kept in each Brief, search.documents); ``name_matches`` says, for a search's candidates, which have
the name typed exactly, nearly, or not at all (search/query.py ranks them in that order).

It costs a search little: equal forms are found by comparing bytes over arrays (Columns), and only
the few candidates whose name is about as long as the text and shares a part of it exactly are
measured letter by letter.
"""

import re
import unicodedata
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from search.candidates import Columns

EXACT_NAME = 0
NEAR_NAME = 1
OTHER_NAME = 2
# Typos forgiven in a name: none in a short one (a typo there makes another word), one from
# ONE_TYPO_FROM characters (normalised), two from TWO_TYPOS_FROM.
ONE_TYPO_FROM = 10
TWO_TYPOS_FROM = 20
APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")  # straight, curly, grave and acute
NOT_WORD = re.compile(r"[\W_]+")


def name_form(text: str) -> str:
    """Return a name as it is compared: lower case, without accents, apostrophes or punctuation, "&" as
    "and", single spaces ("St. Mary’s Food & Clothing" → "st marys food and clothing")."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(character for character in text if not unicodedata.combining(character))
    text = APOSTROPHES.sub("", text.replace("&", " and "))
    return " ".join(NOT_WORD.sub(" ", text).split())


def typos_forgiven(form: str) -> int:
    """Return how many edits a name may be from the text typed and still be the name meant."""
    if len(form) >= TWO_TYPOS_FROM:
        return 2
    return 1 if len(form) >= ONE_TYPO_FROM else 0


def name_matches(columns: "Columns", entries: np.ndarray, text: str) -> np.ndarray:
    """Return, for each of these entries of the Columns, EXACT_NAME when the text is its service's or its
    organization's name, or both ("<organization> <service>", either way round), in name_form; NEAR_NAME
    when it is within ``typos_forgiven`` edits of one of them (of both together: with one of the two
    names in the text as it is); OTHER_NAME otherwise (every entry without text).

    Only names about as long as the text are read (lengths first, over arrays), then only those that
    share a part of it and hold its letters are measured letter by letter: a search's thousands of
    candidates cost it a millisecond or two.
    """
    matches = np.full(len(entries), OTHER_NAME, np.int8)
    form = name_form(text)
    if not form or not len(entries):
        return matches
    typed, length, distance = form.encode(), len(form), typos_forgiven(form)
    name_lengths, organization_lengths = columns.name_length[entries], columns.organization_length[entries]
    for forms, lengths in ((columns.name, name_lengths), (columns.organization, organization_lengths)):
        about = np.flatnonzero(np.abs(lengths - length) <= distance)
        found = forms[entries[about]]
        exact = found == typed
        matches[about[exact]] = EXACT_NAME
        if distance:
            for at, other in _nearly(form, about[~exact], found[~exact], distance):
                if _within(form, other, distance):
                    matches[at] = min(matches[at], NEAR_NAME)
    # Both names typed: together as long as the text (or nearly), and one of them in it as it is.
    about = np.flatnonzero(
        (np.abs(name_lengths + organization_lengths + 1 - length) <= distance)
        & (name_lengths > 0)
        & (organization_lengths > 0)
    )
    names, organizations = columns.name[entries[about]], columns.organization[entries[about]]
    inside = (np.strings.find(typed, names) >= 0) | (np.strings.find(typed, organizations) >= 0)
    for at, name, organization in zip(about[inside].tolist(), names[inside], organizations[inside], strict=True):
        for together in (f"{organization.decode()} {name.decode()}", f"{name.decode()} {organization.decode()}"):
            if together == form:
                matches[at] = EXACT_NAME
            elif distance and _within(form, together, distance):
                matches[at] = min(matches[at], NEAR_NAME)
    return matches


def _nearly(form: str, positions: np.ndarray, forms: np.ndarray, distance: int) -> list[tuple[int, str]]:
    """Return (position, form) of the forms (UTF-8, as long as ``form`` give or take ``distance``) that may
    be within ``distance`` edits of it: sharing one of its ``distance + 1`` parts where that part would be
    (the first at the start, the last at the end, a middle one anywhere: ``distance`` edits leave one part
    whole), and, when it is ASCII, missing at most ``distance`` of its letters (an edit adds one at most)."""
    width = len(form) // (distance + 1)
    first, last = form[:width].encode(), form[len(form) - width :].encode()
    shares = np.strings.startswith(forms, first) | np.strings.endswith(forms, last)
    if distance == 2:
        shares |= np.strings.find(forms, form[width : len(form) - width].encode()) >= 0
    positions, forms = positions[shares], forms[shares]
    if len(forms) and form.isascii():
        holds = _missing(form, forms) <= distance
        positions, forms = positions[holds], forms[holds]
    return [(int(position), other.decode()) for position, other in zip(positions, forms, strict=True)]


def _missing(form: str, forms: np.ndarray) -> np.ndarray:
    """Return how many of the (ASCII) form's letters each of the forms lacks, counted with repeats."""
    width = forms.dtype.itemsize
    rows = np.repeat(np.arange(len(forms)), width)
    letters = np.frombuffer(forms.tobytes(), np.uint8)
    counts = np.bincount(rows * 256 + letters, minlength=len(forms) * 256).reshape(len(forms), 256)
    wanted = np.bincount(np.frombuffer(form.encode(), np.uint8), minlength=256)
    return np.maximum(wanted - counts, 0).sum(axis=1)


def _within(a: str, b: str, limit: int) -> bool:
    """Whether a and b are at most ``limit`` edits apart (Levenshtein, as search.backends.base.edit_distance),
    working out only the cells within ``limit`` of the diagonal."""
    if abs(len(a) - len(b)) > limit:
        return False
    beyond = limit + 1
    previous = {j: j for j in range(min(len(b), limit) + 1)}
    for i in range(1, len(a) + 1):
        current = {}
        for j in range(max(0, i - limit), min(len(b), i + limit) + 1):
            if j == 0:
                current[j] = i
                continue
            current[j] = min(
                previous.get(j, beyond) + 1,
                current.get(j - 1, beyond) + 1,
                previous.get(j - 1, beyond) + (a[i - 1] != b[j - 1]),
            )
        if min(current.values()) > limit:
            return False
        previous = current
    return previous.get(len(b), beyond) <= limit
