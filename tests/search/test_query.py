"""The search itself: synonyms, typos, every filter, distance, service areas, eligibility, ranking, facets."""

import datetime
import zoneinfo

import pytest

from search.backends.base import SearchRequest
from search.eligibility import Participant, Verdict
from search.geography import place_for_zip
from search.models import UnmetSearch
from search.query import search

from .conftest import make_service, rebuild

DENVER = zoneinfo.ZoneInfo("America/Denver")
WESTWOOD = place_for_zip("80219")  # southwest Denver
BOULDER = (40.0150, -105.2705)
AURORA = (39.7294, -104.8319)


def names(**request) -> list[str]:
    return [r.data["name"] for r in search(SearchRequest(**request), log_unmet=False).results]


@pytest.fixture
def directory(taxonomy):
    """A daycare in Westwood, one in Boulder, a bus pass program downtown, a housing counselor in Aurora."""
    make_service("Westwood Little Learners", languages=("en", "es"), description="Bilingual early learning.")
    make_service("Flatirons Kids Care", point=BOULDER, zip_code="80302", free=False)
    make_service(
        "RTD Pass Partners", category="bus-passes", point=(39.7392, -104.9903), zip_code="80202", populations=["youth"]
    )
    make_service(
        "Aurora Home Keepers",
        category="housing",
        point=AURORA,
        zip_code="80010",
        languages=("en", "vi"),
        description="Eviction defense and rent help.",
        capacity_status="waitlist",
        populations=["veterans"],
    )
    rebuild()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daycare", ["Flatirons Kids Care", "Westwood Little Learners"]),
        ("day care", ["Flatirons Kids Care", "Westwood Little Learners"]),
        ("babysitting", ["Flatirons Kids Care", "Westwood Little Learners"]),
        ("ride", ["RTD Pass Partners"]),
        ("bus", ["RTD Pass Partners"]),
        ("shelter", ["Aurora Home Keepers"]),
        ("eviction", ["Aurora Home Keepers"]),
        ("veteran", ["Aurora Home Keepers"]),
    ],
)
def test_it_finds_services_by_synonyms(directory, text, expected):
    """Everyday words reach the right category: "daycare" finds child care, "ride" transportation."""
    assert sorted(names(text=text)) == expected


@pytest.mark.parametrize("text", ["daycre", "chlid care", "babysiting", "evicton"])
def test_it_tolerates_typos(directory, text):
    """One or two wrong letters still find the service."""
    assert names(text=text)


def test_it_filters_by_category_including_children(directory):
    """category=child-care includes daycare services; category=bus-passes only that child."""
    assert sorted(names(category="child-care")) == ["Flatirons Kids Care", "Westwood Little Learners"]
    assert names(category="transportation") == ["RTD Pass Partners"]
    assert names(category="housing", text="daycare") == []


def test_it_filters_by_population_language_cost_and_capacity(directory):
    """Each filter keeps only the services that have it."""
    assert names(population="veterans") == ["Aurora Home Keepers"]
    assert names(language="vi") == ["Aurora Home Keepers"]
    assert names(language="es") == ["Westwood Little Learners"]
    assert "Flatirons Kids Care" not in names(free=True)
    assert "Aurora Home Keepers" not in names(accepting=True)
    assert len(names(accepting=True)) == 3


def test_it_filters_by_distance_and_sorts_nearest_first(directory):
    """Within 12 miles of 80219: not Boulder (about 25 miles). An empty query lists the nearest first
    (the Aurora counselor, about 11 miles away, is also last for its waitlist)."""
    near = search(SearchRequest(place=WESTWOOD, radius_miles=12), log_unmet=False).results
    assert [r.data["name"] for r in near] == ["Westwood Little Learners", "RTD Pass Partners", "Aurora Home Keepers"]
    assert near[0].distance_miles == 0.0
    assert near[1].distance_miles == pytest.approx(4.0, abs=0.5)
    assert names(place=WESTWOOD, radius_miles=40) == [
        "Westwood Little Learners",
        "RTD Pass Partners",
        "Flatirons Kids Care",
        "Aurora Home Keepers",
    ]


def test_it_filters_by_service_area(taxonomy):
    """serves_me keeps services whose ZIPs, counties, radius or polygon hold the participant, or that have no area."""
    make_service("Zip Match", area={"extent_type": "postal_codes", "postal_codes": ["80219"]})
    make_service("Zip Miss", area={"extent_type": "postal_codes", "postal_codes": ["80010"]})
    make_service("County Match", area={"extent_type": "counties", "counties": ["Denver County, CO"]})
    make_service("County Miss", area={"extent_type": "counties", "counties": ["Boulder County, CO"]})
    make_service(
        "Radius Match",
        area={"extent_type": "radius", "center_latitude": 39.74, "center_longitude": -104.99, "radius_miles": 6},
    )
    make_service(
        "Radius Miss",
        area={"extent_type": "radius", "center_latitude": 40.01, "center_longitude": -105.27, "radius_miles": 6},
    )
    square = [[-105.1, 39.6], [-104.9, 39.6], [-104.9, 39.8], [-105.1, 39.8], [-105.1, 39.6]]
    make_service(
        "Polygon Match", area={"extent_type": "geojson", "polygon": {"type": "Polygon", "coordinates": [square]}}
    )
    make_service("Anywhere")
    rebuild()
    assert sorted(names(place=WESTWOOD, serves_me=True)) == [
        "Anywhere",
        "County Match",
        "Polygon Match",
        "Radius Match",
        "Zip Match",
    ]


