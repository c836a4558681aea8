"""import_hsds normalises what is unambiguous and leaves out, with a warning, only the value it cannot keep.

The corpus in fixtures/hsds/corpus/values/ (made by its make.py) holds the same small directory as HSDS 3.0 JSON,
a 3.0 CSV package and HSDS 1.1 CSV, with the values real sources write their own way: URLs without a scheme or
with characters RFC 3986 forbids, e-mail addresses with no-break and zero-width spaces, "830am" and "noon",
languages by name, a year in words, a latitude of 100, a 279-character required document, a blank accessibility
row. Every record is kept (only a row that states nothing, hours with no readable time and a "language" that is
none are left out, with a warning), nothing is an error, and the feed of what was imported validates against the
official compiled HSDS 3.0 schemas with formats checked (RFC 3986 for ``format: uri``).
"""

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from jsonschema import Draft202012Validator

from providers.hsds.importer import import_hsds
from providers.models import (
    Accessibility,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
)

pytestmark = pytest.mark.django_db

CORPUS = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "corpus" / "values"
COMPILED = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "v3.0" / "schema" / "compiled"
FORMATS = {
    "3.0 JSON": (CORPUS / "hsds-3.0.json", "hsds-3.0"),
    "3.0 CSV": (CORPUS / "hsds-3.0-csv", "hsds-3.0"),
    "1.1 CSV": (CORPUS / "hsds-1.1-csv", "hsds-1.1"),
}
ALPHA, BETA, GAMMA = (
    "a55252c8-4d1e-582f-a98e-5a1a4aac6aed",
    "8e2f23c9-9a8e-5d91-b7f1-062d3a161dca",
    "97936c24-20d6-56ce-a980-411d6c8a2d7f",
)
GROCERIES, BEDS, CHECKUPS = (
    "a079210a-d10a-50e6-8358-1cd9a4bab7b1",
    "39445a5b-3385-5f70-9341-9ea038697913",
    "a6fdc88f-5fa0-5ba9-b287-7b6d7a491db3",
)
CLINIC = "2cfe13cd-233e-5c33-93ce-1ba73ad73b0c"
# Records kept and left out, by kind, in every format (HSDS 1.1 has no cost options).
KEPT = {
    "organization": 3,
    "location": 1,
    "accessibility": 2,
    "service": 3,
    "service_at_location": 1,
    "phone": 1,
    "language": 3,
    "schedule": 4,
    "required_document": 1,
}
SKIPPED = {"accessibility": 1, "language": 1, "schedule": 1}
SCHEME_ADDED = "Web address normalised: scheme added."
ENCODED = "Web address normalised: characters a URL cannot hold percent-encoded."
IDNA = "Web address normalised: international host name IDNA-encoded, characters a URL cannot hold percent-encoded."
NOT_A_URL = "Not a web address: left out, the record kept."
NOT_AN_EMAIL = "Not an e-mail address: left out, the record kept."
TOO_LONG = "Longer than the directory keeps: left out, the record kept."
OUT_OF_RANGE = "Out of range: left out, the record kept."
NOT_A_WHOLE_NUMBER = "Expected a whole number. Left out."
TIME_READ = "Time read as hours and minutes."
NOTHING_STATED = "Nothing stated: left out."
NO_LANGUAGE = "No ISO 639 code for this language: left out."


def imported(name: str):
    path, format = FORMATS[name]
    return import_hsds(path, format=format, partial=False)


def reasons(problems) -> Counter:
    return Counter(problem.reason for problem in problems)


@pytest.mark.parametrize("name", FORMATS)
def test_it_keeps_every_record_and_writes_all_of_it_in_strict_mode(name):
    """Nothing in the corpus is an error: strict mode writes it all; what was changed or left out is a warning."""
    report = imported(name)

    assert report.errors == []
    assert not report.rolled_back
    kept = {kind: tally.created for kind, tally in report.tallies.items() if tally.created}
    skipped = {kind: tally.skipped for kind, tally in report.tallies.items() if tally.skipped}
    assert kept == KEPT | ({"cost_option": 1} if name != "1.1 CSV" else {})
    assert skipped == SKIPPED
    assert Service.objects.count() == 3
    # The children of the records whose values were left out are there.
    assert Phone.objects.get().service_id.hex == GROCERIES.replace("-", "")
    assert Schedule.objects.filter(service_id=BEDS).count() == 2
    assert Accessibility.objects.filter(location_id=CLINIC).count() == 2


@pytest.mark.parametrize("name", FORMATS)
def test_it_counts_its_warnings_by_reason(name):
    """Each normalisation and each value left out is a warning, grouped by a reason that does not vary."""
    report = imported(name)

    found = reasons(report.warnings)
    # A website, a logo (//host), a service URL, an accessibility URL (1.1 accessibility has no URL).
    assert found[SCHEME_ADDED] == (3 if name == "1.1 CSV" else 4)
    assert found[ENCODED] == 2  # a curly apostrophe, braces and a bar; a space
    assert found[IDNA] == 1
    assert found[NOT_A_URL] == 1  # mailto: is no web address
    assert found[NOT_AN_EMAIL] == 1
    assert found[TOO_LONG] == 1  # a tax id of 60 characters
    assert found[OUT_OF_RANGE] == 2  # latitude 100, longitude 200
    assert found[NOT_A_WHOLE_NUMBER] == (1 if name == "1.1 CSV" else 2)  # 1.1 has no minimum age
    assert found[TIME_READ] == 8
    assert found[NOTHING_STATED] == 1
    assert found[NO_LANGUAGE] == 1
    assert found["Spaces trimmed."] >= 1


