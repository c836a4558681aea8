"""The Open Referral HSDS 3.0 feed: plain JSON views over providers/hsds/serialize.py.

Open to anyone, read-only, and readable from any web page (``Access-Control-Allow-Origin: *``).
Every list answers the HSDS paging envelope, or with ``format=ndjson`` streams every record, one
JSON object a line, without paging. The rules (parameters, limits, errors) are documented in
providers/hsds/openapi.py, which is served at ``openapi.json``, and in providers/hsds/README.md.
"""

import datetime
import functools
import itertools
import json
import math
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from geopy.distance import great_circle

from providers.hsds import SearchUnavailable, openapi, serialize
from providers.models import (
    Attribute,
    Location,
    Phone,
    Service,
    ServiceArea,
    TaxonomyTerm,
)

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 500
NDJSON_CHUNK = 100  # records fetched (with their parts) and written per round of queries while streaming
PROXIMITY_MAX_METRES = 1_000_000
NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
README = Path(__file__).with_name("README.md")

# The parameters each list endpoint takes; anything else is refused, so a typo does not pass silently.
PAGING = {"page", "per_page", "format", "search", "modified_after"}
SERVICE_FILTERS = {"taxonomy_term_id", "taxonomy_id", "organization_id", "postcode", "proximity", "full"}
LIST_PARAMETERS = {
    "services": PAGING | SERVICE_FILTERS | {"minimal"},
    "service_at_locations": PAGING | SERVICE_FILTERS,
    "organizations": PAGING | {"full", "full_service", "taxonomy_term_id", "taxonomy_id"},
    "taxonomies": PAGING,
    "taxonomy_terms": PAGING | {"taxonomy_id", "top_only", "parent_id"},
}


class BadParameter(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class NotFound(Exception):
    pass


def error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"status": status, "detail": message, **extra}, status=status)


def feed_view(view: Callable) -> Callable:
    """Answer GET (and HEAD) only, open to all origins, with JSON errors for bad input and unknown ids."""

    @csrf_exempt  # read-only: other methods get a 405, not a CSRF 403
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = error(405, _("This feed is read-only: use GET."))
            response["Allow"] = "GET, HEAD"
        else:
            try:
                response = view(request, *args, **kwargs)
            except BadParameter as problem:
                response = error(400, problem.message, parameter=problem.parameter)
            except NotFound:
                response = error(404, _("There is no such record in this feed."))
            except SearchUnavailable:
                response = error(503, _("Search is not available yet: the search index is being built."))
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


# ---- parameters -----------------------------------------------------------------------------------


class Parameters:
    """The query string of a request, checked against what the endpoint takes."""

    def __init__(self, request: HttpRequest, allowed: set[str]) -> None:
        self.query = request.GET
        for name, values in self.query.lists():
            if name not in allowed:
                raise BadParameter(
                    name,
                    _("Unknown parameter '%(name)s'. This endpoint takes: %(allowed)s.")
                    % {"name": name, "allowed": ", ".join(sorted(allowed))},
                )
            if len(values) > 1:
                raise BadParameter(name, _("%(name)s is given more than once.") % {"name": name})
            # An empty search is no search; any other empty value is a mistake worth telling.
            if name != "search" and not values[0].strip():
                raise BadParameter(name, _("%(name)s is empty: give it a value or leave it out.") % {"name": name})

    def text(self, name: str) -> str:
        return self.query.get(name, "").strip()

    def boolean(self, name: str) -> bool:
        value = self.text(name).lower()
        if value in ("", "false", "0"):
            return False
        if value in ("true", "1"):
            return True
        raise BadParameter(name, _("%(name)s must be true or false.") % {"name": name})

    def integer(self, name: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
        value = self.text(name)
        if not value:
            return default
        # Digits only: int() would also take "+1", "1_0" and other scripts' digits, which no document allows.
        number = int(value) if value.isascii() and value.isdigit() else None
        if number is None or number < minimum or (maximum is not None and number > maximum):
            if maximum is None:
                message = _("%(name)s must be a whole number from %(minimum)s up.")
            else:
                message = _("%(name)s must be a whole number from %(minimum)s to %(maximum)s.")
            raise BadParameter(name, message % {"name": name, "minimum": minimum, "maximum": maximum})
        return number

    def uuid(self, name: str) -> uuid.UUID | None:
        value = self.text(name)
        if not value:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            raise BadParameter(name, _("%(name)s must be a UUID.") % {"name": name}) from None

    def date_time(self, name: str) -> datetime.datetime | None:
        value = self.text(name)
        if not value:
            return None
        try:
            moment = datetime.datetime.fromisoformat(value)
            # HSDS dates (last_modified) are in UTC, so a date-time without an offset is read as UTC too.
            # Any offset is turned into UTC here: PostgreSQL refuses offsets beyond ±15:59.
            moment = moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)
            return moment.astimezone(datetime.UTC)
        except (ValueError, OverflowError):
            raise BadParameter(
                name, _("%(name)s must be an ISO 8601 date-time, like 2026-01-31T09:00:00Z.") % {"name": name}
            ) from None

    def output_format(self) -> str:
        value = self.text("format") or "json"
        if value not in ("json", "ndjson"):
            raise BadParameter("format", _("format must be json or ndjson."))
        return value


