"""A Spanish-speaking participant's slip and feedback page read the Spanish the agency wrote, and the slip says
which texts are only in English (issue 19, listings in Spanish)."""

import datetime

from django.urls import reverse

from providers.models import RequiredDocument, Schedule, Service
from referrals.models import Participant


def slip_html(client, referral) -> str:
    response = client.get(reverse("referrals:slip", args=[referral.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_a_spanish_speakers_slip_reads_the_agencys_spanish(client, carol, referral):
    Service.objects.filter(pk=referral.service_id).update(name_es="Guardería Amanecer")
    RequiredDocument.objects.create(
        service_id=referral.service_id, document="Proof of income", document_es="Comprobante de ingresos"
    )
    RequiredDocument.objects.create(service_id=referral.service_id, document="Lease")
    Schedule.objects.filter(service_id=referral.service_id, weekday="MO").update(
        description="Closed 12-1 for lunch", description_es="Cerrado de 12 a 1"
    )
    Schedule.objects.create(
        service_id=referral.service_id,
        kind=Schedule.Kind.CLOSURE,
        valid_from=datetime.date(2099, 12, 25),
        description="Christmas Day",
        description_es="Día de Navidad",
    )
    client.force_login(carol)

    html = slip_html(client, referral)

    assert '<h2 id="slip-service">Guardería Amanecer</h2>' in html
    assert '<span lang="es">Comprobante de ingresos</span>' in html
    assert '<span lang="en">Lease</span> <span class="hint only-in-english">(solo en inglés)</span>' in html
    assert "Cerrado de 12 a 1" in html and "Día de Navidad" in html
    assert "Proof of income" not in html and "Closed 12-1" not in html and "Christmas Day" not in html


def test_an_english_speakers_slip_keeps_the_english(client, carol, referral):
    Participant.objects.filter(pk=referral.participant_id).update(preferred_language="en")
    Service.objects.filter(pk=referral.service_id).update(name_es="Guardería Amanecer")
    RequiredDocument.objects.create(service_id=referral.service_id, document="Lease")
    client.force_login(carol)

    html = slip_html(client, referral)

    assert '<h2 id="slip-service">Sunrise Daycare</h2>' in html
    assert "Guardería Amanecer" not in html and "only-in-english" not in html


def test_a_spanish_speakers_feedback_page_names_the_service_in_spanish(client, referral):
    Service.objects.filter(pk=referral.service_id).update(name_es="Guardería Amanecer")

    response = client.get(reverse("referrals:feedback", args=[referral.participant_link.token]), follow=True)

    html = response.content.decode()
    assert "Guardería Amanecer" in html and "Sunrise Daycare" not in html
