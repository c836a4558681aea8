"""An organization with an empty description (HSDS 3.0 allows "") is shown and fed as the official schemas say."""

import pytest

from providers.models import Organization, Service
from tests.providers.hsds.feed.conftest import get_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def blank_organization() -> Organization:
    """An organization of the demo network with listed services, its description emptied."""
    organization = Organization.objects.filter(services__in=Service.objects.listed()).distinct().first()
    Organization.objects.filter(pk=organization.pk).update(description="")
    organization.refresh_from_db()
    return organization


def test_it_feeds_an_organization_with_an_empty_description_as_the_official_schema_says(
    client, official, blank_organization
):
    """The organization (plain and with full services) and each of its services stay valid; the description is ""."""
    for full_service in ("false", "true"):
        body = get_json(client, f"organizations/{blank_organization.pk}", full_service=full_service)
        assert official.errors(official.for_path("/organizations/{id}"), body) == []
        assert body["description"] == ""
    service = blank_organization.services.listed().first()
    body = get_json(client, f"services/{service.pk}")
    assert official.errors(official.for_path("/services/{id}"), body) == []
    assert body["organization"]["description"] == ""


def test_it_shows_the_service_page_of_an_organization_with_an_empty_description(client, blank_organization):
    """The public service page of such an organization renders, with the organization's name."""
    service = blank_organization.services.listed().first()

    response = client.get(service.get_absolute_url())

    assert response.status_code == 200
    assert blank_organization.name in response.content.decode()
