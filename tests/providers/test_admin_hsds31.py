"""The staff admin edits what HSDS 3.1 adds: a service's capacities and web addresses in its inlines, and the
location an area is given for, which must be one of the service's own (issue 16)."""

import pytest

from providers.models import SERVICE_AREA_LOCATION_MESSAGE, AdditionalUrl, Service, ServiceArea, ServiceAtLocation, Unit
from tests.providers import test_admin
from tests.providers.test_admin import admin_url, change_form_data

pytestmark = pytest.mark.django_db

# The admin tests' signed-in superuser.
superuser, staff_client = test_admin.superuser, test_admin.staff_client


def test_it_adds_a_capacity_and_a_web_address_through_the_service_inlines(staff_client, service_a):
    """Rows added to the capacities and URLs inlines are stored on the service."""
    places = Unit.objects.create(name="Places")
    url = admin_url(Service, "change", service_a.pk)
    data = change_form_data(staff_client.get(url))
    data.update(
        {
            "capacities-TOTAL_FORMS": "1",
            "capacities-0-unit": str(places.pk),
            "capacities-0-available": "3",
            "capacities-0-maximum": "12",
            "capacities-0-updated_at_0": "2026-12-01",
            "capacities-0-updated_at_1": "09:00:00",
            "additional_urls-TOTAL_FORMS": "1",
            "additional_urls-0-label": "Facebook",
            "additional_urls-0-url": "https://facebook.example/sunrise",
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    capacity = service_a.capacities.get()
    assert (capacity.unit, capacity.available, capacity.maximum) == (places, 3, 12)
    assert AdditionalUrl.objects.get().service == service_a


def test_it_refuses_an_area_for_another_services_location(staff_client, service_a):
    """The area inline names the wrong location: a message beside it, and no area is stored."""
    other = Service.objects.create(organization=service_a.organization, name="Evening Care")
    elsewhere = ServiceAtLocation.objects.create(service=other, location=service_a.locations.get())
    url = admin_url(Service, "change", service_a.pk)
    data = change_form_data(staff_client.get(url))
    data.update(
        {
            "service_areas-TOTAL_FORMS": "1",
            "service_areas-0-service_at_location": str(elsewhere.pk),
            "service_areas-0-extent_type": "postal_codes",
            "service_areas-0-postal_codes": '["80219"]',
            "service_areas-0-counties": "[]",
            "service_areas-0-polygon": "null",
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert SERVICE_AREA_LOCATION_MESSAGE in response.text
    assert not ServiceArea.objects.exists()
