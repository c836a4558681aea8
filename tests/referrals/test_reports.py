"""The reports page /reports/ and its CSV files: who sees which figures, filters, charts, CSV, query counts.

The figures come from the hand-computed week of test_outcomes.py (March 2026).
"""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.contrib.auth.models import User

from providers.models import Organization, Service, TaxonomyTerm
from referrals import services
from referrals.models import Consent
from search.models import UnmetSearch

from . import test_outcomes
from .conftest import move
from .test_outcomes import DENVER, at

# The hand-computed week of test_outcomes.py, and agency B's service it uses.
example = test_outcomes.example
service_b = test_outcomes.service_b

URL = "/reports/"
MARCH = {"first_month": "2026-03", "last_month": "2026-03"}
FIGURE_HEADERS = [
    "Received",
    "Answered",
    "Acceptance rate (%)",
    "Median time to first response (days)",
    "Completed",
    "Not completed",
    "Completion rate (%)",
    "Ratings",
    "Average rating (1 to 5)",
    "Declined",
    "Declined: not eligible",
    "Declined: no capacity",
    "Declined: could not contact the participant",
    "Declined: duplicate referral",
    "Declined: other",
]


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def section(html: str, key: str) -> str:
    """Return the markup of one table's section of the page."""
    match = re.search(rf'<section class="report" id="{key}".*?</section>', html, re.S)
    assert match, f"no section {key}"
    return match.group(0)


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but works for no organization of the network."""
    return User.objects.create_user("olga", "olga@example.org", "x")


@pytest.fixture
def searches(db):
    """Two searches that found nothing in March, one in February."""
    rows = UnmetSearch.objects.bulk_create(
        [
            UnmetSearch(query="night care", category="daycare", zip_code="80219", county="Denver County, CO"),
            UnmetSearch(query="night care", category="daycare", zip_code="80219", county="Denver County, CO"),
            UnmetSearch(query="bus pass", category="", zip_code="80216", county="Denver County, CO"),
        ]
    )
    for row, when in zip(rows, [at(10, 9), at(11, 9), datetime.datetime(2026, 2, 20, tzinfo=DENVER)], strict=True):
        UnmetSearch.objects.filter(pk=row.pk).update(created_at=when)


# Who may see the reports


def test_it_sends_anonymous_visitors_to_sign_in(client):
    """The page and every CSV file ask for a sign-in first."""
    for url in [URL, "/reports/services.csv"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_refuses_people_outside_the_network(client, outsider, example):
    """A signed-in person who works for no organization gets 403 on the page and the files, and no figures."""
    client.force_login(outsider)
    for url in [URL, "/reports/services.csv", "/reports/unmet-needs.csv"]:
        response = client.get(url, MARCH)
        assert response.status_code == 403
        assert b"Sunrise Daycare" not in response.content


def test_it_answers_404_for_a_table_that_does_not_exist(client, admin):
    client.force_login(admin)
    assert client.get("/reports/participants.csv").status_code == 404


def test_it_shows_the_network_admin_every_table_with_a_chart(client, admin, example, searches):
    """Providers, services, referring programs, decline reasons, unmet needs, and the searches that found nothing."""
    client.force_login(admin)
    html = html_of(client.get(URL, MARCH))
    providers = section(html, "providers")
    assert "<svg" in providers and "Agency A" in providers and "Agency B" in providers
    services_html = section(html, "services")
    assert re.search(
        r'<th scope="row">Sunrise Daycare</th><td>Agency A</td><td class="figure">7</td><td class="figure">5</td>'
        r'<td class="figure">60%</td><td class="figure">1.0 day</td><td class="figure">2</td><td class="figure">1</td>'
        r'<td class="figure">67%</td><td class="figure">2</td><td class="figure">4.0</td>',
        services_html,
    )
    assert "Rent Help" in services_html
    assert '<th scope="row">Workforce Program</th><td class="figure">8</td>' in section(html, "referrers")
    declines = section(html, "decline-reasons")
    assert '<th scope="row">No capacity</th><td class="figure">1</td><td class="figure">50%</td>' in declines
    unmet = section(html, "unmet-needs")
    assert "<svg" in unmet
    assert (
        '<th scope="row">March 2026</th><td>Child care</td><td>80219</td><td class="figure">2</td>'
        '<td class="figure">1</td><td class="figure">1</td><td class="figure">4</td>'
    ) in unmet
    assert '<th scope="row">night care</th><td>Daycare</td><td>80219</td>' in section(html, "unmet-searches")


def test_it_shows_agency_staff_only_their_own_organizations_figures(client, alice, bob, example):
    """alice sees agency A's referrals received and none of agency B's; bob the other way round."""
    client.force_login(alice)
    html = html_of(client.get(URL, MARCH))
    assert "Sunrise Daycare" in section(html, "services")
    assert "Agency A" in section(html, "providers")
    assert "Agency B" not in html and "Rent Help" not in html
    assert "No referrals were sent in these months." in section(html, "referrers")

    client.force_login(bob)
    html = html_of(client.get(URL, MARCH))
    assert "Rent Help" in section(html, "services")
    assert "Sunrise Daycare" not in html and "Agency A" not in html


def test_it_shows_a_referring_program_the_referrals_it_sent(client, carol, example):
    """carol's program received nothing; its row as a referrer counts all eight referrals."""
    client.force_login(carol)
    html = html_of(client.get(URL, MARCH))
    assert "No referrals were received in these months." in section(html, "providers")
    assert '<th scope="row">Workforce Program</th><td class="figure">8</td>' in section(html, "referrers")
    assert "Workforce Program" in html.split('<p class="lead">')[1].split("</p>")[0]


