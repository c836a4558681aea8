"""The feed's document gives each parameter the limits the views enforce, so that what it calls valid is taken."""

import pytest

from providers.hsds import openapi, views

pytestmark = pytest.mark.django_db

PARAMETERS = openapi.PARAMETERS


def test_it_documents_the_paging_limits():
    """page from 1; per_page from 1 to the views' maximum."""
    assert PARAMETERS["page"]["schema"] == {"type": "integer", "minimum": 1}
    assert PARAMETERS["per_page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": views.PER_PAGE_MAX}


def test_it_documents_proximity_as_the_distance_it_takes():
    """More than 0 and at most PROXIMITY_MAX_METRES metres (the pattern let 0 and 5000000 through)."""
    assert PARAMETERS["proximity"]["schema"] == {
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": views.PROXIMITY_MAX_METRES,
    }


@pytest.mark.parametrize(
    ("value", "taken"),
    [
        *[("500", True), ("25000.5", True), ("1e3", True), ("1000000", True), ("0", False), ("1000001", False)],
        *[("+5", False), ("1_000", False), ("\N{ARABIC-INDIC DIGIT FIVE}", False), ("nan", False), ("inf", False)],
    ],
)
def test_it_takes_proximity_as_a_number_is_written(client, value, taken):
    """A proximity written as a JSON number in range is taken; Python's other spellings of numbers are not."""
    response = client.get("/api/hsds/services", {"postcode": "80219", "proximity": value})
    assert response.status_code == (200 if taken else 400)
    if not taken:
        assert response.json()["parameter"] == "proximity"


@pytest.mark.parametrize("value", ["+1", "1_0", "\N{ARABIC-INDIC DIGIT THREE}", "2.0"])
def test_it_takes_a_page_as_digits(client, value):
    """per_page and page are digits: int()'s other spellings (+1, 1_0, Arabic-Indic digits) are a 400."""
    for name in ("page", "per_page"):
        response = client.get("/api/hsds/services", {name: value})
        assert response.status_code == 400, (name, value)
        assert response.json()["parameter"] == name
