"""Named personas and a small listing, shared by every test package.

- ``admin``: a network admin; ``alice``: editor of agency A; ``bob``: editor of agency B;
  ``carol``: a case manager of a workforce program; ``client``: anonymous.
"""

import datetime

import hypothesis
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone, translation

from directory.models import Membership
from providers.models import (
    Address,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from tests import demo

PASSWORD = "correct horse battery staple"

# Property tests judge what they find, not how fast examples come: on a busy machine (CI runs two suites,
# other work shares the cores) generating them can be slow, which must not fail a test.
hypothesis.settings.register_profile(
    "directory", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("directory")


@pytest.fixture(scope="session", autouse=True)
def nothing_collected(tmp_path_factory):
    """Static files as the tests expect them, by their own names: never the manifest of a `make run` in this
    tree (var/static/), whose hashed names pages would then give (the tests run with DEBUG off)."""
    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("nothing-collected")):
        yield


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits (API, password resets) count in the cache: each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """LocaleMiddleware leaves the last request's language active in the thread: start each test in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def search_index_in_tmp(settings, tmp_path):
    """Each test gets its own index folder, and no indexing happens unless the test asks for it."""
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_INDEX_UPKEEP = False


@pytest.fixture
def wsgi_app():
    """Django's WSGI app (for schemathesis), kept from closing the test's database connection between requests.

    (Django's test client does the same: the connection holds the test's data in an open transaction.)
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """A STATIC_ROOT as `manage.py collectstatic` leaves it for production: hashed copies and their manifest.

    Collected once for the session (Django's manifest storage: the same manifest as whitenoise's, without
    the compressed copies, which take seconds to make and which nothing here reads).
    """
    root = tmp_path_factory.mktemp("static")
    manifest_storage = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    with override_settings(STATIC_ROOT=root, STORAGES={**settings.STORAGES, "staticfiles": manifest_storage}):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def make_user(username: str, organization: Organization, role: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def agency_a(db) -> Organization:
    return Organization.objects.create(name="Agency A", description="A child care provider.")


@pytest.fixture
def agency_b(db) -> Organization:
    return Organization.objects.create(name="Agency B", description="A housing provider.")


@pytest.fixture
def workforce_program(db) -> Organization:
    return Organization.objects.create(name="Workforce Program", description="Job training that refers.")


@pytest.fixture
def admin(workforce_program) -> User:
    return make_user("admin", workforce_program, Membership.Role.NETWORK_ADMIN)


@pytest.fixture
def alice(agency_a) -> User:
    return make_user("alice", agency_a, Membership.Role.AGENCY_EDITOR)


@pytest.fixture
def bob(agency_b) -> User:
    return make_user("bob", agency_b, Membership.Role.AGENCY_EDITOR)


@pytest.fixture
def carol(workforce_program) -> User:
    return make_user("carol", workforce_program, Membership.Role.CASE_MANAGER)


@pytest.fixture
def categories(db) -> Taxonomy:
    taxonomy = Taxonomy.objects.create(code=Taxonomy.CATEGORIES, name="Categories", description="Service categories")
    child_care = TaxonomyTerm.objects.create(
        taxonomy=taxonomy, code="child-care", name="Child care", name_es="Cuidado infantil"
    )
    TaxonomyTerm.objects.create(
        taxonomy=taxonomy, code="daycare", name="Daycare", name_es="Guardería", parent=child_care
    )
    return taxonomy


@pytest.fixture
def service_a(agency_a, categories) -> Service:
    """A child care service of agency A at one Denver location, open weekdays; agency A stated its capacity
    (accepting), how to refer (contact), and whom it serves (any gender, no residency or population rule)."""
    service = Service.objects.create(
        organization=agency_a,
        name="Sunrise Daycare",
        description="Full-day child care for working parents.",
        capacity_status=Service.Capacity.ACCEPTING,
        capacity_updated_at=timezone.now(),
        referral_method=Service.ReferralMethod.CONTACT,
        minimum_age=0,
        maximum_age=5,
        income_limit_percent_fpl=200,
        gender=Service.Gender.ANY,
        populations_required=False,
        residency_required=False,
    )
    service.categories.add(TaxonomyTerm.objects.get(code="daycare"))
    location = Location.objects.create(
        organization=agency_a, name="Sunrise Westwood", latitude=39.6956, longitude=-105.0341
    )
    Address.objects.create(
        location=location, address_1="3300 W Alameda Ave", city="Denver", state_province="CO", postal_code="80219"
    )
    ServiceAtLocation.objects.create(service=service, location=location)
    for weekday in ["MO", "TU", "WE", "TH", "FR"]:
        Schedule.objects.create(
            service=service, weekday=weekday, opens_at=datetime.time(7), closes_at=datetime.time(18)
        )
    return service


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker, tmp_path_factory) -> demo.Snapshot:
    """Run ``manage.py load_demo`` once for the session, at demo.LOADED_AT, and keep the rows it wrote.

    The load is rolled back: each consumer puts the rows back where it needs them (``demo_network``,
    the HSDS feed's package, the browser tests' live server).
    """
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SEARCH_INDEX_DIR=tmp_path_factory.mktemp("demo-search-index"),
        SEARCH_INDEX_UPKEEP=False,
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        snapshot = demo.load()
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture(scope="module")
def demo_network(demo_snapshot, django_db_blocker) -> demo.Snapshot:
    """The demo network for a module, as ``load_demo`` left it, at the moment of the load (time stands still).

    Restored in a transaction rolled back after the module; each test runs in its own savepoint, so
    what one test changes the next does not see. ``.output`` is what the load printed.
    """
    moment = time_machine.travel(demo_snapshot.loaded_at, tick=False)
    with django_db_blocker.unblock(), moment, transaction.atomic():
        demo_snapshot.restore()
        yield demo_snapshot
        transaction.set_rollback(True)
