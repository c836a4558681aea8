"""GET /api/v1/resource-lists/: a client system reads its own organization's resource lists (a participant's
with ?participant=), with the same tokens and errors as the referral API; another organization's list is a 404."""

import pytest

from handouts import services
from tests.referrals.api.conftest import api_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/resource-lists/"


@pytest.fixture
def program_api(admin, workforce_program):
    return api_for(workforce_program, "Workforce CMS", admin)


@pytest.fixture
def agency_api(admin, agency_a):
    return api_for(agency_a, "Agency A EHR", admin)


def test_it_lists_a_participants_lists(program_api, resource_list, carol, workforce_program, daycare):
    """The participant's list comes back with its services in order and the tip; a list for nobody does not."""
    services.resource_list_create(organization=workforce_program, created_by=carol, title="Unrelated")
    response = program_api.get(URL, {"participant": str(resource_list.participant_id)})
    assert response.status_code == 200
    [data] = response.json()["results"]
    assert data["id"] == str(resource_list.pk)
    assert data["participant"] == str(resource_list.participant_id)
    assert data["title"] == "Child care"
    assert data["items"] == [
        {
            "position": 0,
            "service": str(daycare.pk),
            "service_name": "Sunrise Daycare",
            "advice": "Ask for Ana at the front desk.",
            "added_at": data["items"][0]["added_at"],
        }
    ]
    assert data["link_expires_at"] is None
    assert "token" not in str(data)


def test_it_reads_one_list(program_api, resource_list):
    services.list_link_for(resource_list)
    response = program_api.get(f"{URL}{resource_list.pk}/")
    assert response.status_code == 200
    assert response.json()["link_expires_at"] is not None
    assert resource_list.link.token not in response.content.decode()


def test_it_hides_another_organizations_lists(agency_api, resource_list):
    assert agency_api.get(f"{URL}{resource_list.pk}/").status_code == 404
    response = agency_api.get(URL, {"participant": str(resource_list.participant_id)})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_it_refuses_a_caller_without_token(client, resource_list):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}{resource_list.pk}/").status_code == 401


def test_it_is_read_only(program_api, resource_list):
    assert program_api.post(URL, {"title": "New"}).status_code == 405
    assert program_api.delete(f"{URL}{resource_list.pk}/").status_code == 405
    assert resource_list.__class__.objects.count() == 1


def test_it_reads_many_lists_in_few_queries(
    program_api, resource_list, carol, workforce_program, daycare, django_assert_max_num_queries
):
    for number in range(5):
        extra = services.resource_list_create(organization=workforce_program, created_by=carol, title=f"List {number}")
        services.resource_list_add(resource_list=extra, service=daycare)
    with django_assert_max_num_queries(12):
        response = program_api.get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == 6
