from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from directory.access import roles_of_reader
from directory.attention import attention_for
from plans.week import week_count_of
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
    """The network in a paragraph, a search box, and its categories with how many services each lists;
    for a signed-in person, first what needs their attention, with counts and links.

    Searching is the search page's job: the box and the categories send the case manager there.
    """
    context = {"categories": top_categories()}
    if request.user.is_authenticated:
        roles = roles_of_reader(request)
        # The menu shows the case manager's week too: counted once for both.
        week_count = week_count_of(request) if roles.case_manager else None
        context["attention"] = attention_for(request.user, roles, timezone.now(), week_count)
    return render(request, "directory/home.html", context)


@csrf_exempt  # whatever the method, the answer is this 404: there is nothing to protect
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Any path under /api/v1/ that is no endpoint: a JSON 404 in the API's error shape, never the HTML page.

    A path that exists with a trailing slash is named rather than redirected to (a redirected POST
    would lose its body).
    """
    message = _("There is no such path in this API.")
    if not request.path_info.endswith("/"):
        try:
            exists_with_slash = resolve(request.path_info + "/").func is not api_not_found
        except Resolver404:
            exists_with_slash = False
        if exists_with_slash:
            message = _("There is no such path in this API. Did you mean %(path)s?") % {"path": request.path + "/"}
    return JsonResponse({"detail": message}, status=404)
