from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from providers.models import Service, TaxonomyTerm


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


def home(request: HttpRequest) -> HttpResponse:
    """The network in a paragraph, a search box, and its categories with how many services each lists.

    Searching is the search page's job: the box and the categories send the case manager there.
    """
    return render(request, "directory/home.html", {"categories": top_categories()})
