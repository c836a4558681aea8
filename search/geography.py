"""Where things are: ZIP codes offline, street addresses through a configured geocoder, distances.

ZIP codes come from the `zipcodes` package (GeoNames data, CC BY 4.0), kept as compact columns in
fixtures/gazetteer/zip-codes.npz (fixtures/gazetteer/build_zip_codes.py), so the common case needs no
network. A street address goes to a geopy geocoder only when the deployment configures one
(settings.GEOCODER); its points are cached in the database for GEOCODER_CACHE_DAYS (under a keyed digest of
the address, never the address) and requests rate-limited. When the
geocoder cannot be reached, the ZIP's centroid stands in, with a note the user sees.
"""

import datetime
import functools
import itertools
import logging
import math
import re
from dataclasses import dataclass

import geopy.distance
import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from geopy.distance import great_circle
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service

from search.models import GeocodedPoint

logger = logging.getLogger(__name__)

EARTH_RADIUS_MILES = 3958.7613
EARTH_RADIUS_KM = geopy.distance.EARTH_RADIUS  # what geopy's great_circle measures with
KILOMETERS_PER_MILE = 1.609344  # geopy.units.miles divides by this
ZIP_PATTERN = re.compile(r"^\d{5}$")
FALLBACK_NOTE = _("The address could not be located just now; distances are from the ZIP code's center.")


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    zip_code: str = ""
    county: str = ""  # "Denver County, CO", the form service areas use
    state: str = ""
    timezone: str = ""
    note: str = ""  # shown to the user when the place is less precise than asked

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


@dataclass(frozen=True)
class ZipTable:
    """The gazetteer as columns, one row per ZIP code in ascending order (about 1 MB for 42,789 ZIPs)."""

    codes: np.ndarray  # int32: 80219 for "80219"
    latitudes: np.ndarray  # float64, NaN when the gazetteer has no point
    longitudes: np.ndarray
    counties: np.ndarray  # int16: positions in county_names ("" when the ZIP has no county)
    county_names: tuple[str, ...]
    states: np.ndarray
    state_names: tuple[str, ...]
    timezones: np.ndarray
    timezone_names: tuple[str, ...]

    def row(self, zip_code: str) -> int | None:
        """Return the row of a five-digit ZIP code, or None when the gazetteer does not know it."""
        if not (len(zip_code) == 5 and zip_code.isascii() and zip_code.isdigit()):
            return None  # int() would also read "80219\n" and other scripts' digits
        code = self.codes.dtype.type(zip_code)  # of the column's type: searchsorted would convert the column
        row = int(np.searchsorted(self.codes, code))
        return row if row < len(self.codes) and self.codes[row] == code else None


ZIP_TABLE_PATH = settings.BASE_DIR / "fixtures" / "gazetteer" / "zip-codes.npz"


@functools.cache
def _zip_table() -> ZipTable:
    """Read the gazetteer once per process (a few milliseconds)."""
    with np.load(ZIP_TABLE_PATH, allow_pickle=False) as columns:
        return ZipTable(
            codes=columns["codes"],
            latitudes=columns["latitudes"],
            longitudes=columns["longitudes"],
            counties=columns["counties"],
            county_names=tuple(columns["county_names"].tolist()),
            states=columns["states"],
            state_names=tuple(columns["state_names"].tolist()),
            timezones=columns["timezones"],
            timezone_names=tuple(columns["timezone_names"].tolist()),
        )


def place_for_zip(zip_code: str) -> Place | None:
    """Return the centroid, county and time zone of a US ZIP code, or None if there is no such ZIP."""
    if not ZIP_PATTERN.match(zip_code or ""):
        return None
    table = _zip_table()
    row = table.row(zip_code)
    if row is None or math.isnan(table.latitudes[row]):
        return None
    county = table.county_names[table.counties[row]]
    state = table.state_names[table.states[row]]
    return Place(
        latitude=float(table.latitudes[row]),
        longitude=float(table.longitudes[row]),
        zip_code=zip_code,
        county=f"{county}, {state}" if county else "",
        state=state,
        timezone=table.timezone_names[table.timezones[row]],
    )


def counties_of_state(state: str) -> set[str]:
    table = _zip_table()
    if state not in table.state_names:
        return set()
    numbers = np.unique(table.counties[table.states == table.state_names.index(state)])
    return {f"{table.county_names[number]}, {state}" for number in numbers.tolist() if table.county_names[number]}