# ---- filters --------------------------------------------------------------------------------------


def services_matching(parameters: Parameters, services: QuerySet, *, modified: bool = True) -> QuerySet:
    """Apply the service filters of the query (they combine with AND); ``modified``: modified_after too."""
    if text := parameters.text("search"):
        services = services.filter(pk__in=_ids_for_text(text))
    for lookup, value in _term_lookups(parameters):
        services = _with_terms(services, lookup, value)
    if organization_id := parameters.uuid("organization_id"):
        services = services.filter(organization=organization_id)
    if modified and (since := parameters.date_time("modified_after")):
        # A change to anything a listing shows (phone, hours, location ...) also stamps the service.
        services = services.filter(modified_at__gte=since)
    return services


def organizations_matching(parameters: Parameters, organizations: QuerySet) -> QuerySet:
    """Apply the term filters of the query: organizations with a listed service that has the term, or it as theirs."""
    for lookup, value in _term_lookups(parameters):
        organizations = organizations.filter(
            Q(pk__in=_with_terms(Service.objects.listed(), lookup, value).values("organization_id"))
            | Q(pk__in=Attribute.objects.filter(**{f"taxonomy_term__{lookup}": value}).values("link_id"))
        )
    return organizations


def _term_lookups(parameters: Parameters) -> list[tuple[str, object]]:
    """The term filters of the query as (lookup on a term, value): taxonomy_term_id (and descendants), taxonomy_id."""
    lookups = []
    if term_id := parameters.uuid("taxonomy_term_id"):
        lookups.append(("pk__in", _with_descendants({term_id})))
    if taxonomy_id := parameters.uuid("taxonomy_id"):
        lookups.append(("taxonomy", taxonomy_id))
    return lookups


def _with_terms(services: QuerySet, lookup: str, value) -> QuerySet:
    """Services with a category, population, insurance plan or attribute whose term matches the lookup."""
    return services.filter(
        Q(**{f"categories__{lookup}": value})
        | Q(**{f"populations__{lookup}": value})
        | Q(**{f"insurance_accepted__{lookup}": value})
        | Q(pk__in=Attribute.objects.filter(**{f"taxonomy_term__{lookup}": value}).values("link_id"))
    ).distinct()


def _ids_for_text(text: str) -> list[str]:
    search = import_string(getattr(settings, "HSDS_TEXT_SEARCH", "search.feed.service_ids_for_text"))
    return search(text)


def _with_descendants(term_ids: set) -> set:
    """The terms and all their children, grandchildren ... (a query per level)."""
    found, level = set(term_ids), set(term_ids)
    while level:
        level = set(TaxonomyTerm.objects.filter(parent__in=level).values_list("pk", flat=True)) - found
        found |= level
    return found


