"""Index upkeep after commit, rebuilds from the database, and a missing index reported clearly."""

import shutil

import pytest
from django.core.management import call_command
from django.db import transaction

from providers.models import Language, Service
from search import index
from search.backends import IndexMissing
from search.query import SearchRequest, search

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
