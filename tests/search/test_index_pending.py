"""A committed change waits as a PendingIndexWrite until the index has it, so a process stopped between the
commit and the index write leaves work that the next import or `rebuild_search_index --pending` finishes."""

import io

from django.core.management import call_command

from search.backends.base import SearchRequest
from search.models import PendingIndexWrite
from search.query import search
from tests.providers.hsds.test_import_bulk import write as write_hsds

from .conftest import make_service


def found(text: str) -> list[str]:
    return [result.data["name"] for result in search(SearchRequest(text=text), log_unmet=False).results]


def test_it_clears_what_waited_once_the_index_has_it(taxonomy, indexed):
    """An edit committed and written leaves nothing waiting."""
    with indexed():
        make_service("Sunrise Daycare")
    assert found("sunrise") == ["Sunrise Daycare"]
    assert not PendingIndexWrite.objects.exists()


def test_it_writes_what_a_stopped_process_left_waiting(taxonomy, search_index, django_capture_on_commit_callbacks):
    """A change committed without its index write (the process stopped first) waits, and `--pending` writes it."""
    with django_capture_on_commit_callbacks(execute=True):
        make_service("Sunrise Daycare")  # an index that is not empty (the PostgreSQL one refuses to search one)
    with django_capture_on_commit_callbacks(execute=False):  # the commit happens; the write after it never runs
        service = make_service("Moonrise Daycare")
    assert list(PendingIndexWrite.objects.values_list("service_id", flat=True)) == [service.pk]
    assert found("moonrise") == []

    output = io.StringIO()
    call_command("rebuild_search_index", pending=True, stdout=output)

    assert "1 services were waiting, 1 written" in output.getvalue()
    assert found("moonrise") == ["Moonrise Daycare"]
    assert not PendingIndexWrite.objects.exists()


def test_it_clears_what_waited_with_a_full_rebuild(taxonomy, search_index, django_capture_on_commit_callbacks):
    """A full rebuild reads every service, so nothing queued before it waits any more."""
    with django_capture_on_commit_callbacks(execute=False):
        make_service("Moonrise Daycare")

    call_command("rebuild_search_index", stdout=io.StringIO(), stderr=io.StringIO())

    assert found("moonrise") == ["Moonrise Daycare"]
    assert not PendingIndexWrite.objects.exists()


def test_it_builds_the_index_when_a_new_networks_first_import_ends(taxonomy, search_backend, settings, tmp_path):
    """With no index yet (a new database), an import builds one: its services are searchable when it ends,
    not after someone runs rebuild_search_index (search answered 503 until then)."""
    settings.SEARCH_INDEX_UPKEEP = True  # and no index: no folder yet, or an empty table
    make_service("Sunrise Daycare")  # listed before the import: the whole index is built, not the import's part
    path = write_hsds(tmp_path / "network.json", 3)

    output = io.StringIO()
    call_command("import_hsds", str(path), "--source", "bulk", stdout=output)

    assert search_backend.document_count() == 4
    assert found("sunrise") == ["Sunrise Daycare"]
    assert not PendingIndexWrite.objects.exists()
