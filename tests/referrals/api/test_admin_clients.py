"""Network admins register client systems in the admin and see the token once; others cannot."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from referrals.models import ApiToken, ClientSystem
from tests.conftest import PASSWORD
from tests.referrals.api.conftest import Api

ADD = reverse("admin:referrals_clientsystem_add")
CHANGELIST = reverse("admin:referrals_clientsystem_changelist")


@pytest.fixture
def staff_admin(client, admin):
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    return client


def shown_token(response) -> str:
    text = " ".join(str(message) for message in get_messages(response.wsgi_request))
    return re.search(r"rnd_\S+", text).group(0)


def test_it_registers_a_client_system_and_shows_its_token_once(staff_admin, agency_a):
    """Saving the add form creates the client and its acting user; the message carries a token that works."""
    response = staff_admin.post(ADD, {"organization": agency_a.pk, "name": "Agency A EHR", "contact_email": ""})
    assert response.status_code == 302
    client = ClientSystem.objects.get()
    assert (client.organization, client.user.memberships.get().organization) == (agency_a, agency_a)
    token = shown_token(response)
    assert ApiToken.objects.get(client=client).digest != token
    assert Api(token).get("/api/v1/referrals/").status_code == 200
    change = reverse("admin:referrals_clientsystem_change", args=[client.pk])
    assert token in staff_admin.get(change).content.decode()  # the page after saving
    assert token not in staff_admin.get(change).content.decode()  # and never again


def test_it_rotates_and_revokes_tokens(staff_admin, agency_api):
    """The rotate action shows a new token and stops the old; the revoke action stops a token."""
    client = agency_api.client_system
    response = staff_admin.post(CHANGELIST, {"action": "rotate_tokens", "_selected_action": [client.pk]}, follow=False)
    new_token = shown_token(response)
    assert agency_api.get("/api/v1/referrals/").status_code == 401
    assert Api(new_token).get("/api/v1/referrals/").status_code == 200
    in_force = ApiToken.objects.get(client=client, revoked_at__isnull=True)
    staff_admin.post(
        reverse("admin:referrals_apitoken_changelist"), {"action": "revoke", "_selected_action": [in_force.pk]}
    )
    assert Api(new_token).get("/api/v1/referrals/").status_code == 401


def test_it_keeps_client_systems_from_other_staff(client, carol, workforce_program):
    """Staff who are not network admins, even with every model permission, get 403 and create nothing."""
    carol.is_staff = True
    carol.save()
    carol.user_permissions.set(Permission.objects.filter(content_type__app_label="referrals"))
    client.login(username="carol", password=PASSWORD)
    assert client.get(CHANGELIST).status_code == 403
    response = client.post(ADD, {"organization": workforce_program.pk, "name": "Sneaky"})
    assert response.status_code == 403
    assert not ClientSystem.objects.exists()
