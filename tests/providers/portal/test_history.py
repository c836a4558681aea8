"""Every change to a listing is kept: who, when, old and new value per field, as HSDS metadata too."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.urls import reverse

from providers.models import Address, ChangeRecord, Service

from .conftest import html_of, open_form, post_form

METADATA_SCHEMA = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "v3.0" / "schema" / "metadata.json"


def edit(client, url: str, **changes):
    response = post_form(client, url, open_form(client, url), **changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_it_shows_who_changed_which_field_from_what_to_what(client, alice, service_a):
    """The history page lists alice's edit with each field's old and new value, newest first."""
    client.force_login(alice)
    edit(client, reverse("portal:service_edit", args=[service_a.pk, "eligibility"]), maximum_age="12")
    edit(client, reverse("portal:service_edit", args=[service_a.pk, "details"]), name="Sunrise Child Care")

    html = html_of(client.get(reverse("portal:history", args=[service_a.pk])))

    assert html.index("Sunrise Child Care") < html.index("Maximum age"), "newest first"
    assert "<del>Sunrise Daycare</del>" in html and "<ins>Sunrise Child Care</ins>" in html
    assert "<del>5</del>" in html and "<ins>12</ins>" in html
    assert html.count("alice, ") == 2


def test_it_shows_choices_and_terms_in_words(client, alice, service_a, categories):
    """A status and categories read as people say them, not as stored codes."""
    client.force_login(alice)
    url = reverse("portal:service_edit", args=[service_a.pk, "details"])
    child_care = service_a.categories.get().parent

    edit(client, url, status="temporarily closed", categories=[str(child_care.pk)])

    html = html_of(client.get(reverse("portal:history", args=[service_a.pk])))
    assert "<del>Active</del>" in html and "<ins>Temporarily closed</ins>" in html
    assert "<del>Daycare</del>" in html and "<ins>Child care</ins>" in html


def test_it_closes_a_service_without_deleting_it(client, alice, service_a):
    """Closing for good keeps the service and its history; the public directory no longer lists it."""
    client.force_login(alice)

    edit(client, reverse("portal:service_edit", args=[service_a.pk, "details"]), status="defunct")

    service_a.refresh_from_db()
    assert service_a.status == Service.Status.DEFUNCT
    assert ChangeRecord.objects.filter(service=service_a, field_name="status", replacement_value="defunct").exists()
    client.logout()
    assert client.get(service_a.get_absolute_url()).status_code == 404
    assert "delete" not in html_of(client.get(reverse("login")))  # a token check that nothing offers deleting


def test_it_puts_location_and_organization_changes_in_the_listing_history(client, alice, service_a, agency_a):
    """A new address of the service's location and the organization's new name show on the listing's history."""
    client.force_login(alice)
    location = service_a.locations.get()
    edit(client, reverse("portal:location_edit", args=[location.pk]), addresses__0__address_1="3350 W Alameda Ave")
    edit(client, reverse("portal:organization_edit", args=[agency_a.pk]), name="Agency A Learning")

    html = html_of(client.get(reverse("portal:history", args=[service_a.pk])))

    assert "<ins>3350 W Alameda Ave</ins>" in html
    assert "<ins>Agency A Learning</ins>" in html
    assert Address.objects.get().address_1 == "3350 W Alameda Ave"


def test_it_records_confirmations_and_capacity(client, alice, service_a):
    """One-click changes are history too."""
    client.force_login(alice)
    client.post(reverse("portal:capacity", args=[service_a.pk]), {"capacity_status": "not_accepting"})
    client.post(reverse("portal:confirm", args=[service_a.pk]))

    html = html_of(client.get(reverse("portal:history", args=[service_a.pk])))

    assert "<del>Accepting new clients</del>" in html and "<ins>Not accepting new clients</ins>" in html
    assert "Confirmed still accurate" in html


def test_it_gives_each_change_as_an_hsds_metadata_record(client, alice, service_a):
    """Change records read as HSDS 3.0 ``metadata``, valid against the official schema."""
    client.force_login(alice)
    edit(client, reverse("portal:service_edit", args=[service_a.pk, "eligibility"]), maximum_age="12")
    schema = json.loads(METADATA_SCHEMA.read_text())

    metadata = ChangeRecord.objects.get().as_hsds_metadata()

    jsonschema.validate(metadata, schema, format_checker=jsonschema.FormatChecker())
    assert metadata | {"id": "", "last_action_date": ""} == {
        "id": "",
        "resource_id": str(service_a.pk),
        "resource_type": "service",
        "last_action_date": "",
        "last_action_type": "update",
        "field_name": "maximum_age",
        "previous_value": "5",
        "replacement_value": "12",
        "updated_by": "alice",
    }


def test_it_never_edits_a_change_record(alice, service_a):
    """History is append-only."""
    record = ChangeRecord.objects.create(
        organization=service_a.organization,
        service=service_a,
        resource_type="service",
        resource_id=service_a.pk,
        action="update",
    )
    record.field_name = "name"
    with pytest.raises(ValueError, match="never edited"):
        record.save()
