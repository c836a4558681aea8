"""Network admins see the outbox in the admin (status, attempts, last error, never a body) and send e-mails
again; nobody else sees it."""

import pytest
from django.core import mail
from django.urls import reverse

from directory.mail import deliver_due
from directory.models import OutgoingMail

Status = OutgoingMail.Status
LIST = reverse("admin:directory_outgoingmail_changelist")


@pytest.fixture
def failed(outbox, db) -> OutgoingMail:
    """An e-mail that failed for good while the server was down."""
    outbox.stop()
    mail.send_mail("Your referral", "Reset link: https://example.org/secret-token/", None, ["a@example.org"])
    deliver_due()
    OutgoingMail.objects.update(status=Status.FAILED, attempts=7)
    outbox.start()
    return OutgoingMail.objects.get()


@pytest.fixture
def staff(admin, carol):
    for person in (admin, carol):
        person.is_staff = True
        person.save(update_fields=["is_staff"])


def test_it_shows_a_network_admin_each_email_and_how_sending_it_went(client, admin, staff, failed):
    """The list shows subject, recipient, status, attempts and the last error; the page never shows the body."""
    client.force_login(admin)

    listing = client.get(LIST)

    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Your referral" in html and "a@example.org" in html
    assert "Failed" in html and "could not be reached" in html
    page = client.get(reverse("admin:directory_outgoingmail_change", args=[failed.pk])).content.decode()
    assert "a@example.org" in page and "could not be reached" in page
    assert "secret-token" not in page


def test_it_sends_an_email_again_once(client, admin, staff, failed, outbox):
    """ "Send again" makes the failed e-mail due; the next run sends it, once."""
    client.force_login(admin)

    response = client.post(LIST, {"action": "send_again", "_selected_action": [failed.pk]}, follow=True)

    assert response.status_code == 200
    assert "1 e-mail will be sent at the next run of the mail worker." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == Status.PENDING
    assert deliver_due().sent == 1
    assert deliver_due().claimed == 0
    assert [message["Subject"] for message in outbox.received] == ["Your referral"]


def test_it_speaks_spanish_to_a_spanish_admin(client, admin, staff, failed):
    """The outbox's labels and its action are translated."""
    client.force_login(admin)

    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Enviar de nuevo" in html and "Fallido" in html and "correos salientes" in html.lower()


def test_it_hides_the_outbox_from_staff_who_are_not_network_admins(client, carol, staff, failed):
    """carol is staff, not a network admin: 403 on the list, nothing to act on, the e-mail unchanged."""
    client.force_login(carol)

    assert client.get(LIST).status_code == 403
    response = client.post(LIST, {"action": "send_again", "_selected_action": [failed.pk]})

    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_it_sends_an_anonymous_visitor_to_sign_in(client, failed):
    """No session: the admin's sign-in page, not the outbox."""
    response = client.get(LIST)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
