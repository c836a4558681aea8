"""The search page /search/: the form, ranked results with their reasons, errors beside the fields, Spanish, 503."""

import json
import re

import pytest
from django.urls import reverse

from providers.models import Service
from search.models import UnmetSearch

from .conftest import delete_index, make_service, rebuild

URL = "/search/"
PROFILE = {"q": "daycare", "zip": "80219", "age": 29, "household_size": 3, "annual_income": 31000, "speaks": "es"}


@pytest.fixture
def daycares(taxonomy):
    """A Spanish-speaking daycare in 80219, and an English-only one downtown whose income limit is too low."""
    westwood = make_service("Westwood Little Learners", languages=("en", "es"), income_limit_percent_fpl=200)
    downtown = make_service("Downtown Tots", point=(39.7392, -104.9903), zip_code="80202", income_limit_percent_fpl=100)
    rebuild()
    return westwood, downtown


def field_block(html: str, field_id: str) -> str:
    """Return the markup of the .field wrapper that holds the input with this id."""
    match = re.search(rf'<div class="field[^"]*">(?:(?!<div class="field).)*?id="{field_id}"[^>]*>', html, re.S)
    assert match, f"no field with id {field_id}"
    return match.group(0)


def test_it_shows_the_form_before_a_search(client, taxonomy):
    """Without parameters the page shows the query box, the participant profile and the filters, and no results."""
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("search:page") == URL
    assert '<label for="id_q">What help is needed?</label>' in html
    assert "<legend>Languages the participant speaks</legend>" in html
    assert 'name="speaks" value="es"' in html
    assert 'name="circumstances" value="veterans"' in html
    assert '<option value="daycare">' in html  # child categories are offered under their parent
    assert "How to search" in html
    assert 'class="result-list"' not in html
    assert not UnmetSearch.objects.exists()


def test_it_shows_ranked_results_with_their_reasons(client, daycares):
    """The eligible, Spanish-speaking daycare comes first, linked to its page, with badges and reasons."""
    westwood = daycares[0]
    response = client.get(URL, PROFILE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 services match “daycare”" in html
    assert 'role="status"' in html
    assert html.index("Westwood Little Learners") < html.index("Downtown Tots")
    assert f'href="{reverse("providers:service_detail", args=[westwood.pk])}"' in html
    assert "Westwood Little Learners Inc." in html
    assert "1 Main St, Denver, CO 80219" in html
    assert "0.0 mi" in html
    assert '<span class="badge badge--accepting">Accepting new clients</span>' in html
    assert "Not verified recently" in html  # never verified
    assert "Speaks Spanish" in html
    assert "Household income is 116% of the poverty guideline; the limit is 100%" in html
    assert '<p class="verdict__title">Eligible</p>' in html
    assert '<p class="verdict__title">Not eligible</p>' in html
    # The boxes stay checked and the profile is summed up on its folded section.
    assert 'value="es" id="id_speaks_1" checked' in html
    assert "age 29, household of 3, $31,000 a year, Spanish" in html


def test_it_passes_the_markers_and_the_tile_url_to_the_map(client, daycares, settings):
    """The map reads numbered markers from a JSON script and the tile URL from a data attribute; no CDN."""
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    response = client.get(URL, PROFILE)
    html = response.content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    data = json.loads(re.search(r'<script id="search-results" type="application/json">(.*?)</script>', html).group(1))
    assert [marker["number"] for marker in data["markers"]] == [1, 2]
    assert data["markers"][0]["name"] == "Westwood Little Learners"
    assert data["origin"]["label"] == "80219"
    assert re.findall(r'<script src="([^"]+)"', html) == [
        "/static/search/vendor/leaflet/leaflet.js",
        "/static/search/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/search/search.js",
        "/static/search/suggest.js",
    ]
    assert "<script>" not in html  # the CSP forbids inline scripts
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert "/static/search/vendor/leaflet/leaflet.css" in stylesheets
    assert "/static/search/vendor/leaflet.markercluster/MarkerCluster.css" in stylesheets
    assert all(href.startswith("/static/") for href in stylesheets)


def test_it_lists_the_nearest_services_when_only_a_zip_is_given(client, taxonomy):
    """An empty query with a ZIP code lists every service, nearest first, with its distance."""
    make_service("Far Away Daycare", point=(39.9, -105.1), zip_code="80020")
    make_service("Next Door Daycare")
    make_service("Across Town Daycare", point=(39.74, -104.99), zip_code="80202")
    rebuild()
    response = client.get(URL, {"zip": "80219"})
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(name) for name in ("Next Door Daycare", "Across Town Daycare", "Far Away Daycare")]
    assert positions == sorted(positions)
    assert "3 services" in html
    assert "Distances are from ZIP 80219." in html


