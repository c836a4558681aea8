"""HSDS 2.0 CSV (issue 16, item 8): schedules.csv, service and other attributes, taxonomy_terms.csv, and the
tables 2.0 shares with 1.1, each imported or named in a warning with its count.

The corpus (fixtures/hsds/corpus/hsds-2.0/) is a small directory of our own making with every 2.0 table and
the shapes real 2.0 exports write: weekday ranges, opening times in dtstart/until, one schedule id for the
hours of two services, terms on an eligibility row and on a contact, columns that are no HSDS.
"""

from pathlib import Path

import pytest
from django.conf import settings

from providers.hsds.importer import import_hsds
from providers.models import (
    Address,
    Attribute,
    Location,
    Organization,
    Service,
    TaxonomyTerm,
)
from tests.providers.hsds.test_import import hsds_file, run

pytestmark = pytest.mark.django_db

CORPUS = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "corpus" / "hsds-2.0"


def said(report) -> list[str]:
    """Every warning as "kind field: reason (detail)", the way a data steward reads it."""
    return [
        f"{problem.kind} {problem.field}: {problem.reason}" + (f" ({problem.detail})" if problem.detail else "")
        for problem in report.warnings
    ]


def hours(service: Service) -> list[tuple[str, str, str]]:
    return sorted(
        (schedule.weekday, f"{schedule.opens_at:%H:%M}", f"{schedule.closes_at:%H:%M}")
        for schedule in service.schedules.exclude(opens_at=None)
    )


def test_it_imports_every_table_it_can_keep():
    """Organizations to required documents: all of the corpus that the directory has a place for."""
    report = import_hsds(CORPUS, format="hsds-2.0")

    assert not report.errors and not report.rolled_back
    created = {kind: tally.created for kind, tally in report.tallies.items() if tally.created}
    assert created == {
        "taxonomy": 2,
        "taxonomy_term": 5,
        "organization": 2,
        "location": 2,
        "address": 3,
        "accessibility": 1,
        "service": 3,
        "service_at_location": 3,
        "phone": 2,
        "language": 2,
        "schedule": 6,
        "required_document": 1,
        "attribute": 5,
    }
    food_bank = Organization.objects.get(name="Riverside Food Network")
    assert (food_bank.website, food_bank.tax_id, food_bank.year_incorporated) == (
        "https://riverside.example.org",
        "12-3456789",
        1998,
    )
    pantry = Service.objects.get(name="Food Pantry")
    assert pantry.organization == food_bank
    assert pantry.fees_description == "Free"
    assert pantry.locations.get().name == "Riverside Hall"
    assert pantry.phones.get().number == "217-555-0100"
    hall = Location.objects.get(name="Riverside Hall")
    assert hall.addresses.get().address_2 == "Suite 4, Back entrance"  # address_3 is kept with address_2
    assert list(hall.accessibility.values_list("description", "details")) == [("Ramp", "At the back door")]
    assert list(hall.languages.values_list("code", flat=True)) == ["fr"]
    assert Address.objects.get(address_type="postal").attention == "Clinic Manager"

    advice = Service.objects.get(name="Tenant Advice")
    assert list(advice.languages.values_list("code", flat=True)) == ["es"]
    assert advice.required_documents.get().document == "Lease agreement"
    assert "Springfield" in advice.eligibility_description  # the area the directory cannot map, in words


def test_it_reads_the_hours_as_2_0_exports_write_them():
    """RRULE days (MO,WE,FR), day names (tuesday), weekday ranges, and times in dtstart/until."""
    import_hsds(CORPUS, format="hsds-2.0")

    weekdays = ["MO", "TU", "WE", "TH", "FR"]
    assert hours(Service.objects.get(name="Food Pantry")) == sorted(
        [(day, "09:00", "12:00") for day in ("MO", "WE", "FR")] + [("SA", "10:00", "11:00")]
    )
    # "Monday - Friday" in the weekday column; one schedule id (68) shared with the pantry.
    assert hours(Service.objects.get(name="Hot Meals")) == sorted(
        [(day, "11:30", "13:30") for day in weekdays] + [("SA", "10:00", "11:00")]
    )
    # "tuesday" with 6:00PM-8:00PM; Thursday with its times in dtstart and until.
    assert hours(Service.objects.get(name="Tenant Advice")) == [("TH", "09:00", "13:00"), ("TU", "18:00", "20:00")]