class Near:
    """The postcode and proximity filters: where the consumer is, and how far it looks."""

    def __init__(self, parameters: Parameters) -> None:
        postcode, proximity = parameters.text("postcode"), parameters.text("proximity")
        self.place = None
        self.metres = None
        if proximity and not postcode:
            raise BadParameter("proximity", _("proximity needs a postcode to measure from."))
        if postcode:
            locate = import_string(getattr(settings, "HSDS_LOCATE_POSTCODE", "search.geography.place_for_zip"))
            self.place = locate(postcode)
            if self.place is None:
                raise BadParameter("postcode", _("postcode must be a known 5-digit US ZIP code."))
        if proximity:
            # A number as JSON writes one: float() would also take "+5", "1_000", "nan" and other scripts' digits.
            self.metres = float(proximity) if NUMBER.fullmatch(proximity) else math.nan
            if not 0 < self.metres <= PROXIMITY_MAX_METRES:  # also refuses nan and inf
                raise BadParameter(
                    "proximity",
                    _("proximity must be a distance in metres, more than 0 and up to %(maximum)s.")
                    % {"maximum": PROXIMITY_MAX_METRES},
                )

    @property
    def point(self) -> tuple[float, float]:
        return (self.place.latitude, self.place.longitude)

    def services(self, services: QuerySet) -> QuerySet:
        if self.place is None:
            return services
        services = services.exclude(pk__in=self._services_not_serving())
        if self.metres is not None:
            services = services.filter(service_at_locations__location__in=self._locations_within()).distinct()
        return services

    def service_at_locations(self, links: QuerySet) -> QuerySet:
        if self.place is None:
            return links
        links = links.exclude(service__in=self._services_not_serving())
        if self.metres is not None:
            links = links.filter(location__in=self._locations_within())
        return links

    def _services_not_serving(self) -> set:
        """Services with service areas, none of which holds the postcode (one query over all areas)."""
        serving, with_area = set(), set()
        for area in ServiceArea.objects.all():
            with_area.add(area.service_id)
            if _area_contains(area, self.place, self.point):
                serving.add(area.service_id)
        return with_area - serving

    def _locations_within(self) -> list:
        # A bounding box in SQL (the latitude/longitude index), the exact distance in Python.
        degrees = self.metres / 111_000
        cos_latitude = max(math.cos(math.radians(self.place.latitude)), 1e-6)
        candidates = Location.objects.filter(
            latitude__range=(self.place.latitude - degrees, self.place.latitude + degrees),
            longitude__range=(
                self.place.longitude - degrees / cos_latitude,
                self.place.longitude + degrees / cos_latitude,
            ),
        ).values_list("pk", "latitude", "longitude")
        return [pk for pk, *point in candidates if great_circle(self.point, point).meters <= self.metres]


def _area_contains(area: ServiceArea, place, point: tuple[float, float]) -> bool:
    if area.extent_type == ServiceArea.ExtentType.POSTAL_CODES:
        return place.zip_code in area.postal_codes
    if area.extent_type == ServiceArea.ExtentType.COUNTIES:
        return bool(place.county) and place.county in area.counties
    if area.extent_type == ServiceArea.ExtentType.RADIUS:
        return great_circle((area.center_latitude, area.center_longitude), point).miles <= area.radius_miles
    polygons = [area.polygon["coordinates"]] if area.polygon["type"] == "Polygon" else area.polygon["coordinates"]
    return any(
        _in_ring(point, outer) and not any(_in_ring(point, hole) for hole in holes) for outer, *holes in polygons
    )


