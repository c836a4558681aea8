"""Participant data encrypted at rest: contact details, the case id and the free-text notes.

Values are encrypted with `cryptography`'s MultiFernet (AES-128-CBC with an HMAC-SHA256, authenticated):
the first key of FIELD_ENCRYPTION_KEYS encrypts, every key decrypts, so a key is rotated by putting the new
one first, running `manage.py rotate_field_encryption_key`, then dropping the old one. We use the library
directly: it is maintained by the Python Cryptographic Authority and already installed, and the field below
is a few lines. django-fernet-encrypted-fields derives its keys from SECRET_KEY (rotating the site's secret
would rotate the data's keys) and has neither a re-encrypting command nor a blind index.

A Fernet token is different on every write, so the database cannot compare encrypted values. The case id,
which staff look participants up by, also gets a blind index: an HMAC-SHA256 of its normalised value
under FIELD_INDEX_KEY (a key of its own, which rotation leaves alone), in a column of its own.

Empty values stay empty, so that "has a phone" remains a plain query; only their being empty shows.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models

DERIVED = "FIELD_ENCRYPTION_KEYS is not set: participant data is encrypted with a key derived from SECRET_KEY."
DERIVED_HINT = (
    "Fine for development. In production set FIELD_ENCRYPTION_KEYS (from "
    '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`) '
    "and FIELD_INDEX_KEY (a long random string); keep both with the database's backups, apart from them."
)


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"directory.{purpose}:{settings.SECRET_KEY}".encode()).digest()


def encryption_keys() -> tuple[str, ...]:
    """Return the configured Fernet keys, newest first (in DEBUG without them, one derived from SECRET_KEY)."""
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if keys:
        return keys
    return (base64.urlsafe_b64encode(_derived("field-encryption")).decode(),)


def index_key() -> str:
    """Return the key of the blind indexes (in DEBUG without FIELD_INDEX_KEY, one derived from SECRET_KEY)."""
    return settings.FIELD_INDEX_KEY or _derived("field-index").hex()


@functools.lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from error


def fernet() -> MultiFernet:
    return _multi_fernet(encryption_keys())


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode() if value else value


def decrypt(value: str) -> str:
    if not value:
        return value
    try:
        return fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A participant value cannot be decrypted with any key of FIELD_ENCRYPTION_KEYS: "
            "was a key dropped before `manage.py rotate_field_encryption_key` ran?"
        ) from None


def normalised_case_id(value: str) -> str:
    # The finder and the dashboard filter have always matched a case id whatever its case.
    return value.strip().casefold()


def blind_index(value: str) -> str:
    """Return the HMAC-SHA256 (hex) of a normalised case id, or "" for none."""
    value = normalised_case_id(value)
    if not value:
        return ""
    return hmac.new(index_key().encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedMixin:
    """Stored as text, encrypted; the model instance holds the clear value. Compare through a blind index."""

    def get_internal_type(self) -> str:
        # A Fernet token is longer than the value: the column is text, the limit of the value stays a validator.
        return "TextField"

    def from_db_value(self, value, expression, connection):
        return value if value is None else decrypt(value)

    def get_db_prep_save(self, value, connection):
        value = super().get_db_prep_save(value, connection)
        # An expression (bulk_update's CASE) prepares its values through this field again.
        return encrypt(value) if isinstance(value, str) else value


class EncryptedCharField(EncryptedMixin, models.CharField):
    pass


class EncryptedEmailField(EncryptedMixin, models.EmailField):
    pass


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class BlindIndexField(models.CharField):
    """The blind index of another field of the row, computed whenever the row is saved."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("blank", True), ("editable", False)):
            if kwargs.get(key) == default:
                del kwargs[key]
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


# The fields encrypted at rest, by model: for the rotation command and the data migration.
ENCRYPTED_FIELDS = {
    "Participant": ["phone", "email", "external_id"],
    "Referral": ["note"],
    "ReferralEvent": ["note"],
    "Feedback": ["outcome_note", "participant_comment"],
}


@checks.register(checks.Tags.security)
def check_encryption_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn when the keys are derived from SECRET_KEY; an error for a key that is not a Fernet key."""
    try:
        fernet()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="referrals.E001")]
    if not settings.FIELD_ENCRYPTION_KEYS or not settings.FIELD_INDEX_KEY:
        return [checks.Warning(DERIVED, hint=DERIVED_HINT, id="referrals.W001")]
    return []
