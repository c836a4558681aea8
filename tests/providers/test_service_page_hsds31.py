"""The service page shows what HSDS 3.1 adds: capacities in their units beside the capacity status, and the
service's and its organization's further web addresses, in English and in Spanish (issue 16)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from providers.models import AdditionalUrl, ServiceCapacity, Unit

STATED = datetime.datetime(2026, 3, 4, 12, tzinfo=datetime.UTC)


@pytest.fixture
def stated(service_a):
    """Two capacities (one with a maximum) and web addresses: the service's, the organization's, one of both."""
    ServiceCapacity.objects.create(
        service=service_a, unit=Unit.objects.create(name="Places"), available=4, maximum=20, updated_at=STATED
    )
    ServiceCapacity.objects.create(
        service=service_a,
        unit=Unit.objects.create(name="Hours of care"),
        available=12.5,
        description="This week",
        updated_at=STATED,
    )
    AdditionalUrl.objects.create(service=service_a, label="Facebook", url="https://facebook.example/sunrise")
    AdditionalUrl.objects.create(service=service_a, url="https://sunrise.example/menu")
    AdditionalUrl.objects.create(organization=service_a.organization, label="Donate", url="https://give.example/a")
    AdditionalUrl.objects.create(
        organization=service_a.organization, service=service_a, label="Newsletter", url="https://news.example/a"
    )
    return service_a


def page(client, service, language: str = "en") -> str:
    response = client.get(service.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_capacities_and_further_web_addresses(client, stated):
    """Each capacity with its unit, maximum and date; each address once, by its label or as a website."""
    html = page(client, stated)

    assert "Places: 4 of 20 available" in html
    assert "Hours of care: 12.5 available" in html
    assert "This week" in html
    assert html.count("updated March 4, 2026") + html.count("updated Mar. 4, 2026") == 2
    assert '<a href="https://facebook.example/sunrise" rel="noopener">Facebook</a>' in html
    assert '<a href="https://sunrise.example/menu" rel="noopener">Website</a>' in html
    assert '<a href="https://give.example/a" rel="noopener">Donate</a>' in html
    assert html.count("https://news.example/a") == 1


def test_it_shows_them_in_spanish(client, stated):
    """The same, in the reader's language."""
    html = page(client, stated, "es")

    assert "Places: 4 de 20 disponibles" in html
    assert "Hours of care: 12,5 disponibles" in html
    assert '<a href="https://sunrise.example/menu" rel="noopener">Sitio web</a>' in html


def test_it_shows_them_without_a_query_each(client, stated):
    """More capacities and addresses do not add queries to the page."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            page(client, stated)
        return len(context)

    before = queries()
    for number in range(3):
        ServiceCapacity.objects.create(
            service=stated, unit=Unit.objects.create(name=f"Unit {number}"), available=number, updated_at=STATED
        )
        AdditionalUrl.objects.create(service=stated, url=f"https://sunrise.example/{number}")
        AdditionalUrl.objects.create(organization=stated.organization, url=f"https://agency.example/{number}")
    assert queries() == before