def test_it_keeps_other_organizations_declines_out_of_staff_reports(client, bob, example):
    """bob's agency declined nothing: agency A's declines and unmet needs are not his to see."""
    client.force_login(bob)
    html = html_of(client.get(URL, MARCH))
    assert "No referral was declined in these months." in section(html, "decline-reasons")
    assert "No unmet needs were recorded in these months." in section(html, "unmet-needs")


# Filters


def test_it_filters_by_month_and_category(client, admin, example):
    """February has none of March's referrals; the housing category leaves the daycare out."""
    client.force_login(admin)
    html = html_of(client.get(URL, {"first_month": "2026-01", "last_month": "2026-02"}))
    assert "Sunrise Daycare" not in html
    assert "Referrals sent from January 2026 to February 2026" in html

    html = html_of(client.get(URL, {**MARCH, "category": "housing"}))
    services_html = section(html, "services")
    assert "Rent Help" in services_html and "Sunrise Daycare" not in services_html
    assert '<option value="housing" selected>Housing</option>' in html


def test_it_shows_the_last_six_months_by_default(client, admin, example):
    """Without dates, the page covers the current month and the five before it."""
    client.force_login(admin)
    with time_machine.travel(at(20, 12), tick=False):
        html = html_of(client.get(URL))
    assert "Referrals sent from October 2025 to March 2026" in html
    assert 'name="first_month" value="2025-10"' in html
    assert "Sunrise Daycare" in html
    html = html_of(client.get(URL, {"last_month": "2026-04"}))
    assert "Referrals sent from November 2025 to April 2026" in html


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"first_month": "March"}, "Give a month as year and month, for example 2026-03."),
        ({"first_month": "2026-04", "last_month": "2026-03"}, "The first month comes after the last one."),
        ({"first_month": "2010-01", "last_month": "2026-03"}, "Choose at most 60 months at a time."),
        ({"category": "spaceships"}, "Select a valid choice."),
    ],
)
def test_it_explains_bad_filters(client, admin, parameters, message):
    """Bad filters answer 400 with the reason on the page, and in the CSV's plain-text answer."""
    client.force_login(admin)
    response = client.get(URL, parameters)
    assert response.status_code == 400
    assert message in response.content.decode()
    response = client.get("/reports/services.csv", parameters)
    assert response.status_code == 400
    assert message in response.content.decode()


# CSV


def test_it_exports_the_services_table(client, admin, example):
    """A header row, then one row per service with bare numbers: rates in percent, times in days."""
    client.force_login(admin)
    response = client.get("/reports/services.csv", MARCH)
    assert response["Content-Disposition"] == 'attachment; filename="services-2026-03-to-2026-03.csv"'
    rows = rows_of(response)
    assert rows[0] == ["Service", "Organization", *FIGURE_HEADERS]
    assert rows[1:] == [
        [
            "Sunrise Daycare",
            "Agency A",
            "7",
            "5",
            "60.0",
            "1.00",
            "2",
            "1",
            "66.7",
            "2",
            "4.00",
            "2",
            "1",
            "1",
            "0",
            "0",
            "0",
        ],
        [
            "Rent Help",
            "Agency B",
            "1",
            "1",
            "100.0",
            "3.00",
            "1",
            "0",
            "100.0",
            "1",
            "4.00",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
        ],
    ]


def test_it_exports_the_organizations_tables(client, admin, example):
    """Providers per organization that received; referring programs per organization that sent."""
    client.force_login(admin)
    rows = rows_of(client.get("/reports/providers.csv", MARCH))
    assert rows[0] == ["Organization", *FIGURE_HEADERS]
    assert [row[:3] for row in rows[1:]] == [["Agency A", "7", "5"], ["Agency B", "1", "1"]]
    rows = rows_of(client.get("/reports/referrers.csv", MARCH))
    assert rows[0] == ["Organization", "Sent", *FIGURE_HEADERS[1:]]
    assert rows[1:] == [
        ["Workforce Program", "8", "6", "66.7", "1.00", "3", "1", "75.0", "3", "4.00", "2", "1", "1", "0", "0", "0"]
    ]