def test_it_keeps_the_normalised_values():
    """What the records hold after the 3.0 JSON: values normalised, the bad ones empty, the long ones whole."""
    imported("3.0 JSON")

    alpha, beta, gamma = (Organization.objects.get(pk=pk) for pk in (ALPHA, BETA, GAMMA))
    assert (alpha.name, alpha.website, alpha.email) == (
        "Alpha Food Bank",
        "https://www.alpha-food.example.org",
        "info@alpha-food.example.org",
    )
    assert beta.website == "https://beta.example.org/it%E2%80%99s%20%7Bhere%7D%7Cnow"
    assert (beta.email, beta.year_incorporated, beta.tax_id) == ("", None, "")
    assert (gamma.website, gamma.logo, gamma.uri) == (
        "",
        "https://cdn.example.org/gamma.png",
        "https://xn--gmma-loa.example.org/%C3%BCber%20uns",
    )
    groceries = Service.objects.get(pk=GROCERIES)
    assert (groceries.url, groceries.email, groceries.minimum_age) == (
        "https://alpha-food.example.org/groceries",
        "groceries@alpha-food.example.org",
        None,
    )
    assert len(Service.objects.get(pk=BEDS).url) == 25 + 5 * 59  # longer than the old limit of 200
    assert Service.objects.get(pk=CHECKUPS).url == "https://gamma.example.org/check%20ups"
    assert len(RequiredDocument.objects.get().document) == 279
    assert CostOption.objects.get().amount is None
    assert Phone.objects.get().number == "(555) 123-4567"
    clinic = Location.objects.get(pk=CLINIC)
    assert (clinic.latitude, clinic.longitude) == (None, None)
    assert set(clinic.accessibility.values_list("description", "details", "url")) == {
        ("", "Step-free entrance at the back.", ""),
        ("Ramp", "", "https://www.gamma.example.org/access"),
    }
    assert set(Language.objects.values_list("code", "name")) == {("es", "Español"), ("en", "English"), ("hmn", "Hmong")}
    hours = {
        (row.service_id.hex[:8], row.weekday, f"{row.opens_at:%H:%M}", f"{row.closes_at:%H:%M}")
        for row in Schedule.objects.all()
    }
    assert hours == {
        ("a079210a", "MO", "08:30", "17:30"),
        ("a079210a", "TU", "09:30", "17:30"),
        ("39445a5b", "WE", "12:00", "00:00"),
        ("39445a5b", "TH", "09:30", "21:00"),
    }


@pytest.fixture(scope="module")
def compiled_schemas() -> dict[str, Draft202012Validator]:
    """The official compiled service and organization schemas, formats checked (uri by RFC 3986)."""
    assert "uri" in Draft202012Validator.FORMAT_CHECKER.checkers, "rfc3986-validator is not installed"
    return {
        kind: Draft202012Validator(
            json.loads((COMPILED / f"{kind}.json").read_text()), format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for kind in ("service", "organization")
    }


@pytest.mark.parametrize("name", FORMATS)
def test_its_feed_validates_against_the_official_compiled_schemas(name, compiled_schemas, client: Client):
    """The feed carries every normalised URL: each service and organization passes the official schema."""
    imported(name)

    for kind, ids in (("service", (GROCERIES, BEDS, CHECKUPS)), ("organization", (ALPHA, BETA, GAMMA))):
        for record_id in ids:
            response = client.get(f"/{settings.HSDS_FEED_PREFIX}{kind}s/{record_id}")
            assert response.status_code == 200
            errors = [
                f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
                for error in compiled_schemas[kind].iter_errors(response.json())
            ]
            assert errors == [], (kind, record_id)


def test_it_keeps_the_directorys_value_when_a_new_one_cannot_be_kept(tmp_path):
    """Re-imported with a website that is no URL, an organization keeps the website it has; the rest updates."""
    imported("3.0 JSON")
    records = json.loads(FORMATS["3.0 JSON"][0].read_text())
    records[0]["organization"].update(website="see our leaflet", description="Groceries and hot meals.")
    path = tmp_path / "again.json"
    path.write_text(json.dumps(records))

    report = import_hsds(path, format="hsds-3.0")

    alpha = Organization.objects.get(pk=ALPHA)
    assert (alpha.website, alpha.description) == ("https://www.alpha-food.example.org", "Groceries and hot meals.")
    assert report.tally("organization").updated == 1
    assert reasons(report.warnings)[NOT_A_URL] == 2  # this one, and Gamma's mailto: again
    assert report.errors == []


def test_it_still_refuses_a_record_without_a_name(tmp_path):
    """A service with no name cannot be listed: an error, and strict mode writes nothing."""
    records = json.loads(FORMATS["3.0 JSON"][0].read_text())
    records[1]["name"] = "\u00a0\u200b"
    path = tmp_path / "nameless.json"
    path.write_text(json.dumps(records))

    err = io.StringIO()
    with pytest.raises(Exception, match="Nothing was imported"):
        call_command("import_hsds", str(path), stdout=io.StringIO(), stderr=err)

    assert f"service {BEDS}: name:" in err.getvalue()
    assert not Service.objects.exists()
