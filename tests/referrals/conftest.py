"""A referral from carol's workforce program to alice's agency, and ways to move it along."""

import contextlib
import socket

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


# Statements that open, close or mark a transaction: not counted in a request's queries. Production sends
# a BEGIN and a COMMIT (SQLite logs them, PostgreSQL does not); a test's own transaction turns them into
# SAVEPOINTs; so a budget counted without them is the same everywhere.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.fixture
def max_queries():
    """``with max_queries(10): ...`` fails when the block runs more than 10 queries that read or write rows
    (transaction control aside, see TRANSACTION_CONTROL), and lists them."""

    @contextlib.contextmanager
    def at_most(budget: int):
        with CaptureQueriesContext(connection) as context:
            yield
        queries = [query["sql"] for query in context.captured_queries]
        counted = [sql for sql in queries if not sql.upper().startswith(TRANSACTION_CONTROL)]
        assert len(counted) <= budget, f"{len(counted)} queries, more than {budget}:\n" + "\n".join(counted)

    return at_most


@pytest.fixture
def outbox_mail(settings):
    """E-mails stored in the mail outbox as in production (an INSERT each), not in memory."""
    settings.EMAIL_BACKEND = "directory.mail.OutboxBackend"
