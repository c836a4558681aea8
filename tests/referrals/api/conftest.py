"""Client systems of the referral API: one for carol's workforce program (the referrer), one for
alice's agency A (the provider), one for bob's agency B (neither side), each with its token."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from referrals.clients import client_system_create


class Api(APIClient):
    """An API client that sends a client system's token, and JSON by default."""

    def __init__(self, token: str, **kwargs):
        super().__init__(**kwargs)
        self.token = token
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def post(self, path, data=None, format="json", **kwargs):
        return super().post(path, data, format=format, **kwargs)


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Throttle counts live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def program_api(admin, workforce_program) -> Api:
    client, token = client_system_create(organization=workforce_program, name="Workforce CMS", created_by=admin)
    api = Api(token)
    api.client_system = client
    return api


@pytest.fixture
def agency_api(admin, agency_a) -> Api:
    client, token = client_system_create(organization=agency_a, name="Agency A EHR", created_by=admin)
    api = Api(token)
    api.client_system = client
    return api


@pytest.fixture
def outsider_api(admin, agency_b) -> Api:
    client, token = client_system_create(organization=agency_b, name="Agency B system", created_by=admin)
    api = Api(token)
    api.client_system = client
    return api