def test_it_keeps_the_terms_on_services_organizations_and_eligibility():
    """taxonomy_terms.csv in the taxonomies it names; service_attributes and other_attributes as attributes."""
    import_hsds(CORPUS, format="hsds-2.0")

    pantries = TaxonomyTerm.objects.get(name="Food Pantries")
    assert pantries.parent.name == "Food"
    assert pantries.taxonomy.name == "Service Category"
    assert TaxonomyTerm.objects.get(name="Low income").taxonomy.name == "Service Eligibility"
    pantry, advice = Service.objects.get(name="Food Pantry"), Service.objects.get(name="Tenant Advice")
    assert list(Attribute.objects.filter(link_id=pantry.pk).values_list("taxonomy_term__name", flat=True)) == [
        "Food Pantries"
    ]
    # The term on eligibility row E1 (of Tenant Advice) describes who the service is for.
    assert set(Attribute.objects.filter(link_id=advice.pk).values_list("taxonomy_term__name", "link_type")) == {
        ("Legal Aid", ""),
        ("Low income", "eligibility"),
    }
    food_bank = Organization.objects.get(name="Riverside Food Network")
    assert Attribute.objects.get(link_id=food_bank.pk, link_entity="organization").taxonomy_term.name == "Food"


def test_it_names_what_it_does_not_keep():
    """Tables, columns, hours and terms without a place in the directory: each named once, with its count."""
    report = import_hsds(CORPUS, format="hsds-2.0")

    warnings = said(report)
    for expected in (
        "contact : Not kept: the directory has no contacts. (1 records)",
        "program : Not kept: the directory has no programs. (1 records)",
        "funding : Not kept: the directory has no funding sources. (1 records)",
        "payment_accepted : Not kept: the directory has no accepted payments. (1 records)",
        "metadata : Not kept: the directory has no change records. (1 records)",
        "service program_id: Not kept: the directory has no such field. (1 records)",
        "service x_intake_notes: Not kept: the directory has no such field. (1 records)",
        "taxonomy_term language: Not kept: the directory has no such field. (5 records)",
        "schedule byday: Not a weekday or a range of weekdays: left out. (Second Saturday)",
        "schedule service_id: The hours belong to no service or location: left out.",
        "schedule opens_at: No opening times: nothing to keep.",
        "schedule dtstart: Opening times read from dtstart and until, which hold times of day here, not dates. "
        "(9:00AM–1:00PM)",
        "schedule id: The same schedule id is given to the hours of several records: each keeps its own copy. (2 rows)",
        "attribute link_type: The record it describes is of a kind the directory does not keep: left out. (contact)",
    ):
        assert expected in warnings
    assert any(line.startswith("schedule byday: Only weekly opening hours") for line in warnings)  # MONTHLY 1SA
    assert any(line.startswith("language name: No ISO 639 code") for line in warnings)  # Parseltongue
    assert report.tally("schedule").skipped == 4
    assert sum("Not kept: the directory has no such field." in line for line in warnings) == 3


def test_it_changes_nothing_on_a_second_import():
    """Ids that are not UUIDs derive from the dataset's name: a second import finds every record again."""
    import_hsds(CORPUS, format="hsds-2.0")

    again = import_hsds(CORPUS, format="hsds-2.0")

    assert again.total.created == 0 and again.total.updated == 0


def test_it_imports_the_vendored_orservices_2_0_export():
    """A real 2.0 export (ORServices, DC), read by --format auto: its hours, terms and links come in."""
    dataset = hsds_file("datasets", "orservices-dc-hsds-2.0")

    out, _ = run(dataset, partial=True)

    assert out.startswith("Format: HSDS 2.0 CSV, recognised by")
    # Read as HSDS 1.1, none of these came in: schedules.csv, service_attributes.csv, taxonomy_terms.csv.
    assert Service.objects.filter(schedules__isnull=False).distinct().count() == 41
    assert Attribute.objects.filter(link_entity="service").count() == 260
    assert TaxonomyTerm.objects.filter(taxonomy__name="Service Category").count() == 34
    assert Service.objects.filter(locations__isnull=False).distinct().count() == 95
    # Weekday column "Monday, Thursday" 10:00AM-1:30PM, then a row for each day of another location.
    appellate = Service.objects.get(name="Appellate Advocacy")
    assert sorted(
        (schedule.weekday, f"{schedule.opens_at:%H:%M}", f"{schedule.closes_at:%H:%M}")
        for schedule in appellate.schedules.all()
    ) == [("MO", "10:00", "13:30"), ("MO", "12:30", "18:00"), ("TH", "10:00", "13:30"), ("TH", "12:30", "16:00")]
