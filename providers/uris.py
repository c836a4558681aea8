"""Web addresses the HSDS feed can carry: what the official schema's ``format: uri`` accepts (RFC 3986).

Django's URLValidator accepts addresses that RFC 3986 does not (a curly apostrophe, a space, ``{}``, a
non-ASCII host), and the feed that carries them then fails the official schema. ``normalise_url`` writes
such an address the way RFC 3986 wants it, changing nothing it means: characters the grammar forbids are
percent-encoded as UTF-8, a non-ASCII host name is IDNA-encoded, and an address without a scheme
(``www.example.org``, ``example.org/path``, ``//example.org``) gets ``https://``. HTTPS, because nearly every
site answers on it and browsers upgrade to it anyway; a site that only answers on HTTP is the rare case,
and one its editors can correct.

``WebAddressField`` is the model field every URL of a listing uses: its ``to_python`` normalises, and
its validators refuse what is still not a URI. ``full_clean`` runs both, so the admin, the partner
portal and the import keep the same rule in one place.
"""

import contextlib
import re
from urllib.parse import quote, urlsplit, urlunsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from rfc3986_validator import validate_rfc3986

URL_MAX_LENGTH = 2000  # what browsers and search engines take; a URL in real data may be long
URI_MESSAGE = URLValidator.message  # Django's own words, translated by Django: "Enter a valid URL."

SCHEME_ADDED = "scheme added"
ENCODED = "characters a URL cannot hold percent-encoded"
HOST_ENCODED = "international host name IDNA-encoded"
INVISIBLE_REMOVED = "invisible characters removed"

# Characters that never belong in a typed address: zero-width and other format characters, BOM.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
HAS_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
WEB_SCHEME = re.compile(r"^(https?|ftps?)://", re.IGNORECASE)
# A host name with a dot, an optional port, then the end or a path, query or fragment: "example.org/a".
BARE_HOST = re.compile(r"^[^\s/?#@:\\]+\.[^\s/?#@:\\]+(:\d+)?([/?#]|$)")
LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What RFC 3986 allows unencoded, beside letters and digits, in each part ("%" for what is encoded already).
SUB_DELIMS = "!$&'()*+,;="
SAFE = {
    "userinfo": "-._~" + SUB_DELIMS + ":%",
    "path": "-._~" + SUB_DELIMS + ":@/%",
    "query": "-._~" + SUB_DELIMS + ":@/?%",
}

web_url = URLValidator()


def normalise_url(value: str) -> tuple[str, list[str]]:
    """Return ``value`` as a URI the HSDS schema accepts, and what was changed; raise ValueError if it is no URL.

    Only changes that cannot alter what the address points at are made (see the module's docstring).
    """
    changes = []
    text = str(value).strip()
    if INVISIBLE.search(text):
        text = INVISIBLE.sub("", text).strip()
        changes.append(INVISIBLE_REMOVED)
    if not text:
        raise ValueError("Empty.")
    if any(part for part in text.split()[1:] if HAS_SCHEME.match(part) or part.lower().startswith("www.")):
        raise ValueError("More than one address.")
    if text.startswith("//"):
        text, changes = "https:" + text, [*changes, SCHEME_ADDED]
    elif not WEB_SCHEME.match(text):
        if not BARE_HOST.match(text):
            raise ValueError("Not a web address.")
        text, changes = "https://" + text, [*changes, SCHEME_ADDED]
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise ValueError("Not a web address.") from None
    userinfo, _, host_port = parts.netloc.rpartition("@")
    host, colon, port = host_port.rpartition(":") if not host_port.endswith("]") else (host_port, "", "")
    if not colon:
        host, port = host_port, ""
    if not host.isascii():
        try:
            host = ".".join(
                label.encode("idna").decode("ascii") if not label.isascii() else label for label in host.split(".")
            )
        except UnicodeError:
            raise ValueError("Not a host name.") from None
        changes.append(HOST_ENCODED)
    pieces = {"path": parts.path, "query": parts.query, "fragment": parts.fragment, "userinfo": userinfo}
    encoded = {name: encode(piece, "query" if name == "fragment" else name) for name, piece in pieces.items()}
    if encoded != pieces:
        changes.append(ENCODED)
    netloc = (encoded["userinfo"] + "@" if userinfo else "") + host + (":" + port if colon else "")
    # A fragment allows what a query does; an empty one ("page#") is kept as it was written.
    url = urlunsplit((parts.scheme.lower(), netloc, encoded["path"], encoded["query"], encoded["fragment"]))
    if text.endswith("#") and not parts.fragment:
        url += "#"
    try:
        web_url(url)
    except ValidationError:
        raise ValueError("Not a web address.") from None
    if not validate_rfc3986(url, rule="URI"):
        raise ValueError("Not a URI.")
    return url, changes


def encode(part: str, where: str) -> str:
    """Percent-encode what RFC 3986 forbids in this part of a URL; what is encoded already stays."""
    return quote(LONE_PERCENT.sub("%25", part), safe=SAFE[where])


def validate_uri(value: str) -> None:
    """Refuse a value the HSDS schema's ``format: uri`` would (RFC 3986 URI)."""
    if value and not validate_rfc3986(value, rule="URI"):
        raise ValidationError(URI_MESSAGE, code="invalid_uri")


class WebAddressFormField(forms.URLField):
    """The form field of a WebAddressField: what is typed is normalised before Django's URL check sees it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**{"assume_scheme": "https", **kwargs})  # as the import completes an address

    def to_python(self, value):
        value = super().to_python(value)
        if value:
            with contextlib.suppress(ValueError):  # else left as it is, for the validators to refuse
                value, _ = normalise_url(value)
        return value


class WebAddressField(models.URLField):
    """A listing's URL: normalised on clean, so that the HSDS feed can always carry it (``normalise_url``)."""

    default_validators = [web_url, validate_uri]

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", URL_MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebAddressFormField, **kwargs})

    def to_python(self, value):
        value = super().to_python(value)
        if value:
            with contextlib.suppress(ValueError):  # else left as it is, for the validators to refuse
                value, _ = normalise_url(value)
        return value
