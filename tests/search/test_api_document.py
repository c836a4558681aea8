"""GET /api/v1/search/ in the OpenAPI document: each parameter with the type and limits the search form enforces,
empty values documented as "not given" (the search page's query string works on the API as it is), and the
answers (200, 400, 503) with the shapes the API sends."""

import json
import re

import jsonschema
import pytest
from django import forms
from drf_spectacular.generators import SchemaGenerator

from referrals.api.schema import YEARS_PATTERN
from search.forms import SearchForm
from search.query import MAX_WORDS

from .conftest import delete_index, make_service, rebuild

URL = "/api/v1/search/"


@pytest.fixture
def document(db) -> dict:
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


@pytest.fixture
def parameters(document) -> dict[str, dict]:
    return {parameter["name"]: parameter for parameter in document["paths"][URL]["get"]["parameters"]}


def test_it_documents_every_field_of_the_form_with_its_limits(parameters):
    """Numbers with their minimum and maximum (lat, lon, radius as numbers), text with its length and pattern."""
    assert set(parameters) == set(SearchForm.base_fields)
    for name, field in SearchForm.base_fields.items():
        schema = parameters[name]["schema"]
        if isinstance(field, forms.FloatField):
            assert schema["type"] == "number", name
        elif isinstance(field, forms.IntegerField):
            assert schema["type"] == "integer", name
        if isinstance(field, forms.IntegerField):  # FloatField too
            assert (schema.get("minimum"), schema.get("maximum")) == (field.min_value, field.max_value), name
        if isinstance(field, forms.CharField) and field.max_length is not None:
            assert schema["maxLength"] == field.max_length, name
    assert parameters["open_at"]["schema"]["pattern"] == YEARS_PATTERN
    assert parameters["zip"]["schema"]["pattern"] == "^\\d{5}$"
    assert parameters["language"]["schema"]["pattern"] == "^[a-z]{2}$"
    assert parameters["category"]["schema"]["pattern"] == "^[-a-zA-Z0-9_]+$"
    assert sorted(parameters["gender"]["schema"]["enum"]) == ["another", "female", "male"]


@pytest.mark.parametrize(
    ("name", "accepted", "refused"),
    [
        ("speaks", ["es", "es,en", " es , en ,", ","], ["english", "es;en", "ES"]),
        ("circumstances", ["veterans,youth", "veterans, ", ","], ["veterans youth", "a/b"]),
    ],
)
def test_it_documents_what_a_text_parameter_takes(parameters, name, accepted, refused):
    """The comma-separated codes, as patterns the form agrees with."""
    pattern = re.compile(parameters[name]["schema"]["pattern"])
    field = SearchForm.base_fields[name]
    for text in accepted:
        assert pattern.search(text), text
    for text in refused:
        assert not pattern.search(text), text
    assert all(len(field.clean(text)) <= 2 for text in accepted)


def test_it_says_the_rules_a_schema_cannot(parameters):
    """q's word count (the search counts words in any script; a pattern's \\w is ASCII) and the rules across
    parameters are in the descriptions."""
    assert f"At most {MAX_WORDS} words" in parameters["q"]["description"]
    assert "Needs zip" in parameters["radius"]["description"]
    assert "unknown" in parameters["category"]["description"]


def test_it_documents_empty_values_as_not_given(parameters):
    """``?category=`` is a search without a category, as on the search page: the document allows it and says so."""
    for name, parameter in parameters.items():
        assert parameter["allowEmptyValue"] is True, name
        assert "Empty" in parameter["description"], name


@pytest.fixture
def daycares(taxonomy):
    make_service("Westwood Little Learners", languages=("en", "es"), income_limit_percent_fpl=200)
    rebuild()


def json_schema(schema):
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable: true`` becomes a type that admits null."""
    if isinstance(schema, list):
        return [json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") and "type" in schema:
        converted["type"] = [schema["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


def validate(document: dict, status: str, body) -> None:
    schema = document["paths"][URL]["get"]["responses"][status]["content"]["application/json"]["schema"]
    resolvable = json_schema({**schema, "components": document["components"]})
    jsonschema.validate(body, resolvable, cls=jsonschema.Draft4Validator)


def test_it_documents_the_answers_as_sent(client, document, daycares, settings):
    """The 200 (with place, verdicts and facets), the 400 naming fields, and the 503 validate against the document."""
    ok = client.get(URL, {"q": "daycare", "zip": "80219", "household_size": 3, "annual_income": 31000})
    assert ok.status_code == 200 and ok.json()["results"]
    validate(document, "200", ok.json())
    empty = client.get(URL, {"q": "nothing-matches-this"})
    validate(document, "200", empty.json())
    bad = client.get(URL, {"age": "thirty"})
    assert bad.status_code == 400
    validate(document, "400", bad.json())
    delete_index(settings)
    unavailable = client.get(URL, {"q": "daycare"})
    assert unavailable.status_code == 503
    validate(document, "503", unavailable.json())
    assert document["paths"][URL]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SearchResults"
    }


def test_it_documents_a_note_among_the_reasons(client, document, taxonomy):
    """A reason that is only a note (staff who do not speak the participant's language) is documented too."""
    make_service("English Only Daycare")
    rebuild()

    body = client.get(URL, {"q": "daycare", "speaks": "vi"}).json()

    assert [reason["outcome"] for reason in body["results"][0]["eligibility"]["reasons"]] == ["note"]
    validate(document, "200", body)
