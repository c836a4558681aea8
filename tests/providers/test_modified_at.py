"""A change to any record a listing shows marks its service modified, so HSDS consumers can sync."""

import datetime

import pytest
import time_machine
from django.db import transaction

from providers.models import Language, Location, Phone, Schedule, Service, ServiceAtLocation, TaxonomyTerm
from providers.signals import collect_changes, services_changed

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


@pytest.fixture
def signals():
    """Every services_changed sent, as the set of ids it carried."""
    sent: list[set] = []

    def receive(sender, service_ids, **kwargs) -> None:
        sent.append(set(service_ids))

    services_changed.connect(receive, weak=False, dispatch_uid="test-modified-at")
    yield sent
    services_changed.disconnect(dispatch_uid="test-modified-at")


def test_it_marks_services_once_when_changes_are_collected(service_a, agency_b, signals):
    """Inside collect_changes() edits only gather their services; at the end one UPDATE and one signal."""
    service_b = Service.objects.create(organization=agency_b, name="Shelter")
    signals.clear()
    with time_machine.travel(LATER, tick=False), transaction.atomic(), collect_changes():
        Phone.objects.create(service=service_a, number="303-555-0100")
        Location.objects.get(service_at_locations__service=service_a).save()
        service_b.save()
        assert signals == []

    assert signals == [{service_a.pk, service_b.pk}]
    assert modified(service_a) == modified(service_b) == LATER


def test_it_finds_the_services_of_records_written_in_bulk(service_a, agency_b, signals):
    """bulk_create sends no post_save: records noted with records_written are traced to their services."""
    service_b = Service.objects.create(organization=agency_b, name="Shelter")
    link = ServiceAtLocation.objects.get(service=service_a)
    signals.clear()
    with time_machine.travel(LATER, tick=False), transaction.atomic(), collect_changes() as changes:
        phones = Phone.objects.bulk_create(
            [Phone(service_at_location=link, number="1"), Phone(organization=agency_b, number="2")]
        )
        languages = Language.objects.bulk_create([Language(phone=phones[0], name="Spanish", code="es")])
        changes.records_written(Phone, phones)
        changes.records_written(Language, languages)

    assert signals == [{service_a.pk, service_b.pk}]
    assert modified(service_a) == modified(service_b) == LATER


def test_it_marks_nothing_when_the_changes_are_discarded(service_a, signals):
    """A block whose transaction rolls back discards what it collected: no UPDATE, no signal."""
    before = modified(service_a)
    signals.clear()
    with transaction.atomic(), collect_changes() as changes:
        Phone.objects.create(service=service_a, number="303-555-0100")
        changes.discard()
        transaction.set_rollback(True)

    assert signals == []
    assert modified(service_a) == before


def test_it_hands_an_inner_block_to_the_outer_one(service_a, signals):
    signals.clear()
    with time_machine.travel(LATER, tick=False), transaction.atomic(), collect_changes():
        with collect_changes():
            Phone.objects.create(service=service_a, number="303-555-0100")
        assert signals == []

    assert signals == [{service_a.pk}]
    assert modified(service_a) == LATER
