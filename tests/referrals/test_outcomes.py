"""The outcome figures against a hand-computed example, the brief track record and the responsiveness bands.

The example: in the week of Monday 2 March 2026, carol's program refers seven times to Sunrise Daycare
(agency A) and once to agency B's housing service. Times are set with time_machine.

| referral | sent        | first answer           | then                              | rating |
|----------|-------------|------------------------|-----------------------------------|--------|
| r1       | Mon 09:00   | accepted Mon 15:00 (6h) | completed Thu, outcome recorded   | 5      |
| r2       | Mon 10:00   | declined, no capacity, Tue 10:00 (24h) |                    |        |
| r3       | Tue 09:00   | accepted Thu 09:00 (48h) | not completed (no-show)          |        |
| r4       | Tue 12:00   | declined, not eligible, Wed 12:00 (24h) |                   |        |
| r5       | Wed 09:00   | accepted Wed 11:00 (2h) | scheduled, completed, recorded    | 3      |
| r6       | Wed 10:00   | none: cancelled by carol Thu                |               |        |
| r7       | Thu 09:00   | none yet                |                                   |        |
| b1 (B)   | Mon 09:00   | accepted Thu 09:00 (72h) | completed, outcome recorded      | 4      |

Sunrise Daycare: 7 received, 5 answered, 3 accepted (60%), median first response 24h (2, 6, 24, 24, 48),
2 completed and 1 not (67%), ratings 5 and 3 (4.0), declined for no capacity 1 and not eligible 1.
The program: 8 sent, 6 answered, 4 accepted, median 24h (2, 6, 24, 24, 48, 72), 3 completed of 4 (75%),
average rating 4.0 of 3.
"""

import datetime
import uuid
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from providers.models import Service, TaxonomyTerm
from referrals import outcomes, services
from referrals.models import Referral
from search.backends.base import SearchRequest
from search.backends.whoosh import index
from search.models import UnmetSearch
from search.query import forget_responsiveness, search
from tests.search.conftest import make_service

from .conftest import move

