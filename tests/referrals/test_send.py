"""Sending a referral: only with consent that covers it, only by the referring program, one event, one link."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from providers.models import Service, TaxonomyTerm
from referrals import services
from referrals.models import Consent, Referral, ReferralEvent


def send(participant, service, user, **extra):
    return services.referral_send(
        participant=participant,
        service=service,
        need=TaxonomyTerm.objects.get(code="child-care"),
        referred_by=user,
        **extra,
    )


def test_it_sends_with_consent_and_writes_the_first_event(participant, consent, service_a, carol, agency_a):
    """A consented referral is saved as sent, to the service's organization, with its event and private link."""
    referral = send(participant, service_a, carol, note="Starts work in January.")
    assert (referral.status, referral.receiving_organization, referral.consent) == ("sent", agency_a, consent)
    event = ReferralEvent.objects.get(referral=referral)
    assert (event.old_status, event.new_status, event.actor) == ("", "sent", carol)
    assert referral.participant_link.expires_at > timezone.now()


def test_it_refuses_without_consent(participant, service_a, carol):
    """No consent on record: refused with the message, nothing saved."""
    with pytest.raises(ValidationError, match="Record the participant's consent"):
        send(participant, service_a, carol)
    assert not Referral.objects.exists()
    assert not ReferralEvent.objects.exists()


def test_it_refuses_when_the_consent_names_another_provider_or_was_revoked(participant, service_a, carol, agency_b):
    """Consent to share with agency B does not cover agency A; a revoked consent covers nothing."""
    services.consent_record(
        participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL, organization=agency_b
    )
    with pytest.raises(ValidationError):
        send(participant, service_a, carol)
    anyone = services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)
    anyone.revoked_at = timezone.now()
    anyone.save()
    with pytest.raises(ValidationError):
        send(participant, service_a, carol)
    assert not Referral.objects.exists()


def test_it_shares_contact_details_only_with_consent_for_them(participant, consent, service_a, carol):
    """Sharing contact details needs the wider consent; the message says so."""
    with pytest.raises(ValidationError, match="not agreed to share contact details"):
        send(participant, service_a, carol, share_contact=True)
    services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL_AND_CONTACT)
    assert send(participant, service_a, carol, share_contact=True).share_contact


def test_it_lets_only_the_referring_program_send(participant, consent, service_a, alice, bob):
    """Staff of other organizations cannot send a referral for carol's participant."""
    for user in [alice, bob]:
        with pytest.raises(PermissionDenied):
            send(participant, service_a, user)
    assert not Referral.objects.exists()


def test_it_refuses_unlisted_services(participant, consent, service_a, carol):
    """A closed service takes no referrals."""
    Service.objects.filter(pk=service_a.pk).update(status=Service.Status.DEFUNCT)
    service_a.refresh_from_db()
    with pytest.raises(ValidationError, match="not taking referrals"):
        send(participant, service_a, carol)


def test_it_keeps_participant_data_to_what_the_case_manager_chooses(carol, workforce_program):
    """Contact details are required only for the contact preference chosen; external ids are unique per program."""
    with pytest.raises(ValidationError) as error:
        services.participant_create(
            organization=workforce_program, created_by=carol, display_name="J.", contact_preference="phone"
        )
    assert "phone" in error.value.message_dict
    services.participant_create(organization=workforce_program, created_by=carol, display_name="J.", external_id="A-1")
    with pytest.raises(ValidationError):
        services.participant_create(
            organization=workforce_program, created_by=carol, display_name="K.", external_id="A-1"
        )


def test_it_lets_no_one_create_participants_for_another_program(alice, workforce_program):
    """An agency editor cannot create a participant owned by carol's program."""
    with pytest.raises(PermissionDenied):
        services.participant_create(organization=workforce_program, created_by=alice, display_name="J.")
