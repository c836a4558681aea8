"""Browser tests: Playwright drives Debian's Chromium (never a downloaded one) against Django's live server.

Without /usr/bin/chromium the tests skip and say how to install it. Nothing leaves the machine: the
browser may reach only the live server, so map tiles fail as they would offline.
"""

from pathlib import Path

import pytest
from django.conf import settings

from tests.search.conftest import taxonomy  # noqa: F401 (a fixture: the search tests' small taxonomy)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium for one test."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: apt-get install chromium")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright not installed: pip install -r requirements-dev.txt"
    )
    # Playwright's sync API keeps an event loop in this thread, and Django then refuses ORM calls
    # from the test ("async context"). The test's own queries are synchronous, so allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context_options() -> dict:
    return {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture
def page(browser, live_server, browser_context_options):
    """A page that can reach the live server and nothing else; it records the console's CSP complaints."""
    context = browser.new_context(**browser_context_options)

    def only_live_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    context.route("**/*", only_live_server)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda message: page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()
