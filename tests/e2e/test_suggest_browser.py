"""Suggestions as one types, in a real browser: announced, chosen with the keyboard, and absent without JavaScript."""

import pytest

from search.backends.whoosh import index
from tests.search.conftest import make_service

pytestmark = [pytest.mark.browser]


@pytest.fixture
def daycares(transactional_db, taxonomy):
    make_service("Westwood Little Learners")
    make_service("Downtown Tots Daycare")
    index.rebuild()
    yield
    index.reset_searcher()


def test_arrow_keys_and_enter_open_a_suggested_service(page, live_server, daycares):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/search/")
    box = page.get_by_role("combobox", name="What help is needed?")
    box.press_sequentially("dayc")

    options = page.get_by_role("listbox", name="Suggestions").get_by_role("option")
    # The category Daycare centers, Child care by its synonym, the service, its organization.
    expect(options).to_have_count(4)
    expect(page.get_by_role("status").filter(has_text="Suggestions")).to_have_text("Suggestions: 4")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.nth(2)).to_contain_text("Service Downtown Tots Daycare")

    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(2).get_attribute("id"))
    box.press("Enter")

    page.wait_for_url("**/services/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Downtown Tots Daycare")
    assert page.csp_violations == []


def test_escape_closes_the_list_and_enter_then_searches(page, live_server, daycares):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/search/")
    box = page.get_by_role("combobox", name="What help is needed?")
    box.press_sequentially("westwood")
    expect(page.get_by_role("listbox", name="Suggestions").get_by_role("option")).to_have_count(2)

    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Enter")

    page.wait_for_url("**/search/?*")
    expect(page.locator(".result-card__name")).to_have_text(["Westwood Little Learners"])


@pytest.mark.parametrize("browser_context_options", [{"java_script_enabled": False}])
def test_without_javascript_the_box_is_a_plain_search_field(page, live_server, daycares):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/search/")
    box = page.get_by_label("What help is needed?")
    expect(box).not_to_have_attribute("role", "combobox")
    box.fill("daycare")
    box.press("Enter")

    page.wait_for_url("**/search/?*")
    expect(page.locator(".result-card")).to_have_count(2)
