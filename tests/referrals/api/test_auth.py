"""Token authentication: missing, wrong, revoked and rotated tokens; the token is stored hashed."""

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from referrals.clients import client_system_create, token_revoke, token_rotate
from referrals.models import ApiToken, ClientSystem
from tests.referrals.api.conftest import Api

URL = "/api/v1/participants/"


def test_it_answers_401_without_a_token(db):
    """No Authorization header: 401 with a WWW-Authenticate challenge for a bearer token."""
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_answers_401_to_a_signed_in_person_without_a_token(client, carol):
    """The API is for client systems: a browser session is not a token."""
    client.force_login(carol)
    assert client.get(URL).status_code == 401


def test_it_answers_401_to_a_wrong_token(program_api):
    """A token that was never issued, or a malformed header, is refused with a message."""
    response = Api("rnd_" + "x" * 43).get(URL)
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]
    malformed = APIClient()
    malformed.credentials(HTTP_AUTHORIZATION="Bearer two words")
    assert malformed.get(URL).status_code == 401


def test_it_stores_only_a_hash_of_the_token(program_api):
    """The token is shown once; the database holds its SHA-256 and a short prefix."""
    stored = ApiToken.objects.get(client=program_api.client_system)
    assert program_api.token not in (stored.digest, stored.prefix)
    assert program_api.token.startswith(stored.prefix)
    assert len(stored.digest) == 64


def test_it_works_with_a_token_in_force_and_notes_its_use(program_api):
    """A valid token gets 200 and the token's last use is recorded."""
    assert program_api.get(URL).status_code == 200
    assert ApiToken.objects.get(client=program_api.client_system).last_used_at is not None


def test_it_refuses_a_revoked_token(program_api, admin):
    """After revoking, the same token gets 401."""
    token_revoke(token=ApiToken.objects.get(client=program_api.client_system), revoked_by=admin)
    assert program_api.get(URL).status_code == 401


def test_it_rotates_a_token(program_api, admin):
    """Rotating issues a new token that works and stops the old one at once."""
    new_token = token_rotate(client=program_api.client_system, rotated_by=admin)
    assert program_api.get(URL).status_code == 401
    assert Api(new_token).get(URL).status_code == 200
    assert ApiToken.objects.filter(client=program_api.client_system, revoked_at__isnull=True).count() == 1


def test_it_lets_only_network_admins_manage_client_systems(carol, workforce_program):
    """A case manager cannot register a client system; nothing is created."""
    with pytest.raises(PermissionDenied):
        client_system_create(organization=workforce_program, name="Mine", created_by=carol)
    assert not ClientSystem.objects.exists()
