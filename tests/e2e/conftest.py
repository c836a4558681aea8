"""Browser tests: Playwright drives Debian's Chromium (never a downloaded one) against Django's live server.

Without /usr/bin/chromium the tests skip and say how to install it. Nothing leaves the machine: the
browser may reach only the live server, so map tiles fail as they would offline.
"""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from search.backends.whoosh import index
from tests import demo
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


@pytest.fixture(scope="session")
def demo_snapshot_today(demo_snapshot, django_db_blocker) -> demo.Snapshot:
    """The demo network as a load now would leave it: the browser runs at real time, and so do the pages."""
    with django_db_blocker.unblock():
        return demo_snapshot.as_of(timezone.now())


@pytest.fixture(scope="session")
def demo_index_today(demo_snapshot_today, django_db_blocker, tmp_path_factory) -> Path:
    """A search index of that network, built once (in a transaction rolled back at the end); tests get copies."""
    folder = tmp_path_factory.mktemp("demo-today") / "search-index"
    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=folder), transaction.atomic():
        demo_snapshot_today.restore()
        index.rebuild()
        transaction.set_rollback(True)
    index.reset_searcher()
    return folder


@pytest.fixture
def live_demo_network(transactional_db, demo_snapshot_today, demo_index_today, settings) -> None:
    """The demo network, committed so that the live server sees it, and a copy of its search index."""
    demo_snapshot_today.restore()
    shutil.copytree(demo_index_today, settings.SEARCH_INDEX_DIR)
    yield
    index.reset_searcher()
