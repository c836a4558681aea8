"""Sending a list or a slip to the participant: by e-mail through the outbox (delivered over SMTP to a sink on
127.0.0.1), in their language; by text message only the private link, through the configured sender (an
HTTP gateway: a fake one on 127.0.0.1). Each send is on the participant's timeline; a participant who chose
another way, has no consent in force, or was erased gets nothing, and the case manager is told why."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory.mail import deliver_due
from directory.models import OutgoingMail
from handouts import services
from handouts.models import Handover, ListLink
from providers.models import Phone, TaxonomyTerm
from referrals import erasure
from referrals import services as referral_services
from referrals.models import Participant

pytestmark = pytest.mark.django_db


class FakeGateway:
    """An SMS gateway on 127.0.0.1 that keeps what it is sent and answers with ``status``."""

    def __init__(self, status: int = 202) -> None:
        self.status = status
        self.requests: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append({"authorization": self.headers.get("Authorization"), "json": json.loads(body)})
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "msg-1"}')

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeGateway":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    with FakeGateway() as gateway:
        settings.SMS_BACKEND = "handouts.sms.HttpGatewaySender"
        settings.SMS_GATEWAY_URL = gateway.url
        settings.SMS_GATEWAY_TOKEN = "gateway-secret"
        settings.SMS_FROM = "+13035550000"
        settings.SMS_TIMEOUT = 2
        yield gateway


def texting(participant: Participant) -> Participant:
    participant.contact_preference = Participant.ContactPreference.TEXT
    participant.save()
    return participant


def test_it_emails_the_list_in_the_participants_language(client, carol, resource_list, outbox):
    """Carol sends the list; the outbox delivers a Spanish e-mail with the phone, the tip, the directions and
    the private link to the participant's address; the send is on their timeline."""
    carol.first_name, carol.last_name = "Carol", "Case"
    carol.save()
    Phone.objects.create(organization=resource_list.organization, number="303-555-0199")
    client.force_login(carol)
    response = client.post(reverse("handouts:send", args=[resource_list.pk]), {"channel": "email"})
    assert response.status_code == 302
    handover = Handover.objects.get()
    assert (handover.channel, handover.status, handover.language) == ("email", "queued", "es")
    assert handover.participant == resource_list.participant
    assert handover.sent_by == carol

    run = deliver_due()
    assert run.sent == 1
    [message] = outbox.received
    assert message["To"] == "mr@example.org"
    assert message["Content-Language"] == "es"
    assert message["Subject"] == "Servicios para usted, de Workforce Program"
    body = message.get_content()
    assert "1. Guardería Amanecer (Agency A)" in body
    assert "Ask for Ana at the front desk." in body
    assert "(303) 555-0100 ext. 12" in body or "(303) 555-0100 ext. 12" in body.replace("ext.", "ext.")
    assert "Comprobante de domicilio" in body
    assert "https://www.openstreetmap.org/directions?route=%3B39.695600%2C-105.034100" in body
    link = ListLink.objects.get(resource_list=resource_list)
    assert reverse("handouts:shared", args=[link.token]) in body
    assert "Carol Case, carol@example.org (Workforce Program), 303-555-0199" in body


def test_it_records_sends_on_the_participants_timeline(client, carol, resource_list, outbox):
    client.force_login(carol)
    client.post(reverse("handouts:send", args=[resource_list.pk]), {"channel": "email"})
    page = client.get(reverse("handouts:participant", args=[resource_list.participant_id]))
    text = page.content.decode()
    assert "List “Child care”" in text
    assert "Queued in the mail outbox" in text


def test_it_refuses_a_way_the_participant_did_not_choose(client, carol, resource_list, gateway):
    """The participant chose e-mail: no text message goes, and carol reads why."""
    client.force_login(carol)
    response = client.post(reverse("handouts:send", args=[resource_list.pk]), {"channel": "text"}, follow=True)
    assert "another way than text message (E-mail)" in response.content.decode()
    assert not Handover.objects.exists()
    assert gateway.requests == []


def test_it_refuses_a_participant_without_consent_in_force(carol, resource_list, outbox):
    for consent in resource_list.participant.consents.all():
        referral_services.consent_revoke(consent=consent)
    with pytest.raises(ValidationError) as refused:
        services.resource_list_send(resource_list=resource_list, channel="email", sent_by=carol)
    assert refused.value.messages == [str(services.NO_CONSENT)]
    assert not OutgoingMail.objects.exists()
    assert not Handover.objects.exists()


def test_it_refuses_an_erased_participant(carol, resource_list, outbox):
    erasure.participant_erase(participant_id=resource_list.participant_id, reason="Asked us to.", erased_by=carol)
    resource_list.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.resource_list_send(resource_list=resource_list, channel="email", sent_by=carol)
    assert refused.value.messages == [str(services.ERASED)]
    assert not OutgoingMail.objects.exists()


def test_it_refuses_a_list_without_participant(client, carol, daycare, workforce_program, outbox):
    resource_list = services.resource_list_create(organization=workforce_program, created_by=carol)
    services.resource_list_add(resource_list=resource_list, service=daycare)
    client.force_login(carol)
    response = client.post(reverse("handouts:send", args=[resource_list.pk]), {"channel": "email"}, follow=True)
    assert "choose the participant before sending it" in response.content.decode()
    assert not OutgoingMail.objects.exists()


