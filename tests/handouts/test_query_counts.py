"""The pages that show a list's services cost the same number of queries for two services as for six."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from handouts import services
from providers.models import Address, Location, Phone, Service, ServiceAtLocation

pytestmark = pytest.mark.django_db


def add_services(resource_list, organization, count: int) -> None:
    for number in range(count):
        service = Service.objects.create(organization=organization, name=f"Service {number}")
        location = Location.objects.create(
            organization=organization, name=f"Place {number}", latitude=39.7, longitude=-105.0
        )
        Address.objects.create(
            location=location, address_1=f"{number} Main St", city="Denver", state_province="CO", postal_code="80219"
        )
        ServiceAtLocation.objects.create(service=service, location=location)
        Phone.objects.create(location=location, number=f"303-555-01{number:02d}")
        services.resource_list_add(resource_list=resource_list, service=service)


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, follow=True)
    assert response.status_code == 200
    return len(captured)


def test_the_handout_and_the_private_page_do_not_grow_with_the_list(client, carol, resource_list, agency_a):
    client.force_login(carol)
    link = services.list_link_for(resource_list)
    shared = reverse("handouts:shared", args=[link.token])
    handout = reverse("handouts:handout", args=[resource_list.pk])
    detail = reverse("handouts:detail", args=[resource_list.pk])
    add_services(resource_list, agency_a, 1)
    before = [queries_for(client, url) for url in (handout, detail, shared)]
    add_services(resource_list, agency_a, 4)
    after = [queries_for(client, url) for url in (handout, detail, shared)]
    assert after == before
