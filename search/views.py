"""The case manager's search page: the API's form and query, rendered as HTML, with a map of the results.

The page works without JavaScript; search.js only draws the map and opens the form's sections on wide
screens. Bad parameters re-render the form with the errors beside their fields and status 400, as the
API answers 400: a bookmarked or hand-edited URL never gets a 500.
"""

import json
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from providers.languages import NETWORK_LANGUAGES, language_name
from providers.models import Service, Taxonomy, TaxonomyTerm, listing_is_stale
from providers.translations import names_in_reader_language
from providers.views import track_records_for
from search.backends.base import IndexMissing
from search.contacts import CardContact, contacts_for
from search.eligibility import Eligibility, Outcome, Verdict
from search.forms import SearchForm
from search.geography import Place
from search.query import Result, SearchResults, ranking_steps, search
from search.visitors import AnonymousSearchThrottle, visitor_of

RADIUS_MILES = [1, 2, 5, 10, 25, 50, 100]
# Checkboxes on the page send one value each; the form (and the API) read a comma-separated list.
LIST_FIELDS = ("speaks", "circumstances")
PROFILE_FIELDS = (
    "address",
    "age",
    "household_size",
    "annual_income",
    "speaks",
    "speaks_only",
    "circumstances",
    "gender",
    "insurance",
)
FILTER_FIELDS = (
    "category",
    "population",
    "language",
    "radius",
    "serves_me",
    "open_now",
    "accepting",
    "free",
    "accessible",
    "hide_ineligible",
)
# What the page says of each step of the ranking (search.query.RANKING), in its order; %(zip)s is the
# participant's ZIP code. Only the steps a search uses are said (search.query.ranking_steps).
ORDER_STEPS = {
    "name_typed": gettext_lazy("A service or organization whose name you typed, exactly or nearly."),
    "not_eligible_last": gettext_lazy("Services the participant does not qualify for after all the others."),
    "text_match": gettext_lazy(
        "Services that match all the words that matter before those that match some; among them, those in a "
        "category your words name first."
    ),
    "verdict": gettext_lazy("Services the participant qualifies for, then those where facts are missing."),
    "area": gettext_lazy("Services that serve ZIP %(zip)s (or anywhere), then those that do not list it."),
    "capacity": gettext_lazy("Accepting new clients, then waitlist, then not stated, then not accepting."),
    "responsiveness": gettext_lazy(
        "Services that answer referrals quickly, then those with too few referrals to tell, then slower ones."
    ),
    "distance": gettext_lazy("Nearest first."),
    "relevance": gettext_lazy("The closer match of your words."),
    "name": gettext_lazy("Name, A to Z."),
}
# Taxonomy terms indent under their parent in the category list; no-break spaces survive in <option>.
INDENT = "\N{NO-BREAK SPACE}" * 4
HINTS = {
    "q": gettext_lazy("For example: daycare, bus pass, rent help, lawyer"),
    "zip": gettext_lazy("Where the participant lives. Distances are measured from here."),
    "address": gettext_lazy("Optional, with the ZIP code: measures distances from the street address."),
    "annual_income": gettext_lazy("Before taxes, for the whole household."),
    "radius": gettext_lazy("Needs a ZIP code."),
}


@dataclass
class Row:
    """One result as the page shows it: numbered like its marker on the map."""

    number: int
    result: Result
    url: str
    capacity: str
    capacity_label: str
    stale: bool
    track_record: str = ""  # "usually answers in 2 days · 85% completed", with enough referrals to say it
    # The service's and its organization's names in the reader's language (the index stores the English).
    name: str = ""
    organization: str = ""
    contact: CardContact | None = None  # its phones and weekly hours, which printed results carry

    @property
    def data(self) -> dict:
        return self.result.data

    @property
    def eligibility(self) -> Eligibility | None:
        return self.result.eligibility

    @property
    def verdict_label(self) -> str:
        return Verdict(self.result.eligibility.verdict).label if self.result.eligibility else ""

    @property
    def reasons(self) -> list[dict]:
        if self.result.eligibility is None:
            return []
        return [
            {
                "outcome": reason.outcome,
                "outcome_label": Outcome(reason.outcome).label,
                "text": reason.text,
                "criterion": reason.criterion,  # printed results leave out the income one (search.css)
            }
            for reason in self.result.eligibility.reasons
        ]

    @property
    def languages(self) -> list[str]:
        return [language_name(code, name) for code, name in self.result.data["languages"].items()]


