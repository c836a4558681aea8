"""The outbox as production runs it: e-mails stored by directory.mail.OutboxBackend (pytest-django would
otherwise put them straight into mail.outbox), sent by the worker over SMTP to a real sink on 127.0.0.1."""

import pytest
from rest_framework.test import APIClient

from providers.models import TaxonomyTerm
from referrals import services
from referrals.clients import client_system_create
from referrals.models import Consent, Participant, Referral

from .support import Sink


@pytest.fixture
def sink():
    sink = Sink().start()
    yield sink
    sink.stop()


@pytest.fixture
def outbox(settings, sink) -> Sink:
    """Mail goes through the outbox, and the worker sends it to ``sink`` over SMTP; yields the sink."""
    settings.EMAIL_BACKEND = "directory.mail.OutboxBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_TIMEOUT = 2
    return sink


@pytest.fixture
def participant(carol, workforce_program) -> Participant:
    return services.participant_create(
        organization=workforce_program, created_by=carol, display_name="M. R.", zip_code="80219"
    )


@pytest.fixture
def consent(participant, carol) -> Consent:
    return services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)


def send_referral(participant, service, carol) -> Referral:
    return services.referral_send(
        participant=participant, service=service, need=TaxonomyTerm.objects.get(code="child-care"), referred_by=carol
    )


def api_client(organization, admin) -> APIClient:
    """An API client with the token of a new client system of ``organization``."""
    _client, token = client_system_create(organization=organization, name=f"{organization.name} CMS", created_by=admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api
