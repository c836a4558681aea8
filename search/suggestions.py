"""Suggestions as one types: categories, services and organizations whose names fit what was typed so far.

What was typed fits a name when each of its words begins a word of the name, the last one perhaps
unfinished ("child ca" fits "Child care"). Categories also fit by their Spanish names and their synonyms
(named in the suggestion), in either language, accents optional. Services are found by the search
backend (``names_starting``: the index's words, so as fast as a search), organizations by their services'
documents' names read from the database. Shortest names first: the closest to what was typed.
"""

import re
import unicodedata
from dataclasses import dataclass

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


def fits(typed: list[str], name: str) -> bool:
    """True when each typed word begins a word of the name (accents optional), each a word of its own."""
    free = WORD.findall(folded(name))
    for word in map(folded, typed):
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
    return [*categories(typed), *services(typed), *organizations(typed)]


def categories(typed: list[str]) -> list[Suggestion]:
    """Categories whose name, Spanish name or a synonym fits, by their name first, shortest first."""
    spanish = get_language() == "es"
    found = []
    for term in TaxonomyTerm.objects.categories().only("code", "name", "name_es", "synonyms"):
        name, other = (term.name_es or term.name, term.name) if spanish else (term.name, term.name_es)
        synonyms = [synonym.strip() for synonym in term.synonyms.split(",") if synonym.strip()]
        # (how well it fits: 0 by name, 1 by the other language's name, 2 by a synonym; the text that fitted)
        fitted = next(
            (
                (rank, label)
                for rank, labels in ((0, [name]), (1, [other]), (2, synonyms))
                for label in labels
                if label and fits(typed, label)
            ),
            None,
        )
        if fitted is not None:
            rank, label = fitted
            detail = other if rank < 2 else label
            url = f"{reverse('search:page')}?{urlencode({'category': term.code})}"
            found.append(((rank, len(name), name), Suggestion("category", name, detail, url, code=term.code)))
    return [suggestion for _key, suggestion in sorted(found, key=lambda item: item[0])[:MAX_CATEGORIES]]


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
    candidates = (
        Organization.objects.filter(name__icontains=longest, services__in=Service.objects.listed())
        .distinct()
        .order_by()
        .values_list("id", "name")[:200]
    )
    found = sorted(
        ((len(name), name, str(organization_id)) for organization_id, name in candidates if fits(typed, name)),
    )[:MAX_ORGANIZATIONS]
    return [
        Suggestion("organization", name, "", f"{reverse('search:page')}?{urlencode({'q': name})}", id=organization_id)
        for _length, name, organization_id in found
    ]
