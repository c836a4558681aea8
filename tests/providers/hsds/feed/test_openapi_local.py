"""The feed's OpenAPI document is self-contained: the official HSDS 3.0 record schemas are in it, unchanged, so a
client (or schemathesis, or Swagger UI) reading it needs no other address, and none on another site."""

import json

import pytest

from tests.providers.hsds.feed.conftest import FEED, SCHEMA_DIR

pytestmark = pytest.mark.django_db

OFFICIAL = {
    "service": "compiled/service.json",
    "service_list": "compiled/service_list.json",
    "service_at_location": "compiled/service_at_location.json",
    "service_at_location_list": "compiled/service_at_location_list.json",
    "organization": "compiled/organization.json",
    "organization_list": "compiled/organization_list.json",
    "taxonomy": "taxonomy.json",
    "taxonomy_term": "taxonomy_term.json",
    "metadata": "metadata.json",
}


@pytest.fixture
def document(client) -> dict:
    response = client.get(FEED + "openapi.json")
    assert response.status_code == 200
    return response.json()


def references(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    return []


def test_it_refers_only_to_itself(document):
    """Every $ref points into the document (was https://raw.githubusercontent.com/...), and each one resolves."""
    refs = references(document)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        node = document
        for part in ref[2:].split("/"):
            node = node[part]


def inline(node, schemas: dict):
    """The schema with every local reference replaced by what it points at."""
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            return inline(schemas[node["$ref"].rsplit("/", 1)[1]], schemas)
        return {key: inline(value, schemas) for key, value in node.items()}
    if isinstance(node, list):
        return [inline(value, schemas) for value in node]
    return node


@pytest.mark.parametrize(("name", "path"), OFFICIAL.items())
def test_it_embeds_the_official_schemas_unchanged(document, name, path):
    """Each official file is a component whose content, references followed, is the file itself.

    The official taxonomy and taxonomy_term files refer to metadata.json and taxonomy.json beside them: in the
    document those references name the components instead.
    """
    schemas = document["components"]["schemas"]
    official = json.loads((SCHEMA_DIR / path).read_text())
    official = json.loads(
        json.dumps(official)
        .replace('"$ref": "metadata.json"', '"$ref": "#/components/schemas/metadata"')
        .replace('"$ref": "taxonomy.json"', '"$ref": "#/components/schemas/taxonomy"')
    )
    assert inline(schemas[name], schemas) == inline(official, schemas)


def test_it_stays_small(client):
    """Repeated parts are stated once: the document is a few hundred kilobytes, not the files' 8 MB."""
    assert len(client.get(FEED + "openapi.json").content) < 500_000