def test_it_exports_decline_reasons_and_unmet_needs(client, admin, example, searches):
    """Every decline reason with its count and share; unmet needs per month, category and ZIP code or county."""
    client.force_login(admin)
    assert rows_of(client.get("/reports/decline-reasons.csv", MARCH)) == [
        ["Reason", "Declined", "Share (%)"],
        ["Not eligible", "1", "50.0"],
        ["No capacity", "1", "50.0"],
        ["Could not contact the participant", "0", "0.0"],
        ["Duplicate referral", "0", "0.0"],
        ["Other", "0", "0.0"],
    ]
    two_months = {"first_month": "2026-02", "last_month": "2026-03"}
    assert rows_of(client.get("/reports/unmet-needs.csv", two_months)) == [
        [
            "Month",
            "Category",
            "ZIP code",
            "Searches that found nothing",
            "Declined: no capacity",
            "Declined: not eligible",
            "Total",
        ],
        ["2026-03", "Child care", "80219", "2", "1", "1", "4"],
        ["2026-02", "Any category", "80216", "1", "0", "0", "1"],
    ]
    rows = rows_of(client.get("/reports/unmet-needs.csv", {**two_months, "area": "county"}))
    assert rows[0][2] == "County"
    assert rows[1] == ["2026-03", "Child care", "Denver County, CO", "2", "1", "1", "4"]
    assert rows_of(client.get("/reports/unmet-searches.csv", two_months)) == [
        ["Words", "Category", "ZIP code", "County", "Searches"],
        ["night care", "Daycare", "80219", "Denver County, CO", "2"],
        ["bus pass", "", "80216", "Denver County, CO", "1"],
    ]


def test_it_exports_only_what_the_person_may_see(client, alice, example):
    """alice's files hold agency A's rows only."""
    client.force_login(alice)
    assert [row[0] for row in rows_of(client.get("/reports/providers.csv", MARCH))[1:]] == ["Agency A"]
    assert [row[0] for row in rows_of(client.get("/reports/services.csv", MARCH))[1:]] == ["Sunrise Daycare"]
    assert rows_of(client.get("/reports/referrers.csv", MARCH))[1:] == []


# Charts and cost


def test_it_draws_charts_without_inline_styles_or_scripts(client, admin, example):
    """SVG with fill attributes, a title and a description; no style attribute, no script, no outside address."""
    client.force_login(admin)
    response = client.get(URL, MARCH)
    html = html_of(response)
    assert html.count('<figure class="chart">') == 5
    assert 'role="img"' in html and "<title" in html and "<desc" in html
    assert re.search(r'<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="#[0-9a-f]{6}"', html)
    assert "style=" not in html
    assert "<script" not in html
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_it_keeps_the_svg_numbers_plain_in_spanish(client, admin, example):
    """Coordinates are never written with a decimal comma, whatever the language."""
    client.force_login(admin)
    html = html_of(client.get(URL, MARCH, HTTP_ACCEPT_LANGUAGE="es"))
    assert '<html lang="es">' in html
    for attributes in re.findall(r"<rect ([^>]*)>", html):
        assert "," not in attributes


def more_referrals(carol, admin, count: int) -> None:
    """Referrals from carol's program to as many new services of new organizations."""
    participant = services.participant_create(
        organization=carol.memberships.get().organization, created_by=carol, display_name="Q. P."
    )
    services.consent_record(participant=participant, recorded_by=carol, scope=Consent.Scope.REFERRAL)
    need = TaxonomyTerm.objects.get(code="daycare")
    for number in range(count):
        organization = Organization.objects.create(name=f"Extra {number}", description="More care.")
        service = Service.objects.create(organization=organization, name=f"Extra care {number}", description=".")
        with time_machine.travel(at(16, 9), tick=False):
            referral = services.referral_send(participant=participant, service=service, need=need, referred_by=carol)
        with time_machine.travel(at(17, 9), tick=False):
            move(referral, admin, "declined", reason="no_capacity")


def test_it_runs_a_fixed_number_of_queries(client, admin, carol, example, searches, django_assert_num_queries):
    """However many services and organizations the tables list, the page costs the same queries."""
    client.force_login(admin)
    # Session, user, network admin?, categories, 2 x 3 figure tables, decline reasons, 2 unmet needs,
    # barriers, unmet searches, demo banner, the reader's roles for the menu; the plans' figures (plans/reports.py):
    # barriers, days to a step done, 2 check-ins, steps unresolved.
    with django_assert_num_queries(22):
        html_of(client.get(URL, MARCH))
    more_referrals(carol, admin, 6)
    with django_assert_num_queries(22):
        html = html_of(client.get(URL, MARCH))
    assert "Extra care 5" in html


def test_it_runs_a_fixed_number_of_queries_for_a_csv_file(client, alice, example, django_assert_num_queries):
    """A file costs its table's queries and the access check, whatever its length."""
    client.force_login(alice)
    with django_assert_num_queries(8):
        rows_of(client.get("/reports/services.csv", MARCH))
