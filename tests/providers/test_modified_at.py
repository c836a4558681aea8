"""A change to any record a listing shows marks its service modified, so HSDS consumers can sync."""

import datetime

import pytest
import time_machine

from providers.models import Language, Location, Phone, Schedule, ServiceAtLocation, TaxonomyTerm

LATER = datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC)


def modified(service) -> datetime.datetime:
    service.refresh_from_db()
    return service.modified_at


@pytest.mark.parametrize(
    "change",
    [
        lambda s: Phone.objects.create(service=s, number="303-555-0100"),
        lambda s: Schedule.objects.filter(service=s).first().delete(),
        lambda s: Language.objects.create(service=s, name="Spanish", code="es"),
        lambda s: s.organization.save(),
        lambda s: Location.objects.get(service_at_locations__service=s).save(),
        lambda s: Location.objects.get(service_at_locations__service=s).addresses.get().save(),
        lambda s: Phone.objects.create(location=Location.objects.get(service_at_locations__service=s), number="1"),
        lambda s: Phone.objects.create(service_at_location=ServiceAtLocation.objects.get(service=s), number="2"),
        lambda s: s.categories.add(TaxonomyTerm.objects.get(code="child-care")),
    ],
    ids=["phone", "schedule", "language", "organization", "location", "address", "location phone", "sal phone", "term"],
)
def test_it_marks_the_service_modified_when_a_child_record_changes(service_a, change):
    """Editing a phone, hours, language, location, address, organization or category bumps the service."""
    before = modified(service_a)
    with time_machine.travel(LATER, tick=False):
        change(service_a)
    assert before < modified(service_a) == LATER


def test_it_leaves_other_services_alone(service_a, agency_b):
    """A phone added to agency B touches nothing of agency A."""
    before = modified(service_a)
    with time_machine.travel(LATER, tick=False):
        Phone.objects.create(organization=agency_b, number="303-555-0199")
    assert modified(service_a) == before
