"""What an agency wrote in Spanish is searched with Spanish analysis: its eligibility, how to apply and fees too,
not only its name and description."""

from .conftest import make_service, rebuild

API = "/api/v1/search/"


def names(client, q: str) -> list[str]:
    response = client.get(API, {"q": q})
    assert response.status_code == 200, response.content
    return [result["service"]["name"] for result in response.json()["results"]]


def test_a_spanish_query_finds_what_only_the_spanish_eligibility_says(client, taxonomy):
    make_service(
        "Sunrise Daycare",
        eligibility_description="Parents working or in training.",
        eligibility_description_es="Madres y padres que trabajan o estudian, también trabajadores agrícolas.",
    )
    make_service("Moonlight Daycare")
    rebuild()

    assert names(client, "trabajadores agrícolas") == ["Sunrise Daycare"]
    assert names(client, "trabajador agricola") == ["Sunrise Daycare"]  # Spanish stems, accents optional


def test_a_spanish_query_finds_what_only_the_spanish_fees_say(client, taxonomy):
    make_service("Sunrise Daycare", fees_description_es="Gratis para familias con cupón de cuidado infantil.")
    make_service("Moonlight Daycare")
    rebuild()

    assert names(client, "cupones") == ["Sunrise Daycare"]
