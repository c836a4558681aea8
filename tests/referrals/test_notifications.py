"""Each side hears about the other's moves by e-mail, in the recipient's own language, with no participant details."""

import pytest
from django.core import mail

from directory.models import Preference
from referrals.models import Referral

from .conftest import move

S = Referral.Status


@pytest.fixture
def alice_reads_spanish(alice):
    Preference.objects.create(user=alice, language="es")
    return alice


def test_it_tells_the_provider_about_a_new_referral_in_their_language(
    participant, consent, service_a, carol, alice_reads_spanish, django_capture_on_commit_callbacks
):
    """alice (Spanish) gets 'Nuevo referido para Sunrise Daycare' with a link, and no participant name."""
    from providers.models import TaxonomyTerm
    from referrals import services

    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_send(
            participant=participant,
            service=service_a,
            need=TaxonomyTerm.objects.get(code="child-care"),
            referred_by=carol,
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Nuevo referido para Sunrise Daycare"
    assert f"/referrals/{referral.pk}/" in message.body
    assert "M. R." not in message.body


def test_it_tells_the_case_manager_when_the_provider_declines(
    referral, alice, carol, django_capture_on_commit_callbacks
):
    """carol (English) hears of alice's decline with its reason; alice is not e-mailed about her own move."""
    with django_capture_on_commit_callbacks(execute=True):
        move(referral, alice, S.DECLINED, reason=Referral.DeclineReason.NO_CAPACITY)
    assert [message.to for message in mail.outbox] == [["carol@example.org"]]
    assert mail.outbox[0].subject == "Referral to Sunrise Daycare: declined"
    assert "Reason: No capacity" in mail.outbox[0].body


def test_it_tells_the_provider_when_the_case_manager_cancels(
    referral, carol, alice_reads_spanish, django_capture_on_commit_callbacks
):
    """A cancellation reaches the provider's staff in Spanish."""
    with django_capture_on_commit_callbacks(execute=True):
        move(referral, carol, S.CANCELLED)
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert mail.outbox[0].subject == "Referido a Sunrise Daycare: cancelado"


def test_it_sends_nothing_when_a_referral_is_just_opened(referral, alice, django_capture_on_commit_callbacks):
    """Marking a referral received is not news for anyone."""
    with django_capture_on_commit_callbacks(execute=True):
        move(referral, alice, S.RECEIVED)
    assert mail.outbox == []


def test_it_sends_nothing_when_the_move_is_refused(referral, carol, django_capture_on_commit_callbacks):
    """A refused move writes nothing and notifies nobody."""
    from django.core.exceptions import PermissionDenied

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        move(referral, carol, S.ACCEPTED)
    assert mail.outbox == []
