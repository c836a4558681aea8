"""The staff admin for referrals: every page opens, history is read-only, and staff see only what they may."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from directory.models import Preference
from referrals import services
from referrals.models import Consent, Feedback, Participant, ParticipantLink, Referral, ReferralEvent
from tests.conftest import PASSWORD

from .conftest import move

MODELS = [Participant, Consent, Referral, ReferralEvent, Feedback, ParticipantLink, Preference]
CAN_ADD = {Participant, Consent, Preference}


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def every_row(referral, carol, alice) -> None:
    """A closed referral with its feedback, and a language preference."""
    move(referral, alice, "accepted")
    move(referral, alice, "completed")
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="fully")
    Preference.objects.create(user=carol, language="es")


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.org", PASSWORD))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_it_serves_every_referrals_admin_page(superuser_client, every_row, model):
    """List (also searched), change page, and the add page where adding by hand makes sense."""
    instance = model._default_manager.first()

    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200
    assert superuser_client.get(admin_url(model, "changelist"), {"q": "M. R."}).status_code == 200
    assert superuser_client.get(admin_url(model, "change", instance.pk)).status_code == 200
    assert superuser_client.get(admin_url(model, "add")).status_code == (200 if model in CAN_ADD else 403)


def test_it_keeps_the_history_read_only(superuser_client, every_row, referral):
    """An event cannot be changed or deleted; a referral's status cannot be edited by hand."""
    event = ReferralEvent.objects.first()

    response = superuser_client.post(admin_url(ReferralEvent, "delete", event.pk), {"post": "yes"})

    assert response.status_code == 403
    assert ReferralEvent.objects.filter(pk=event.pk).exists()
    form = superuser_client.get(admin_url(Referral, "change", referral.pk)).context["adminform"].form
    assert "status" not in form.fields


def test_it_shows_staff_only_the_referrals_they_may_see(client, referral, bob, alice, admin):
    """Staff rights do not get around privacy: referral data in the admin is for network admins only; the
    agencies' staff (bob's, and alice's that received it) work with it on the site (test_admin_visibility)."""
    for person in (bob, alice, admin):
        person.is_staff = True
        person.save()
        person.user_permissions.add(*Permission.objects.filter(codename__in=["view_referral", "view_participant"]))

    for person in (bob, alice):
        client.force_login(person)
        assert client.get(admin_url(Referral, "changelist")).status_code == 403
        assert client.get(admin_url(Referral, "change", referral.pk)).status_code == 403
        assert client.get(admin_url(Participant, "changelist")).status_code == 403

    client.force_login(admin)
    assert list(client.get(admin_url(Referral, "changelist")).context["cl"].result_list) == [referral]


def test_it_records_who_recorded_a_consent(superuser_client, participant):
    """A consent added in the admin is recorded by the person signed in."""
    response = superuser_client.post(
        admin_url(Consent, "add"),
        {
            "participant": participant.pk,
            "scope": "referral",
            "method": "written",
            "given_at_0": "2026-01-05",
            "given_at_1": "10:00",
        },
    )

    assert response.status_code == 302
    assert Consent.objects.get().recorded_by.username == "root"


def test_it_links_a_referral_to_its_page_on_the_site(superuser_client, every_row, referral):
    """The admin's "view on site" opens the referral's page, where its status changes."""
    response = superuser_client.get(admin_url(Referral, "change", referral.pk))

    assert referral.get_absolute_url() in response.content.decode()
    assert Feedback.objects.get(referral=referral).need_met == "fully"
