"""Every answer under /api/v1/ is JSON, a path that is no endpoint included: a 404 with the documented error shape."""

import pytest
from rest_framework.test import APIClient

PATHS = [
    "/api/v1/",
    "/api/v1/nothing-here/",
    "/api/v1/referrals/0.5/",  # the router's lookup takes no dot
    "/api/v1/consents/0.5/revoke/",
    "/api/v1/referrals/x/outcome/extra/",
    "/api/v1/referrals/00000000-0000-0000-0000-000000000001/fly/",  # no such action
    "/api/v1/search/more/",
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_it_answers_json_404_for_a_path_it_does_not_have(program_api, path, method):
    """With or without a token, any method: 404, application/json, {"detail": "..."} as the schema's Error says."""
    for client in (program_api, APIClient()):
        response = getattr(client, method)(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"detail"}


def test_it_names_the_path_with_its_slash(db):
    """A path that exists with a trailing slash is not redirected (a redirected POST loses its body): the 404 says."""
    response = APIClient().post("/api/v1/referrals", {"status": "x"}, format="json")
    assert response.status_code == 404
    assert "/api/v1/referrals/" in response.json()["detail"]


def test_it_keeps_the_web_pages_404_as_html(client, db):
    """Outside the APIs a missing page is still the site's HTML page."""
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/v1/referrals/"),
        ("patch", "/api/v1/participants/"),
        ("delete", "/api/v1/consents/"),
        ("post", "/api/v1/search/"),
        ("post", "/api/v1/schema/"),
        ("post", "/api/v1/docs/"),
        ("put", "/api/v1/redoc/"),
    ],
)
def test_it_answers_json_405_for_a_method_a_path_does_not_take(program_api, method, path):
    """A method the path does not take: 405 in JSON with the Error shape and an Allow header, the schema and the
    docs pages included (they answered YAML and HTML)."""
    response = getattr(program_api, method)(path)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert "GET" in response["Allow"]


def test_it_answers_a_schema_format_it_does_not_have_in_json(db):
    """/api/v1/schema/?format=xml is a 404 in JSON (it was YAML)."""
    response = APIClient().get("/api/v1/schema/", {"format": "xml"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
