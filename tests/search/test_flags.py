"""The search's yes/no parameters (free, open_now, accepting, serves_me, hide_ineligible) read "no" as no:
false, 0, no, off and empty turn a filter off; true, 1, yes, on turn it on (on is what the page's checkboxes
send); anything else is a 400 naming the parameter, never taken for yes."""

import pytest

from .conftest import make_service, rebuild

URL = "/api/v1/search/"
FLAGS = ["free", "open_now", "accepting", "serves_me", "hide_ineligible"]


@pytest.fixture
def listings(taxonomy):
    """One daycare, which charges a fee."""
    make_service("Westwood Little Learners", free=False)
    rebuild()


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "off", ""])
def test_it_reads_no_as_no(client, listings, value):
    """free=0 (or no, off ...) is not "free only": the service that charges is still found (it was not)."""
    response = client.get(URL, {"q": "daycare", "free": value})
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "ON"])
def test_it_reads_yes_as_yes(client, listings, value):
    """free=1 (or true, on ...) leaves out what is not free."""
    response = client.get(URL, {"q": "daycare", "free": value})
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("name", FLAGS)
@pytest.mark.parametrize("value", ["null", "abc", "2", "maybe"])
def test_it_refuses_what_is_neither(client, listings, name, value):
    """A value that is neither yes nor no is a 400 naming the parameter (it counted as yes)."""
    response = client.get(URL, {"q": "daycare", "zip": "80219", name: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [name]


def test_it_keeps_the_page_checkboxes_working(client, listings):
    """The search page's checkbox sends "on": the page filters as before."""
    response = client.get("/search/", {"q": "daycare", "free": "on"})
    assert response.status_code == 200
    assert "Westwood Little Learners" not in response.content.decode()