def search_page(request: HttpRequest) -> HttpResponse:
    """Show the search form and, once submitted, one page of results (a fixed number of queries).

    A search from an address that searched too often without signing in is a 429 page saying when to
    try again (search.visitors.AnonymousSearchThrottle, counted with the API's).
    """
    if request.GET and (wait := AnonymousSearchThrottle.wait_for(request)) is not None:
        response = render(request, "search/too_many_searches.html", {"wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
    terms = _terms_by_taxonomy()
    form = SearchForm(form_data(request.GET) if request.GET else None)
    _dress_form(form)
    context = {
        "form": form,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    status = 200
    results = None
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        search_request = form.search_request()
        try:
            results = search(search_request, visitor=visitor_of(request))
        except IndexMissing:
            status = 503
            context["index_missing"] = True
        else:
            if search_request.page > results.page_count:
                status = 400
                context["page_error"] = _("Page %(page)s is past the last page, %(last)s.") % {
                    "page": search_request.page,
                    "last": results.page_count,
                }
                context["first_page_url"] = page_url(request.GET, 1)
            else:
                context.update(_results_context(request, results))
    _set_choices(form, terms, results.facets if results is not None else {})
    context.update(
        {
            "profile_open": not form.is_bound or _has_errors(form, PROFILE_FIELDS),
            "filters_open": not form.is_bound or _has_errors(form, FILTER_FIELDS),
            "profile_summary": _profile_summary(form, terms[Taxonomy.POPULATIONS]),
            "filter_count": _filter_count(form),
            "error_items": _error_items(form),
            "language_choices": _checkboxes(form, "speaks", list(NETWORK_LANGUAGES.items())),
            "circumstance_choices": _checkboxes(
                form, "circumstances", [(term.code, term.localized_name) for term in terms[Taxonomy.POPULATIONS]]
            ),
            "accepting_count": results.facets["capacity"].get(Service.Capacity.ACCEPTING, 0) if results else None,
            "suggest_labels": _suggest_labels(),
        }
    )
    return render(request, "search/page.html", context, status=status)


def form_data(query: QueryDict) -> QueryDict:
    """Return the page's parameters as SearchForm reads them: checked boxes joined with commas."""
    data = query.copy()
    for name in LIST_FIELDS:
        data[name] = ",".join(value for value in query.getlist(name) if value)
    return data


def page_url(query: QueryDict, page: int) -> str:
    """Return the URL of another page of the same search, every other parameter kept."""
    parameters = query.copy()
    parameters["page"] = str(page)
    return f"{reverse('search:page')}?{parameters.urlencode()}"


def _results_context(request: HttpRequest, results: SearchResults) -> dict:
    search_request = results.request
    first = (search_request.page - 1) * search_request.page_size + 1
    rows = [_row(number, result) for number, result in enumerate(results.results, start=first)]
    track_records = track_records_for([row.data["id"] for row in rows])  # one query for the page
    names = names_in_reader_language([row.data["id"] for row in rows])  # a query on a Spanish page
    for row in rows:
        row.track_record = track_records.get(row.data["id"], "")
        row.name, row.organization = names.get(row.data["id"], (row.data["name"], row.data["organization"]))
    places = [(row.data["id"], row.result.location["id"] if row.result.location else None) for row in rows]
    contacts = contacts_for(places)  # three queries for the page
    for row in rows:
        row.contact = contacts.get(row.data["id"])
    page = search_request.page
    return {
        "results": results,
        "rows": rows,
        "has_profile": not search_request.participant.is_empty,
        "place": search_request.place,
        "order_steps": order_steps(search_request),
        "previous_url": page_url(request.GET, page - 1) if page > 1 else "",
        "next_url": page_url(request.GET, page + 1) if page < results.page_count else "",
        "map_data": _map_data(rows, search_request.place),
    }


def order_steps(search_request) -> list[str]:
    """Return what the page says of the order of this search's results: each step it uses, in order."""
    zip_code = search_request.place.zip_code if search_request.place else ""
    return [str(ORDER_STEPS[step]) % {"zip": zip_code} for step in ranking_steps(search_request)]


def _map_data(rows: list[Row], place: Place | None) -> dict:
    """Return what search.js draws: a numbered marker per result with a point, and the participant's ZIP."""
    return {
        "origin": None
        if place is None
        else {"latitude": place.latitude, "longitude": place.longitude, "label": place.zip_code},
        "markers": [
            {
                "number": row.number,
                "name": row.name,
                "url": row.url,
                "address": row.result.location["address"],
                "latitude": row.result.location["latitude"],
                "longitude": row.result.location["longitude"],
            }
            for row in rows
            if row.result.location is not None and row.result.location["latitude"] is not None
        ],
    }


def _row(number: int, result: Result) -> Row:
    capacity = result.data["capacity"]
    return Row(
        number=number,
        result=result,
        url=reverse("providers:service_detail", args=[result.data["id"]]),
        capacity=capacity,
        capacity_label=Service.Capacity(capacity).label if capacity in Service.Capacity.values else capacity,
        stale=listing_is_stale(result.data["last_verified_at"]),
    )


def _terms_by_taxonomy() -> dict[str, list[TaxonomyTerm]]:
    """Return the categories, populations and insurance plans the form offers (one query)."""
    grouped = {Taxonomy.CATEGORIES: [], Taxonomy.POPULATIONS: [], Taxonomy.INSURANCE: []}
    terms = TaxonomyTerm.objects.filter(taxonomy__code__in=grouped).select_related("taxonomy")
    for term in terms:
        grouped[term.taxonomy.code].append(term)
    for taxonomy_terms in grouped.values():
        taxonomy_terms.sort(key=lambda term: term.localized_name.casefold())
    return grouped


def _category_tree(categories: list[TaxonomyTerm]) -> list[tuple[TaxonomyTerm, int]]:
    """Return the categories in tree order, each with its depth: a parent, then its children."""
    children: dict = {}
    for term in categories:
        children.setdefault(term.parent_id, []).append(term)
    ordered = []

    def walk(parent_id, depth: int) -> None:
        for term in children.get(parent_id, []):
            ordered.append((term, depth))
            walk(term.pk, depth + 1)

    walk(None, 0)
    return ordered


def _with_count(name: str, count: int | None) -> str:
    return name if count is None else f"{name} ({number_format(count)})"


def _dress_form(form: SearchForm) -> None:
    """Give the shared form the page's hints and phone-friendly inputs (before it is cleaned, which copies them)."""
    fields = form.fields
    for name, hint in HINTS.items():
        fields[name].help_text = hint
    fields["q"].widget.input_type = "search"
    fields["zip"].widget.attrs.update(
        {"inputmode": "numeric", "autocomplete": "postal-code", "pattern": "[0-9]{5}", "size": "5"}
    )
    for name in ("age", "household_size", "annual_income"):
        fields[name].widget.attrs.update({"inputmode": "numeric"})
    fields["annual_income"].widget.attrs["step"] = "any"
    fields["speaks_only"].widget.attrs["aria-describedby"] = "id_speaks_only_hint"


def _set_choices(form: SearchForm, terms: dict[str, list[TaxonomyTerm]], facets: dict) -> None:
    """Offer the terms, languages and distances as lists, with the results' facet counts beside them."""

    def count(facet: str, code: str) -> int | None:
        return facets[facet].get(code, 0) if facets else None

    fields = form.fields
    fields["category"].widget = forms.Select(
        choices=[("", _("All categories"))]
        + [
            (term.code, INDENT * depth + _with_count(term.localized_name, count("category", term.code)))
            for term, depth in _category_tree(terms[Taxonomy.CATEGORIES])
        ]
    )
    fields["population"].widget = forms.Select(
        choices=[("", _("Everyone"))]
        + [
            (term.code, _with_count(term.localized_name, count("population", term.code)))
            for term in terms[Taxonomy.POPULATIONS]
        ]
    )
    spoken = dict(NETWORK_LANGUAGES)
    for code in facets.get("language", {}):
        spoken.setdefault(code, code)
    fields["language"].widget = forms.Select(
        choices=[("", _("Any language"))]
        + [(code, _with_count(str(name), count("language", code))) for code, name in spoken.items()]
    )
    fields["radius"].widget = forms.Select(
        choices=[("", _("Any distance"))]
        + [
            (str(miles), ngettext("%(miles)s mile", "%(miles)s miles", miles) % {"miles": miles})
            for miles in RADIUS_MILES
        ]
    )
    fields["insurance"].widget = forms.Select(
        choices=[("", _("Not given"))] + [(term.code, term.localized_name) for term in terms[Taxonomy.INSURANCE]]
    )


def _checkboxes(form: SearchForm, name: str, choices: list[tuple[str, str]]) -> list[dict]:
    """Return the boxes of a list field, checked as submitted (even when the form has errors)."""
    checked = set(form.data.get(name, "").split(",")) if form.is_bound else set()
    return [
        {"value": code, "label": label, "checked": code in checked, "id": f"id_{name}_{number}"}
        for number, (code, label) in enumerate(choices)
    ]


def _error_items(form: SearchForm) -> list[dict]:
    """Return the form's errors for the summary, each linked to its field when the page shows it."""
    shown = ("q", "zip", *PROFILE_FIELDS, *FILTER_FIELDS)
    items = []
    for name, messages in form.errors.items():
        anchor = ""
        if name in shown:
            anchor = f"id_{name}_0" if name in LIST_FIELDS else form[name].auto_id
        for message in messages:
            items.append({"anchor": anchor, "label": form[name].label if anchor else "", "message": message})
    return items


def _has_errors(form: SearchForm, names: tuple[str, ...]) -> bool:
    return any(name in form.errors for name in names)


def _profile_summary(form: SearchForm, populations: list[TaxonomyTerm]) -> str:
    """Say in one line what the case manager told about the participant, for the folded section."""
    if not form.is_bound or not form.is_valid():
        return ""
    data = form.cleaned_data
    parts = []
    if data.get("age") is not None:
        parts.append(_("age %(age)s") % {"age": data["age"]})
    if data.get("household_size") is not None:
        parts.append(_("household of %(size)s") % {"size": data["household_size"]})
    if data.get("annual_income") is not None:
        parts.append(_("$%(income)s a year") % {"income": number_format(data["annual_income"], force_grouping=True)})
    names = {term.code: term.localized_name for term in populations}
    parts += [language_name(code) for code in data.get("speaks") or ()]
    if data.get("speaks_only") and data.get("speaks"):
        parts.append(_("no other language"))
    parts += [names.get(code, code) for code in data.get("circumstances") or ()]
    return ", ".join(parts)


def _filter_count(form: SearchForm) -> int:
    if not form.is_bound or not form.is_valid():
        return 0
    return sum(1 for name in FILTER_FIELDS if form.cleaned_data.get(name))


def _suggest_labels() -> str:
    """The words search/static/search/suggest.js shows and announces, in the page's language (JSON)."""
    return json.dumps(
        {
            "list": _("Suggestions"),
            "count": _("Suggestions: {count}"),
            "category": _("Category"),
            "service": _("Service"),
            "organization": _("Organization"),
        }
    )
