"""The API's Swagger UI and Redoc render in a real browser from local files, within their pages' CSP."""

import pytest

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("path", "shows"), [("/api/v1/docs/", ".opblock-tag"), ("/api/v1/redoc/", "h1")])
def test_it_renders_the_api_documentation(page, live_server, path, shows):
    """The page loads the OpenAPI document and lists the referral operations; the CSP refuses nothing it needs."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}{path}")
    expect(page.locator(shows).first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("/api/v1/referrals/{id}/outcome/").first).to_be_attached(timeout=20_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"api-docs-{path.strip('/').replace('/', '-')}.png")
    # Redoc's bundle always asks for its maker's logo from their CDN; the page's CSP blocks it (and the
    # logo hides itself), so nothing is fetched from outside. Nothing else may be refused.
    refused = [text for text in page.csp_violations if "https://cdn.redoc.ly/redoc/logo-mini.svg" not in text]
    assert refused == []
