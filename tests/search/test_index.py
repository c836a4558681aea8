"""Index upkeep after commit, rebuilds from the database, and a missing index reported clearly."""

import shutil

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from providers.models import Language, Location, Organization, Service, ServiceAtLocation, TaxonomyTerm
from search.backends.base import IndexMissing, SearchRequest
from search.backends.whoosh import index
from search.documents import TermTree, document_for, services_to_index
from search.needs import understand
from search.query import search

from .conftest import delete_index, make_service, rebuild

whoosh_only = pytest.mark.parametrize("search_backend", ["whoosh"], indirect=True)


def found(text: str = "", **filters) -> list[str]:
    return [result.data["name"] for result in search(SearchRequest(text=text, **filters), log_unmet=False).results]


def test_it_indexes_a_new_service_after_commit(taxonomy, indexed):
    """A service created in a committed transaction is searchable by its name."""
    with indexed():
        make_service("Sunrise Daycare")
    assert found("sunrise") == ["Sunrise Daycare"]


def test_it_follows_edits_and_deletions(taxonomy, indexed):
    """Renaming, rewording, adding a language and closing each reach the index after commit."""
    with indexed():
        service = make_service("Sunrise Daycare", description="Breakfast includes waffles.")
    with indexed():
        service.name = "Moonrise Daycare"
        service.description = "Breakfast includes pancakes."
        service.save()
    assert found("moonrise") == ["Moonrise Daycare"]
    assert found("pancakes") == ["Moonrise Daycare"]
    assert found("waffles") == []
    with indexed():
        Language.objects.create(service=service, code="vi", name="Vietnamese")
    assert found(language="vi") == ["Moonrise Daycare"]
    with indexed():
        Service.objects.filter(pk=service.pk).update(status=Service.Status.INACTIVE)
        service.refresh_from_db()
        service.save()
    assert found("moonrise") == []


def test_it_never_indexes_a_rolled_back_change(taxonomy, indexed, search_backend):
    """A transaction that rolls back leaves the index as it was."""
    with indexed(), pytest.raises(RuntimeError), transaction.atomic():
        make_service("Ghost Daycare")
        raise RuntimeError("the save failed")
    assert found("ghost") == []
    assert search_backend.document_count() == 0


def test_it_batches_one_write_per_transaction(taxonomy, indexed, search_backend, monkeypatch):
    """Ten services and their child records in one transaction are written in one batch."""
    batches = []
    original = search_backend.write
    monkeypatch.setattr(search_backend, "write", lambda ids: batches.append(set(ids)) or original(ids))
    with indexed(), transaction.atomic():
        for number in range(10):
            make_service(f"Center {number}")
    assert len(batches) == 1
    assert search_backend.document_count() == 10


def test_it_removes_a_service_that_is_no_longer_listed(taxonomy, indexed, search_backend):
    """A service made inactive, and one deleted, leave the index with the next commit."""
    with indexed():
        inactive = make_service("Sunrise Daycare")
        deleted = make_service("Sunset Daycare")
    with indexed():
        inactive.status = Service.Status.INACTIVE
        inactive.save()
        deleted.delete()
    assert found("daycare") == []
    assert search_backend.document_count() == 0


def test_it_rebuilds_exactly_what_upkeep_built(taxonomy, indexed, search_backend):
    """A rebuild from the database gives the same documents as the upkeep did, edit by edit."""
    with indexed():
        first = make_service("Sunrise Daycare", languages=("en", "es"))
        make_service("Bus Pass Program", category="bus-passes", point=(39.74, -104.99), zip_code="80202")
    with indexed():
        first.capacity_status = Service.Capacity.WAITLIST
        first.save()
    by_upkeep = search_backend.documents()
    rebuild()
    by_rebuild = search_backend.documents()
    assert by_rebuild == by_upkeep
    assert len(by_rebuild) == 2


def test_it_leaves_inactive_services_out_of_a_rebuild(taxonomy):
    """Only listed services (active or temporarily closed) are indexed."""
    make_service("Open Daycare")
    make_service("Closed Daycare", status=Service.Status.DEFUNCT)
    make_service("Paused Daycare", status=Service.Status.TEMPORARILY_CLOSED)
    rebuild()
    assert sorted(found("daycare")) == ["Open Daycare", "Paused Daycare"]


def test_it_reports_a_missing_index_and_rebuilds_it(taxonomy, settings):
    """Deleting the folder (or emptying the table) makes search raise IndexMissing with the command to run;
    the command restores it."""
    make_service("Sunrise Daycare")
    rebuild()
    delete_index(settings)
    with pytest.raises(IndexMissing, match="rebuild_search_index"):
        search(SearchRequest(text="sunrise"))
    call_command("rebuild_search_index", verbosity=0)
    assert found("sunrise") == ["Sunrise Daycare"]


@whoosh_only  # a PostgreSQL table is never missing: upkeep writes to it as soon as it is migrated
def test_it_skips_upkeep_while_the_index_is_missing(taxonomy, indexed, settings):
    """Without an index, upkeep writes nothing (no half index); the next rebuild includes the change."""
    shutil.rmtree(settings.SEARCH_INDEX_DIR)
    index.reset_searcher()
    with indexed():
        make_service("Sunrise Daycare")
    assert not settings.SEARCH_INDEX_DIR.exists()
    rebuild()
    assert found("sunrise") == ["Sunrise Daycare"]


def test_it_prints_progress_and_a_summary(taxonomy, capsys):
    """The rebuild command shows a progress bar and ends with a one-line summary."""
    for number in range(3):
        make_service(f"Center {number}")
    call_command("rebuild_search_index")
    out, err = capsys.readouterr()
    assert "3/3 services" in err
    assert out.startswith("Search index rebuilt: 3 services in ")


