"""Portal lists cost a fixed number of queries however long they get."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers.models import ChangeRecord, Correction, PendingEdit, Service


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def add_services(agency, count: int) -> list[Service]:
    return [Service.objects.create(organization=agency, name=f"Extra {number}") for number in range(count)]


def test_it_lists_an_editors_listings_in_a_fixed_number_of_queries(client, alice, service_a, agency_a):
    """More services, corrections and edits waiting do not add queries to the dashboard."""
    client.force_login(alice)
    url = reverse("portal:home")
    one = queries(client, url)

    for service in add_services(agency_a, 5):
        Correction.objects.create(service=service, kind="other", source="participant")
        PendingEdit.objects.create(
            organization=agency_a, service=service, section="details", data={}, submitted_by=alice
        )

    assert queries(client, url) == one
    assert queries(client, reverse("portal:organization", args=[agency_a.pk])) <= one + 3


def test_it_shows_the_review_queue_and_corrections_in_a_fixed_number_of_queries(
    client, admin, alice, service_a, agency_a
):
    """The queue and the open corrections list do not grow a query per row."""
    client.force_login(admin)
    PendingEdit.objects.create(organization=agency_a, service=service_a, section="details", data={}, submitted_by=alice)
    Correction.objects.create(service=service_a, kind="other", source="participant")
    queue, corrections = queries(client, reverse("portal:review_queue")), queries(client, reverse("portal:corrections"))

    for service in add_services(agency_a, 5):
        PendingEdit.objects.create(
            organization=agency_a, service=service, section="details", data={}, submitted_by=alice
        )
        Correction.objects.create(service=service, kind="other", source="participant")

    assert queries(client, reverse("portal:review_queue")) == queue
    assert queries(client, reverse("portal:corrections")) == corrections


def test_it_shows_a_long_history_in_a_fixed_number_of_queries(client, alice, service_a, agency_a):
    """Twenty entries cost what one does."""
    client.force_login(alice)

    def record(number: int) -> None:
        ChangeRecord.objects.create(
            organization=agency_a,
            service=service_a,
            resource_type="service",
            resource_id=service_a.pk,
            action="update",
            field_name="name",
            previous_value=f"Name {number}",
            replacement_value=f"Name {number + 1}",
            changed_by=alice,
        )

    record(0)
    url = reverse("portal:history", args=[service_a.pk])
    one = queries(client, url)
    for number in range(1, 20):
        record(number)

    assert queries(client, url) == one