def test_it_filters_by_opening_hours(taxonomy):
    """open_at keeps services open at that moment in their own time zone, overnight and holidays included."""
    make_service("Day Center")  # weekdays 8-18
    make_service("Night Shelter", category="housing", hours=[("FR", "22:00", "06:00")])
    rebuild()
    friday_noon = datetime.datetime(2026, 11, 27, 12, tzinfo=DENVER)
    saturday_2am = datetime.datetime(2026, 11, 28, 2, tzinfo=DENVER)
    assert names(open_at=friday_noon) == ["Day Center"]
    assert names(open_at=saturday_2am) == ["Night Shelter"]
    assert names(open_at=saturday_2am.astimezone(datetime.UTC)) == ["Night Shelter"]
    assert names(open_at=datetime.datetime(2026, 11, 29, 12, tzinfo=DENVER)) == []


def test_it_explains_eligibility_and_hides_the_ineligible_on_request(taxonomy):
    """With a profile, each result carries a verdict and reasons; hide_ineligible drops the not eligible."""
    make_service("Low Income Daycare", income_limit_percent_fpl=100)
    make_service("Moderate Income Daycare", income_limit_percent_fpl=200)
    rebuild()
    participant = Participant(age=29, place=WESTWOOD, household_size=3, annual_income=31000)
    results = search(SearchRequest(text="daycare", participant=participant, place=WESTWOOD), log_unmet=False).results
    verdicts = {r.data["name"]: r.eligibility.verdict for r in results}
    assert verdicts == {"Moderate Income Daycare": Verdict.ELIGIBLE, "Low Income Daycare": Verdict.NOT_ELIGIBLE}
    assert [r.data["name"] for r in results] == ["Moderate Income Daycare", "Low Income Daycare"]
    assert results[1].eligibility.reasons[0].text == (
        "Household income is 116% of the poverty guideline; the limit is 100%"
    )
    hidden = search(SearchRequest(text="daycare", participant=participant, hide_ineligible=True), log_unmet=False)
    assert [r.data["name"] for r in hidden.results] == ["Moderate Income Daycare"]


def test_it_ranks_eligible_and_area_serving_services_before_nearer_ones(taxonomy):
    """Among equally relevant services: eligible before not (staff who do not speak the only language of the
    participant), in-area before out, then nearest."""
    make_service("Near English Only", point=(39.6956, -105.0341))
    make_service("Mid Spanish", point=(39.70, -105.00), languages=("en", "es"))
    make_service("Far Spanish", point=(39.75, -104.95), languages=("en", "es"))
    make_service(
        "Near Spanish Wrong Area",
        point=(39.6960, -105.0340),
        languages=("es",),
        area={"extent_type": "postal_codes", "postal_codes": ["80010"]},
    )
    rebuild()
    participant = Participant(languages=frozenset({"es"}), speaks_only=True, place=WESTWOOD)
    assert names(text="daycare", place=WESTWOOD, participant=participant) == [
        "Mid Spanish",
        "Far Spanish",
        "Near Spanish Wrong Area",
        "Near English Only",
    ]


def test_it_counts_facets_over_the_results(directory):
    """Facets count the matching services per category (with parents), population, language and capacity."""
    facets = search(SearchRequest(), log_unmet=False).facets
    assert facets["category"]["child-care"] == 2
    assert facets["category"]["daycare"] == 2
    assert facets["category"]["transportation"] == 1
    assert facets["language"] == {"en": 4, "es": 1, "vi": 1}
    assert facets["population"] == {"youth": 1, "veterans": 1}
    assert facets["capacity"] == {"accepting": 3, "waitlist": 1}


def test_it_pages_through_results(directory):
    """page and page_size cut the ranked list; the count is of all results."""
    first = search(SearchRequest(page_size=3), log_unmet=False)
    second = search(SearchRequest(page_size=3, page=2), log_unmet=False)
    assert first.count == second.count == 4
    assert first.page_count == 2
    assert len(first.results) == 3 and len(second.results) == 1
    assert {r.service_id for r in first.results}.isdisjoint({r.service_id for r in second.results})


def test_it_logs_searches_that_find_nothing_without_personal_data(directory):
    """A zero-result search is recorded with its words, filters and ZIP; the profile is not."""
    participant = Participant(age=41, annual_income=12000, household_size=2, place=WESTWOOD)
    search(SearchRequest(text="dental implants", language="am", place=WESTWOOD, participant=participant))
    search(SearchRequest(text="daycare"))
    unmet = UnmetSearch.objects.get()
    assert (unmet.query, unmet.zip_code, unmet.county) == ("dental implants", "80219", "Denver County, CO")
    assert unmet.filters == {"language": "am"}
    stored = str([unmet.query, unmet.category, unmet.filters, unmet.zip_code, unmet.county])
    assert "41" not in stored and "12000" not in stored


def test_it_ranks_services_with_room_before_nearer_waitlists(taxonomy):
    """Among equals, a provider accepting new clients comes before a nearer one with a waitlist or no room."""
    make_service("Near Full", point=(39.6956, -105.0341), capacity_status="not_accepting")
    make_service("Near Waitlist", point=(39.6960, -105.0341), capacity_status="waitlist")
    make_service("Farther Open", point=(39.75, -104.95))
    rebuild()
    assert names(text="daycare", place=WESTWOOD) == ["Farther Open", "Near Waitlist", "Near Full"]
