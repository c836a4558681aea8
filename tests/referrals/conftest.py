"""A referral from carol's workforce program to alice's agency, and ways to move it along."""

import socket

import pytest
from django.core import mail

from providers.models import TaxonomyTerm
from referrals import services
from referrals.models import Consent, Participant, Referral

from .webhooks_support import Resolver


@pytest.fixture(autouse=True)
def short_webhook_deadline(settings):
    """Webhook tests wait for receivers on this machine only: a second per attempt is plenty (tests of the
    deadline itself set a shorter one)."""
    settings.WEBHOOK_TIMEOUT = 1


@pytest.fixture
def resolver(monkeypatch) -> Resolver:
    """The DNS as the test sets it (``resolver.answers[name] = [[addresses], ...]``): there is no real one here."""
    resolver = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


@pytest.fixture
def participant(carol, workforce_program) -> Participant:
    return services.participant_create(
        organization=workforce_program,
        created_by=carol,
        display_name="M. R.",
        preferred_language="es",
        zip_code="80219",
    )


@pytest.fixture
def consent(participant, carol) -> Consent:
    return services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)


@pytest.fixture
def referral(participant, consent, service_a, carol, alice) -> Referral:
    """Sent by carol to alice's daycare, with the participant's consent. The e-mail that told alice is
    taken out of ``mail.outbox``, so that a test sees only the e-mails of what it does."""
    referral = services.referral_send(
        participant=participant,
        service=service_a,
        need=TaxonomyTerm.objects.get(code="child-care"),
        referred_by=carol,
        note="Needs full-day care from January.",
    )
    mail.outbox.clear()
    return referral


def move(referral: Referral, actor, to_status: str, **extra) -> Referral:
    return services.referral_transition(referral_id=referral.pk, actor=actor, to_status=to_status, **extra)
