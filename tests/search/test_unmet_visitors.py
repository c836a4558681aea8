"""A need that nobody could meet is counted once per visitor and day, and no visitor is known by address.

A search that finds nothing is recorded for the unmet-needs report (search.models.UnmetSearch). The
same visitor searching again for the same thing that day adds nothing; an anonymous visitor adds at
most SEARCH_ANON_UNMET_PER_DAY needs a day, so that made-up searches cannot fill the report. A
visitor is a salted hash (of the account, or of the address and browser, with the date), never the
address itself.
"""

import csv
import io

import pytest
import time_machine

from search.models import UnmetSearch

from .conftest import make_service, rebuild

API = "/api/v1/search/"
PAGE = "/search/"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
ADDRESS = "203.0.113.9"
TUESDAY = "2026-11-24T15:00:00-07:00"


@pytest.fixture
def listings(taxonomy, settings):
    make_service("Westwood Little Learners")
    rebuild()
    settings.SEARCH_ANON_THROTTLE_RATE = "1000/min"  # this file counts needs, not requests


def search(client, text: str, *, url: str = API, address: str = ADDRESS, browser: str = BROWSER) -> None:
    response = client.get(url, {"q": text, "zip": "80219"}, REMOTE_ADDR=address, HTTP_USER_AGENT=browser)
    assert response.status_code == 200


def report_rows(client, admin) -> list[list[str]]:
    """The unmet-searches table as the network admin downloads it (header left out)."""
    client.force_login(admin)
    response = client.get("/reports/unmet-searches.csv")
    client.logout()
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))[1:]


@time_machine.travel(TUESDAY, tick=False)
def test_it_counts_a_repeated_search_once(client, listings, admin):
    """Forty searches for the same missing help, from the page and the API: one row, counted once."""
    for number in range(40):
        search(client, "unicorn rides", url=API if number % 2 else PAGE)
    assert UnmetSearch.objects.count() == 1
    rows = report_rows(client, admin)
    assert [(row[0], row[-1]) for row in rows] == [("unicorn rides", "1")]


@time_machine.travel(TUESDAY, tick=False)
def test_it_counts_few_made_up_needs_from_one_anonymous_visitor(client, listings, settings):
    """Forty made-up searches from one address and browser: SEARCH_ANON_UNMET_PER_DAY rows at most."""
    for number in range(40):
        search(client, f"made up need {number}")
    assert UnmetSearch.objects.count() == settings.SEARCH_ANON_UNMET_PER_DAY
    assert settings.SEARCH_ANON_UNMET_PER_DAY <= 5


@time_machine.travel(TUESDAY, tick=False)
def test_it_counts_each_visitor(client, listings):
    """The same search from another address, or another browser at the same address, counts again."""
    search(client, "unicorn rides")
    search(client, "unicorn rides", address="198.51.100.7")
    search(client, "unicorn rides", browser="curl/8.5.0")
    assert UnmetSearch.objects.count() == 3


def test_it_counts_a_visitor_again_the_next_day_without_linking_the_days(client, listings):
    """A new day, a new count: the visitor's two rows have nothing in common to join them by."""
    with time_machine.travel(TUESDAY, tick=False):
        search(client, "unicorn rides")
    with time_machine.travel("2026-11-25T09:00:00-07:00", tick=False):
        search(client, "unicorn rides")
        search(client, "unicorn rides")
    first, second = UnmetSearch.objects.order_by("created_at")
    assert UnmetSearch.objects.count() == 2
    assert first.visitor != second.visitor


@time_machine.travel(TUESDAY, tick=False)
def test_it_keeps_no_address_or_browser(client, listings):
    """Nothing recorded holds the address or the browser, only a hash."""
    search(client, "unicorn rides")
    row = UnmetSearch.objects.values().get()
    stored = " ".join(str(value) for value in row.values())
    assert ADDRESS not in stored
    assert "Firefox" not in stored
    assert len(row["visitor"]) == 64


@time_machine.travel(TUESDAY, tick=False)
def test_it_counts_a_signed_in_case_managers_needs_once_each_without_a_cap(client, listings, carol):
    """A case manager signed in: the same search once, every different need counted, from any address."""
    client.force_login(carol)
    search(client, "unicorn rides")
    search(client, "unicorn rides", address="198.51.100.7")
    for number in range(8):
        search(client, f"unicorn rides {number}")
    assert UnmetSearch.objects.count() == 9


@time_machine.travel(TUESDAY, tick=False)
def test_it_records_searches_that_found_something_as_before(client, listings):
    """A search that finds services is no unmet need."""
    search(client, "daycare")
    assert not UnmetSearch.objects.exists()
