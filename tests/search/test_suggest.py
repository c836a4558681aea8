"""GET /api/v1/search/suggest/?q=: categories (with their Spanish names), services and organizations whose
names begin with what was typed, the last word perhaps unfinished; on each search backend."""

import datetime

import pytest
from django.urls import reverse

from providers.models import NetworkSettings, Organization, Service, TaxonomyTerm

from .conftest import make_service, rebuild

API = "/api/v1/search/suggest/"


@pytest.fixture
def listings(taxonomy):
    TaxonomyTerm.objects.filter(code="child-care").update(name_es="Cuidado infantil")
    agency = Organization.objects.create(name="Sunrise Family Services", description="An agency.")
    make_service("Sunrise Daycare", organization=agency)
    make_service("Little Steps Child Development Center", category="daycare")
    make_service("Metro Bus Pass Program", category="bus-passes")
    make_service("Closed Daycare", status=Service.Status.INACTIVE)
    rebuild()


def suggestions(client, q: str, kind: str | None = None, **headers) -> list[dict]:
    response = client.get(API, {"q": q}, **headers)
    assert response.status_code == 200, response.content
    found = response.json()["suggestions"]
    return [item for item in found if kind is None or item["kind"] == kind]


def names(items: list[dict]) -> list[str]:
    return [item["name"] for item in items]


def test_an_unfinished_word_suggests_the_services_it_begins(client, listings):
    found = suggestions(client, "dayc", "service")

    assert names(found) == ["Sunrise Daycare"]  # not the inactive one
    assert found[0]["detail"] == "Sunrise Family Services"
    assert found[0]["url"] == reverse("providers:service_detail", args=[found[0]["id"]])


def test_every_word_typed_must_begin_a_word_of_the_name(client, listings):
    assert names(suggestions(client, "child dev", "service")) == ["Little Steps Child Development Center"]
    assert names(suggestions(client, "sunrise bus", "service")) == []


def test_a_whole_word_finds_what_its_stem_begins(client, listings):
    assert names(suggestions(client, "passes", "service")) == ["Metro Bus Pass Program"]


def test_categories_come_with_their_spanish_name_and_by_synonym(client, listings):
    by_name = suggestions(client, "chil", "category")
    assert [(item["name"], item["detail"], item["code"]) for item in by_name] == [
        ("Child care", "Cuidado infantil", "child-care")
    ]
    assert by_name[0]["url"] == reverse("search:page") + "?category=child-care"

    by_synonym = suggestions(client, "babysit", "category")
    assert [(item["name"], item["detail"]) for item in by_synonym] == [("Child care", "babysitting")]


def test_on_a_spanish_page_a_category_is_named_in_spanish_accents_optional(client, listings):
    found = suggestions(client, "cuidado infan", "category", HTTP_ACCEPT_LANGUAGE="es")

    assert [(item["name"], item["detail"]) for item in found] == [("Cuidado infantil", "Child care")]


def test_organizations_with_a_listed_service_are_suggested_as_a_search_for_their_name(client, listings):
    found = suggestions(client, "sunrise fam", "organization")

    assert names(found) == ["Sunrise Family Services"]
    assert found[0]["url"] == reverse("search:page") + "?q=Sunrise+Family+Services"


def test_one_letter_suggests_nothing_yet(client, listings):
    assert suggestions(client, "d") == []


def test_a_listing_hidden_as_unverified_is_not_suggested(client, listings):
    settings_row = NetworkSettings.load()
    settings_row.hide_unverified_after_days = 30
    settings_row.save()
    Service.objects.filter(name="Sunrise Daycare").update(
        last_verified_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    rebuild()

    assert names(suggestions(client, "dayc", "service")) == []


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({}, "required"),
        ({"q": "   "}, "required"),
        ({"q": "word " * 11}, "too_many_words"),
        ({"q": "x" * 201}, "max_length"),
    ],
)
def test_bad_input_is_a_400_naming_the_problem(client, db, query, problem):
    response = client.get(API, query)

    assert response.status_code == 400
    assert response.json()["errors"]["q"][0]["code"] == problem


def test_without_an_index_it_says_search_is_being_built(client, db, settings):
    settings.SEARCH_BACKEND = "whoosh"

    response = client.get(API, {"q": "daycare"})

    assert response.status_code == 503
    assert "being built" in response.json()["detail"]