@functools.cache
def _geocode_function():
    """Return a rate-limited geocode callable for settings.GEOCODER, or None when none is configured."""
    if not settings.GEOCODER:
        return None
    geocoder_class = get_geocoder_for_service(settings.GEOCODER)
    options = {"user_agent": settings.GEOCODER_USER_AGENT, "timeout": settings.GEOCODER_TIMEOUT}
    if settings.GEOCODER_DOMAIN:
        options |= {"domain": settings.GEOCODER_DOMAIN, "scheme": settings.GEOCODER_SCHEME}
    geocoder = geocoder_class(**options)
    return RateLimiter(
        geocoder.geocode,
        min_delay_seconds=settings.GEOCODER_MIN_DELAY_SECONDS,
        max_retries=0,
        swallow_exceptions=False,
    )


def normalize_address(address: str) -> str:
    return " ".join(address.lower().replace(",", " ").split())


def address_digest(address: str, zip_code: str) -> str:
    """Return the key a geocoded point is kept under: an HMAC of the normalized address with SECRET_KEY, so
    that the cache finds the point again without keeping the address (nor a hash anyone could rebuild
    from a list of addresses)."""
    return salted_hmac(
        "search.geography.address", normalize_address(f"{address} {zip_code}"), algorithm="sha256"
    ).hexdigest()


def place_for_address(address: str, zip_code: str) -> Place | None:
    """Locate a street address; fall back to the ZIP centroid, with a note, when that fails.

    Costs a query for the cache; a geocoder request, and a delete of the expired points, only on a miss.
    """
    zip_place = place_for_zip(zip_code)
    digest = address_digest(address, zip_code)
    fresh_since = timezone.now() - datetime.timedelta(days=settings.GEOCODER_CACHE_DAYS)
    cached = GeocodedPoint.objects.filter(digest=digest, created_at__gte=fresh_since).first()
    if cached is not None:
        return _with_point(zip_place, cached.latitude, cached.longitude)
    geocode = _geocode_function()
    if geocode is None:
        return zip_place
    try:
        location = geocode(f"{address}, {zip_code}, USA")
    except GeopyError as error:
        # The error's text can hold the request, and so the address: its kind only.
        logger.warning("Geocoder %s failed for a search address: %s", settings.GEOCODER, type(error).__name__)
        location = None
        failed = True
    else:
        failed = False
    if location is None:
        if zip_place is None:
            return None
        note = FALLBACK_NOTE if failed else _("The address was not found; distances are from the ZIP code's center.")
        return Place(**{**zip_place.__dict__, "note": str(note)})
    GeocodedPoint.objects.filter(created_at__lt=fresh_since).delete()
    GeocodedPoint.objects.update_or_create(
        digest=digest,
        defaults={
            "latitude": location.latitude,
            "longitude": location.longitude,
            "geocoder": settings.GEOCODER,
            "created_at": timezone.now(),
        },
    )
    return _with_point(zip_place, location.latitude, location.longitude)


def _with_point(zip_place: Place | None, latitude: float, longitude: float) -> Place:
    if zip_place is None:
        return Place(latitude=latitude, longitude=longitude)
    return Place(**{**zip_place.__dict__, "latitude": latitude, "longitude": longitude})


