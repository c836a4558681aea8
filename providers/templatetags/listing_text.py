"""Template tags that show a listing's text in the page's language (see providers/translations.py).

``{{ service|in_reader_language:"name" }}``: the plain text, for names in headings, links and titles.
``{% listing_text service "fees_description" %}``: the text inline, marked with its language, and a small
"(only in English)" note on a Spanish page when the agency has not written it in Spanish.
``{% listing_paragraphs service "description" %}``: the same for a long text, in paragraphs.
``{{ language|language_label }}``: a language a service speaks, named in the page's language.
"""

from django import template
from django.db import models

from providers.languages import language_name
from providers.models import Language
from providers.translations import listing_text as text_of

register = template.Library()


@register.filter
def in_reader_language(record: models.Model, field_name: str) -> str:
    return text_of(record, field_name).text


@register.inclusion_tag("providers/_listing_text.html")
def listing_text(record: models.Model, field_name: str) -> dict:
    return {"text": text_of(record, field_name), "paragraphs": False}


@register.inclusion_tag("providers/_listing_text.html")
def listing_paragraphs(record: models.Model, field_name: str) -> dict:
    return {"text": text_of(record, field_name), "paragraphs": True}


@register.filter
def language_label(language: Language) -> str:
    """A language a service speaks, named in the page's language: "Español" reads "Spanish" on an English page."""
    return language_name(language.code, language.name)