@whoosh_only
def test_it_refreshes_the_shared_searcher_only_when_the_index_changed(taxonomy, indexed):
    """The process keeps one searcher; a commit to the index makes the next search see it."""
    with indexed():
        make_service("First Daycare")
    shared = index.searcher()
    assert index.searcher() is shared
    with indexed():
        make_service("Second Daycare")
    assert index.searcher() is not shared
    assert index.document_count() == 2


def test_it_writes_an_import_larger_than_sqlite_takes_in_one_expression(taxonomy, search_index, search_backend):
    """An import of 1,200 services, each at its own location, is written in one call: read a batch at a
    time with each service's locations joined, not 1,200 location terms in one SQL expression (more than
    the 1,000 SQLite takes). A rebuild writes the same documents."""
    organization = Organization.objects.create(name="Big Network", description="Many sites.")
    services = Service.objects.bulk_create(
        Service(organization=organization, name=f"Center {number}", description="Child care.") for number in range(1200)
    )
    locations = Location.objects.bulk_create(
        Location(organization=organization, name=f"Site {number}", latitude=39.7, longitude=-105.0 + number / 10_000)
        for number in range(1200)
    )
    ServiceAtLocation.objects.bulk_create(
        ServiceAtLocation(service=service, location=location)
        for service, location in zip(services, locations, strict=True)
    )
    daycare = TaxonomyTerm.objects.get(code="daycare")
    Service.categories.through.objects.bulk_create(
        Service.categories.through(service_id=service.pk, taxonomyterm_id=daycare.pk) for service in services
    )
    assert search_backend.write([service.pk for service in services]) == 1200
    assert search_backend.document_count() == 1200
    assert search(SearchRequest(text="center", category="child-care"), log_unmet=False).count == 1200
    # A rebuild this large is written by worker processes (Whoosh: a segment each); the same documents.
    written = search_backend.documents()
    assert rebuild() == 1200
    assert search_backend.documents() == written
    if search_backend.name == "whoosh":
        assert len(list(index.searcher().reader().leaf_readers())) > 1
    assert search(SearchRequest(text="center", category="child-care"), log_unmet=False).count == 1200


def test_it_reads_services_for_the_index_in_a_fixed_number_of_queries(taxonomy):
    """Reading services for the index costs the same queries for two services as for six, and building
    their documents none: every field a document reads is loaded with them."""
    make_service("Sunrise Daycare", languages=("en", "es"), populations=["youth"])
    make_service("Night Shelter", category="housing", hours=[("FR", "22:00", "06:00")], free=False)

    def read() -> int:
        with CaptureQueriesContext(connection) as queries:
            services = list(services_to_index(Service.objects.values_list("pk", flat=True)))
        with CaptureQueriesContext(connection) as building:
            for service in services:
                document_for(service, tree)
        assert len(building) == 0
        return len(queries)

    tree = TermTree()
    two = read()
    for number in range(4):
        make_service(
            f"Center {number}",
            populations=["veterans"],
            area={"extent_type": "counties", "counties": ["Denver County, CO"]},
            free=bool(number % 2),
        )
    assert read() == two


@pytest.fixture
def varied(taxonomy):
    """Services whose words overlap, so that typos find several spellings in several fields."""
    make_service("Sunrise Daycare", description="Day care and early learning; care for babies.", keywords="childcare")
    make_service("Sunset Day Care", description="Evening child care, cared for by nurses.", keywords="carer")
    make_service("Cars for Work", category="bus-passes", description="Car repair and rides to work.", keywords="cart")
    make_service("Careful Movers", category="housing", description="Eviction help, rent and a careful move.")
    make_service("Card Games Club", category="housing", description="Cards, cars and care for seniors.")
    rebuild()


@whoosh_only
@pytest.mark.parametrize(
    "text", ["care", "day care", "babysiting", "carr", "evicton rent", "chlid care", "car car", "daycare", "guardería"]
)
def test_it_scores_text_as_whoosh_does(varied, text):
    """The words are matched and scored from what the process keeps of the index (search/backends/whoosh/segments.py):
    the same documents, in the same order, with the same BM25F scores and coverage as Whoosh's own search
    (typos allowed for a word no document has; compounds written together or apart)."""
    from search.backends.whoosh import backend as whoosh

    view = index.view()
    understood = understand(text)
    allowed = whoosh._allowed(view, None, None)
    ours = whoosh._matches(view, understood, allowed)
    theirs = whoosh._whoosh_search(view, understood, allowed)
    assert [brief.id for brief in ours.briefs] == [brief.id for brief in theirs.briefs]
    assert list(ours.scores) == pytest.approx(list(theirs.scores))
    assert list(ours.coverage) == list(theirs.coverage)


def stage_scores(text: str) -> dict[str, float]:
    """Every candidate's text score in a search for ``text``."""
    from search.backends.whoosh import backend as whoosh

    view = index.view()
    found = whoosh._matches(view, understand(text), whoosh._allowed(view, None, None))
    return dict(zip([brief.id for brief in found.briefs], found.scores.tolist(), strict=True))


@whoosh_only
def test_it_scores_alike_however_the_index_is_split(varied, indexed):
    """Edits add segments to the index, a rebuild writes one or several: the text scores stay the same.
    (Whoosh's own typo matching looks for spellings segment by segment; this search, in the whole index.)"""
    with indexed():
        make_service("Carr Kids Care", category="housing", description="Care, careful and cared for.")
    assert len(list(index.searcher().reader().leaf_readers())) > 1
    texts = ("care", "carr", "babysiting", "chlid care", "carr kids")
    split = {text: stage_scores(text) for text in texts}
    rebuild()
    assert len(list(index.searcher().reader().leaf_readers())) == 1
    for text in texts:
        assert stage_scores(text) == pytest.approx(split[text])
