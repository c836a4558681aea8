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


def api_for(organization, name: str, admin) -> Api:
    """Register a client system for the organization; return an API client with its token."""
    client, token = client_system_create(organization=organization, name=name, created_by=admin)
    api = Api(token)
    api.client_system = client
    return api


@pytest.fixture
def program_api(admin, workforce_program) -> Api:
    return api_for(workforce_program, "Workforce CMS", admin)


@pytest.fixture
def agency_api(admin, agency_a) -> Api:
    return api_for(agency_a, "Agency A EHR", admin)


@pytest.fixture
def outsider_api(admin, agency_b) -> Api:
    return api_for(agency_b, "Agency B system", admin)
