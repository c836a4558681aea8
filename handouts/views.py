"""Resource list pages: the program's lists, building one, handing it over (print, e-mail, text, private
link), the participant's private page, favourites, team lists, and e-mailing a referral's slip.

Every page finds its list through selectors.get_list_for_user (404 for anyone outside the list's
organization) and changes it only through services.py.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from handouts import listing, selectors, services
from handouts.forms import NewListForm, ParticipantForm, SendForm, TeamListForm
from handouts.models import Favourite, Handover, ListLink, ResourceList, ResourceListItem, TeamList
from providers.access import get_service_for_user
from providers.models import Organization, Service
from referrals.models import Participant, Referral
from referrals.selectors import Side, get_referral_for_user, sides_of

# The list whose private link this browser opened: the token is exchanged for it on the first visit, so
# that only that one request carries the token (as the referral feedback link does).
SHARED_SESSION_KEY = "handouts_shared_list"


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def listed_service(request: HttpRequest, service_id) -> Service:
    service = get_service_for_user(request.user, service_id)
    if service.status not in (Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED):
        raise Http404("No such service")
    return service


# The program's lists


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The program's resource lists, newest first; the case manager's favourites and the team lists."""
    organizations = selectors.require_case_manager(request.user)
    lists = (
        ResourceList.objects.filter(organization__in=organizations)
        .select_related("participant", "created_by")
        .annotate(item_count=Count("items"))[:100]
    )
    context = {
        "lists": lists,
        "form": NewListForm(participants=selectors.participants_for_lists(request.user)),
        "favourites": Favourite.objects.filter(user=request.user).select_related("service__organization"),
        "team_lists": TeamList.objects.filter(organization__in=organizations).annotate(item_count=Count("items")),
        "current": selectors.current_list(request),
    }
    return render(request, "handouts/index.html", context)


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    """Start a list (optionally with a first service); it becomes the list "Add to list" adds to."""
    organizations = selectors.require_case_manager(request.user)
    form = NewListForm(request.POST, participants=selectors.participants_for_lists(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose a participant from the list, or none."))
        return redirect("handouts:index")
    participant = form.cleaned_data["participant"]
    organization_id = participant.organization_id if participant else sorted(organizations, key=str)[0]
    resource_list = services.resource_list_create(
        organization=Organization.objects.get(pk=organization_id),
        created_by=request.user,
        participant=participant,
        title=form.cleaned_data["title"],
    )
    request.session[selectors.CURRENT_LIST_SESSION_KEY] = str(resource_list.pk)
    messages.success(request, _("List started. Add services from the search results or a service's page."))
    return redirect(resource_list)


@login_required
@require_POST
def add(request: HttpRequest) -> HttpResponse:
    """Add a service to the current list, or to a new one when there is none; back to where the button was."""
    organizations = selectors.require_case_manager(request.user)
    service = listed_service(request, request.POST.get("service", ""))
    resource_list = selectors.current_list(request)
    if resource_list is None:
        resource_list = services.resource_list_create(
            organization=Organization.objects.get(pk=sorted(organizations, key=str)[0]),
            created_by=request.user,
        )
        request.session[selectors.CURRENT_LIST_SESSION_KEY] = str(resource_list.pk)
    services.resource_list_add(resource_list=resource_list, service=service)
    count = resource_list.items.count()
    messages.success(
        request,
        _("%(service)s is on the list (%(count)s services).") % {"service": service.name, "count": count},
    )
    return redirect(safe_next(request, resource_list.get_absolute_url()))


@login_required
@require_POST
def use(request: HttpRequest, list_id) -> HttpResponse:
    """Make this the list "Add to list" adds to, and go and find services."""
    resource_list = selectors.get_list_for_user(request.user, list_id)
    request.session[selectors.CURRENT_LIST_SESSION_KEY] = str(resource_list.pk)
    return redirect("search:page")


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, list_id) -> HttpResponse:
    """Build a list: its services in order, a line of advice each, whom it is for, and the ways to hand it over."""
    resource_list = selectors.get_list_for_user(request.user, list_id)
    items = list(resource_list.items.select_related("service__organization"))
    errors = {}
    if request.method == "POST":
        advice = {item.pk: request.POST.get(f"advice-{item.pk}", "") for item in items}
        try:
            services.resource_list_update(
                resource_list=resource_list, title=request.POST.get("title", "").strip(), advice=advice
            )
        except ValidationError as error:
            errors = error.message_dict
            for item in items:
                item.advice = advice[item.pk]
        else:
            messages.success(request, _("The list is saved."))
            return redirect(resource_list)
    link = getattr(resource_list, "link", None)
    participant = resource_list.participant
    context = {
        "resource_list": resource_list,
        "items": [(item, errors.get(f"advice-{item.pk}", [])) for item in items],
        "errors": errors,
        "participant": participant,
        "participant_form": ParticipantForm(
            initial={"participant": participant}, participants=selectors.participants_for_lists(request.user)
        ),
        "link": link,
        "link_url": services.link_url(link) if link is not None and not link.is_expired else "",
        "handovers": resource_list.handovers.select_related("sent_by")[:20],
        "is_current": request.session.get(selectors.CURRENT_LIST_SESSION_KEY) == str(resource_list.pk),
        "Channel": Handover.Channel,
        "Preference": Participant.ContactPreference,
    }
    return render(request, "handouts/detail.html", context)


def get_item(request: HttpRequest, list_id, item_id) -> ResourceListItem:
    resource_list = selectors.get_list_for_user(request.user, list_id)
    item = ResourceListItem.objects.filter(resource_list=resource_list, pk=item_id).first()
    if item is None:
        raise Http404("No such item")
    return item


@login_required
@require_POST
def item_move(request: HttpRequest, list_id, item_id) -> HttpResponse:
    item = get_item(request, list_id, item_id)
    services.resource_list_move(item=item, offset=-1 if request.POST.get("direction") == "up" else 1)
    return redirect(reverse("handouts:detail", args=[list_id]) + f"#item-{item.pk}")


@login_required
@require_POST
def item_remove(request: HttpRequest, list_id, item_id) -> HttpResponse:
    item = get_item(request, list_id, item_id)
    services.resource_list_remove(item=item)
    messages.success(request, _("Removed from the list."))
    return redirect("handouts:detail", list_id)


@login_required
@require_POST
def set_participant(request: HttpRequest, list_id) -> HttpResponse:
    resource_list = selectors.get_list_for_user(request.user, list_id)
    form = ParticipantForm(request.POST, participants=selectors.participants_for_lists(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose a participant from the list, or none."))
        return redirect(resource_list)
    try:
        services.resource_list_set_participant(
            resource_list=resource_list, participant=form.cleaned_data["participant"]
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect(resource_list)


# Handing it over


def handout_context(resource_list: ResourceList, language: str) -> dict:
    return {
        "resource_list": resource_list,
        "entries": listing.entries_of(resource_list, language=language),
        "case_manager": services.case_manager_of(resource_list.created_by, resource_list.organization),
        "organization": resource_list.organization,
        "language": language,
    }


@login_required
@require_GET
def handout(request: HttpRequest, list_id) -> HttpResponse:
    """The printable handout, in the participant's language."""
    resource_list = selectors.get_list_for_user(request.user, list_id)
    language = resource_list.language
    link = getattr(resource_list, "link", None)
    with translation.override(language):
        context = handout_context(resource_list, language)
        context["link_url"] = services.link_url(link) if link is not None and not link.is_expired else ""
        context["link"] = link
        response = render(request, "handouts/handout.html", context)
    response["Content-Language"] = language
    return response


@login_required
@require_POST
def send(request: HttpRequest, list_id) -> HttpResponse:
    """Send the list to its participant by e-mail or text message; refused, with the reason, when they did
    not choose that way, have no consent in force, or were erased."""
    resource_list = selectors.get_list_for_user(request.user, list_id)
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose e-mail or text message."))
        return redirect(resource_list)
    channel = form.cleaned_data["channel"]
    try:
        handover = services.resource_list_send(resource_list=resource_list, channel=channel, sent_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if handover.status == Handover.Status.FAILED:
            messages.error(request, _("The list could not be sent: %(reason)s") % {"reason": handover.error})
        elif channel == Handover.Channel.EMAIL:
            messages.success(request, _("The list is on its way to the participant by e-mail."))
        else:
            messages.success(request, _("The list's private link was sent to the participant by text message."))
    return redirect(resource_list)


@login_required
@require_POST
def make_link(request: HttpRequest, list_id) -> HttpResponse:
    """Make the list's private link (or a fresh one for an expired link), to copy or print."""
    resource_list = selectors.get_list_for_user(request.user, list_id)
    services.list_link_for(resource_list)
    messages.success(request, _("The private link is ready: copy it, or print the handout that carries it."))
    return redirect(reverse("handouts:detail", args=[list_id]) + "#link")


# The participant's private page (no account)


@never_cache
@require_GET
def shared_link(request: HttpRequest, token: str) -> HttpResponse:
    """The private link: exchange its token for this browser's session, then go to the token-free page."""
    link = services.link_for_token(token)
    if link is None:
        return link_unusable(request, expired=ListLink.objects.filter(token=token).exists())
    request.session[SHARED_SESSION_KEY] = str(link.pk)
    return redirect("handouts:shared_page")


@never_cache
@require_GET
def shared_page(request: HttpRequest) -> HttpResponse:
    """The list as the participant reads it on their phone, in their language: no sign-in, nothing about them."""
    list_id = request.session.get(SHARED_SESSION_KEY)
    links = ListLink.objects.select_related("resource_list__organization", "resource_list__created_by")
    link = links.filter(pk=list_id).first() if list_id else None
    if link is None or link.is_expired:
        return link_unusable(request, expired=link is not None)
    resource_list = link.resource_list
    language = chosen_language(request) or resource_list.language
    with translation.override(language):
        context = handout_context(resource_list, language)
        context["expires_at"] = link.expires_at
        response = render(request, "handouts/shared.html", context)
    response["Content-Language"] = language
    return response


def chosen_language(request: HttpRequest) -> str | None:
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return language if language in dict(settings.LANGUAGES) else None


def link_unusable(request: HttpRequest, *, expired: bool) -> HttpResponse:
    """A clear page for a wrong (404) or expired (410) link, in English and Spanish both: it looks nothing up
    about the list's participant."""
    return render(request, "handouts/link_unusable.html", {"expired": expired}, status=410 if expired else 404)


# Favourites


@login_required
@require_POST
def favourite(request: HttpRequest, service_id) -> HttpResponse:
    """Star a service, or take the star away; back to the page the star was on."""
    selectors.require_case_manager(request.user)
    service = listed_service(request, service_id)
    starred = services.favourite_toggle(user=request.user, service=service)
    if starred:
        messages.success(request, _("%(service)s is in your favourites.") % {"service": service.name})
    else:
        messages.success(request, _("%(service)s is no longer in your favourites.") % {"service": service.name})
    return redirect(safe_next(request, service.get_absolute_url()))


# Team lists


@login_required
@require_http_methods(["GET", "POST"])
def team_lists(request: HttpRequest) -> HttpResponse:
    """The program's shared lists; a case manager starts a new one by naming it."""
    organizations = selectors.require_case_manager(request.user)
    form = TeamListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team_list = services.team_list_create(
                organization=Organization.objects.get(pk=sorted(organizations, key=str)[0]),
                name=form.cleaned_data["name"],
                created_by=request.user,
            )
        except ValidationError as error:
            form.add_error("name", error.message_dict.get("name", error.messages))
        else:
            messages.success(request, _("Team list started. Add services to it from their pages or your favourites."))
            return redirect(team_list)
    context = {
        "team_lists": TeamList.objects.filter(organization__in=organizations).annotate(item_count=Count("items")),
        "form": form,
    }
    return render(request, "handouts/team_lists.html", context)


@login_required
@require_GET
def team_list(request: HttpRequest, team_list_id) -> HttpResponse:
    team_list = selectors.get_team_list_for_user(request.user, team_list_id)
    items = list(team_list.items.select_related("service__organization"))
    on_list = {item.service_id for item in items}
    favourites = [
        favourite
        for favourite in Favourite.objects.filter(user=request.user).select_related("service__organization")
        if favourite.service_id not in on_list
    ]
    context = {
        "team_list": team_list,
        "items": items,
        "favourites": favourites,
        "current": selectors.current_list(request),
    }
    return render(request, "handouts/team_list.html", context)


@login_required
@require_POST
def team_list_add(request: HttpRequest, team_list_id) -> HttpResponse:
    team_list = selectors.get_team_list_for_user(request.user, team_list_id)
    service = listed_service(request, request.POST.get("service", ""))
    services.team_list_add(team_list=team_list, service=service)
    messages.success(request, _("%(service)s is on %(list)s.") % {"service": service.name, "list": team_list.name})
    return redirect(safe_next(request, team_list.get_absolute_url()))


@login_required
@require_POST
def team_list_remove(request: HttpRequest, team_list_id) -> HttpResponse:
    team_list = selectors.get_team_list_for_user(request.user, team_list_id)
    services.team_list_remove(team_list=team_list, service_id=request.POST.get("service", ""))
    return redirect(team_list)


@login_required
@require_POST
def team_list_use(request: HttpRequest, team_list_id) -> HttpResponse:
    """Copy a team list's services onto the current list (or a new one), to hand to a participant."""
    team_list = selectors.get_team_list_for_user(request.user, team_list_id)
    resource_list = selectors.current_list(request)
    if resource_list is None:
        resource_list = services.resource_list_create(
            organization=team_list.organization, created_by=request.user, title=team_list.name
        )
        request.session[selectors.CURRENT_LIST_SESSION_KEY] = str(resource_list.pk)
    listed = team_list.items.select_related("service").filter(
        service__status__in=[Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED]
    )
    for item in listed:
        services.resource_list_add(resource_list=resource_list, service=item.service)
    messages.success(request, _("The team list's services are on the list."))
    return redirect(resource_list)


# The participant's timeline of what was sent to them, and the slip by e-mail


@login_required
@require_GET
def participant(request: HttpRequest, participant_id) -> HttpResponse:
    """A participant's lists and everything sent to them, newest first."""
    participant = selectors.get_participant_for_lists(request.user, participant_id)
    context = {
        "participant": participant,
        "lists": participant.resource_lists.annotate(item_count=Count("items")),
        "handovers": participant.handovers.select_related("sent_by", "resource_list", "referral__service"),
    }
    return render(request, "handouts/participant.html", context)


@login_required
@require_POST
def slip_send(request: HttpRequest, referral_id) -> HttpResponse:
    """E-mail a referral's slip to the participant; only the referring program may (the slip carries their link)."""
    referral = get_referral_for_user(request.user, referral_id)
    if Side.REFERRER not in sides_of(request.user, referral):
        raise Http404("No such referral")
    referral = Referral.objects.select_related(
        "participant", "service", "location", "referring_organization", "referred_by"
    ).get(pk=referral.pk)
    try:
        services.slip_send(referral=referral, sent_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The slip is on its way to the participant by e-mail."))
    return redirect(safe_next(request, reverse("referrals:slip", args=[referral.pk])))