@pytest.mark.parametrize(
    ("parameters", "field_id", "message"),
    [
        ({"zip": "1234"}, "id_zip", "A ZIP code is 5 digits, like 80219."),
        ({"zip": "00000"}, "id_zip", "00000 is not a known US ZIP code."),
        ({"age": "abc"}, "id_age", "Enter a whole number."),
        ({"zip": "80219", "radius": "-5"}, "id_radius", "The radius is between 0.1 and 100 miles."),
        ({"radius": "5"}, "id_radius", "A radius needs a ZIP code or lat and lon to measure from."),
        ({"category": "no-such-thing"}, "id_category", "Unknown category no-such-thing."),
        ({"household_size": "0"}, "id_household_size", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_it_shows_bad_input_beside_its_field(client, daycares, parameters, field_id, message):
    """Bad input re-renders the form with status 400: the message beside the field and in the summary."""
    response = client.get(URL, {"q": "daycare", **parameters})
    assert response.status_code == 400
    html = response.content.decode()
    block = field_block(html, field_id)
    assert f'<ul class="errorlist" id="{field_id}_error"><li>{message}</li></ul>' in block
    assert 'aria-invalid="true"' in block
    assert f'<a href="#{field_id}">' in html  # the summary links to the field
    assert 'value="daycare"' in html  # what was typed is kept
    assert 'class="result-list"' not in html
    assert not UnmetSearch.objects.exists()


def test_it_shows_a_bad_language_code_beside_the_checkboxes(client, daycares):
    """A language code that is not two letters is reported on the languages fieldset."""
    response = client.get(URL, {"speaks": ["es", "spanish"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<ul class="errorlist" id="id_speaks_error"><li>Use a two-letter language code, like es.</li></ul>' in html
    assert 'value="es" id="id_speaks_1" checked' in html


def test_it_keeps_the_other_parameters_in_page_links(client, taxonomy):
    """The next and previous links change only the page; a page past the last is a 400 with a way back."""
    for number in range(3):
        make_service(f"Daycare {number}", languages=("en", "es"))
    rebuild()
    parameters = {"q": "daycare", "zip": "80219", "speaks": ["es", "en"], "page_size": 2}
    response = client.get(URL, parameters)
    html = response.content.decode()
    assert "Page 1 of 2" in html
    next_url = re.search(r'<a class="pagination__link" href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert next_url == "/search/?q=daycare&zip=80219&speaks=es&speaks=en&page_size=2&page=2"
    response = client.get(next_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<ol class="result-list" start="3">' in html
    assert 'rel="prev"' in html
    assert 'rel="next"' not in html

    response = client.get(URL, {**parameters, "page": 5})
    assert response.status_code == 400
    assert "Page 5 is past the last page, 2." in response.content.decode()


def test_it_counts_facets_beside_the_filters(client, daycares):
    """The category, language and accepting filters show how many results each would keep."""
    downtown = daycares[1]
    Service.objects.filter(pk=downtown.pk).update(capacity_status=Service.Capacity.WAITLIST)
    rebuild()
    html = client.get(URL, {"q": "daycare"}).content.decode()
    assert ">Child care (2)</option>" in html
    assert "Daycare centers (2)</option>" in html
    assert ">Housing (0)</option>" in html
    assert ">Spanish (1)</option>" in html
    assert 'Accepting new clients <span class="facet-count">(1)</span>' in html


def test_it_finds_nothing_politely_and_notes_the_unmet_need(client, daycares):
    """A search without results says what to try and is counted as an unmet need."""
    response = client.get(URL, {"q": "helicopter"})
    assert response.status_code == 200
    assert "No service matches this search." in response.content.decode()
    assert UnmetSearch.objects.get().query == "helicopter"


def test_it_speaks_spanish(client, daycares):
    """With Spanish chosen, the labels, badges, verdicts and reasons are in Spanish."""
    response = client.get(URL, PROFILE, headers={"accept-language": "es"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "¿Qué ayuda se necesita?" in html
    assert "Acepta nuevos clientes" in html
    assert '<p class="verdict__title">Elegible</p>' in html
    assert "El ingreso del hogar es el 116%" in html


def test_it_says_search_is_unavailable_without_an_index(client, daycares, settings):
    """A missing index is a 503 with a plain message and the form still there, never a 500."""
    delete_index(settings)
    response = client.get(URL, PROFILE)
    assert response.status_code == 503
    html = response.content.decode()
    assert "Search is not available yet: the search index is being built. Try again shortly." in html
    assert 'name="q"' in html


def test_it_runs_a_fixed_number_of_queries(client, daycares, django_assert_max_num_queries, settings):
    """The results come from the index: a fixed handful of queries however many hits (the form's terms and its
    checks, the demo banner, the network's settings, the page's track records, the responsiveness bands, the
    cards' phones and hours in three; with PostgreSQL, the words' stems and the page's data too)."""
    for extra in range(10):
        make_service(f"Extra Daycare {extra}", languages=("en", "es"))
    rebuild()
    client.get(URL, {"q": "daycare"})  # PostgreSQL: the process reads the rebuilt documents' Briefs
    with django_assert_max_num_queries(10 if settings.SEARCH_BACKEND == "whoosh" else 13):
        response = client.get(URL, {**PROFILE, "category": "child-care", "circumstances": "veterans"})
    assert response.status_code == 200
    assert "12 services match" in response.content.decode()