def test_it_texts_only_the_private_link_through_the_gateway(client, carol, resource_list, gateway):
    texting(resource_list.participant)
    client.force_login(carol)
    response = client.post(reverse("handouts:send", args=[resource_list.pk]), {"channel": "text"})
    assert response.status_code == 302
    [request] = gateway.requests
    assert request["authorization"] == "Bearer gateway-secret"
    assert request["json"]["to"] == "(303) 555-0142"
    assert request["json"]["from"] == "+13035550000"
    link = ListLink.objects.get(resource_list=resource_list)
    body = request["json"]["body"]
    assert body.endswith(reverse("handouts:shared", args=[link.token]))
    assert body.startswith("Workforce Program: los servicios")
    assert "Sunrise" not in body and "Ana" not in body  # only the link, nothing of the list itself
    handover = Handover.objects.get()
    assert (handover.channel, handover.status, handover.address) == ("text", "sent", "(303) 555-0142")
    assert not OutgoingMail.objects.exists()


def test_it_records_a_text_the_gateway_refused(client, carol, resource_list, gateway):
    texting(resource_list.participant)
    gateway.status = 503
    client.force_login(carol)
    response = client.post(reverse("handouts:send", args=[resource_list.pk]), {"channel": "text"}, follow=True)
    assert "The text-message gateway answered 503." in response.content.decode()
    handover = Handover.objects.get()
    assert handover.status == "failed"
    assert handover.error == "The text-message gateway answered 503."


def test_the_console_sender_prints_the_message(carol, resource_list, settings, capsys):
    settings.SMS_BACKEND = "handouts.sms.ConsoleSender"
    texting(resource_list.participant)
    services.resource_list_send(resource_list=resource_list, channel="text", sent_by=carol)
    printed = capsys.readouterr().out
    assert "SMS to (303) 555-0142:" in printed
    assert "/lists/shared/" in printed


def test_it_keeps_the_address_encrypted(carol, resource_list, outbox):
    from django.db import connection

    services.resource_list_send(resource_list=resource_list, channel="email", sent_by=carol)
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM handouts_handover")
        [(stored,)] = cursor.fetchall()
    assert "mr@example.org" not in stored
    assert Handover.objects.get().address == "mr@example.org"


def test_it_emails_the_slip_in_the_participants_language(client, carol, participant, daycare, outbox):
    referral = referral_services.referral_send(
        participant=participant,
        service=daycare,
        need=TaxonomyTerm.objects.get(code="child-care"),
        referred_by=carol,
        note="Household income $18,000 a year.",
    )
    OutgoingMail.objects.all().delete()  # the provider's notice of the referral
    client.force_login(carol)
    response = client.post(reverse("handouts:slip_send", args=[referral.pk]))
    assert response.status_code == 302
    handover = Handover.objects.get()
    assert handover.referral == referral
    deliver_due()
    [message] = outbox.received
    assert message["To"] == "mr@example.org"
    assert message["Subject"] == "Su referido a Guardería Amanecer"
    body = message.get_content()
    assert "Comprobante de domicilio" in body
    assert reverse("referrals:feedback", args=[referral.participant_link.token]) in body
    assert "18,000" not in body


def test_only_the_referring_program_emails_a_slip(client, alice, carol, participant, daycare, outbox):
    referral = referral_services.referral_send(
        participant=participant, service=daycare, need=TaxonomyTerm.objects.get(code="child-care"), referred_by=carol
    )
    client.force_login(alice)
    assert client.post(reverse("handouts:slip_send", args=[referral.pk])).status_code == 404
    assert not Handover.objects.exists()


def test_erasure_takes_the_tips_addresses_and_link(carol, resource_list, outbox):
    """Erasing the participant's data erases what their lists keep of them; the record of the send stays."""
    services.resource_list_send(resource_list=resource_list, channel="email", sent_by=carol)
    erasure.participant_erase(participant_id=resource_list.participant_id, reason="Asked us to.", erased_by=carol)
    assert resource_list.items.get().advice == ""
    handover = Handover.objects.get()
    assert handover.address == ""
    assert not ListLink.objects.exists()


def test_key_rotation_reencrypts_the_lists_values(carol, resource_list, outbox, settings):
    """rotate_field_encryption_key rewrites the tips and addresses under the new first key too."""
    import io

    from cryptography.fernet import Fernet
    from django.core.management import call_command
    from django.db import connection

    from referrals.encryption import encryption_keys

    services.resource_list_send(resource_list=resource_list, channel="email", sent_by=carol)
    old_keys = encryption_keys()
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    out = io.StringIO()
    call_command("rotate_field_encryption_key", stdout=out)
    assert "handovers: 1 rows" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT advice FROM handouts_resourcelistitem")
        [(advice,)] = cursor.fetchall()
        cursor.execute("SELECT address FROM handouts_handover")
        [(address,)] = cursor.fetchall()
    assert Fernet(new_key.encode()).decrypt(advice.encode()).decode() == "Ask for Ana at the front desk."
    assert Fernet(new_key.encode()).decrypt(address.encode()).decode() == "mr@example.org"


def test_the_referral_page_shows_the_slip_sent(client, carol, alice, participant, daycare, outbox):
    """The referring case manager sees the e-mailed slip on the referral's page; the provider does not."""
    referral = referral_services.referral_send(
        participant=participant, service=daycare, need=TaxonomyTerm.objects.get(code="child-care"), referred_by=carol
    )
    services.slip_send(referral=referral, sent_by=carol)
    client.force_login(carol)
    text = client.get(referral.get_absolute_url()).content.decode()
    assert "Slip for Sunrise Daycare" in text
    assert reverse("handouts:participant", args=[participant.pk]) in text
    assert "Start a resource list for them" in text
    client.force_login(alice)
    text = client.get(referral.get_absolute_url()).content.decode()
    assert "Slip for Sunrise Daycare" not in text
    assert "Sent to the participant" not in text
