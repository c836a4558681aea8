"""The demo network restored once for the package, a search index of it, and the official HSDS schemas.

The official files vendored in fixtures/hsds/ are the oracle: response bodies are validated against
the response schemas of the official openapi.local-refs.json (Draft 2020-12, formats checked), with
every ``$ref`` resolved from the vendored files through a ``referencing`` registry, never the network.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from search.backends.whoosh import index
from tests import demo

SCHEMA_DIR = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "v3.0" / "schema"
OPENAPI_PATH = SCHEMA_DIR / "openapi.local-refs.json"
FEED = "/" + settings.HSDS_FEED_PREFIX
# The demo network is loaded once a session at this moment (tests/demo.py); the feed's tests run at real time.
LOAD_DAY = demo.LOADED_AT


@pytest.fixture(scope="package")
def demo_network_index(demo_snapshot, django_db_blocker, tmp_path_factory):
    """The demo network (tests/conftest.py's snapshot) and a search index of it, once for the package.

    Restored in a transaction rolled back at the end; each test still runs in its own savepoint, so
    what one test changes the next does not see. Yields the folder of the search index.
    """
    index_dir = tmp_path_factory.mktemp("hsds-search-index")
    fast = override_settings(SEARCH_INDEX_DIR=index_dir, SEARCH_INDEX_UPKEEP=False)
    with django_db_blocker.unblock(), fast, transaction.atomic():
        demo_snapshot.restore()
        index.rebuild()
        yield index_dir
        transaction.set_rollback(True)
    index.reset_searcher()


@pytest.fixture(autouse=True)
def feed_search_index(demo_network_index, settings):
    """Point search at the package's index (the root conftest gives each test an empty folder)."""
    settings.SEARCH_INDEX_DIR = demo_network_index


def get(client: Client, path: str, **params):
    """GET a feed path ("services", "services/<id>") and return the response."""
    return client.get(FEED + path, params)


def get_json(client: Client, path: str, **params) -> dict:
    response = get(client, path, **params)
    assert response.status_code == 200, response.content[:500]
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def all_pages(client: Client, path: str, **params) -> list[dict]:
    """Follow the pages of a list to the end; return every body."""
    bodies, page = [], 1
    while True:
        body = get_json(client, path, page=page, **params)
        bodies.append(body)
        if body["last_page"]:
            return bodies
        page += 1


def ndjson(client: Client, path: str, **params) -> list[dict]:
    response = get(client, path, format="ndjson", **params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response.streaming
    return [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]


# ---- the official schemas -------------------------------------------------------------------------------


class OfficialSchemas:
    """Validators for the response schemas of the official OpenAPI document, resolved from local files.

    ``schema_dir``: the official schema folder of one HSDS version (3.0 unless given).
    """

    def __init__(self, schema_dir: Path = SCHEMA_DIR) -> None:
        self.schema_dir = schema_dir
        self.openapi_path = schema_dir / "openapi.local-refs.json"
        resources = []
        for path in schema_dir.rglob("*.json"):
            # The files declare no $schema: they are Draft 2020-12, as the OpenAPI document's jsonSchemaDialect says.
            contents = json.loads(path.read_text())
            resources.append((path.as_uri(), Resource(contents=contents, specification=DRAFT202012)))
        self.registry = Registry().with_resources(resources)
        self.openapi = json.loads(self.openapi_path.read_text())
        self._validators: dict[str, Draft202012Validator] = {}

    def response_schema(self, path: str) -> str:
        """A reference to the 200 answer's schema of an official path, like "/services/{id}"."""
        pointer = path.replace("~", "~0").replace("/", "~1")
        return f"{self.openapi_path.as_uri()}#/paths/{pointer}/get/responses/200/content/application~1json/schema"

    def validator(self, reference: str) -> Draft202012Validator:
        if reference not in self._validators:
            self._validators[reference] = Draft202012Validator(
                {"$ref": reference}, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
        return self._validators[reference]

    def errors(self, reference: str, body) -> list[str]:
        return [
            f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in self.validator(reference).iter_errors(body)
        ][:5]

    def for_path(self, path: str) -> str:
        """The official schema of a path's answer, except where the official file is wrong.

        The official document declares ``/service_at_locations/{id}`` as a service (a known upstream
        defect); it is a service_at_location.
        """
        if path == "/service_at_locations/{id}":
            return (self.schema_dir / "compiled" / "service_at_location.json").as_uri()
        return self.response_schema(path)

    def item(self, name: str) -> str:
        """A record schema file, like "compiled/service_list.json"."""
        return (self.schema_dir / name).as_uri()


@pytest.fixture(scope="session")
def official() -> OfficialSchemas:
    return OfficialSchemas()


@pytest.fixture(scope="session")
def official_31() -> OfficialSchemas:
    """The HSDS 3.1 pre-release schemas (fixtures/hsds/v3.1-dev/, else the shared copy beside the checkout)."""
    from tests.providers.hsds.test_import import hsds_file

    return OfficialSchemas(hsds_file("v3.1-dev", "schema"))
