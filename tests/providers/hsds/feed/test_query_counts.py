"""Each list endpoint costs a fixed number of queries per page, whatever per_page is (no N+1)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

from providers.models import ChangeRecord, Service
from tests.providers.hsds.feed.conftest import get, ndjson

pytestmark = pytest.mark.django_db

# (path, parameters, the most queries a page may cost). A page is a count, the page's ids, the page's
# records, and for full records one query per table of their parts (serialize.Parts: phones, schedules,
# locations ..., HSDS 3.1's URLs and capacities, the terms, the imported attributes and, for services, their
# latest changes); with ``search``, plus what the text search itself costs.
PAGES = [
    ("services", {}, 3),
    ("services", {"minimal": "true"}, 3),
    ("services", {"full": "true"}, 21),
    ("services", {"search": "daycare", "taxonomy_id": "cb00ddce-d7d3-55d3-94e1-5eefbd729716"}, 3),
    ("services", {"postcode": "80219", "proximity": "20000"}, 5),
    ("service_at_locations", {}, 3),
    ("service_at_locations", {"full": "true"}, 19),
    ("organizations", {}, 3),
    ("organizations", {"full": "true"}, 12),
    ("organizations", {"full_service": "true"}, 21),
    # A taxonomy or a term: a count, the page's ids, the records and the attributes stored on them.
    ("taxonomies", {}, 4),
    ("taxonomy_terms", {}, 4),
    ("taxonomy_terms", {"top_only": "true"}, 4),
]


def text_search_queries(text: str) -> int:
    """What the search behind ``search`` costs on its own (search/ decides; the feed only adds its page)."""
    with CaptureQueriesContext(connection) as queries:
        import_string(settings.HSDS_TEXT_SEARCH)(text)
    return len(queries)


def count_queries(client, path: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = get(client, path, **params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("path", "params", "most"), PAGES, ids=[f"{p[0]}?{p[1]}" for p in PAGES])
def test_it_costs_the_same_queries_for_a_page_of_any_size(client, django_assert_max_num_queries, path, params, most):
    """A page of 5, 50 or 500 records costs at most the documented number of queries; a page of all records, exactly.

    (A smaller page can cost less: Django skips a prefetch when no record of the page has that relation.)
    """
    get(client, path, **params)  # warm the per-process caches (search keeps referral figures for minutes)
    if "search" in params:
        most += text_search_queries(params["search"])
    for per_page in (5, 50):
        with django_assert_max_num_queries(most):
            response = get(client, path, **params, per_page=per_page)
        assert response.json()["size"] == min(per_page, response.json()["total_items"])
    assert count_queries(client, path, {**params, "per_page": 500}) == most


def test_it_costs_no_query_per_recorded_change(client):
    """The services' history (changes recorded by people) comes in the page's one history query, authors too."""
    admin = User.objects.get(username="admin")
    for service in Service.objects.listed()[:20]:
        ChangeRecord.objects.create(
            organization_id=service.organization_id,
            service=service,
            resource_type=ChangeRecord.ResourceType.SERVICE,
            resource_id=service.pk,
            action=ChangeRecord.Action.UPDATE,
            field_name="name",
            changed_by=admin,
        )
    most = next(most for path, params, most in PAGES if path == "services" and params == {"full": "true"})
    assert count_queries(client, "services", {"full": "true", "per_page": 500}) == most


def test_it_streams_in_chunks_of_queries_not_one_per_record(client):
    """ndjson fetches records a chunk at a time with their parts: far fewer queries than records."""
    with CaptureQueriesContext(connection) as queries:
        records = ndjson(client, "services", full="true")
    assert len(records) > 150
    assert len(queries) < 30 * 2  # two chunks of 200 at most here, each a query plus its prefetches