DENVER = zoneinfo.ZoneInfo("America/Denver")
S = Referral.Status
HOUR = datetime.timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in March 2026, Denver time (2 March is a Monday)."""
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=DENVER)


@pytest.fixture
def service_b(agency_b, categories) -> Service:
    housing = TaxonomyTerm.objects.create(taxonomy=categories, code="housing", name="Housing")
    service = Service.objects.create(organization=agency_b, name="Rent Help", description="Help with rent.")
    service.categories.add(housing)
    return service


@pytest.fixture
def example(participant, consent, service_a, service_b, carol, alice, bob):
    """The week of referrals in the table above; returns them by name."""
    child_care = TaxonomyTerm.objects.get(code="daycare")
    housing = TaxonomyTerm.objects.get(code="housing")

    def send(when, service=service_a, need=child_care) -> Referral:
        with time_machine.travel(when, tick=False):
            return services.referral_send(participant=participant, service=service, need=need, referred_by=carol)

    def act(when, referral, actor, to_status, **extra) -> Referral:
        with time_machine.travel(when, tick=False):
            return move(referral, actor, to_status, **extra)

    def record(when, referral, need_met):
        with time_machine.travel(when, tick=False):
            services.outcome_record(referral_id=referral.pk, actor=carol, need_met=need_met)

    def rate(when, referral, rating):
        with time_machine.travel(when, tick=False):
            services.participant_answer(token=referral.participant_link.token, connected=True, rating=rating)

    referrals = {}
    r1 = referrals["r1"] = send(at(2, 9))
    act(at(2, 10), r1, alice, S.RECEIVED)
    act(at(2, 15), r1, alice, S.ACCEPTED)
    act(at(5, 16), r1, alice, S.COMPLETED)
    record(at(6, 9), r1, "fully")
    rate(at(6, 18), r1, 5)

    r2 = referrals["r2"] = send(at(2, 10))
    act(at(3, 10), r2, alice, S.DECLINED, reason=Referral.DeclineReason.NO_CAPACITY)

    r3 = referrals["r3"] = send(at(3, 9))
    act(at(5, 9), r3, alice, S.ACCEPTED)
    act(at(9, 9), r3, alice, S.NOT_COMPLETED, reason=Referral.NotCompletedReason.NO_SHOW)

    r4 = referrals["r4"] = send(at(3, 12))
    act(at(4, 12), r4, alice, S.DECLINED, reason=Referral.DeclineReason.NOT_ELIGIBLE)

    r5 = referrals["r5"] = send(at(4, 9))
    act(at(4, 11), r5, alice, S.ACCEPTED)
    act(at(4, 12), r5, alice, S.SCHEDULED, appointment_at=at(6, 10))
    act(at(6, 11), r5, alice, S.COMPLETED)
    record(at(6, 12), r5, "partly")
    rate(at(6, 20), r5, 3)

    r6 = referrals["r6"] = send(at(4, 10))
    act(at(5, 10), r6, carol, S.CANCELLED)

    referrals["r7"] = send(at(5, 9))

    b1 = referrals["b1"] = send(at(2, 9), service=service_b, need=housing)
    act(at(5, 9), b1, bob, S.ACCEPTED)
    act(at(6, 9), b1, bob, S.COMPLETED)
    record(at(6, 9, 30), b1, "fully")
    rate(at(6, 10), b1, 4)
    return referrals


def test_it_computes_the_figures_per_service_as_by_hand(example, service_a, service_b):
    """Received, answered, acceptance, median first response, completion, rating and decline reasons per service."""
    figures = {row.key: row for row in outcomes.figures_by(Referral.objects.all(), outcomes.BY_SERVICE)}

    daycare = figures[service_a.pk]
    assert (daycare.name, daycare.owner) == ("Sunrise Daycare", "Agency A")
    assert (daycare.received, daycare.answered, daycare.accepted, daycare.declined) == (7, 5, 3, 2)
    assert daycare.acceptance_rate == pytest.approx(0.6)
    assert daycare.median_response == 24 * HOUR
    assert (daycare.completed, daycare.not_completed) == (2, 1)
    assert daycare.completion_rate == pytest.approx(2 / 3)
    assert (daycare.ratings, daycare.average_rating) == (2, pytest.approx(4.0))
    assert daycare.decline_reasons == {
        "not_eligible": 1,
        "no_capacity": 1,
        "could_not_contact": 0,
        "duplicate": 0,
        "other": 0,
    }

    rent = figures[service_b.pk]
    assert (rent.received, rent.answered, rent.accepted, rent.completed, rent.not_completed) == (1, 1, 1, 1, 0)
    assert rent.median_response == 72 * HOUR
    assert rent.completion_rate == 1
    assert rent.average_rating == pytest.approx(4.0)
    assert list(figures) == [service_a.pk, service_b.pk]  # most referrals first


def test_it_computes_the_figures_per_organization_on_both_sides(example, agency_a, agency_b, workforce_program):
    """As providers, agency A and B; as a referrer, carol's program with all eight referrals."""
    providers = {row.key: row for row in outcomes.figures_by(Referral.objects.all(), outcomes.BY_PROVIDER)}
    assert providers[agency_a.pk].received == 7
    assert providers[agency_a.pk].median_response == 24 * HOUR
    assert providers[agency_b.pk].received == 1

    (program,) = outcomes.figures_by(Referral.objects.all(), outcomes.BY_REFERRER)
    assert (program.key, program.name) == (workforce_program.pk, "Workforce Program")
    assert (program.received, program.answered, program.accepted) == (8, 6, 4)
    assert program.acceptance_rate == pytest.approx(4 / 6)
    assert program.median_response == 24 * HOUR
    assert program.completion_rate == pytest.approx(0.75)
    assert (program.ratings, program.average_rating) == (3, pytest.approx(4.0))


def test_it_counts_decline_reasons(example):
    """Every reason is listed, in the order of the choices, with its count."""
    reasons = {reason: count for reason, _label, count in outcomes.decline_reasons(Referral.objects.all())}
    assert reasons == {"not_eligible": 1, "no_capacity": 1, "could_not_contact": 0, "duplicate": 0, "other": 0}


def test_it_counts_a_closed_referral_by_how_it_ended(example, service_a):
    """r1 was completed, then closed when carol recorded the outcome: it still counts as completed."""
    example["r1"].refresh_from_db()
    assert example["r1"].status == S.CLOSED
    (daycare,) = outcomes.figures_by(Referral.objects.filter(pk=example["r1"].pk), outcomes.BY_SERVICE)
    assert (daycare.completed, daycare.not_completed) == (1, 0)


