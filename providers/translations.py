"""Listing texts in the reader's language: the Spanish an agency wrote, or the English, said to be English.

Agencies write the Spanish version of each text a participant reads beside the English, in the portal
(the ``<field>_es`` fields of Organization, Service, Schedule, CostOption and RequiredDocument). Nothing is
machine-translated: a Spanish page shows a text the agency has not written in Spanish in English, marked
``lang="en"``, and says so in a small note. The feed carries the Spanish as a "translations" extra
(providers/hsds/README.md).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import get_language

from providers.models import Service

SPANISH = "es"
ENGLISH = "en"

# The texts each kind of record has in Spanish, by their English field. The HSDS export and import, the
# demo loader and the search document read this map, so a new translated text is added here once.
TRANSLATED_FIELDS: dict[str, tuple[str, ...]] = {
    "organization": ("name", "description"),
    "service": ("name", "description", "eligibility_description", "application_process", "fees_description"),
    "schedule": ("description", "notes"),
    "cost_option": ("option", "amount_description"),
    "required_document": ("document",),
}


def spanish_field(field_name: str) -> str:
    """The field holding the Spanish version of ``field_name``: ``description`` → ``description_es``."""
    return f"{field_name}_{SPANISH}"


def reads_spanish(language: str | None = None) -> bool:
    """Whether ``language`` (by default the active one: the page's, or the participant's on a slip) is Spanish."""
    language = language or get_language() or ""
    return language.split("-")[0] == SPANISH


@dataclass(frozen=True)
class ListingText:
    """A text of a listing as the reader gets it.

    ``language``: the language the text is written in, for the ``lang`` attribute. ``only_in_english``:
    the reader reads Spanish, and the agency wrote this text in English only.
    """

    text: str
    language: str
    only_in_english: bool

    def __str__(self) -> str:
        return self.text


def listing_text(record: models.Model, field_name: str, language: str | None = None) -> ListingText:
    """The text of ``record``'s ``field_name`` for a reader of ``language`` (by default the active language)."""
    english = getattr(record, field_name) or ""
    if not reads_spanish(language):
        return ListingText(english, ENGLISH, only_in_english=False)
    spanish = getattr(record, spanish_field(field_name)) or ""
    if spanish.strip():
        return ListingText(spanish, SPANISH, only_in_english=False)
    return ListingText(english, ENGLISH, only_in_english=bool(english.strip()))


def translations_of(record: models.Model, kind: str) -> dict[str, str]:
    """The Spanish texts ``record`` (a ``kind`` of TRANSLATED_FIELDS) has, by English field name."""
    texts = {}
    for field_name in TRANSLATED_FIELDS[kind]:
        spanish = getattr(record, spanish_field(field_name)) or ""
        if spanish:
            texts[field_name] = spanish
    return texts


def names_in_reader_language(service_ids: list[str]) -> dict[str, tuple[str, str]]:
    """The services' and their organizations' names as a Spanish reader reads them, by service id (a query).

    For pages that show names from elsewhere (the search index's stored data): the Spanish name where the
    agency wrote one. An English reader needs none of this, and no query is made.
    """
    if not reads_spanish() or not service_ids:
        return {}
    rows = Service.objects.filter(pk__in=service_ids).values_list(
        "pk", "name", "name_es", "organization__name", "organization__name_es"
    )
    return {
        str(pk): (name_es or name, organization_name_es or organization_name)
        for pk, name, name_es, organization_name, organization_name_es in rows
    }


def spanish_search_text(service: Service) -> str:
    """The Spanish texts of a service and of its organization, one per line, for search's Spanish analysis.

    Meant for the search document's ``text_es`` field (search/documents.py ``document_for``); empty when the
    agency wrote no Spanish. Reads the service's organization (select it).
    """
    texts = [
        *translations_of(service, "service").values(),
        *translations_of(service.organization, "organization").values(),
    ]
    return "\n".join(texts)
