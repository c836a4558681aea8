"""Listings made to order for search tests, and a real index in each search backend.

Every test that builds listings (the ``taxonomy`` fixture) runs once per backend: with Whoosh (an
index in a temporary folder) always, and with PostgreSQL full-text search when the tests run on
PostgreSQL (CI's second pass); on SQLite that run is skipped.
"""

import datetime
import shutil

import pytest
from django.db import connection

from providers.models import (
    Address,
    CostOption,
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from search.backends import SearchBackend, get_backend
from search.backends.whoosh import index
from search.models import SearchDocument, SearchDocumentData

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "vi": "Vietnamese", "am": "Amharic"}
BACKENDS = ["whoosh", "postgres"]


def pytest_generate_tests(metafunc):
    """Run every test that builds listings (the ``taxonomy`` fixture) once per search backend."""
    chosen = any("search_backend" in marker.args[0] for marker in metafunc.definition.iter_markers("parametrize"))
    if "taxonomy" in metafunc.fixturenames and not chosen:
        metafunc.parametrize("search_backend", BACKENDS, indirect=True)


def pytest_runtest_setup(item):
    """Skip the PostgreSQL backend's runs on another database (here, not in the fixture: one line in the summary)."""
    callspec = getattr(item, "callspec", None)
    if callspec and callspec.params.get("search_backend") == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL search backend runs only on a PostgreSQL database (DATABASE_URL=postgres://...)")


@pytest.fixture(autouse=True)
def search_backend(request, settings) -> SearchBackend:
    """The backend the test searches with: Whoosh unless the test is run for each (pytest_generate_tests)."""
    settings.SEARCH_BACKEND = getattr(request, "param", "whoosh")
    return get_backend()


def rebuild() -> int:
    """Rebuild the configured backend's index from the database."""
    return get_backend().rebuild()


def delete_index(settings) -> None:
    """Lose the index, as a deleted folder or a never-built table: search must say so, never crash."""
    if settings.SEARCH_BACKEND == "postgres":
        SearchDocument.objects.all().delete()
        SearchDocumentData.objects.all().delete()
    else:
        shutil.rmtree(settings.SEARCH_INDEX_DIR)
        index.reset_searcher()


@pytest.fixture
def taxonomy(db):
    """Categories (child care > daycare, transportation > bus passes, housing) and populations."""
    categories = Taxonomy.objects.create(code=Taxonomy.CATEGORIES, name="Categories", description="Categories")
    child_care = TaxonomyTerm.objects.create(
        taxonomy=categories, code="child-care", name="Child care", synonyms="daycare, day care, babysitting"
    )
    TaxonomyTerm.objects.create(taxonomy=categories, code="daycare", name="Daycare centers", parent=child_care)
    transportation = TaxonomyTerm.objects.create(
        taxonomy=categories, code="transportation", name="Transportation", synonyms="ride, rides, bus, car"
    )
    TaxonomyTerm.objects.create(taxonomy=categories, code="bus-passes", name="Bus passes", parent=transportation)
    TaxonomyTerm.objects.create(taxonomy=categories, code="housing", name="Housing", synonyms="rent, eviction, shelter")
    populations = Taxonomy.objects.create(code=Taxonomy.POPULATIONS, name="Populations", description="Populations")
    TaxonomyTerm.objects.create(taxonomy=populations, code="veterans", name="Veterans", synonyms="veteran, military")
    TaxonomyTerm.objects.create(taxonomy=populations, code="youth", name="Youth", synonyms="teen")
    return categories


# What make_service's agency states unless a test says otherwise (a new listing states nothing by itself).
STATED = {
    "capacity_status": Service.Capacity.ACCEPTING,
    "capacity_updated_at": datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC),
    "referral_method": Service.ReferralMethod.CONTACT,
    "gender": Service.Gender.ANY,
    "populations_required": False,
    "residency_required": False,
}


def make_service(
    name: str,
    *,
    category: str = "daycare",
    zip_code: str = "80219",
    point: tuple[float, float] = (39.6956, -105.0341),
    languages: tuple[str, ...] = ("en",),
    description: str = "",
    hours: list[tuple[str, str, str]] | None = None,
    organization: Organization | None = None,
    **fields,
) -> Service:
    """Create a listed service with one location, weekday 8-18 hours unless told otherwise; its agency stated
    that it is accepting new clients, takes referrals by contact and serves anyone (unless told otherwise)."""
    organization = organization or Organization.objects.create(name=f"{name} Inc.", description="An agency.")
    fields = {**STATED, **fields}
    populations = fields.pop("populations", ())
    area = fields.pop("area", None)
    free = fields.pop("free", True)
    service = Service.objects.create(organization=organization, name=name, description=description, **fields)
    service.categories.add(TaxonomyTerm.objects.get(code=category))
    service.populations.add(*TaxonomyTerm.objects.filter(code__in=populations))
    location = Location.objects.create(
        organization=organization, name=f"{name} site", latitude=point[0], longitude=point[1]
    )
    Address.objects.create(
        location=location, address_1="1 Main St", city="Denver", state_province="CO", postal_code=zip_code
    )
    ServiceAtLocation.objects.create(service=service, location=location)
    for code in languages:
        Language.objects.create(service=service, code=code, name=LANGUAGE_NAMES[code])
    for weekday, opens, closes in hours or [(day, "08:00", "18:00") for day in ["MO", "TU", "WE", "TH", "FR"]]:
        Schedule.objects.create(
            location=location,
            weekday=weekday,
            opens_at=datetime.time.fromisoformat(opens),
            closes_at=datetime.time.fromisoformat(closes),
        )
    CostOption.objects.create(service=service, option="Fee" if not free else "Free", amount=0 if free else 25)
    if area is not None:
        ServiceArea.objects.create(service=service, **area)
    return service


@pytest.fixture
def search_index(settings, db, search_backend):
    """An empty index, kept current after each commit (tests capture on_commit to see it)."""
    settings.SEARCH_INDEX_UPKEEP = True
    search_backend.rebuild()
    yield
    index.reset_searcher()


@pytest.fixture
def indexed(search_index, django_capture_on_commit_callbacks):
    """Run a block as one committed change: its on_commit callbacks (the index upkeep) run at the end."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
