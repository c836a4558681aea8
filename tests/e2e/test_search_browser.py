"""A case manager searches the demo network in a real browser: the right provider first, its reasons, a map."""

import pytest

from search.backends.whoosh import index
from tests.search.conftest import make_service

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser]

# In the demo network, the nearest daycare to ZIP 80219 that accepts new clients, whose staff speak
# Spanish, whose area holds 80219, and whose income limit (250% of the poverty guideline) a household
# of 3 on $31,000 (116%) is within.
EXPECTED_FIRST = "Little Aspen Infant and Toddler Daycare"


def search_as_a_case_manager(page, live_server) -> None:
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("What help is needed?").fill("daycare")
    page.get_by_label("ZIP code").fill("80219")
    page.get_by_label("Age", exact=True).fill("29")
    page.get_by_label("Household size").fill("3")
    page.get_by_label("Yearly household income ($)").fill("31000")
    page.get_by_label("Spanish", exact=True).check()
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?*")


def test_it_puts_the_nearest_eligible_spanish_speaking_daycare_first(page, live_server, live_demo_network):
    """The expected provider is first with "Speaks Spanish" among its reasons; the map shows the results."""
    from playwright.sync_api import expect

    search_as_a_case_manager(page, live_server)

    first = page.locator(".result-card").first
    expect(first.locator(".result-card__name")).to_have_text(EXPECTED_FIRST)
    expect(first.locator(".verdict__title")).to_have_text("Eligible")
    expect(first.locator(".reasons")).to_contain_text("Speaks Spanish")
    expect(page.locator(".results-count")).to_contain_text("services match “daycare”")

    # Tiles cannot load here (no network), yet the map shows every result: a numbered marker, or counted in
    # a cluster where markers would overlap.
    expect(page.locator("#results-map")).to_be_visible()
    expect(page.locator(".results-map__offline")).to_be_visible()
    expect(page.locator("#results-map .leaflet-marker-icon").first).to_be_attached()
    markers = page.locator("#results-map .result-marker").count()
    clustered = sum(int(count) for count in page.locator(".result-cluster__count").all_inner_texts())
    assert markers + clustered == page.locator(".result-card").count()
    assert page.csp_violations == []

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "search.png", full_page=True)


@pytest.fixture
def two_daycares(transactional_db, taxonomy):
    make_service("Westwood Little Learners", languages=("en", "es"), income_limit_percent_fpl=200)
    make_service("Downtown Tots", point=(39.7392, -104.9903), zip_code="80202")
    index.rebuild()
    yield
    index.reset_searcher()


@pytest.mark.parametrize("browser_context_options", [{"java_script_enabled": False}])
def test_it_works_without_javascript(page, live_server, two_daycares):
    """With JavaScript off the form and the list work; the map area stays hidden."""
    from playwright.sync_api import expect

    search_as_a_case_manager(page, live_server)

    expect(page.locator(".result-card__name")).to_have_text(["Westwood Little Learners", "Downtown Tots"])
    expect(page.locator(".result-card").first.locator(".reasons")).to_contain_text("Speaks Spanish")
    expect(page.locator("#results-map")).to_be_hidden()
