"""An index built by an earlier version (a field fewer) is treated as missing until rebuilt: search says it is
being built, edits wait for the rebuild, and the next import rebuilds it; never a crash."""

from whoosh import index as whoosh_index
from whoosh.fields import Schema

from search.backends import write_pending
from search.backends.whoosh import index

from .conftest import make_service

API = "/api/v1/search/"


def an_earlier_index(settings) -> None:
    """The index as an earlier version wrote it: every field but the newest."""
    folder = settings.SEARCH_INDEX_DIR
    folder.mkdir(parents=True, exist_ok=True)
    fields = {name: index.SCHEMA[name] for name in index.SCHEMA.names() if name != "accessibility"}
    whoosh_index.create_in(str(folder), Schema(**fields))
    index.reset_searcher()


def test_search_says_it_is_being_built_until_the_rebuild(client, taxonomy, settings):
    make_service("Sunrise Daycare")
    an_earlier_index(settings)

    response = client.get(API, {"q": "daycare", "accessible": "true"})

    assert response.status_code == 503
    assert "being built" in response.json()["detail"]


def test_an_edit_waits_and_the_next_import_rebuilds_it(client, taxonomy, settings):
    service = make_service("Sunrise Daycare")
    an_earlier_index(settings)

    assert index.write([service.pk]) == 0  # left for the rebuild, not an error
    assert write_pending() == 1

    response = client.get(API, {"q": "daycare"})
    assert [result["service"]["name"] for result in response.json()["results"]] == ["Sunrise Daycare"]
