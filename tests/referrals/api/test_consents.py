"""Consents through the API: recorded for the client's own participants, withdrawn by a POST."""

from referrals.models import Consent

URL = "/api/v1/consents/"


def test_it_records_a_consent(program_api, participant, agency_a):
    """POST records who agreed to share what with whom, recorded by the client's user."""
    response = program_api.post(
        URL, {"participant": str(participant.pk), "scope": "referral", "organization": str(agency_a.pk)}
    )
    assert response.status_code == 201, response.json()
    consent = Consent.objects.get(pk=response.json()["id"])
    assert (consent.participant, consent.organization, consent.recorded_by) == (
        participant,
        agency_a,
        program_api.client_system.user,
    )


def test_it_refuses_a_consent_for_another_organizations_participant(outsider_api, participant):
    """Agency B's client cannot record a consent for carol's participant: 400 on participant, nothing saved."""
    response = outsider_api.post(URL, {"participant": str(participant.pk), "scope": "referral"})
    assert response.status_code == 400
    assert "participant" in response.json()
    assert not Consent.objects.exists()


def test_it_refuses_an_unknown_scope(program_api, participant):
    response = program_api.post(URL, {"participant": str(participant.pk), "scope": "everything"})
    assert response.status_code == 400
    assert "scope" in response.json()
    assert not Consent.objects.exists()


def test_it_revokes_a_consent(program_api, consent):
    """POST …/revoke/ withdraws the consent; a second revoke changes nothing."""
    response = program_api.post(f"{URL}{consent.pk}/revoke/")
    assert response.status_code == 200
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    first = consent.revoked_at
    program_api.post(f"{URL}{consent.pk}/revoke/")
    consent.refresh_from_db()
    assert consent.revoked_at == first


def test_it_hides_other_organizations_consents(outsider_api, consent):
    """Agency B's client cannot see or revoke carol's consent: 404, nothing changed."""
    assert outsider_api.get(f"{URL}{consent.pk}/").status_code == 404
    assert outsider_api.post(f"{URL}{consent.pk}/revoke/").status_code == 404
    consent.refresh_from_db()
    assert consent.revoked_at is None
