from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from providers.models import Service, TaxonomyTerm

# The home page lists at most this many matches; the search pages go further.
RESULT_LIMIT = 50


def in_category(term) -> Q:
    """Match services filed under ``term`` or a term below it (three levels deep, as the taxonomy is)."""
    return Q(categories=term) | Q(categories__parent=term) | Q(categories__parent__parent=term)


def top_categories() -> list[TaxonomyTerm]:
    """Return the top-level categories, each with ``service_count`` listed services (one query)."""
    services_in_term = (
        Service.objects.listed()
        .filter(in_category(OuterRef("pk")))
        .order_by()
        # A service filed under a term and its child is still one service; COUNT outside GROUP BY.
        .values(total=Func(F("pk"), function="COUNT", template="%(function)s(DISTINCT %(expressions)s)"))
    )
    terms = (
        TaxonomyTerm.objects.categories()
        .top_level()
        .annotate(service_count=Subquery(services_in_term, output_field=IntegerField()))
    )
    return sorted(terms, key=lambda term: term.localized_name.casefold())


def matching_services(*, query: str, category: TaxonomyTerm | None) -> QuerySet[Service]:
    """Return listed services whose words contain ``query``, in ``category`` if given.

    A plain substring match, so the home page is useful before the search app ranks results.
    """
    services = Service.objects.listed()
    if category is not None:
        services = services.filter(in_category(category))
    for word in query.split():
        services = services.filter(
            Q(name__icontains=word)
            | Q(alternate_name__icontains=word)
            | Q(description__icontains=word)
            | Q(keywords__icontains=word)
            | Q(organization__name__icontains=word)
            | Q(categories__name__icontains=word)
            | Q(categories__name_es__icontains=word)
        )
    return (
        services.distinct()
        .select_related("organization")
        .prefetch_related(Prefetch("categories", queryset=TaxonomyTerm.objects.order_by("name")))
        .order_by("name", "pk")
    )


def home(request: HttpRequest) -> HttpResponse:
    """The network in a paragraph, a search box, and its categories with how many services each lists."""
    query = request.GET.get("q", "").strip()
    category_code = request.GET.get("category", "").strip()
    category = None
    if category_code:
        category = TaxonomyTerm.objects.categories().filter(code=category_code).first()
    results = None
    more_results = False
    if query or category is not None:
        # One row past the limit tells whether there is more without a COUNT query.
        results = list(matching_services(query=query, category=category)[: RESULT_LIMIT + 1])
        more_results = len(results) > RESULT_LIMIT
        results = results[:RESULT_LIMIT]
    context = {
        "categories": top_categories(),
        "query": query,
        "category": category,
        "unknown_category": bool(category_code) and category is None,
        "results": results,
        "more_results": more_results,
        "result_limit": RESULT_LIMIT,
    }
    return render(request, "directory/home.html", context)
