"""Wrong tokens are throttled per address: past API_INVALID_TOKEN_RATE, 429 with Retry-After instead of 401.

Valid tokens are not counted and keep working (under API_THROTTLE_RATE), from that address too.
"""

from rest_framework.test import APIClient

from tests.referrals.api.conftest import Api

URL = "/api/v1/participants/"
WRONG = "rnd_" + "x" * 43


def allowed_failures(settings) -> int:
    return int(settings.API_INVALID_TOKEN_RATE.split("/")[0])


def test_it_throttles_an_address_that_keeps_sending_wrong_tokens(settings, db):
    """Up to the rate, wrong tokens get 401; after it, 429 with Retry-After and a message saying why."""
    wrong = Api(WRONG, REMOTE_ADDR="198.51.100.7")
    statuses = [wrong.get(URL).status_code for _ in range(allowed_failures(settings))]

    response = wrong.get(URL)

    assert statuses == [401] * allowed_failures(settings)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "not valid" in response.json()["detail"]


def test_it_counts_malformed_and_unknown_tokens_alike(settings, db):
    """A header that is not a token at all counts as a wrong token."""
    malformed = APIClient(REMOTE_ADDR="198.51.100.7")
    malformed.credentials(HTTP_AUTHORIZATION="Bearer two words")
    for _ in range(allowed_failures(settings)):
        assert malformed.get(URL).status_code == 401

    assert Api(WRONG, REMOTE_ADDR="198.51.100.7").get(URL).status_code == 429


def test_it_keeps_valid_tokens_working(settings, program_api):
    """A valid token from the throttled address still gets 200; valid requests are never counted as failures."""
    wrong = Api(WRONG, REMOTE_ADDR="127.0.0.1")
    for _ in range(allowed_failures(settings) + 1):
        wrong.get(URL)
    assert wrong.get(URL).status_code == 429

    assert program_api.get(URL).status_code == 200


def test_it_does_not_count_valid_tokens(settings, program_api):
    """Many more valid requests than the wrong-token rate allows are all answered (within API_THROTTLE_RATE)."""
    settings.API_THROTTLE_RATE = "1000/min"

    statuses = {program_api.get(URL).status_code for _ in range(allowed_failures(settings) + 5)}

    assert statuses == {200}
    assert Api(WRONG).get(URL).status_code == 401


def test_it_throttles_only_the_address_that_sent_them(settings, db):
    """Another address sending a wrong token still gets the plain 401."""
    wrong = Api(WRONG, REMOTE_ADDR="198.51.100.7")
    for _ in range(allowed_failures(settings) + 1):
        wrong.get(URL)

    assert Api(WRONG, REMOTE_ADDR="203.0.113.8").get(URL).status_code == 401


def test_it_counts_the_address_behind_the_https_proxy(settings, db):
    """Behind the proxy, each client is counted by the address the proxy saw, not by the proxy's own."""
    settings.BEHIND_HTTPS_PROXY = True
    wrong = Api(WRONG, HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.7")
    for _ in range(allowed_failures(settings)):
        wrong.get(URL)

    assert Api(WRONG, HTTP_X_FORWARDED_FOR="198.51.100.7").get(URL).status_code == 429
    assert Api(WRONG, HTTP_X_FORWARDED_FOR="203.0.113.8").get(URL).status_code == 401
