"""GET /api/v1/search/: the search as JSON, for the page's map and for other case systems; GET
/api/v1/search/suggest/: suggestions as one types, for the page's search box."""

import uuid
from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from providers.models import listing_is_stale
from search.backends.base import IndexMissing
from search.forms import SearchForm, SuggestForm
from search.query import Result, SearchResults, search
from search.suggestions import suggest
from search.visitors import AnonymousSearchThrottle, AnonymousSuggestThrottle, visitor_of


class SearchAPI(APIView):
    """Find listed services. Parameters and errors as in search.forms.SearchForm; the README has the table."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonymousSearchThrottle]  # anonymous searches per address: settings.SEARCH_ANON_THROTTLE_RATE

    def get(self, request):
        form = SearchForm(request.query_params)
        if not form.is_valid():
            return bad_input(form)
        search_request = form.search_request()
        try:
            results = search(search_request, visitor=visitor_of(request))
        except IndexMissing:
            return index_being_built()
        if search_request.page > results.page_count:
            message = _("Page %(page)s is past the last page, %(last)s.") % {
                "page": search_request.page,
                "last": results.page_count,
            }
            return Response({"errors": {"page": [{"message": message, "code": "out_of_range"}]}}, status=400)
        return Response(serialize(results))


class SuggestAPI(APIView):
    """Categories, services and organizations whose names begin with what was typed (search.suggestions)."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonymousSuggestThrottle]  # a request a keystroke: settings.SEARCH_ANON_SUGGEST_RATE

    def get(self, request):
        form = SuggestForm(request.query_params)
        if not form.is_valid():
            return bad_input(form)
        try:
            suggestions = suggest(form.cleaned_data["q"])
        except IndexMissing:
            return index_being_built()
        return Response(
            {
                "query": form.cleaned_data["q"],
                "suggestions": [
                    {
                        "kind": suggestion.kind,
                        "name": suggestion.name,
                        "detail": suggestion.detail,
                        "url": suggestion.url,
                        **({"code": suggestion.code} if suggestion.code else {}),
                        **({"id": suggestion.id} if suggestion.id else {}),
                    }
                    for suggestion in suggestions
                ],
            }
        )


def bad_input(form) -> Response:
    """400, each parameter at fault with its messages and codes."""
    return Response({"errors": form.errors.get_json_data(escape_html=False)}, status=status.HTTP_400_BAD_REQUEST)


def index_being_built() -> Response:
    """503 while there is no search index (IndexMissing): a rebuild is under way or due."""
    return Response(
        {"detail": _("Search is not available yet: the search index is being built. Try again shortly.")},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


def serialize(results: SearchResults) -> dict:
    place = results.request.place
    url_of = service_url()
    return {
        "count": results.count,
        "place": None
        if place is None
        else {
            "zip": place.zip_code,
            "county": place.county,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "note": place.note,
        },
        "page": results.request.page,
        "page_count": results.page_count,
        "page_size": results.request.page_size,
        "facets": results.facets,
        "results": [serialize_result(result, url_of) for result in results.results],
    }


PLACEHOLDER_ID = str(uuid.UUID(int=0))


def service_url() -> Callable[[str], str]:
    """Return a function giving a service's page from its id (documents hold ``str(service.pk)``): one
    reverse() a response, not one a result (each cost as much as checking a result's eligibility)."""
    template = reverse("providers:service_detail", args=[PLACEHOLDER_ID])
    return lambda service_id: template.replace(PLACEHOLDER_ID, service_id)


def serialize_result(result: Result, url_of: Callable[[str], str]) -> dict:
    data = result.data
    location = result.location
    return {
        "service": {
            "id": data["id"],
            "name": data["name"],
            "organization": data["organization"],
            "url": url_of(data["id"]),
        },
        "location": None
        if location is None
        else {
            "id": location["id"],
            "name": location["name"],
            "address": location["address"],
            "latitude": location["latitude"],
            "longitude": location["longitude"],
        },
        "distance_miles": result.distance_miles,
        "open_now": result.open_now,
        "capacity": data["capacity"],
        "stale": listing_is_stale(data["last_verified_at"]),
        "eligibility": None
        if result.eligibility is None
        else {
            "verdict": result.eligibility.verdict,
            "reasons": [
                {"criterion": reason.criterion, "outcome": reason.outcome, "text": reason.text}
                for reason in result.eligibility.reasons
            ],
        },
    }
