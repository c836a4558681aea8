"""Plain-text e-mails show names as people typed them: no HTML entities (&amp; &#x27; &quot; &lt;) in any
kind of e-mail the product sends, subject or body, in either language."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test.signals import template_rendered
from django.urls import reverse

from directory.mail import deliver_due
from directory.models import Preference
from providers.models import PendingEdit
from providers.portal import notifications as portal_notifications
from providers.portal.services import correction_report, edit_reject
from referrals import notifications, services, webhooks
from referrals.clients import client_system_create
from referrals.models import Referral

from .conftest import send_referral

SERVICE = 'Kids & Families\' "Center" <West>'
PROGRAM = "Tom & Jerry's Jobs"
PERSON = "D'Arcy & Al"
CLIENT = "O'Hara & Sons CMS"
NOTE = "Use 'Kids & Families' <north door>"
ENTITIES = ("&amp;", "&#x27;", "&#39;", "&quot;", "&lt;", "&gt;")


def email_templates() -> set[str]:
    """Every e-mail template of the product, as ``app/.../email/<kind>``."""
    found = set()
    for app in ("directory", "providers", "search", "referrals"):
        for path in (Path(settings.BASE_DIR) / app / "templates").rglob("email/*.txt"):
            name = path.relative_to(Path(settings.BASE_DIR) / app / "templates").as_posix()
            found.add(name.removesuffix(".txt").removesuffix("_subject"))
    return found


@pytest.fixture
def rendered():
    """The names of the templates rendered during the test."""
    names: list[str] = []

    def record(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


@pytest.fixture
def names(service_a, workforce_program, alice, carol):
    service_a.name = SERVICE
    service_a.save(update_fields=["name"])
    workforce_program.name = PROGRAM
    workforce_program.save(update_fields=["name"])
    for person in (alice, carol):
        person.first_name = PERSON
        person.save(update_fields=["first_name"])


def send_every_kind(participant, service_a, carol, alice, admin, workforce_program) -> None:
    referral = send_referral(participant, service_a, carol)  # referral_sent, to alice
    notifications.overdue_reminder(referral)  # overdue_provider to alice, overdue_referrer to carol
    services.referral_transition(
        referral_id=referral.pk, actor=alice, to_status=Referral.Status.DECLINED, reason="no_capacity"
    )  # status_changed, to carol
    client, _token = client_system_create(
        organization=workforce_program, name=CLIENT, created_by=admin, contact_email="it@jobs.example.org"
    )
    endpoint = webhooks.endpoint_register(
        client=client, url="https://hooks.example.org/in?a=1&b='2'", event_types=["referral.created"]
    )
    webhooks._tell_disabled(endpoint.pk)  # webhook_disabled, to the program's staff and the contact
    portal_notifications.verification_reminder(alice, [service_a])  # verification_reminder
    edit = PendingEdit.objects.create(
        organization=service_a.organization,
        service=service_a,
        section="hours",
        data={"opens_at": "07:30"},
        submitted_by=alice,
    )
    edit_reject(edit=edit, reviewer=admin, note=NOTE)  # edit_reviewed
    correction_report(service=service_a, reported_by=carol, kind="wrong_phone", note=NOTE)  # correction_raised


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_writes_every_kind_of_email_as_typed(
    language, outbox, rendered, names, participant, consent, service_a, carol, alice, admin, workforce_program
):
    """Each kind of e-mail, sent through the outbox and SMTP, shows the names, note and URL as typed."""
    for person in (alice, carol, admin):
        Preference.objects.create(user=person, language=language)

    send_every_kind(participant, service_a, carol, alice, admin, workforce_program)
    while deliver_due().claimed:
        pass

    kinds = {name.removesuffix(".txt").removesuffix("_subject") for name in rendered if "/email/" in name}
    assert kinds == email_templates(), "an e-mail template this test does not send: add it to send_every_kind"
    assert len(outbox.received) >= 9
    for message in outbox.received:
        text = message["Subject"] + "\n" + message.get_content()
        assert not [entity for entity in ENTITIES if entity in text], text
    texts = [message["Subject"] + "\n" + message.get_content() for message in outbox.received]
    assert sum(SERVICE in text for text in texts) >= 6  # every e-mail about the service names it as typed
    assert any(PROGRAM in text for text in texts)
    assert any(PERSON in text for text in texts)
    assert any(CLIENT in text and "https://hooks.example.org/in?a=1&b='2'" in text for text in texts)
    assert any(NOTE in text for text in texts)


def test_it_writes_the_password_reset_email_as_typed(outbox, client, names, alice):
    """Django's password reset e-mail, through the outbox: the name with & and ' reads as typed."""
    cache.clear()  # the reset form's request limit

    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})

    assert response.status_code == 302
    assert deliver_due().sent == 1
    [message] = outbox.received
    text = message["Subject"] + "\n" + message.get_content()
    assert f"Hello {PERSON}," in text
    assert not [entity for entity in ENTITIES if entity in text]
