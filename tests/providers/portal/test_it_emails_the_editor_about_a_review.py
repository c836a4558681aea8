"""When a network admin approves or rejects a held edit, its editor gets an e-mail in their language:
the decision, the reviewer's note, and a link to the listing's page in the portal."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse

from directory.models import Preference
from providers.models import PendingEdit

from .conftest import open_form, post_form, read_form

SENT_AT = datetime.datetime(2026, 7, 15, 12, tzinfo=zoneinfo.ZoneInfo("America/Denver"))


def held_edit(client, editor, url: str, **changes) -> PendingEdit:
    client.force_login(editor)
    response = post_form(client, url, open_form(client, url), **changes)
    assert response.status_code == 302
    edit = PendingEdit.objects.filter(status=PendingEdit.Status.PENDING).get()
    PendingEdit.objects.filter(pk=edit.pk).update(submitted_at=SENT_AT)
    client.logout()
    return edit


@pytest.fixture
def hours_edit(client, alice, service_a, review_mode) -> PendingEdit:
    url = reverse("portal:service_edit", args=[service_a.pk, "hours"])
    return held_edit(client, alice, url, hours__0__opens_at="07:30")


def decide(client, admin, edit: PendingEdit, decision: str, note: str, capture):
    client.force_login(admin)
    url = reverse("portal:review_edit", args=[edit.pk])
    version = read_form(client.get(url).content.decode())["version"][0]
    with capture(execute=True):
        return client.post(url, {"decision": decision, "note": note, "version": version})


def test_it_tells_the_editor_an_edit_was_approved_with_the_note(
    client, admin, hours_edit, service_a, settings, django_capture_on_commit_callbacks
):
    """One e-mail to alice: published, the note, the part of the listing, and a link to its portal page."""
    response = decide(client, admin, hours_edit, "approve", "Thanks, looks right.", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Your edit of Sunrise Daycare is published"
    assert message.extra_headers["Content-Language"] == "en"
    assert "approved the edit you sent on July 15, 2026: Hours and closures, Sunrise Daycare." in message.body
    assert "Thanks, looks right." in message.body
    assert f"{settings.SITE_URL}/portal/services/{service_a.pk}/" in message.body


def test_it_tells_the_editor_an_edit_was_rejected_with_the_note(
    client, admin, hours_edit, django_capture_on_commit_callbacks
):
    """One e-mail to alice: not published, and why."""
    response = decide(
        client, admin, hours_edit, "reject", "We open at 7:00, please check.", django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "Your edit of Sunrise Daycare was not published"
    assert "did not approve the edit you sent on July 15, 2026" in message.body
    assert "We open at 7:00, please check." in message.body


def test_it_writes_in_the_editors_language(client, alice, admin, hours_edit, django_capture_on_commit_callbacks):
    """alice reads Spanish: the e-mail is rendered in Spanish (Django's own Spanish dates prove it until the
    project's Spanish catalogue has these sentences) and says so in its Content-Language header."""
    Preference.objects.create(user=alice, language="es")

    decide(client, admin, hours_edit, "reject", "Abrimos a las 7:00.", django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.extra_headers["Content-Language"] == "es"
    assert "Sunrise Daycare" in message.subject
    assert "15 de julio de 2026" in message.body
    assert "July" not in message.body
    assert "Abrimos a las 7:00." in message.body


def test_it_links_a_location_edit_to_the_service_and_an_organization_edit_to_the_organization(
    client, alice, admin, service_a, agency_a, review_mode, settings, django_capture_on_commit_callbacks
):
    """The link goes to the portal page the edit belongs to: the service's, or the organization's."""
    location = service_a.locations.get()
    at_location = reverse("portal:service_location_edit", args=[service_a.pk, location.pk])
    edit = held_edit(
        client, alice, at_location, hours__0__weekday="TU", hours__0__opens_at="09:00", hours__0__closes_at="12:00"
    )
    decide(client, admin, edit, "approve", "", django_capture_on_commit_callbacks)
    organization_edit = held_edit(
        client, alice, reverse("portal:organization_edit", args=[agency_a.pk]), name="Agency A (Westwood)"
    )
    decide(client, admin, organization_edit, "approve", "", django_capture_on_commit_callbacks)

    first, second = mail.outbox
    assert f"{settings.SITE_URL}/portal/services/{service_a.pk}/" in first.body
    assert "Their note" not in first.body, "no note, no empty note line"
    assert first.subject == "Your edit of Sunrise Daycare is published"
    assert f"{settings.SITE_URL}/portal/organizations/{agency_a.pk}/" in second.body


def test_it_sends_nothing_when_the_approval_fails(
    client, alice, admin, hours_edit, service_a, django_capture_on_commit_callbacks
):
    """The listing changed since the reviewer opened the edit: nothing is decided, nobody is told anything."""
    client.force_login(admin)
    url = reverse("portal:review_edit", args=[hours_edit.pk])
    version = read_form(client.get(url).content.decode())["version"][0]
    hours_url = reverse("portal:service_edit", args=[service_a.pk, "hours"])
    post_form(client, hours_url, open_form(client, hours_url), hours__1__closes_at="17:00")  # the admin's own edit

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "approve", "note": "", "version": version})

    assert response.status_code == 409
    hours_edit.refresh_from_db()
    assert hours_edit.status == PendingEdit.Status.PENDING
    assert mail.outbox == []


def test_it_sends_nothing_to_an_editor_without_an_email_address(
    client, alice, admin, hours_edit, django_capture_on_commit_callbacks
):
    """Without an address the decision still shows in the portal, and no e-mail is attempted."""
    alice.email = ""
    alice.save(update_fields=["email"])

    response = decide(client, admin, hours_edit, "reject", "Please check.", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert mail.outbox == []