def distance_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the great-circle distance in miles: geopy's ``great_circle(a, b).miles``, the same arithmetic
    without building its Point and Distance objects (a search measures every candidate's locations)."""
    (latitude_a, longitude_a), (latitude_b, longitude_b) = a, b
    in_range = -90 <= latitude_a <= 90 and -90 <= latitude_b <= 90
    if not (in_range and -180 <= longitude_a <= 180 and -180 <= longitude_b <= 180):
        return great_circle(a, b).miles  # geopy normalizes such points first
    lat1, lng1 = math.radians(latitude_a), math.radians(longitude_a)
    lat2, lng2 = math.radians(latitude_b), math.radians(longitude_b)
    sin_lat1, cos_lat1 = math.sin(lat1), math.cos(lat1)
    sin_lat2, cos_lat2 = math.sin(lat2), math.cos(lat2)
    delta_lng = lng2 - lng1
    cos_delta_lng, sin_delta_lng = math.cos(delta_lng), math.sin(delta_lng)
    d = math.atan2(
        math.sqrt((cos_lat2 * sin_delta_lng) ** 2 + (cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * cos_delta_lng) ** 2),
        sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * cos_delta_lng,
    )
    return EARTH_RADIUS_KM * d / KILOMETERS_PER_MILE


def distances_miles(point: tuple[float, float], latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """Return ``distance_miles(point, (latitude, longitude))`` for each of these points (NaN where there is
    no point): the same arithmetic over arrays. numpy's sine and cosine may differ from the C library's
    in the last bit, so a distance may differ by a few trillionths of a mile."""
    distances = np.full(len(latitudes), math.nan)
    latitude_a, longitude_a = point
    valid = (np.abs(latitudes) <= 90) & (np.abs(longitudes) <= 180)  # NaN: False
    if not (-90 <= latitude_a <= 90 and -180 <= longitude_a <= 180):
        valid[:] = False
    lat1, lng1 = math.radians(latitude_a), math.radians(longitude_a)
    lat2, lng2 = np.radians(latitudes[valid]), np.radians(longitudes[valid])
    sin_lat1, cos_lat1 = math.sin(lat1), math.cos(lat1)
    sin_lat2, cos_lat2 = np.sin(lat2), np.cos(lat2)
    delta_lng = lng2 - lng1
    cos_delta_lng, sin_delta_lng = np.cos(delta_lng), np.sin(delta_lng)
    d = np.arctan2(
        np.sqrt((cos_lat2 * sin_delta_lng) ** 2 + (cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * cos_delta_lng) ** 2),
        sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * cos_delta_lng,
    )
    distances[valid] = EARTH_RADIUS_KM * d / KILOMETERS_PER_MILE
    for number in np.flatnonzero(~valid & ~np.isnan(latitudes) & ~np.isnan(longitudes)).tolist():
        distances[number] = distance_miles(point, (latitudes[number], longitudes[number]))  # geopy normalizes
    return distances


def bounding_box(point: tuple[float, float], radius_miles: float) -> tuple[float, float, float, float]:
    """Return (min_lat, max_lat, min_lon, max_lon) around ``point``: a cheap prefilter before distances.

    Latitudes stay within the poles. A circle that holds a pole spans every longitude: (-180, 180).
    Otherwise the longitudes are the centre's (taken to -180..180) give or take the circle's widest reach,
    so they run past ±180 when the circle crosses the antimeridian (179.9 to 180.2 holds -179.8): the
    caller wraps them.
    """
    latitude, longitude = point
    latitude = min(max(latitude, -90.0), 90.0)
    longitude = (longitude + 180) % 360 - 180
    # A hair wider than the circle, so that a point exactly at the radius is never lost to rounding.
    angle = radius_miles / EARTH_RADIUS_MILES * (1 + 1e-9)
    delta_latitude = math.degrees(angle)
    min_latitude, max_latitude = latitude - delta_latitude, latitude + delta_latitude
    if max_latitude >= 90 or min_latitude <= -90:
        return (max(min_latitude, -90.0), min(max_latitude, 90.0), -180.0, 180.0)
    # The widest longitude the circle reaches (a spherical cap's); with no pole inside, under 90°.
    delta_longitude = math.degrees(math.asin(math.sin(angle) / math.cos(math.radians(latitude))))
    return (min_latitude, max_latitude, longitude - delta_longitude, longitude + delta_longitude)


def point_in_polygon(point: tuple[float, float], geometry: dict) -> bool:
    """Return True when (lat, lon) lies inside a GeoJSON Polygon or MultiPolygon (holes respected)."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return any(_in_polygon(point, polygon) for polygon in polygons)


def _in_polygon(point: tuple[float, float], rings: list) -> bool:
    outer, *holes = rings
    return _in_ring(point, outer) and not any(_in_ring(point, hole) for hole in holes)


def _in_ring(point: tuple[float, float], ring: list) -> bool:
    """Ray casting over [lon, lat] vertices."""
    latitude, longitude = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > latitude) != (y2 > latitude):
            crossing = x1 + (latitude - y1) * (x2 - x1) / (y2 - y1)
            if longitude < crossing:
                inside = not inside
    return inside
