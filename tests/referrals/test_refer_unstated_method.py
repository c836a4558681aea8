"""Referring to a service that never said how it takes referrals: the case manager is told so, truthfully
(contacting the provider is always possible), and can still send and track the referral here."""

from django.urls import reverse

from providers.models import Service
from referrals.models import Referral

from .test_views_refer import CONSENT, NEW_PARTICIPANT, nothing_saved, refer_url, referral_data


def not_stated(service: Service) -> Service:
    Service.objects.filter(pk=service.pk).update(referral_method=Service.ReferralMethod.NOT_STATED)
    return service


def test_it_says_the_referral_method_is_not_stated(client, carol, service_a):
    """Not "asks to be contacted directly", which the provider never said: not stated, so contact them too."""
    client.force_login(carol)

    html = client.get(refer_url(not_stated(service_a))).content.decode()
    spanish = client.get(refer_url(service_a), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Referral method not stated: contact the provider." in html
    assert (
        "Agency A has not said how it takes referrals. Send it here to keep track of it, and contact them too." in html
    )
    assert "asks to be contacted directly" not in html
    assert "Forma de referir no indicada: contacte al proveedor." in spanish


def test_it_sends_a_referral_to_a_service_of_unstated_method(client, carol, service_a):
    """The referral is sent and tracked like any other."""
    client.force_login(carol)

    response = client.post(refer_url(not_stated(service_a)), {**NEW_PARTICIPANT, **CONSENT, **referral_data()})

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert (referral.service, referral.status) == (service_a, "sent")


def test_it_sends_anonymous_visitors_to_sign_in(client, service_a):
    """The notice changes nothing about who may refer: without an account, sign in first; nothing is saved."""
    response = client.post(refer_url(not_stated(service_a)), {**NEW_PARTICIPANT, **CONSENT, **referral_data()})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert nothing_saved()
