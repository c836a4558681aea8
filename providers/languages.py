"""Language names in the reader's language, from ISO 639-1 codes.

Listings store a language's code and an English name; pages and reasons show the name in the
reader's language: ours for the network's common languages, Django's list for the rest.
"""

from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

# The network's most spoken languages, offered first wherever a language is picked.
NETWORK_LANGUAGES = {
    "en": _("English"),
    "es": _("Spanish"),
    "vi": _("Vietnamese"),
    "am": _("Amharic"),
    "ar": _("Arabic"),
    "ru": _("Russian"),
}


# Names already translated, by (active language, code): a search names the languages of every result's
# staff, and translating a lazy name each time cost more than the rest of a result's eligibility.
# Translations do not change while a process runs; codes are ISO 639-1, so this stays small.
_translated: dict[tuple[str | None, str], str] = {}


def language_name(code: str, fallback: str = "") -> str:
    """Return the name of language ``code`` in the active language (``fallback`` when unknown)."""
    key = (get_language(), code)
    name = _translated.get(key)
    if name is not None:
        return name
    if code in NETWORK_LANGUAGES:
        name = str(NETWORK_LANGUAGES[code])
    else:
        try:
            name = str(get_language_info(code)["name_translated"])
        except KeyError:
            return fallback or code
    _translated[key] = name
    return name
