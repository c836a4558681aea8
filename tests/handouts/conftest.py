"""A resource list of carol's workforce program for a Spanish-speaking participant who asked for e-mail, with
alice's daycare on it; and the real outbox (an SMTP sink on 127.0.0.1) from the mail tests."""

import pytest
from django.contrib.auth.models import User

from directory.models import Membership
from handouts import services as handout_services
from handouts.models import ResourceList
from providers.models import Organization, Phone, RequiredDocument
from referrals import services
from referrals.models import Consent, Participant
from tests.conftest import make_user
from tests.directory.mail.conftest import outbox, sink  # noqa: F401 (fixtures: the outbox and its SMTP sink)


@pytest.fixture
def participant(carol, workforce_program) -> Participant:
    participant = services.participant_create(
        organization=workforce_program,
        created_by=carol,
        display_name="M. R.",
        preferred_language="es",
        zip_code="80219",
        contact_preference=Participant.ContactPreference.EMAIL,
        email="mr@example.org",
        phone="(303) 555-0142",
        external_id="WF-9911",
    )
    services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)
    return participant


@pytest.fixture
def daycare(service_a):
    """Alice's daycare with a phone, a Spanish name and a document to bring in both languages."""
    service_a.name_es = "Guardería Amanecer"
    service_a.save()
    Phone.objects.create(service=service_a, number="(303) 555-0100", extension="12")
    RequiredDocument.objects.create(
        service=service_a, document="Proof of address", document_es="Comprobante de domicilio"
    )
    return service_a


@pytest.fixture
def resource_list(participant, daycare, carol, workforce_program) -> ResourceList:
    resource_list = handout_services.resource_list_create(
        organization=workforce_program, created_by=carol, participant=participant, title="Child care"
    )
    item = handout_services.resource_list_add(resource_list=resource_list, service=daycare)
    item.advice = "Ask for Ana at the front desk."
    item.save()
    return resource_list


@pytest.fixture
def other_program(db) -> Organization:
    return Organization.objects.create(name="Other Program", description="Another workforce program.")


@pytest.fixture
def dave(other_program) -> User:
    """A case manager of another program."""
    return make_user("dave", other_program, Membership.Role.CASE_MANAGER)
