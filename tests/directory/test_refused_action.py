"""A refused action says why and leads back, in the site's layout and the reader's language (under /api/ a
403 stays JSON, as before: directory/errors.py).

Rendered as in production (DEBUG off, static files through the collected manifest), as the other error pages.
"""

import pytest
from django.urls import reverse

from tests.directory.test_error_pages import assert_site_page

REASONS = {
    "refer": {
        "en": "Only staff of a referring program can send referrals.",
        "es": "Solo el personal de un programa que refiere puede enviar referidos.",
    },
    "review": {
        "en": "Only network administrators review edits, decide requests and change the network&#x27;s settings.",
        "es": "Solo los administradores de la red revisan las ediciones, deciden sobre las solicitudes y cambian "
        "la configuración de la red.",
    },
}
BACK = {"en": "Go back to the page you came from", "es": "Volver a la página de la que venía"}
HOME = {"en": "Go to the home page", "es": "Ir a la página de inicio"}


@pytest.fixture(autouse=True)
def production(settings, collected_static):
    settings.DEBUG = False
    settings.STATIC_ROOT = collected_static


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_tells_an_agency_editor_why_she_cannot_refer(client, alice, service_a, language):
    """alice follows a link to the refer page from a service page: the page says only case managers refer,
    and leads back to the service page and home."""
    client.force_login(alice)
    service_page = f"http://testserver{service_a.get_absolute_url()}"

    response = client.get(
        reverse("referrals:new"), {"service": service_a.pk}, HTTP_ACCEPT_LANGUAGE=language, HTTP_REFERER=service_page
    )

    html = assert_site_page(response, 403, language)
    assert REASONS["refer"][language] in html
    assert f'<a href="{service_page}">{BACK[language]}</a>' in html
    assert f'<a href="{reverse("home")}">{HOME[language]}</a>' in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_tells_an_editor_why_the_review_queue_is_closed_to_her(client, alice, language):
    """A page for network admins only names who it is for, where a bare 403 said nothing. A link from
    another site is no way back: only the home page is offered."""
    client.force_login(alice)

    response = client.get(
        reverse("portal:review_queue"), HTTP_ACCEPT_LANGUAGE=language, HTTP_REFERER="https://elsewhere.example/"
    )

    html = assert_site_page(response, 403, language)
    assert REASONS["review"][language] in html
    assert BACK[language] not in html
    assert "elsewhere.example" not in html
    assert f'<a href="{reverse("home")}">{HOME[language]}</a>' in html
