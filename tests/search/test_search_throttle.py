"""Anonymous searches are throttled per address (SEARCH_ANON_THROTTLE_RATE): 429 with Retry-After from
the API, a page that says when to try again from the search page. Signed-in people are not counted."""

import pytest

from .conftest import make_service, rebuild

API = "/api/v1/search/"
PAGE = "/search/"


@pytest.fixture
def listings(taxonomy, settings):
    make_service("Westwood Little Learners")
    rebuild()
    settings.SEARCH_ANON_THROTTLE_RATE = "3/min"


def test_it_throttles_anonymous_api_searches_per_address(client, listings):
    """The fourth search in a minute answers 429 with Retry-After; another address still searches."""
    assert [client.get(API, {"q": "daycare"}).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(API, {"q": "daycare"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"]
    assert client.get(API, {"q": "daycare"}, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_it_cannot_be_dodged_with_a_forwarded_for_header(client, listings):
    """Without a proxy in front (BEHIND_HTTPS_PROXY off), X-Forwarded-For is the client's own say: ignored."""
    statuses = [
        client.get(API, {"q": "daycare"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}").status_code for number in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_it_shows_a_page_that_says_when_to_search_again(client, listings):
    """On the search page, the fourth search in a minute is a 429 page saying to wait, in Spanish too."""
    for _ in range(3):
        assert client.get(PAGE, {"q": "daycare"}).status_code == 200
    response = client.get(PAGE, {"q": "daycare"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert "Too many searches" in html
    assert "Wait a minute and search again" in html or "seconds and search again" in html
    spanish = client.get(PAGE, {"q": "daycare"}, headers={"accept-language": "es"})
    assert spanish.status_code == 429
    assert "Demasiadas búsquedas" in spanish.content.decode()


def test_it_counts_searches_not_visits_to_the_empty_form(client, listings):
    """Opening the search page without searching costs nothing and is never refused."""
    for _ in range(3):
        client.get(API, {"q": "daycare"})
    assert client.get(PAGE).status_code == 200


def test_it_counts_the_page_and_the_api_together(client, listings):
    """One address's searches add up, whichever way they come."""
    client.get(PAGE, {"q": "daycare"})
    client.get(API, {"q": "daycare"})
    client.get(PAGE, {"q": "daycare"})
    assert client.get(API, {"q": "daycare"}).status_code == 429


def test_it_leaves_signed_in_people_alone(client, listings, carol):
    """A case manager signed in searches as often as the work needs."""
    client.force_login(carol)
    assert {client.get(url, {"q": "daycare"}).status_code for url in [API, PAGE] * 5} == {200}


def test_it_can_be_switched_off(client, listings, settings):
    """An empty SEARCH_ANON_THROTTLE_RATE counts nothing."""
    settings.SEARCH_ANON_THROTTLE_RATE = ""
    assert {client.get(API, {"q": "daycare"}).status_code for _ in range(6)} == {200}
