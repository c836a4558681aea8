"""Suggestions as one types: categories, services and organizations whose names fit what was typed so far.

What was typed fits a name when each of its words begins a word of the name, the last one perhaps
unfinished ("child ca" fits "Child care"). Categories also fit by their names in the other language and their
synonyms, English or Spanish (named in the suggestion), accents optional. Services are found by the search
backend (``names_starting``: the index's words, so as fast as a search), organizations by their services'
documents' names read from the database. Shortest names first: the closest to what was typed.
"""

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from providers.models import Organization, Service, TaxonomyTerm
from search.backends import get_backend
from search.query import verified_since

MIN_LETTERS = 2  # fewer would suggest half the directory
MAX_CATEGORIES = 5
MAX_SERVICES = 5
MAX_ORGANIZATIONS = 3
MAX_ORGANIZATION_MATCHES = 200  # whose name has the longest word typed, looked at for the best fits
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "category", "service" or "organization"
    name: str  # in the page's language, for categories
    detail: str  # a category's name in the other language, or the synonym that fitted; a service's organization
    url: str  # where choosing it goes
    code: str = ""  # a category's code
    id: str = ""  # a service's or organization's id


def folded(text: str) -> str:
    """Return the text in lower case without accents, as what was typed and names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.lru_cache(maxsize=8192)
def words_of(name: str) -> tuple[str, ...]:
    """Return the name's words, folded (kept: the same names, synonyms above all, come with every keystroke)."""
    return tuple(WORD.findall(folded(name)))


def fits(typed: list[str], name_words: tuple[str, ...]) -> bool:
    """True when each typed word (folded) begins a word of the name (words_of), each a word of its own."""
    free = list(name_words)
    for word in typed:
        match = next((candidate for candidate in free if candidate.startswith(word)), None)
        if match is None:
            return False
        free.remove(match)
    return True


def suggest(text: str) -> list[Suggestion]:
    """Return the suggestions for what was typed: categories, then services, then organizations."""
    typed = WORD.findall(text.lower())
    if sum(len(word) for word in typed) < MIN_LETTERS:
        return []
    words = [folded(word) for word in typed]
    return [*categories(words), *services(typed), *organizations(words)]


def categories(typed: list[str]) -> list[Suggestion]:
    """Categories whose name, other language's name or a synonym (English or Spanish) fits the words typed
    (folded): by name first, then shortest first."""
    spanish = get_language() == "es"
    rows = tuple(TaxonomyTerm.objects.categories().values_list("code", "name", "name_es", "synonyms", "synonyms_es"))
    words, owners, labels = _category_labels(rows)
    key = max(typed, key=len)
    candidates = set()
    for position in range(bisect.bisect_left(words, key), len(words)):
        if not words[position].startswith(key):
            break
        candidates.update(owners[position])
    best: dict[str, tuple] = {}  # code: (how well it fits: 0 by name, 1 other name, 2 synonym; length; suggestion)
    for number in candidates:
        code, english, spanish_name, kind, text, label_words = labels[number]
        if not fits(typed, label_words):
            continue
        name, other = (spanish_name or english, english) if spanish else (english, spanish_name)
        rank = 2 if kind == SYNONYM else 0 if text == name else 1
        if code not in best or rank < best[code][0]:
            url = f"{reverse('search:page')}?{urlencode({'category': code})}"
            detail = other if rank < 2 else text
            best[code] = (rank, len(name), name, Suggestion("category", name, detail, url, code=code))
    return [item[-1] for item in sorted(best.values(), key=lambda item: item[:3])[:MAX_CATEGORIES]]


NAME, SYNONYM = "name", "synonym"


@functools.lru_cache(maxsize=4)
def _category_labels(rows: tuple) -> tuple[list[str], list[set[int]], list[tuple]]:
    """Every name and synonym of the categories, with its folded words: ``labels`` (code, English name,
    Spanish name, NAME or SYNONYM, the text, its words), the words in order, and the labels holding each.
    Worked out once for the same rows (an edit of the taxonomy gives other rows)."""
    labels = []
    holders: dict[str, set[int]] = {}
    for code, english, spanish_name, synonyms, synonyms_es in rows:
        texts = [(NAME, english), (NAME, spanish_name)]
        texts += [(SYNONYM, synonym.strip()) for synonym in f"{synonyms},{synonyms_es}".split(",")]
        for kind, text in texts:
            label_words = words_of(text)
            if not label_words:
                continue
            for word in label_words:
                holders.setdefault(word, set()).add(len(labels))
            labels.append((code, english, spanish_name, kind, text, label_words))
    words = sorted(holders)
    return words, [holders[word] for word in words], labels


def services(typed: list[str]) -> list[Suggestion]:
    """Listed services whose name fits, shortest first (the search backend finds them)."""
    backend = get_backend()
    handles = backend.names_starting(typed[:-1], typed[-1], MAX_SERVICES, verified_since=verified_since())
    return [
        Suggestion(
            "service",
            data["name"],
            data["organization"],
            reverse("providers:service_detail", args=[data["id"]]),
            id=data["id"],
        )
        for data in backend.details(handles)
        if data is not None
    ]


def organizations(typed: list[str]) -> list[Suggestion]:
    """Organizations with a listed service whose name fits, shortest first; choosing one searches for its name."""
    longest = max(typed, key=len)
    listed = Service.objects.listed().filter(organization=OuterRef("pk"))
    candidates = (
        Organization.objects.filter(name__icontains=longest)
        .filter(Exists(listed))
        .order_by()
        .values_list("id", "name")[:MAX_ORGANIZATION_MATCHES]
    )
    found = sorted(
        (
            (len(name), name, str(organization_id))
            for organization_id, name in candidates
            if fits(typed, words_of(name))
        ),
    )[:MAX_ORGANIZATIONS]
    return [
        Suggestion("organization", name, "", f"{reverse('search:page')}?{urlencode({'q': name})}", id=organization_id)
        for _length, name, organization_id in found
    ]
