"""The paging envelope follows the rules the ORUK validator checks, at every page size."""

import pytest

from tests.providers.hsds.feed.conftest import all_pages, get, get_json

pytestmark = pytest.mark.django_db

ENVELOPE = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}
LISTS = ["services", "service_at_locations", "organizations", "taxonomies", "taxonomy_terms"]


def assert_envelope_rules(bodies: list[dict], per_page: int) -> None:
    total = bodies[0]["total_items"]
    assert [body["page_number"] for body in bodies] == list(range(1, len(bodies) + 1))
    for body in bodies:
        assert set(body) == ENVELOPE
        assert body["total_items"] == total
        assert body["total_pages"] == len(bodies)
        assert body["size"] == len(body["contents"])
        assert body["first_page"] is (body["page_number"] == 1)
        assert body["last_page"] is (body["page_number"] == body["total_pages"])
        assert body["empty"] is (body["contents"] == [])
        if not body["last_page"]:
            assert body["size"] == per_page
        else:
            assert 0 < body["size"] <= per_page or total == 0
    ids = [record["id"] for body in bodies for record in body["contents"]]
    assert len(ids) == len(set(ids)) == total


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("per_page", [1, 7, 50, 500])
def test_it_pages_every_list_by_the_rules(client, path, per_page):
    """Pages start at 1; size counts contents; first/last/empty flags are exact; all pages but the last are full."""
    bodies = all_pages(client, path, per_page=per_page)
    assert_envelope_rules(bodies, per_page)


def test_it_pages_by_fifty_unless_told(client):
    """Without per_page a page holds 50 records."""
    body = get_json(client, "services")
    assert body["size"] == 50
    assert body["total_pages"] == -(-body["total_items"] // 50)


def test_it_answers_an_empty_result_as_one_empty_page(client):
    """Nothing matching is page 1 of 1: first, last and empty, with no contents."""
    body = get_json(client, "services", modified_after="2100-01-01T00:00:00Z")
    assert body == {
        "total_items": 0,
        "total_pages": 1,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }


def test_it_refuses_a_page_past_the_last(client):
    """Asking for a page after the last one is a 400 that says which page is the last."""
    last = get_json(client, "taxonomies", per_page=2)["total_pages"]
    response = get(client, "taxonomies", per_page=2, page=last + 1)
    assert response.status_code == 400
    assert response.json()["parameter"] == "page"
    assert f"page {last + 1} is past the last page, {last}" in response.json()["detail"]


def test_it_keeps_the_same_order_on_every_page(client):
    """Walking the pages gives the same records in the same order as one big page."""
    small = [record["id"] for body in all_pages(client, "services", per_page=9) for record in body["contents"]]
    big = [record["id"] for record in get_json(client, "services", per_page=500)["contents"]]
    assert small == big
