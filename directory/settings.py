"""Settings for the referral network directory, read from the environment.

Every setting a deployment may change is an environment variable; the README lists them.
A fresh checkout runs with none set: SQLite and a Whoosh index under ``var/``.
"""

import datetime
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default)
    if value not in ("", "True", "False"):
        raise ImproperlyConfigured(f"Unexpected value {name}={value}, use 'True' or 'False'")
    return value == "True"


def envint(name: str, default: int) -> int:
    value = os.getenv(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={value}, use a whole number") from None


def envchoice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.getenv(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"Unexpected value {name}={value}, use one of: {', '.join(choices)}")
    return value


def envrate(name: str, default: str) -> str:
    """A count per period: "20/10m", "5/h", "300/min" (s, m, h or d, optionally times a number)."""
    value = os.getenv(name, default)
    if not re.fullmatch(r"[0-9]+/[0-9]*(s|sec|m|min|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"Unexpected value {name}={value}, use a count per period such as 5/h or 20/10m")
    return value


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Return a DATABASES entry for a ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {
            # Django's SQLite backend, creating the file 0600 in a 0700 folder (directory/sqlite/base.py).
            "ENGINE": "directory.sqlite",
            "NAME": unquote(parts.path[1:]) or ":memory:",
            # Writers from several threads and processes take turns instead of failing with "database is
            # locked": a transaction takes the write lock when it begins (a deferred one that reads first
            # fails at once when it must wait for the lock), a writer waits up to DATABASE_TIMEOUT seconds
            # for it, and with the write-ahead log readers never wait for a writer nor a writer for them.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": envint("DATABASE_TIMEOUT", 20),
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path[1:]),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": envint("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(f"Unsupported DATABASE_URL scheme {parts.scheme!r}: use sqlite or postgres")


DEBUG = envbool("DEBUG", "False")

SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (a long random string) or run with DEBUG=True")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-never-in-production"

# Participant contact details, case ids and notes are encrypted in the database (referrals/encryption.py).
# Fernet keys, comma-separated: the first encrypts, all decrypt. To rotate, put a new key first, run
# `manage.py rotate_field_encryption_key`, then drop the old one. FIELD_INDEX_KEY keys the blind index that
# case ids are looked up by; it is not rotated. In DEBUG without them, keys derived from SECRET_KEY (a warning).
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEYS", "")
FIELD_INDEX_KEY = os.getenv("FIELD_INDEX_KEY", "")
if not (FIELD_ENCRYPTION_KEYS and FIELD_INDEX_KEY) and not DEBUG:
    raise ImproperlyConfigured(
        "Set FIELD_ENCRYPTION_KEYS (Fernet keys, comma-separated, the newest first) and FIELD_INDEX_KEY "
        "(a long random string), or run with DEBUG=True"
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "directory",
    "providers",
    "search",
    "referrals",
    "handouts",
    "plans",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "directory.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into directory.sign_in.locked_out's page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "directory.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "directory.context_processors.demo_network",
                "directory.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "directory.wsgi.application"

DATABASES = {"default": database_from_url(os.getenv("DATABASE_URL", f"sqlite:///{VAR_DIR / 'directory.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["directory.sign_in.SignInThrottle", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "directory" / "locale"]
USE_I18N = True
# The network's home time zone; each schedule carries its own for "open now".
TIME_ZONE = os.getenv("TIME_ZONE", "America/Denver")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The same storage whatever DEBUG is, so that `make setup`'s collectstatic (in development mode) writes
    # the manifest that production names its files by (directory/storage.py). With DEBUG off the server
    # refuses to start without one that holds every static file (directory/checks.py).
    "staticfiles": {"BACKEND": "directory.storage.StaticFilesStorage"},
}

# Mail (directory/mail.py). No request talks to a mail server: every e-mail is stored in the outbox in
# the transaction of the change it tells about, and `manage.py deliver_mail` sends it with
# MAIL_DELIVERY_BACKEND, the backend that the variable EMAIL_BACKEND names (SMTP unless DEBUG).
EMAIL_BACKEND = "directory.mail.OutboxBackend"
MAIL_DELIVERY_BACKEND = os.getenv(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "False")
# Seconds the mail worker waits for the mail server at each step (connecting, each answer).
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "directory@localhost")

# Security. With DEBUG off these default to what `manage.py check --deploy` asks for.
# Behind the proxy, the client's address is the last one in X-Forwarded-For (directory.throttles).
BEHIND_HTTPS_PROXY = envbool("BEHIND_HTTPS_PROXY", "False")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(not DEBUG))
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
# The site's page for a failed CSRF check (Django's has an inline style, which the CSP blocks).
CSRF_FAILURE_VIEW = "directory.errors.csrf_failure"
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is the operator's decision, not ours.

# Sign-in throttle (django-axes, directory/sign_in.py): after AXES_FAILURE_LIMIT failed sign-ins for one
# username, or from one address, sign-ins there are refused until the failures are AXES_COOLOFF_MINUTES old.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "directory.throttles.client_address"
AXES_LOCKOUT_CALLABLE = "directory.sign_in.locked_out"
# Trying again while locked out does not move the end of the lockout, so the time the page gives stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Keep failures only (for the cool-off), not a log of every successful sign-in.
AXES_DISABLE_ACCESS_LOG = True
# No start-up line in every command's output; failures are still logged, username and address masked.
AXES_VERBOSE = False
# Never kept with a failure: the password fields of the sign-in and password change forms (and who, where).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "old_password", "new_password1", "new_password2"]
# Password reset requests, per client address and per e-mail address (directory/passwords.py); past
# it the form answers 429 and sends nothing. Counted in the default cache, like API_THROTTLE_RATE.
PASSWORD_RESET_RATE = envrate("PASSWORD_RESET_RATE", "5/h")

# The search page's map. Tiles come from this URL template; when they cannot load, the map still
# shows its markers. Its host is allowed in the CSP's img-src below.
MAP_TILE_URL = os.getenv("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.getenv("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
MAP_TILE_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(MAP_TILE_URL.replace("{s}", "*")))

# Content-Security-Policy, sent by directory.middleware on every response. No 'unsafe-inline':
# templates carry no inline scripts or styles. MAP_TILE_URL's host is added to img-src.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", *([MAP_TILE_ORIGIN] if MAP_TILE_URL else [])],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

REST_FRAMEWORK = {
    # JSON only: the browsable API's pages need inline scripts, which the CSP forbids.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser within limits of depth and numbers (directory/jsonlimits.py).
    "DEFAULT_PARSER_CLASSES": ["directory.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "directory.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Requests per client system of the referral API; over it the answer is 429 with Retry-After.
# Counted in the default cache: with several web hosts, point CACHES at a shared one (README).
API_THROTTLE_RATE = os.getenv("API_THROTTLE_RATE", "300/min")
# Requests with a wrong token, per address (referrals/api/authentication.py); past it, 429 instead of 401.
API_INVALID_TOKEN_RATE = envrate("API_INVALID_TOKEN_RATE", "20/10m")

# The OpenAPI document of /api/v1/ (the HSDS feed has its own, providers/hsds/openapi.py).
SPECTACULAR_SETTINGS = {
    "TITLE": "Referral network API",
    "DESCRIPTION": "Search the directory, and create and follow referrals from another case system. "
    "Authenticate with `Authorization: Bearer <token>` (a network admin registers the client system).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["referrals.api.schema.only_api_v1"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "referrals.api.schema.document_errors",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "referrals.models.Referral.Status",
        "DeliveryStatusEnum": "referrals.models.WebhookDelivery.Status",
        "StepStatusEnum": "plans.models.Step.Status",
        "CheckInMethodEnum": "plans.models.CheckIn.Method",
        # The name consents' method had before check-ins had one too.
        "MethodEnum": "referrals.models.Consent.Method",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Where search looks things up: "whoosh", an index on this host's disk (the default, one web host), or
# "postgres", full-text search in the shared PostgreSQL database (several web hosts; see the README).
SEARCH_BACKEND = envchoice("SEARCH_BACKEND", ("whoosh", "postgres"), "whoosh")
if SEARCH_BACKEND == "postgres" and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("SEARCH_BACKEND=postgres searches the database: set DATABASE_URL=postgres://...")
# Where the Whoosh search index lives; it can always be rebuilt from the database.
SEARCH_INDEX_DIR = Path(os.getenv("SEARCH_INDEX_DIR", VAR_DIR / "search-index"))
# Listing changes reach the index after their transaction commits; off only for bulk work.
SEARCH_INDEX_UPKEEP = envbool("SEARCH_INDEX_UPKEEP", "True")
# Searches from one address without signing in, on the search page and API together (search/visitors.py):
# a count per s, min, h or d; past it 429 with Retry-After. Empty: no limit. Counted in the default cache.
SEARCH_ANON_THROTTLE_RATE = os.getenv("SEARCH_ANON_THROTTLE_RATE", "60/min")
if SEARCH_ANON_THROTTLE_RATE and not re.fullmatch(r"[0-9]+/(s|sec|m|min|h|hour|d|day)", SEARCH_ANON_THROTTLE_RATE):
    raise ImproperlyConfigured(
        f"Unexpected value SEARCH_ANON_THROTTLE_RATE={SEARCH_ANON_THROTTLE_RATE}, use a count per period such as 60/min"
    )
# Suggestions as one types, from one address without signing in (a request a keystroke); the same form.
SEARCH_ANON_SUGGEST_RATE = os.getenv("SEARCH_ANON_SUGGEST_RATE", "600/min")
if SEARCH_ANON_SUGGEST_RATE and not re.fullmatch(r"[0-9]+/(s|sec|m|min|h|hour|d|day)", SEARCH_ANON_SUGGEST_RATE):
    raise ImproperlyConfigured(
        f"Unexpected value SEARCH_ANON_SUGGEST_RATE={SEARCH_ANON_SUGGEST_RATE}, use a count per period such as 600/min"
    )
# Searches that found nothing an anonymous visitor adds to the unmet-needs report in a day, at most (each
# need counts once a day per visitor, signed in or not).
SEARCH_ANON_UNMET_PER_DAY = envint("SEARCH_ANON_UNMET_PER_DAY", 3)

# Street addresses are geocoded only when a geopy geocoder is configured, e.g. GEOCODER=nominatim
# with GEOCODER_USER_AGENT set as its usage policy asks; ZIP codes always work offline.
GEOCODER = os.getenv("GEOCODER", "")
GEOCODER_USER_AGENT = os.getenv("GEOCODER_USER_AGENT", "referral-network-directory")
GEOCODER_TIMEOUT = envint("GEOCODER_TIMEOUT", 5)
GEOCODER_MIN_DELAY_SECONDS = envint("GEOCODER_MIN_DELAY_SECONDS", 1)
# A self-hosted geocoder, e.g. GEOCODER_DOMAIN=nominatim.internal:8080 GEOCODER_SCHEME=http.
GEOCODER_DOMAIN = os.getenv("GEOCODER_DOMAIN", "")
GEOCODER_SCHEME = os.getenv("GEOCODER_SCHEME", "https")
# A geocoded point is reused for this many days, then deleted (the typed address is never kept).
GEOCODER_CACHE_DAYS = envint("GEOCODER_CACHE_DAYS", 30)

# The Open Referral HSDS 3.0 feed (providers/hsds/): where it is served, and the search functions it
# borrows from search/ (providers does not import search; these dotted paths connect them).
HSDS_FEED_PREFIX = os.getenv("HSDS_FEED_PREFIX", "api/hsds/")
HSDS_TEXT_SEARCH = "search.feed.service_ids_for_text"
HSDS_LOCATE_POSTCODE = "search.geography.place_for_zip"
# In the import's transaction: note the services it changed as waiting for the index. After its commit:
# write them, and any an earlier run left waiting (a process killed between its commit and the index write).
HSDS_REINDEX_QUEUE = "search.backends.record_pending"
HSDS_REINDEX = "search.backends.write_pending"
# What a zip given to import_hsds may hold (providers/hsds/archive.py); the command's options override them.
HSDS_IMPORT_MAX_EXPANDED_MB = envint("HSDS_IMPORT_MAX_EXPANDED_MB", 1000)
HSDS_IMPORT_MAX_FILES = envint("HSDS_IMPORT_MAX_FILES", 100_000)
HSDS_IMPORT_MAX_RATIO = envint("HSDS_IMPORT_MAX_RATIO", 100)

# A referral with no answer (accepted or declined) from the provider within this many business days
# is overdue. The participant's private feedback link lasts this many days.
REFERRAL_RESPONSE_DAYS = envint("REFERRAL_RESPONSE_DAYS", 2)
PARTICIPANT_LINK_DAYS = envint("PARTICIPANT_LINK_DAYS", 60)
# A participant's plan (plans/) is due a check-in when the last one is this many days old; the
# participant's private link to their plan lasts PLAN_LINK_DAYS (a new one is issued when it ends).
PLAN_CHECK_IN_DAYS = envint("PLAN_CHECK_IN_DAYS", 7)
PLAN_LINK_DAYS = envint("PLAN_LINK_DAYS", 180)
# A participant's personal data is erased this many days after their last referral ended (three years,
# the record-keeping period of US workforce programs); `manage.py purge_participant_data` does it.
PARTICIPANT_RETENTION_DAYS = envint("PARTICIPANT_RETENTION_DAYS", 1095)
# What other apps keep of a participant is erased with them: functions called with the participant, in the
# erasure's transaction (referrals does not import them).
PARTICIPANT_ERASURE_HOOKS = ["handouts.services.participant_erase_handouts", "plans.services.participant_erase_plan"]
# Participants the retention purge keeps whatever their referrals say: functions called with ``now`` that return
# a queryset of participant ids (referrals does not import them). A plan is held while a step is open, or a
# check-in was held, a step done or the plan started within PARTICIPANT_RETENTION_DAYS.
PARTICIPANT_RETENTION_HOLDS = ["plans.selectors.participants_with_active_plans"]
# What other apps hold on a participant, in their own copy (referrals/copies.py): functions called with the
# participant that return None or {"key", "title", "template", "data"} (data: the JSON copy's part under key).
PARTICIPANT_COPY_SECTIONS = ["plans.copies.plan_copy"]
# A referral made for a step of the participant's plan (plans/): the function that checks the step (an opaque
# id from the refer page or the API) and ties them, and the functions told of every status change, which move
# the step; each called in the referral's transaction (referrals does not import them).
REFERRAL_STEP_HOOK = "plans.services.referral_for_step"
REFERRAL_STATUS_HOOKS = ["plans.services.referral_followed"]
# The access log (referrals/access_log.py): reads by one person of one referral or participant within
# this many minutes count once; records are kept this many days (six years, as HIPAA keeps its
# accounting of disclosures), then `manage.py purge_access_log` deletes them.
ACCESS_LOG_WINDOW_MINUTES = envint("ACCESS_LOG_WINDOW_MINUTES", 10)
ACCESS_LOG_RETENTION_DAYS = envint("ACCESS_LOG_RETENTION_DAYS", 2190)

# The referral track record (service pages, search results) and the ranking's responsiveness come
# from referrals/, which providers and search do not import: these dotted paths connect them.
SERVICE_TRACK_RECORD = "referrals.outcomes.track_record_for"
SEARCH_RESPONSIVENESS = "referrals.outcomes.responsiveness_bands"

# Webhooks (referrals/webhooks.py, referrals/webhook_http.py): seconds one attempt may take in all
# (connect, TLS, send, answer), how many bytes of an answer are read at most, and whether an endpoint
# may point at a loopback, private or link-local address or at this server (only for a local receiver).
WEBHOOK_TIMEOUT = envint("WEBHOOK_TIMEOUT", 10)
WEBHOOK_MAX_RESPONSE_BYTES = envint("WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024)
WEBHOOK_ALLOW_PRIVATE_TARGETS = envbool("WEBHOOK_ALLOW_PRIVATE_TARGETS", "False")

# Resource lists handed to participants (handouts/): their private link lasts this many days; each place's
# directions link fills {latitude}, {longitude} (six decimals) or {address} (URL-encoded) into the template.
RESOURCE_LIST_LINK_DAYS = envint("RESOURCE_LIST_LINK_DAYS", 30)
DIRECTIONS_URL_TEMPLATE = os.getenv(
    "DIRECTIONS_URL_TEMPLATE", "https://www.openstreetmap.org/directions?route=%3B{latitude}%2C{longitude}"
)
# Text messages to participants carry only a list's private link. SMS_BACKEND: handouts.sms.ConsoleSender
# (prints them, the default) or handouts.sms.HttpGatewaySender, which POSTs JSON {"to", "from", "body"} to
# SMS_GATEWAY_URL with "Authorization: Bearer SMS_GATEWAY_TOKEN", waiting up to SMS_TIMEOUT seconds.
SMS_BACKEND = os.getenv("SMS_BACKEND", "handouts.sms.ConsoleSender")
SMS_GATEWAY_URL = os.getenv("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.getenv("SMS_GATEWAY_TOKEN", "")
SMS_FROM = os.getenv("SMS_FROM", "")
SMS_TIMEOUT = envint("SMS_TIMEOUT", 10)

# Listings not confirmed accurate for this many days are flagged stale.
VERIFY_AFTER_DAYS = envint("VERIFY_AFTER_DAYS", 180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The participant's feedback token stays out of the request lines and warnings Django writes.
    "filters": {"hide_feedback_tokens": {"()": "referrals.log_filters.HideFeedbackTokens"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "loggers": {
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["hide_feedback_tokens"],
        },
        "django.request": {"filters": ["hide_feedback_tokens"]},
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
}
