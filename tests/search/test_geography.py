"""Geography: ZIP codes offline, street addresses through a configured geocoder (cached, with a fallback), distances."""

import datetime
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import time_machine
from django.utils import timezone
from geopy.distance import great_circle
from hypothesis import given
from hypothesis import strategies as st

from search import geography
from search.geography import bounding_box, distance_miles, distances_miles, place_for_address, place_for_zip
from search.models import GeocodedPoint


def test_it_locates_a_zip_offline():
    """80219 is in Denver County, on Mountain time, near 39.70, -105.03."""
    place = place_for_zip("80219")
    assert (round(place.latitude, 2), round(place.longitude, 2)) == (39.70, -105.03)
    assert place.county == "Denver County, CO"
    assert place.state == "CO"
    assert place.timezone == "America/Denver"


@pytest.mark.parametrize("zip_code", ["", "8021", "ABCDE", "00000", "802190"])
def test_it_returns_none_for_unknown_zips(zip_code):
    """Malformed or unknown ZIP codes locate nothing (the caller reports it)."""
    assert place_for_zip(zip_code) is None


def test_it_measures_miles_like_geopy():
    """Distances are geopy's great-circle miles: downtown Denver to Boulder is about 24 miles."""
    denver, boulder = (39.7392, -104.9903), (40.0150, -105.2705)
    assert distance_miles(denver, boulder) == pytest.approx(great_circle(denver, boulder).miles)
    assert 23 < distance_miles(denver, boulder) < 26


def test_it_makes_a_bounding_box_that_holds_the_circle():
    """Every point at the radius in the four directions lies inside the box."""
    center = (39.7392, -104.9903)
    min_lat, max_lat, min_lon, max_lon = bounding_box(center, 10)
    assert distance_miles(center, (max_lat, center[1])) == pytest.approx(10, rel=0.01)
    assert distance_miles(center, (center[0], max_lon)) == pytest.approx(10, rel=0.01)
    assert min_lat < center[0] < max_lat and min_lon < center[1] < max_lon


class FakeNominatim(BaseHTTPRequestHandler):
    """A local HTTP server that answers like Nominatim's /search, counting requests."""

    requests = 0

    def do_GET(self):
        type(self).requests += 1
        body = json.dumps([{"lat": "39.7001", "lon": "-105.0402", "display_name": "3300 W Alameda Ave"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def geocoder_server(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_DOMAIN = f"127.0.0.1:{server.server_port}"
    settings.GEOCODER_SCHEME = "http"
    settings.GEOCODER_MIN_DELAY_SECONDS = 0
    geography._geocode_function.cache_clear()
    FakeNominatim.requests = 0
    yield server
    server.shutdown()
    geography._geocode_function.cache_clear()


@pytest.mark.django_db
def test_it_geocodes_an_address_once_and_caches_it(geocoder_server):
    """The first lookup asks the geocoder over HTTP; the second is answered from the database."""
    first = place_for_address("3300 W Alameda Ave", "80219")
    second = place_for_address("3300 w alameda ave,", "80219")
    assert (first.latitude, first.longitude) == (39.7001, -105.0402)
    assert first.county == "Denver County, CO" and first.note == ""
    assert second == first
    assert FakeNominatim.requests == 1
    assert GeocodedPoint.objects.get().geocoder == "nominatim"


@pytest.mark.django_db
def test_it_keeps_the_point_but_not_the_typed_address(geocoder_server):
    """What the cache holds names no street: no column of any row has the address, its words or its ZIP."""
    place_for_address("3300 W Alameda Ave", "80219")

    row = GeocodedPoint.objects.values().get()
    kept = " ".join(str(value) for value in row.values()).lower()
    for word in ("3300", "alameda", "80219"):
        assert word not in kept
    assert (row["latitude"], row["longitude"]) == (39.7001, -105.0402)
    assert row["digest"] != hashlib.sha256(b"3300 w alameda ave 80219").hexdigest()  # keyed, not rebuildable


@pytest.mark.django_db
def test_it_asks_again_after_geocoder_cache_days_and_forgets_old_points(geocoder_server, settings):
    """A point older than GEOCODER_CACHE_DAYS is not used: the geocoder is asked again, and the next write
    deletes every expired point."""
    settings.GEOCODER_CACHE_DAYS = 30
    place_for_address("3300 W Alameda Ave", "80219")
    place_for_address("1 Main St", "80219")
    later = timezone.now() + datetime.timedelta(days=31)

    with time_machine.travel(later, tick=False):
        place_for_address("3300 W Alameda Ave", "80219")
        place_for_address("3300 W Alameda Ave", "80219")

    assert FakeNominatim.requests == 3
    assert GeocodedPoint.objects.count() == 1
    assert GeocodedPoint.objects.get().created_at == later


@pytest.mark.django_db
def test_it_falls_back_to_the_zip_centroid_when_the_geocoder_is_unreachable(settings):
    """Nothing listens on the geocoder's port: the ZIP centroid is used, with a note, and nothing is cached."""
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_DOMAIN = "127.0.0.1:9"
    settings.GEOCODER_SCHEME = "http"
    settings.GEOCODER_TIMEOUT = 2
    geography._geocode_function.cache_clear()
    try:
        place = place_for_address("3300 W Alameda Ave", "80219")
    finally:
        geography._geocode_function.cache_clear()
    assert place.point == place_for_zip("80219").point
    assert "ZIP code's center" in place.note
    assert not GeocodedPoint.objects.exists()


@pytest.mark.django_db
def test_it_uses_the_zip_alone_when_no_geocoder_is_configured(settings):
    """Without GEOCODER, an address resolves to its ZIP's centroid and no request is made."""
    settings.GEOCODER = ""
    geography._geocode_function.cache_clear()
    assert place_for_address("3300 W Alameda Ave", "80219") == place_for_zip("80219")


LATITUDES, LONGITUDES = st.floats(-90, 90), st.floats(-180, 180)


@given(
    origin=st.tuples(LATITUDES, LONGITUDES),
    points=st.lists(st.none() | st.tuples(LATITUDES, st.floats(-360, 360)), max_size=20),
)
def test_it_measures_many_distances_as_one_by_one(origin, points):
    """Search measures its candidates' distances over arrays: geopy's great circle, as distance_miles, to
    within a billionth of a mile (numpy's sine may differ from the C library's in the last bit); NaN for
    a location without a point; a longitude past 180 normalized as geopy does."""
    latitudes = np.array([np.nan if point is None else point[0] for point in points])
    longitudes = np.array([np.nan if point is None else point[1] for point in points])
    measured = distances_miles(origin, latitudes, longitudes)
    for point, miles in zip(points, measured.tolist(), strict=True):
        if point is None:
            assert np.isnan(miles)
        else:
            assert miles == pytest.approx(distance_miles(origin, point), abs=1e-9)