def test_it_counts_unmet_needs_per_month_category_and_place(example, categories):
    """Declined for capacity or eligibility, and searches that found nothing, per month, category and ZIP or county."""
    searches = [
        UnmetSearch(query="night care", category="daycare", zip_code="80219", county="Denver County, CO"),
        UnmetSearch(query="", category="child-care", zip_code="80219", county="Denver County, CO"),
        UnmetSearch(query="bus pass", category="", zip_code="80216", county="Denver County, CO"),
        UnmetSearch(query="daycare", category="daycare", zip_code="80219", county="Denver County, CO"),
    ]
    UnmetSearch.objects.bulk_create(searches)
    for search_row, when in zip(
        searches, [at(10, 9), at(12, 9), at(15, 9), datetime.datetime(2026, 2, 20, tzinfo=DENVER)], strict=True
    ):
        UnmetSearch.objects.filter(pk=search_row.pk).update(created_at=when)
    period = outcomes.Period(datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))

    needs = outcomes.unmet_needs(
        Referral.objects.all(), UnmetSearch.objects.all(), period=period, categories=outcomes.Categories()
    )

    rows = [
        (need.month, need.category.code, need.area, need.searches, need.no_capacity, need.not_eligible, need.total)
        for need in needs
    ]
    assert rows == [
        (datetime.date(2026, 3, 1), "child-care", "80219", 2, 1, 1, 4),
        (datetime.date(2026, 3, 1), "", "80216", 1, 0, 0, 1),
        (datetime.date(2026, 2, 1), "child-care", "80219", 1, 0, 0, 1),
    ]
    by_county = outcomes.unmet_needs(
        Referral.objects.all(),
        UnmetSearch.objects.all(),
        period=period,
        categories=outcomes.Categories(),
        category="child-care",
        by_county=True,
    )
    assert [(need.month, need.area, need.total) for need in by_county] == [
        (datetime.date(2026, 3, 1), "Denver County, CO", 4),
        (datetime.date(2026, 2, 1), "Denver County, CO", 1),
    ]
    months = outcomes.unmet_by_month(needs, period)
    assert [(month.month, month.total) for month in months] == [
        (datetime.date(2026, 2, 1), 1),
        (datetime.date(2026, 3, 1), 5),
    ]


def test_it_says_the_track_record_only_with_five_referrals(example, service_a, service_b):
    """Sunrise Daycare (7 referrals) has one; Rent Help (1) has none. One query for both."""
    with time_machine.travel(at(9, 12), tick=False):
        records = outcomes.track_record_for([service_a.pk, service_b.pk])
    assert list(records) == [service_a.pk]
    assert str(records[service_a.pk]) == "usually answers in 1 day · 67% completed"


def test_it_says_the_track_record_in_few_words(settings):
    """Under a day, days rounded, and whichever of the two figures is known."""
    record = outcomes.TrackRecord(referrals=9, median_response=2 * HOUR, completion_rate=None)
    assert str(record) == "usually answers within a day"
    record = outcomes.TrackRecord(referrals=9, median_response=50 * HOUR, completion_rate=0.854)
    assert str(record) == "usually answers in 2 days · 85% completed"
    assert str(outcomes.TrackRecord(referrals=9, median_response=None, completion_rate=1)) == "100% completed"


def test_it_runs_one_query_for_a_page_of_track_records(example, service_a, service_b, django_assert_num_queries):
    """However many services a page shows."""
    with django_assert_num_queries(1):
        outcomes.track_record_for([service_a.pk, service_b.pk, *[uuid.uuid4() for _ in range(20)]])


# Responsiveness and ranking


def referrals_answered_in(service, hours: list[float | None], *, carol, admin, participant) -> None:
    """Send one referral per entry a week ago, answered (accepted) that many hours later, or never (None)."""
    need = service.categories.first()
    sent = at(2, 9)
    for number, wait in enumerate(hours):
        with time_machine.travel(sent + number * datetime.timedelta(minutes=5), tick=False):
            referral = services.referral_send(participant=participant, service=service, need=need, referred_by=carol)
        if wait is not None:
            with time_machine.travel(referral.sent_at + wait * HOUR, tick=False):
                move(referral, admin, S.ACCEPTED)


