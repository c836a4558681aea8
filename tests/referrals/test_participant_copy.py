"""A participant's own copy: a case manager of the participant's own organization gives them what the network
holds on them (details, consents, referrals with their status and history, feedback) as a printable page or
JSON, in English and Spanish; the copy is a read in the access log. Nobody else gets it."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from referrals import services
from referrals.models import AccessRecord, Participant, Referral

from .conftest import move

PHONE = "303-555-0177"


@pytest.fixture
def told(participant, referral, alice, carol):
    """The participant with a case id and a phone; their referral accepted, completed, its outcome recorded."""
    participant.external_id, participant.contact_preference, participant.phone = "WF-88", "phone", PHONE
    participant.save()
    move(referral, alice, Referral.Status.ACCEPTED, note="Called to set a start date.")
    move(referral, alice, Referral.Status.COMPLETED)
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="fully", note="Started in January.")
    return participant


def copy_url(participant: Participant) -> str:
    return reverse("referrals:participant_copy", args=[participant.pk])


def test_it_gives_the_case_manager_a_json_copy(client, carol, told, referral):
    """JSON download: details, consents, each referral with its status, history and feedback."""
    client.force_login(carol)

    response = client.get(copy_url(told), {"format": "json"})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["participant"]["name"] == "M. R."
    assert (data["participant"]["case_id"], data["participant"]["phone"]) == ("WF-88", PHONE)
    assert [consent["scope"] for consent in data["consents"]] == ["referral"]
    (sent,) = data["referrals"]
    assert (sent["id"], sent["status"], sent["note"]) == (
        str(referral.pk),
        "closed",
        "Needs full-day care from January.",
    )
    assert "Called to set a start date." in [event["note"] for event in sent["events"]]
    assert [event["to"] for event in sent["events"]][:1] == ["sent"]
    assert sent["feedback"]["outcome_note"] == "Started in January."


def test_it_gives_a_printable_page_in_english_and_spanish(client, carol, told):
    """The page shows the same, in the visitor's language."""
    client.force_login(carol)

    page = client.get(copy_url(told)).content.decode()
    assert "What the network holds on this participant" in page
    assert PHONE in page and "WF-88" in page and "Started in January." in page

    with translation.override("es"):
        spanish = client.get(copy_url(told), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Lo que la red guarda sobre este participante" in spanish
    assert "Historial" in spanish


def test_it_records_the_copy_in_the_access_log(client, carol, told, referral):
    """Making the copy is a read of the participant and of each of their referrals."""
    client.force_login(carol)

    client.get(copy_url(told), {"format": "json"})

    reads = AccessRecord.objects.filter(reader=carol, door=AccessRecord.Door.PARTICIPANT_COPY)
    assert {(read.referral_id, read.participant_id) for read in reads} == {(None, told.pk), (referral.pk, told.pk)}


def test_the_referring_detail_page_links_to_the_copy(client, carol, told, referral):
    """The case manager finds the copy on the referral's page."""
    client.force_login(carol)
    assert copy_url(told) in client.get(referral.get_absolute_url()).content.decode()


@pytest.mark.parametrize(("persona", "status"), [("alice", 403), ("admin", 403), ("bob", 404)])
def test_nobody_else_gets_a_copy(client, request, told, persona, status):
    """The receiving agency and network admins: 403; another organization: 404; nothing is logged, no data shown."""
    client.force_login(request.getfixturevalue(persona))

    for query in ({}, {"format": "json"}):
        response = client.get(copy_url(told), query)
        assert response.status_code == status
        assert PHONE not in response.content.decode()
    assert not AccessRecord.objects.filter(door=AccessRecord.Door.PARTICIPANT_COPY).exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, told):
    """No session: the login page, not the data."""
    response = client.get(copy_url(told), {"format": "json"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"] or "login" in response["Location"]
    assert not AccessRecord.objects.exists()
