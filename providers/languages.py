"""Language names in the reader's language, from ISO 639-1 codes.

Listings store a language's code and an English name; pages and reasons show the name in the
reader's language: ours for the network's common languages, Django's list for the rest.
"""

from django.utils.translation import get_language_info
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


def language_name(code: str, fallback: str = "") -> str:
    """Return the name of language ``code`` in the active language (``fallback`` when unknown)."""
    if code in NETWORK_LANGUAGES:
        return str(NETWORK_LANGUAGES[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return fallback or code
