"""What HSDS 3.1 adds holds its invariants: full_clean() explains them, named DB constraints enforce them.

An additional URL belongs to an organization or a service; a capacity counts something in a unit, never
a negative number; an area given for a service at a location is an area of that location's service.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from providers.models import (
    ORPHAN_MESSAGE,
    SERVICE_AREA_LOCATION_MESSAGE,
    AdditionalUrl,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    Unit,
)

pytestmark = pytest.mark.django_db


def refused_by_the_database(record) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()


def test_it_refuses_an_additional_url_that_belongs_to_nothing():
    """A URL with neither organization nor service: a message from full_clean, and the constraint behind it."""
    url = AdditionalUrl(label="Facebook", url="https://facebook.example/agency")
    with pytest.raises(ValidationError) as error:
        url.full_clean()
    assert ORPHAN_MESSAGE.format(what="web address", owners="organization, service") in error.value.messages
    refused_by_the_database(url)


def test_it_keeps_a_url_of_an_organization_and_of_its_service(service_a):
    """One URL may be both the organization's website and the service's page, as HSDS 3.1 nests it twice."""
    url = AdditionalUrl(organization=service_a.organization, service=service_a, url="https://sunrise.example")
    url.full_clean()
    url.save()
    assert list(service_a.additional_urls.all()) == list(service_a.organization.additional_websites.all()) == [url]


@pytest.mark.parametrize(("field", "value"), [("available", -1), ("maximum", -0.5)])
def test_it_refuses_a_negative_capacity(service_a, field, value):
    """Nobody has minus one bed free."""
    capacity = ServiceCapacity(
        service=service_a,
        unit=Unit.objects.create(name="Bed"),
        available=3,
        updated_at=datetime.datetime.now(datetime.UTC),
    )
    setattr(capacity, field, value)
    with pytest.raises(ValidationError) as error:
        capacity.full_clean()
    assert field in error.value.message_dict
    refused_by_the_database(capacity)


def test_it_keeps_a_unit_that_capacities_count_in(service_a):
    """A unit in use cannot be deleted: the capacities would lose what they count."""
    bed = Unit.objects.create(name="Bed")
    ServiceCapacity.objects.create(service=service_a, unit=bed, available=2, maximum=10)
    with pytest.raises(ProtectedError):
        bed.delete()


def test_it_refuses_an_area_for_another_services_location(service_a, agency_a):
    """The service at location of an area is one of the area's own service."""
    other = Service.objects.create(organization=agency_a, name="Evening Care")
    elsewhere = ServiceAtLocation.objects.create(service=other, location=service_a.locations.get())
    area = ServiceArea(
        service=service_a,
        service_at_location=elsewhere,
        extent_type=ServiceArea.ExtentType.POSTAL_CODES,
        postal_codes=["80219"],
    )
    with pytest.raises(ValidationError) as error:
        area.full_clean()
    assert error.value.message_dict == {"service_at_location": [SERVICE_AREA_LOCATION_MESSAGE]}

    area.service_at_location = service_a.service_at_locations.get()
    area.full_clean()
    area.save()
    assert list(service_a.service_at_locations.get().service_areas.all()) == [area]
