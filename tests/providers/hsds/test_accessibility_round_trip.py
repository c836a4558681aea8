"""A location's known accessibility features travel in the export as HSDS ``accessibility`` records (the
description is the feature's English label, the details the agency's words), the official schemas accept
them, and an import gives back the same features (issue 19, getting there)."""

import json

import pytest

from providers.models import Accessibility, Location, Organization
from tests.providers.hsds.rows import assert_same_rows, listing_rows
from tests.providers.hsds.test_export import empty_the_database, export, schema_errors  # noqa: F401 (a fixture)
from tests.providers.hsds.test_export_round_trip import import_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def accessible_place(demo_network) -> Location:
    """A place of the demo network with a step-free entrance (with directions), a TTY line, and a feature
    described only in words."""
    location = Location.objects.filter(organization__isnull=False).order_by("name").first()
    location.accessibility.all().delete()
    Accessibility.objects.create(
        location=location,
        feature=Accessibility.Feature.STEP_FREE_ENTRANCE,
        description="Step-free entrance",
        details="Ramp at the side door",
    )
    Accessibility.objects.create(
        location=location, feature=Accessibility.Feature.TTY, description="TTY (text telephone)"
    )
    Accessibility.objects.create(location=location, description="Quiet room on request")
    return location


def exported_location(tmp_path, location: Location) -> tuple[dict, dict]:
    """The location's record in the exported organization, and the organization's whole record."""
    path = tmp_path / "json" / "organizations" / f"{location.organization_id}.json"
    organization = json.loads(path.read_text())
    return next(record for record in organization["locations"] if record["id"] == str(location.pk)), organization


def test_the_export_names_each_feature_in_english_and_the_schemas_accept_it(
    tmp_path,
    accessible_place,
    schema_errors,  # noqa: F811
):
    export(tmp_path)

    location, organization = exported_location(tmp_path, accessible_place)
    assert schema_errors("compiled/organization.json", organization) == []
    described = sorted(
        (record.get("description", ""), record.get("details", "")) for record in location["accessibility"]
    )
    assert described == [
        ("Quiet room on request", ""),
        ("Step-free entrance", "Ramp at the side door"),
        ("TTY (text telephone)", ""),
    ]


@pytest.mark.parametrize("form", ["json", "csv"])
def test_an_import_gives_the_same_features_back(tmp_path, accessible_place, form):
    before = listing_rows()

    export(tmp_path)
    empty_the_database()
    import_export(tmp_path / form)

    assert_same_rows(before, listing_rows())
    features = Accessibility.objects.filter(location_id=accessible_place.pk)
    assert sorted(features.values_list("feature", "details")) == [
        ("", ""),
        (Accessibility.Feature.STEP_FREE_ENTRANCE, "Ramp at the side door"),
        (Accessibility.Feature.TTY, ""),
    ]
    assert Organization.objects.filter(pk=accessible_place.organization_id).exists()


def test_an_import_reads_a_feature_by_its_label_in_either_language():
    """Other directories' records name features in words: a label, in English or Spanish, is that feature;
    anything else stays a feature described in words."""
    assert Accessibility.feature_for("step-free  entrance") == Accessibility.Feature.STEP_FREE_ENTRANCE
    assert Accessibility.feature_for("Baño accesible") == Accessibility.Feature.ACCESSIBLE_RESTROOM
    assert Accessibility.feature_for("Ramp at the side entrance") == ""
