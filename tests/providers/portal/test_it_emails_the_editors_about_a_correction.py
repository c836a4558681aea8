"""When someone raises a correction on a listing, each editor of its agency gets one e-mail in their language,
through the mail outbox, and finds the correction in their portal."""

from django.urls import reverse

from directory.mail import deliver_due
from directory.models import Preference
from providers.models import Correction, TaxonomyTerm
from referrals import services as referral_services
from referrals.models import Consent
from tests.conftest import make_user
from tests.directory.mail.conftest import outbox, sink  # noqa: F401 (fixtures: the outbox and its SMTP sink)

from .conftest import html_of


def report(client, carol, service, **fields):
    client.force_login(carol)
    response = client.post(reverse("portal:report_problem", args=[service.pk]), {"kind": "wrong_phone", **fields})
    assert response.status_code == 302
    client.logout()


def test_it_emails_each_editor_of_the_agency_once(client, carol, alice, bob, service_a, settings, outbox):  # noqa: F811
    """carol reports a wrong phone on Sunrise Daycare: alice (English) and a second editor of agency A
    (Spanish) each get one e-mail linking to the portal's corrections; bob, of agency B, gets none; alice
    sees the correction in her portal."""
    sofia = make_user("sofia", alice.memberships.get().organization, "agency_editor")
    Preference.objects.create(user=sofia, language="es")

    report(client, carol, service_a, note="It is 303-555-0100.")

    assert deliver_due().sent == 2
    messages = {message["To"]: message for message in outbox.received}
    assert sorted(messages) == ["alice@example.org", "sofia@example.org"]
    english, spanish = messages["alice@example.org"], messages["sofia@example.org"]
    assert english["Subject"] == "A correction was raised on Sunrise Daycare"
    assert english["Content-Language"] == "en"
    body = english.get_content()
    assert "Someone says your listing Sunrise Daycare is wrong (A case manager): Wrong phone number." in body
    assert f"{settings.SITE_URL}{reverse('portal:corrections')}" in body
    assert spanish["Content-Language"] == "es"
    assert spanish["Subject"].strip() == "Se señaló una corrección en Sunrise Daycare"  # an encoded word
    assert "Número de teléfono equivocado" in spanish.get_content()
    client.force_login(alice)
    assert "It is 303-555-0100." in html_of(client.get(reverse("portal:corrections")))


def test_it_emails_once_per_correction_raised_by_a_participant(
    client,
    carol,
    alice,
    service_a,
    workforce_program,
    outbox,  # noqa: F811
):
    """A participant says the listing is wrong through their feedback link: one e-mail to alice. Answering
    again changes that open correction and sends nothing more."""
    participant = referral_services.participant_create(
        organization=workforce_program, created_by=carol, display_name="M. R.", zip_code="80219"
    )
    referral_services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)
    referral = referral_services.referral_send(
        participant=participant, service=service_a, need=TaxonomyTerm.objects.get(code="child-care"), referred_by=carol
    )
    deliver_due()
    outbox.received.clear()  # the e-mail that told alice of the referral
    url = reverse("referrals:feedback", args=[referral.participant_link.token])
    answer = {"connected": "yes", "rating": "2", "barrier": "listing_wrong", "comment": "", "listing_problem": "moved"}

    client.post(url, answer)
    client.post(url, {**answer, "listing_problem": "closed", "rating": "1"})

    assert Correction.objects.get().kind == "closed"
    assert deliver_due().sent == 1
    [message] = outbox.received
    assert message["To"] == "alice@example.org"
    assert "(A participant's feedback): Moved to another address." in message.get_content()
    assert "M. R." not in message.get_content()