@pytest.fixture
def ranked(settings, categories, workforce_program, participant, consent, carol, admin):
    """Three identical daycares: Quick answers within hours, Slow in four days or never, Newcomer has two referrals."""
    settings.SEARCH_RESPONSIVENESS = "referrals.outcomes.responsiveness_bands"
    settings.REFERRAL_RESPONSE_DAYS = 2
    daycares = {name: make_service(f"{name} Daycare") for name in ("Newcomer", "Quick", "Slow")}
    people = {"carol": carol, "admin": admin, "participant": participant}
    referrals_answered_in(daycares["Quick"], [1, 3, 5, 20, 30], **people)
    referrals_answered_in(daycares["Slow"], [96, 100, 30, None, None, 120], **people)
    referrals_answered_in(daycares["Newcomer"], [200, 300], **people)
    index.rebuild()
    forget_responsiveness()
    yield daycares
    forget_responsiveness()


def test_it_bands_services_by_their_median_answer(ranked):
    """Quick: 5 referrals answered within 2 days on median → 0; Slow: median past 2 days → 2; Newcomer: unknown."""
    with time_machine.travel(at(16, 12), tick=False):
        bands = outcomes.responsiveness_bands()
    assert bands == {ranked["Quick"].pk: outcomes.QUICK, ranked["Slow"].pk: outcomes.SLOW}


def test_it_ranks_quick_responders_first_among_equals(ranked, search_index_in_tmp):
    """Same text, capacity and place: the quick responder first, the unknown next, the slow one last."""
    with time_machine.travel(at(16, 12), tick=False):
        results = search(SearchRequest(text="daycare"))
    assert [result.data["name"] for result in results.results] == ["Quick Daycare", "Newcomer Daycare", "Slow Daycare"]


def test_it_ranks_by_name_without_the_setting(ranked, settings):
    """With no SEARCH_RESPONSIVENESS every service is unknown, and the order falls through to the name."""
    settings.SEARCH_RESPONSIVENESS = ""
    forget_responsiveness()
    with time_machine.travel(at(16, 12), tick=False):
        results = search(SearchRequest(text="daycare"))
    assert [result.data["name"] for result in results.results] == ["Newcomer Daycare", "Quick Daycare", "Slow Daycare"]


def test_it_keeps_the_bands_for_a_few_minutes(ranked, django_assert_num_queries):
    """The bands cost one query, then none until they expire: figures change slowly."""
    from search.query import responsiveness

    with django_assert_num_queries(1):
        responsiveness(str(ranked["Quick"].pk))
    with django_assert_num_queries(0):
        assert responsiveness(str(ranked["Slow"].pk)) == outcomes.SLOW
        assert responsiveness(str(ranked["Newcomer"].pk)) == outcomes.UNKNOWN


# The track record on the service page and in search results


@pytest.fixture
def track_record_setting(settings):
    settings.SERVICE_TRACK_RECORD = "referrals.outcomes.track_record_for"


def test_it_shows_the_track_record_on_the_service_page(client, example, service_a, service_b, track_record_setting):
    """Sunrise Daycare's page says how it answers; Rent Help, with one referral, says nothing of the kind."""
    with time_machine.travel(at(9, 12), tick=False):
        html = client.get(service_a.get_absolute_url()).content.decode()
        other = client.get(service_b.get_absolute_url()).content.decode()
    assert "Usually answers in 1 day · 67% completed" in html
    assert 'class="track-record"' not in other


def test_it_shows_the_track_record_in_search_results_in_one_query(
    client, example, service_a, track_record_setting, settings, django_assert_num_queries
):
    """A results page gets its track records in one query, whatever its length."""
    settings.SEARCH_RESPONSIVENESS = ""  # the ranking's own figures are cached; keep them out of the count
    index.rebuild()
    for number in range(5):
        make_service(f"Other Daycare {number}")
    index.rebuild()
    with time_machine.travel(at(9, 12), tick=False):
        settings.SERVICE_TRACK_RECORD = ""
        client.get("/search/", {"q": "daycare"})  # what a process reads once (the taxonomy's phrases) is read
        with CaptureQueriesContext(connection) as without:
            client.get("/search/", {"q": "daycare"})
        settings.SERVICE_TRACK_RECORD = "referrals.outcomes.track_record_for"
        with django_assert_num_queries(len(without) + 1):
            html = client.get("/search/", {"q": "daycare"}).content.decode()
    assert "6 services match" in html
    assert html.count('class="track-record"') == 1
    assert "Usually answers in 1 day · 67% completed" in html
