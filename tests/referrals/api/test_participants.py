"""Participants through the API: created for the client's organization, read only there."""

import pytest

from referrals import services
from referrals.models import Participant

URL = "/api/v1/participants/"
NEW = {"display_name": "J. D.", "preferred_language": "es", "zip_code": "80219", "external_id": "CMS-17"}


def test_it_creates_a_participant_for_the_clients_organization(program_api, workforce_program):
    """POST saves the participant in the client's organization, created by the client's user."""
    response = program_api.post(URL, NEW)
    assert response.status_code == 201, response.json()
    participant = Participant.objects.get(pk=response.json()["id"])
    assert (participant.display_name, participant.organization, participant.external_id) == (
        "J. D.",
        workforce_program,
        "CMS-17",
    )
    assert participant.created_by == program_api.client_system.user


def test_it_looks_up_a_participant_by_external_id(program_api):
    """POST find/ with the case id in the body finds the one participant with that case id."""
    program_api.post(URL, NEW)
    program_api.post(URL, {**NEW, "external_id": "CMS-18"})
    response = program_api.post(f"{URL}find/", {"external_id": "CMS-18"})
    assert response.status_code == 200
    assert response.json()["external_id"] == "CMS-18"


def test_it_keeps_the_case_id_out_of_the_address(program_api):
    """The case id in the query string (where request logs keep it) is a 400 that says where to send it."""
    program_api.post(URL, NEW)
    response = program_api.get(URL, {"external_id": "CMS-17"})
    assert response.status_code == 400
    assert "/api/v1/participants/find/" in response.json()["external_id"][0]


def test_it_finds_no_other_organizations_participant(program_api, outsider_api):
    """Another organization's client looking up this program's case id: 404, as for an unknown one."""
    program_api.post(URL, NEW)
    assert outsider_api.post(f"{URL}find/", {"external_id": "CMS-17"}).status_code == 404
    assert program_api.post(f"{URL}find/", {"external_id": "CMS-99"}).status_code == 404
    assert program_api.post(f"{URL}find/", {}).status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferred_language": "es"}, "display_name"),
        ({**NEW, "preferred_language": "fr"}, "preferred_language"),
        ({**NEW, "zip_code": "8021"}, "zip_code"),
        ({**NEW, "contact_preference": "phone"}, "phone"),
        ({**NEW, "display_name": ["not", "text"]}, "display_name"),
    ],
)
def test_it_names_the_field_of_bad_input(program_api, body, field):
    """A missing, wrong or wrongly typed field is a 400 naming it; nothing is saved."""
    response = program_api.post(URL, body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Participant.objects.exists()


def test_it_refuses_a_case_id_already_in_the_program(program_api):
    """A second participant with the same external_id: 400 on external_id, one participant kept."""
    program_api.post(URL, NEW)
    response = program_api.post(URL, {**NEW, "display_name": "Someone else"})
    assert response.status_code == 400
    assert response.json()["external_id"] == [str(services.EXTERNAL_ID_TAKEN)]
    assert Participant.objects.count() == 1


def test_it_answers_400_to_malformed_json(program_api):
    """A body that is not JSON: 400 with the parser's message; nothing saved."""
    response = program_api.generic("POST", URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert not Participant.objects.exists()


def test_it_hides_other_organizations_participants(program_api, outsider_api, participant):
    """Another organization's client neither lists nor reads carol's participant (404)."""
    assert outsider_api.get(URL).json()["results"] == []
    assert outsider_api.get(f"{URL}{participant.pk}/").status_code == 404
    assert program_api.get(f"{URL}{participant.pk}/").json()["display_name"] == participant.display_name


def test_it_lists_participants_in_a_fixed_number_of_queries(
    program_api, workforce_program, carol, django_assert_max_num_queries
):
    """The list costs the same few queries for 3 participants as for 30."""
    for number in range(30):
        services.participant_create(organization=workforce_program, created_by=carol, display_name=f"P{number}")
    with django_assert_max_num_queries(6):
        response = program_api.get(URL)
    assert response.json()["count"] == 30
