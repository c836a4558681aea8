"""One rule for every door, the admin included: being staff with view permissions is not a way to see what
the site hides. Participant and referral data is in the admin for network admins only (who see all of it on
the site too); the staff of a referring, a receiving or an unrelated organization see none of it there, not
on a list, a change page, a search, an autocomplete or a history page. A participant's private feedback
token is shown by no admin page.

Personas: admin (network admin), carol (the referring case manager), alice (editor of the receiving
agency), bob (editor of an unrelated agency); each made staff with every view permission of referrals.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from referrals import services
from referrals.models import Consent, Feedback, Participant, ParticipantLink, Referral, ReferralEvent

from .conftest import move

PARTICIPANT_DATA = [Participant, Consent, Referral, ReferralEvent, Feedback, ParticipantLink]
PHONE = "303-555-0142"
CASE_ID = "WF-2026-0917"


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff(admin, carol, alice, bob) -> dict:
    """Every persona as staff with every view permission of the referrals app."""
    view_permissions = Permission.objects.filter(content_type__app_label="referrals", codename__startswith="view_")
    people = {"admin": admin, "carol": carol, "alice": alice, "bob": bob}
    for person in people.values():
        person.is_staff = True
        person.save()
        person.user_permissions.add(*view_permissions)
    return people


@pytest.fixture
def hidden(participant, referral, carol, alice, agency_b, service_a) -> dict:
    """What the site hides from alice's agency: the participant's phone (not shared with this referral), their
    case id, a consent naming agency B and the referral to it, and the feedback token."""
    participant.phone, participant.contact_preference, participant.external_id = PHONE, "phone", CASE_ID
    participant.save()
    move(referral, alice, "accepted")
    move(referral, alice, "completed")
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="fully")
    consent_b = services.consent_record(
        participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL, organization=agency_b
    )
    service_b = service_a.__class__.objects.create(
        organization=agency_b, name="Harbor Housing Help", description="Rent help."
    )
    service_b.categories.add(*service_a.categories.all())
    other = services.referral_send(
        participant=participant,
        service=service_b,
        need=service_a.categories.get(),
        referred_by=carol,
        note="Behind on rent.",
    )
    return {
        "texts": [
            PHONE,
            CASE_ID,
            "Harbor Housing Help",
            "Agency B",
            ParticipantLink.objects.get(referral=referral).token,
        ],
        "consent": consent_b,
        "other": other,
    }


def pages(participant, referral) -> list[str]:
    """Every admin page that could show the participant's data."""
    urls = [reverse("admin:index"), reverse("admin:app_list", args=["referrals"])]
    for model in PARTICIPANT_DATA:
        instance = model._default_manager.filter(**({"pk": participant.pk} if model is Participant else {})).first()
        urls += [
            admin_url(model, "changelist"),
            admin_url(model, "changelist") + "?q=M.+R.",
            admin_url(model, "change", instance.pk),
            admin_url(model, "history", instance.pk),
        ]
    return urls


@pytest.mark.parametrize("persona", ["carol", "alice", "bob"])
def test_it_shows_organization_staff_no_participant_data_in_the_admin(
    client, staff, hidden, participant, referral, persona
):
    """Staff of the referring, the receiving and an unrelated organization are refused every page of
    participant data (403), and no page they can open names the participant or shows what is hidden."""
    client.force_login(staff[persona])

    for url in pages(participant, referral):
        response = client.get(url)
        body = response.content.decode()
        if url in (reverse("admin:index"), reverse("admin:app_list", args=["referrals"])):
            for model in PARTICIPANT_DATA:
                assert admin_url(model, "changelist") not in body, (url, model)
        elif "/history/" in url:
            assert response.status_code in (302, 403), url  # 302: "does not exist", back to the index
        else:
            assert response.status_code == 403, url
        for text in [*hidden["texts"], "M. R."]:
            assert text not in body, (persona, url, text)


@pytest.mark.parametrize("persona", ["carol", "alice", "bob"])
def test_it_answers_no_autocomplete_of_participants_to_organization_staff(client, staff, hidden, persona):
    """The admin's autocomplete (consent → participant) is a search too: refused, with no names in it."""
    client.force_login(staff[persona])

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "referrals", "model_name": "consent", "field_name": "participant", "term": "M"},
    )

    assert response.status_code == 403
    assert "M. R." not in response.content.decode()


def test_it_shows_a_network_admin_what_the_site_shows_them(client, staff, hidden, participant, referral):
    """A network admin sees every referral of the participant and their contact and case id, as on the site;
    the autocomplete finds the participant."""
    client.force_login(staff["admin"])

    participant_page = client.get(admin_url(Participant, "change", participant.pk)).content.decode()
    referrals = client.get(admin_url(Referral, "changelist")).context["cl"].result_list
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "referrals", "model_name": "consent", "field_name": "participant", "term": "M"},
    ).json()

    for text in [PHONE, CASE_ID, "Harbor Housing Help", "Sunrise Daycare"]:
        assert text in participant_page, text
    assert set(referrals) == {referral, hidden["other"]}
    assert [result["text"] for result in found["results"]] == ["M. R."]
    site_page = client.get(referral.get_absolute_url()).content.decode()
    assert PHONE in site_page and CASE_ID in site_page


def test_it_never_shows_the_feedback_token_in_the_admin(client, staff, hidden, participant, referral):
    """Not even a network admin's admin pages show the token (it lets whoever holds it answer as the
    participant); the expiry stays there to extend."""
    token = ParticipantLink.objects.get(referral=referral).token
    staff["admin"].user_permissions.add(Permission.objects.get(codename="change_participantlink"))
    client.force_login(staff["admin"])

    for url in pages(participant, referral):
        response = client.get(url)
        assert response.status_code == 200, url
        assert token not in response.content.decode(), url
    form = client.get(admin_url(ParticipantLink, "change", referral.pk)).context["adminform"].form
    assert "expires_at" in form.fields


@pytest.mark.parametrize("persona", ["carol", "alice", "bob"])
def test_it_lets_organization_staff_change_nothing_through_the_admin(client, staff, hidden, participant, persona):
    """Even with the change permission, an organization's staff cannot edit a participant in the admin."""
    person = staff[persona]
    person.user_permissions.add(*Permission.objects.filter(codename__in=["change_participant", "add_consent"]))
    client.force_login(person)

    response = client.post(
        admin_url(Participant, "change", participant.pk),
        {"organization": participant.organization_id, "display_name": "Changed", "preferred_language": "en"},
    )

    assert response.status_code == 403
    participant.refresh_from_db()
    assert participant.display_name == "M. R."