def _in_ring(point: tuple[float, float], ring: list) -> bool:
    """Ray casting over GeoJSON [longitude, latitude] vertices."""
    latitude, longitude = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > latitude) != (y2 > latitude) and longitude < x1 + (latitude - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


# ---- answering ------------------------------------------------------------------------------------


def listing(request: HttpRequest, parameters: Parameters, records: QuerySet, to_hsds: Callable) -> HttpResponse:
    """One page in the HSDS envelope, or every record as ndjson.

    ``records`` are the matching records in feed order; ``to_hsds`` turns a list of their ids into
    HSDS records, in that order. A page costs a count, the page's ids, then what ``to_hsds`` costs:
    the records and one query per table of their parts (serialize.Parts), whatever ``per_page`` is.
    """
    page_number = parameters.integer("page", default=1, minimum=1)
    per_page = parameters.integer("per_page", default=PER_PAGE_DEFAULT, minimum=1, maximum=PER_PAGE_MAX)
    if parameters.output_format() == "ndjson":  # every record, so page and per_page do not apply
        response = StreamingHttpResponse(_ndjson(records, to_hsds), content_type="application/x-ndjson")
        response["Content-Disposition"] = "inline"
        return response
    total = records.count()
    # An empty result is still one page: page 1 of 1, first, last and empty.
    total_pages = max(1, math.ceil(total / per_page))
    if page_number > total_pages:
        raise BadParameter(
            "page", _("page %(page)s is past the last page, %(last)s.") % {"page": page_number, "last": total_pages}
        )
    start = (page_number - 1) * per_page
    # The ids first: a sort of narrow rows (for services, a walk along an index), then whole records by id.
    contents = to_hsds(list(records.values_list("pk", flat=True)[start : start + per_page]))
    return JsonResponse(
        {
            "total_items": total,
            "total_pages": total_pages,
            "page_number": page_number,
            "size": len(contents),
            "first_page": page_number == 1,
            "last_page": page_number == total_pages,
            "empty": not contents,
            "contents": contents,
        }
    )


def _ndjson(records: QuerySet, to_hsds: Callable) -> Iterator[str]:
    """Every record, a chunk at a time: the ids stream from one query, and each chunk is dropped once written."""
    ids = records.values_list("pk", flat=True).iterator(chunk_size=NDJSON_CHUNK)
    for chunk in serialize.in_chunks(ids, NDJSON_CHUNK):
        yield "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in to_hsds(chunk))


@feed_view
def no_such_path(request: HttpRequest) -> HttpResponse:
    raise NotFound


def single(records: QuerySet, record_id: str, to_hsds: Callable) -> HttpResponse:
    """The record of ``records`` with this id, as ``to_hsds`` turns it into HSDS."""
    try:
        record_id = uuid.UUID(record_id)
    except ValueError:
        raise NotFound from None
    contents = to_hsds(list(records.filter(pk=record_id).values_list("pk", flat=True)))
    if not contents:
        raise NotFound
    return JsonResponse(contents[0])


# ---- endpoints ------------------------------------------------------------------------------------


@feed_view
def about(request: HttpRequest) -> HttpResponse:
    Parameters(request, set())
    return JsonResponse(
        {
            "version": serialize.HSDS_VERSION,
            "profile": request.build_absolute_uri(reverse("hsds:profile")),
            "openapi_url": request.build_absolute_uri(reverse("hsds:openapi")),
        }
    )


@feed_view
def openapi_document(request: HttpRequest) -> HttpResponse:
    Parameters(request, set())
    return JsonResponse(openapi.document(request.build_absolute_uri(reverse("hsds:about"))))


@feed_view
def profile(request: HttpRequest) -> HttpResponse:
    Parameters(request, set())
    return HttpResponse(README.read_text(encoding="utf-8"), content_type="text/markdown; charset=utf-8")


@feed_view
def services(request: HttpRequest) -> HttpResponse:
    parameters = Parameters(request, LIST_PARAMETERS["services"])
    minimal = parameters.boolean("minimal")
    full = parameters.boolean("full") and not minimal  # minimal wins: it is what syncing consumers ask for
    records = Near(parameters).services(services_matching(parameters, serialize.services_for_feed()))
    to_hsds = functools.partial(serialize.services_to_hsds, full=full, minimal=minimal, history=full)
    return listing(request, parameters, records, to_hsds)


@feed_view
def service(request: HttpRequest, record_id: str) -> HttpResponse:
    Parameters(request, set())
    return single(
        serialize.services_for_feed(),
        record_id,
        functools.partial(serialize.services_to_hsds, full=True, history=True),
    )


@feed_view
def service_at_locations(request: HttpRequest) -> HttpResponse:
    parameters = Parameters(request, LIST_PARAMETERS["service_at_locations"])
    full = parameters.boolean("full")
    matching = services_matching(parameters, Service.objects.listed(), modified=False)
    records = serialize.service_at_locations_for_feed().filter(service__in=matching.values("pk"))
    if since := parameters.date_time("modified_after"):
        # The link itself, or its service: any change to the location and what hangs off it stamps the service.
        records = records.filter(Q(modified_at__gte=since) | Q(service__modified_at__gte=since))
    records = Near(parameters).service_at_locations(records)
    return listing(request, parameters, records, functools.partial(serialize.service_at_locations_to_hsds, full=full))


@feed_view
def service_at_location(request: HttpRequest, record_id: str) -> HttpResponse:
    Parameters(request, set())
    return single(
        serialize.service_at_locations_for_feed(),
        record_id,
        functools.partial(serialize.service_at_locations_to_hsds, full=True),
    )


@feed_view
def organizations(request: HttpRequest) -> HttpResponse:
    parameters = Parameters(request, LIST_PARAMETERS["organizations"])
    full_service = parameters.boolean("full_service")
    full = parameters.boolean("full") or full_service
    records = organizations_matching(parameters, serialize.organizations_for_feed())
    if text := parameters.text("search"):
        records = records.filter(
            Q(name__icontains=text) | Q(alternate_name__icontains=text) | Q(description__icontains=text)
        )
    if since := parameters.date_time("modified_after"):
        # Its own row, or anything the organization record shows: phones, locations, listed services.
        records = records.filter(
            Q(modified_at__gte=since)
            | Exists(Phone.objects.filter(organization=OuterRef("pk"), modified_at__gte=since))
            | Exists(Location.objects.filter(organization=OuterRef("pk"), modified_at__gte=since))
            | Exists(Service.objects.listed().filter(organization=OuterRef("pk"), modified_at__gte=since))
        )
    to_hsds = functools.partial(serialize.organizations_to_hsds, full=full, full_service=full_service)
    return listing(request, parameters, records, to_hsds)


@feed_view
def organization(request: HttpRequest, record_id: str) -> HttpResponse:
    parameters = Parameters(request, {"full_service"})
    full_service = parameters.boolean("full_service")
    to_hsds = functools.partial(serialize.organizations_to_hsds, full=True, full_service=full_service)
    return single(serialize.organizations_for_feed(), record_id, to_hsds)


@feed_view
def taxonomies(request: HttpRequest) -> HttpResponse:
    parameters = Parameters(request, LIST_PARAMETERS["taxonomies"])
    records = serialize.taxonomies_for_feed()
    if text := parameters.text("search"):
        records = records.filter(Q(name__icontains=text) | Q(description__icontains=text))
    if since := parameters.date_time("modified_after"):
        records = records.filter(modified_at__gte=since)
    return listing(request, parameters, records, serialize.taxonomies_to_hsds)


@feed_view
def taxonomy(request: HttpRequest, record_id: str) -> HttpResponse:
    Parameters(request, set())
    return single(serialize.taxonomies_for_feed(), record_id, serialize.taxonomies_to_hsds)


@feed_view
def taxonomy_terms(request: HttpRequest) -> HttpResponse:
    parameters = Parameters(request, LIST_PARAMETERS["taxonomy_terms"])
    records = serialize.taxonomy_terms_for_feed()
    if text := parameters.text("search"):
        records = records.filter(
            Q(name__icontains=text)
            | Q(code__icontains=text)
            | Q(description__icontains=text)
            | Q(synonyms__icontains=text)
        )
    if taxonomy_id := parameters.uuid("taxonomy_id"):
        records = records.filter(taxonomy=taxonomy_id)
    if parent_id := parameters.uuid("parent_id"):
        records = records.filter(parent=parent_id)
    if parameters.boolean("top_only"):
        records = records.filter(parent__isnull=True)
    if since := parameters.date_time("modified_after"):
        records = records.filter(modified_at__gte=since)
    return listing(request, parameters, records, serialize.taxonomy_terms_to_hsds)


@feed_view
def taxonomy_term(request: HttpRequest, record_id: str) -> HttpResponse:
    Parameters(request, set())
    return single(serialize.taxonomy_terms_for_feed(), record_id, serialize.taxonomy_terms_to_hsds)
