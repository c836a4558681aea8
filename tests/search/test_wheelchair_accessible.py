"""The "wheelchair accessible" filter (issue 19, getting there): `accessible=true` on the search API and a
checkbox on the search page keep the services offered at a place its agency says has a step-free entrance.
Runs with each backend (the ``taxonomy`` fixture)."""

import pytest

from providers.models import Accessibility, Service

from .conftest import make_service, rebuild

API = "/api/v1/search/"
PAGE = "/search/"


@pytest.fixture
def places(taxonomy) -> None:
    """Three daycares: one with a step-free entrance, one with only an accessible restroom, one that says
    "wheelchair accessible" only in words (not a known feature, so no filter can trust it)."""
    step_free = make_service("Westwood Little Learners")
    restroom = make_service("Downtown Tots", point=(39.7392, -104.9903), zip_code="80202")
    in_words = make_service("Lakewood Kids", point=(39.7047, -105.0814), zip_code="80226")
    for service, values in [
        (step_free, {"feature": Accessibility.Feature.STEP_FREE_ENTRANCE, "details": "Ramp at the side door"}),
        (restroom, {"feature": Accessibility.Feature.ACCESSIBLE_RESTROOM}),
        (in_words, {"description": "Wheelchair accessible"}),
    ]:
        Accessibility.objects.create(location=service.locations.get(), **values)
    rebuild()


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(result["service"]["name"] for result in response.json()["results"])


def test_the_api_keeps_only_places_with_a_step_free_entrance(client, places):
    assert names(client.get(API, {"q": "daycare", "accessible": "true"})) == ["Westwood Little Learners"]
    assert len(names(client.get(API, {"q": "daycare", "accessible": "false"}))) == 3
    assert len(names(client.get(API, {"q": "daycare"}))) == 3


def test_the_filter_follows_an_agency_adding_the_feature(client, places):
    """Once the restroom's place also gets a step-free entrance (and the index is written again), it is found."""
    downtown = Service.objects.get(name="Downtown Tots")
    Accessibility.objects.create(location=downtown.locations.get(), feature=Accessibility.Feature.STEP_FREE_ENTRANCE)
    rebuild()

    found = names(client.get(API, {"q": "daycare", "accessible": "yes"}))

    assert found == ["Downtown Tots", "Westwood Little Learners"]


@pytest.mark.parametrize("value", ["maybe", "wheelchair", "2"])
def test_the_api_refuses_a_value_that_is_not_yes_or_no(client, places, value):
    """A bad value is a 400 naming the parameter, never taken for yes or no."""
    response = client.get(API, {"q": "daycare", "accessible": value})

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["accessible"]
    assert errors["accessible"][0]["message"] == "Use true or false."


def test_the_page_has_the_checkbox_in_english_and_spanish(client, places):
    """The page's filters offer the checkbox; ticked, it keeps the step-free place and stays ticked."""
    html = client.get(PAGE, {"q": "daycare", "accessible": "on"}).content.decode()
    assert '<label for="id_accessible">Wheelchair accessible</label>' in html
    assert 'id="id_accessible" checked' in html
    assert "Westwood Little Learners" in html
    assert "Downtown Tots" not in html and "Lakewood Kids" not in html

    spanish = client.get(PAGE, {"q": "daycare"}, headers={"accept-language": "es"}).content.decode()
    assert '<label for="id_accessible">Accesible en silla de ruedas</label>' in spanish


def test_the_openapi_document_lists_the_parameter(client, taxonomy):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    parameters = {parameter["name"]: parameter for parameter in schema["paths"][API]["get"]["parameters"]}
    assert parameters["accessible"]["in"] == "query"
    assert "Wheelchair accessible" in parameters["accessible"]["description"]
