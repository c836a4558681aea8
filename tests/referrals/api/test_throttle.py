"""Throttling per client system: over the rate, 429 with Retry-After; other clients are not slowed."""

URL = "/api/v1/participants/"


def test_it_throttles_a_client_over_its_rate(settings, program_api, agency_api):
    """With 3 requests a minute, the 4th answers 429 and says when to retry; another client still gets 200."""
    settings.API_THROTTLE_RATE = "3/min"
    assert [program_api.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    response = program_api.get(URL)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert agency_api.get(URL).status_code == 200
