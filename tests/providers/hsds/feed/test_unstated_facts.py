"""The feed says "not_stated" for what nobody stated (as directory-extras attributes), stays valid against
the official schemas, and an import of its record gives back the same not-stated facts: export, import
and export again never turns "unknown" into the directory's defaults."""

import pytest
from django.utils import timezone

from providers.models import Service
from tests.imported import import_records, import_unstated_service
from tests.providers.hsds.feed.conftest import get_json

pytestmark = pytest.mark.django_db

NOT_STATED = {
    "capacity-status": "not_stated",
    "referral-method": "not_stated",
    "gender": "not_stated",
    "populations-required": "not_stated",
    "residency-required": "not_stated",
}
FACTS = [
    "capacity_status",
    "capacity_updated_at",
    "referral_method",
    "gender",
    "populations_required",
    "residency_required",
]


def extras_of(record: dict) -> dict[str, str]:
    return {
        attribute["taxonomy_term"]["code"]: attribute["value"]
        for attribute in record["attributes"]
        if attribute["link_type"] == "directory_extra"
    }


def facts_of(service: Service) -> dict:
    service.refresh_from_db()
    return {field: getattr(service, field) for field in FACTS}


def test_it_feeds_what_nobody_stated_as_not_stated(client, official, tmp_path):
    """ "not_stated" for each fact, no capacity date and no capacity metadata; valid against the official schemas."""
    service = import_unstated_service(tmp_path)

    record = get_json(client, f"services/{service.pk}")

    assert official.errors(official.for_path("/services/{id}"), record) == []
    assert extras_of(record) == NOT_STATED
    assert "capacity" not in {metadata["last_action_type"] for metadata in record["metadata"]}


def test_it_reads_its_own_not_stated_back_as_not_stated(client, tmp_path):
    """Export the record, lose the service, import the record: the facts are still not stated."""
    service = import_unstated_service(tmp_path)
    before = facts_of(service)
    record = get_json(client, f"services/{service.pk}")
    Service.objects.filter(pk=service.pk).delete()

    err = import_records(tmp_path, [record])

    assert "not_stated" not in err
    again = Service.objects.get(pk=service.pk)
    assert (
        facts_of(again)
        == before
        == {
            "capacity_status": Service.Capacity.NOT_STATED,
            "capacity_updated_at": None,
            "referral_method": Service.ReferralMethod.NOT_STATED,
            "gender": Service.Gender.NOT_STATED,
            "populations_required": None,
            "residency_required": None,
        }
    )
    assert extras_of(get_json(client, f"services/{service.pk}")) == NOT_STATED


def test_it_keeps_what_an_agency_stated_when_the_source_says_nothing(tmp_path):
    """The agency stated capacity and gender after the first import: importing the source again keeps them."""
    service = import_unstated_service(tmp_path)
    stated_at = timezone.now()
    Service.objects.filter(pk=service.pk).update(
        capacity_status=Service.Capacity.WAITLIST,
        capacity_updated_at=stated_at,
        referral_method=Service.ReferralMethod.ELECTRONIC,
        gender=Service.Gender.WOMEN,
        residency_required=True,
    )

    import_unstated_service(tmp_path)

    assert facts_of(service) == {
        "capacity_status": Service.Capacity.WAITLIST,
        "capacity_updated_at": stated_at,
        "referral_method": Service.ReferralMethod.ELECTRONIC,
        "gender": Service.Gender.WOMEN,
        "populations_required": None,
        "residency_required": True,
    }
