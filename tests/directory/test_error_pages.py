"""With DEBUG off, the error pages are the site's own: its layout and styles, the visitor's language, and
nothing the Content-Security-Policy blocks (Django's CSRF page had an inline style). Under /api/, errors
stay JSON in the API's shape.

Rendered with production's static files: the site's storage on a collected STATIC_ROOT.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.directory.test_security_headers import inline_code

TITLES = {
    400: {"en": "Bad request", "es": "Solicitud incorrecta"},
    403: {"en": "Access denied", "es": "Acceso denegado"},
    404: {"en": "Page not found", "es": "Página no encontrada"},
    500: {"en": "Something went wrong", "es": "Algo salió mal"},
    "csrf": {"en": "This form could not be sent", "es": "No se pudo enviar este formulario"},
}
HASHED_STYLESHEET = re.compile(r'<link rel="stylesheet" href="/static/directory/site\.[0-9a-f]{12}\.css">')


@pytest.fixture(autouse=True)
def production(settings, collected_static):
    """DEBUG off, and static files named through the manifest of a collected STATIC_ROOT, as in production."""
    settings.DEBUG = False
    settings.STATIC_ROOT = collected_static


@pytest.fixture
def failing_home_page(monkeypatch):
    """The home page raises, as a bug would (no other way to make a healthy page fail)."""

    def fail():
        raise RuntimeError("a bug")

    monkeypatch.setattr("directory.views.top_categories", fail)


@pytest.fixture
def anonymous(db) -> Client:
    return Client(raise_request_exception=False)


def assert_site_page(response, status, language: str) -> str:
    """The status, the site's stylesheet and header, the title in ``language``, and no inline code."""
    html = response.content.decode()
    assert response.status_code == (403 if status == "csrf" else status)
    assert response["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in html
    assert HASHED_STYLESHEET.search(html), "the site's stylesheet, by its hashed name"
    assert 'class="site-header"' in html
    assert TITLES[status][language] in html
    assert inline_code(html) == []
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    return html


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_shows_its_own_page_not_found(anonymous, language):
    """A mistyped address: the site's 404 page, with ways back to the home page and the search."""
    response = anonymous.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)

    html = assert_site_page(response, 404, language)
    assert 'class="site-footer"' in html
    assert f'href="{reverse("search:page")}"' in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_shows_its_own_access_denied_page(client, carol, language):
    """A case manager opens a network admin's page: the site's 403 page, signed in as herself."""
    client.force_login(carol)

    response = client.get(reverse("portal:review_queue"), HTTP_ACCEPT_LANGUAGE=language)

    html = assert_site_page(response, 403, language)
    assert "carol" in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_shows_its_own_bad_request_page(anonymous, language):
    """A request for a host the site does not serve: the site's 400 page."""
    response = anonymous.get("/", HTTP_HOST="not-this-site.example", HTTP_ACCEPT_LANGUAGE=language)

    assert_site_page(response, 400, language)


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_shows_its_own_server_error_page(anonymous, failing_home_page, language):
    """A bug: the site's 500 page, styled by the site's stylesheet, made without the request or the database."""
    response = anonymous.get("/", HTTP_ACCEPT_LANGUAGE=language)

    html = assert_site_page(response, 500, language)
    assert "a bug" not in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_shows_its_own_csrf_failure_page(db, language):
    """A form sent without its CSRF token (an old tab, cookies blocked): the site's page says what to do,
    with no inline style for the CSP to block."""
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(reverse("login"), {"username": "carol", "password": "x"}, HTTP_ACCEPT_LANGUAGE=language)

    html = assert_site_page(response, "csrf", language)
    assert "cookies" in html.lower()


def test_it_answers_json_under_the_api_for_a_server_error(anonymous, monkeypatch):
    """A bug behind an API endpoint: a JSON 500 in the API's error shape, not an HTML page."""

    def fail(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("search.api.search", fail)

    response = anonymous.get("/api/v1/search/", {"q": "daycare"})

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert "a bug" not in response.content.decode()


def test_it_answers_json_under_the_api_for_a_bad_request(anonymous):
    """A host the site does not serve, under /api/v1/ and under the HSDS feed: a JSON 400."""
    for path in ("/api/v1/search/", "/api/hsds/services"):
        response = anonymous.get(path, HTTP_HOST="not-this-site.example")

        assert response.status_code == 400, path
        assert response["Content-Type"] == "application/json", path
        assert "detail" in response.json(), path


def test_it_answers_json_under_the_api_for_a_path_that_is_not_there(anonymous):
    """An unknown path under /api/v1/ stays a JSON 404."""
    response = anonymous.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
