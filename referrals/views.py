"""The referral pages: refer, the case manager's dashboard, the provider's inbox, a referral's page and
its printable slip, and the participant's private feedback page.

Every page finds its referral, and the reader's sides on it, once through selectors.get_referral_and_sides
(404 for anyone it is not shared with), and changes it only through services.py, passing both on.
"""

import contextlib
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from providers.access import get_service_for_user
from providers.models import Service
from providers.translations import listing_text
from providers.views import SERVICE_DETAIL_PREFETCHES, location_listings
from referrals import access_log, copies, erasure, selectors, services
from referrals.forms import (
    DashboardFilterForm,
    ErasureForm,
    FeedbackForm,
    MoveForm,
    OutcomeForm,
    ReferForm,
    SearchProfileForm,
)
from referrals.models import (
    AccessRecord,
    Feedback,
    Participant,
    ParticipantErasure,
    ParticipantLink,
    Referral,
    ReferralEvent,
)
from referrals.selectors import Side, get_referral_and_sides, get_referral_for_user

S = Referral.Status
PAGE_SIZE = 25
READS_PAGE_SIZE = 50
# Query parameters that belong to the refer page itself, not to the search it came from.
REFER_PARAMETERS = ("service", "location", "participant", "consent")
# The moves the pages offer as buttons. "Received" happens by opening the referral; "closed" by
# recording the outcome.
ACTION_ORDER = [S.ACCEPTED, S.DECLINED, S.SCHEDULED, S.COMPLETED, S.NOT_COMPLETED, S.CANCELLED]
# The templates compare statuses by name (Status.ACCEPTED), never by bare string.
CHOICES = {"Status": S, "Urgency": Referral.Urgency}
ROW_RELATIONS = ("participant", "service", "need__parent", "receiving_organization", "referring_organization")


# Refer


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest) -> HttpResponse:
    """Refer a participant to a service: pick or add the participant, record consent, send."""
    service = get_service_for_user(request.user, request.GET.get("service", ""))
    participant = None
    if request.GET.get("participant"):
        participant = selectors.get_participant_for_referrer(request.user, request.GET["participant"])
    organizations = list(selectors.referring_organizations(request.user))
    if participant is None and not organizations:
        raise PermissionDenied(services.NOT_REFERRER)
    consent = None
    if participant is not None and request.GET.get("consent") != "new":
        consent = selectors.covering_consent(participant, service.organization)
    form_options = {
        "service": service,
        "new_participant": participant is None,
        "organizations": organizations,
        "consent": consent,
    }
    # The finder posts what it looks for, so that no name or case id lands in a request log.
    finding = request.method == "POST" and "find" in request.POST and participant is None
    find = request.POST.get("find", "").strip()[:100] if finding else ""
    if request.method == "POST" and not finding:
        form = ReferForm(request.POST, **form_options)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = services.refer(
                    referred_by=request.user,
                    service=service,
                    need=data["need"],
                    location=data.get("location"),
                    note=data["note"],
                    urgency=data["urgency"],
                    share_contact=data.get("share_contact", False),
                    participant=participant,
                    new_participant=form.participant_values(),
                    organization=data.get("organization") or (organizations[0] if organizations else None),
                    consent=form.consent_values(),
                    step_id=request.GET.get("step") or None,  # from the plan's "find providers"
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    _("Referral sent to %(organization)s.") % {"organization": service.organization.name},
                )
                return redirect(referral)
    else:
        form = ReferForm(initial=refer_initial(request.GET, service), **form_options)
    found = selectors.find_participants(request.user, find) if finding else []
    context = {
        "service": service,
        "participant": participant,
        "consent": consent,
        "form": form,
        "find": find,
        # Picked by the participant's opaque id: the only thing about them the address carries.
        "found": [(match, query_url(request.GET, participant=match.pk)) for match in found],
        "choose_another_url": query_url(request.GET, participant=None, consent=None),
        "new_consent_url": query_url(request.GET, consent="new"),
        "back_url": search_url(request.GET) or service.get_absolute_url(),
        "back_to_search": bool(search_url(request.GET)),
    }
    return render(request, "referrals/refer.html", context)


def refer_initial(query: QueryDict, service: Service) -> dict:
    """Carry the search's profile over: the need, the ZIP and the language into their fields.

    Nothing else of the search (age, household, income, circumstances) goes into the note: the note
    reaches the provider, and those eligibility facts are the participant's to share, not the search's.
    """
    data = query.copy()
    data["speaks"] = ",".join(query.getlist("speaks"))  # the search page sends one checkbox per language
    facts = SearchProfileForm(data).facts()
    categories = list(service.categories.order_by("name"))
    need = next((term for term in categories if term.code == facts.get("category")), None)
    initial = {"need": need or (categories[0] if categories else None)}
    if facts.get("zip"):
        initial["zip_code"] = facts["zip"]
    if "es" in facts.get("speaks", "").split(","):
        initial["preferred_language"] = "es"
    if query.get("location"):
        initial["location"] = query["location"]
    return initial


def query_url(query: QueryDict, **changes) -> str:
    """Return this page's URL with some parameters changed (None: removed)."""
    parameters = query.copy()
    for name, value in changes.items():
        parameters.pop(name, None)
        if value is not None:
            parameters[name] = str(value)
    return f"?{parameters.urlencode()}"


def search_url(query: QueryDict) -> str:
    """Return the search the refer page was opened from, or "" when it came from elsewhere."""
    parameters = query.copy()
    for name in REFER_PARAMETERS:
        parameters.pop(name, None)
    if not parameters:
        return ""
    return f"{reverse('search:page')}?{parameters.urlencode()}"


# The dashboard and the inbox


@dataclass
class Row:
    referral: Referral
    overdue: bool
    moves: list[str]


def rows_of(referrals, now, sides: set[str]) -> list[Row]:
    return [
        Row(
            referral=referral,
            overdue=referral.is_overdue(now),
            moves=offered_moves(referral, sides),
        )
        for referral in referrals
    ]


def offered_moves(referral: Referral, sides: set[str]) -> list[str]:
    allowed = services.allowed_moves(referral, sides)
    return [move for move in ACTION_ORDER if move in allowed]


def tabs(request: HttpRequest, labels: dict, counts: dict, current: str) -> list[dict]:
    return [
        {
            "key": key,
            "label": label,
            "count": counts.get(key),
            "url": query_url(request.GET, tab=key, page=None),
            "current": key == current,
        }
        for key, label in labels.items()
    ]


def page_of(request: HttpRequest, referrals: QuerySet[Referral]):
    page = Paginator(referrals.select_related(*ROW_RELATIONS).order_by("-sent_at"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.previous_url = query_url(request.GET, page=page.previous_page_number()) if page.has_previous() else ""
    page.next_url = query_url(request.GET, page=page.next_page_number()) if page.has_next() else ""
    return page


# The dashboard's participant filter (a name or a case id) is kept in the session, never in the address.
PARTICIPANT_FILTER_KEY = "referrals_dashboard_participant"


@login_required
@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """The case manager's referrals: open, overdue, waiting for an outcome, closed (a fixed number of queries).

    The filters post: status and service come back in the address, the participant stays in the session.
    """
    now = timezone.now()
    referrals = selectors.sent_by(request.user)
    filters = selectors.dashboard_filters(now)
    query = request.POST if request.method == "POST" else request.GET
    tab = query.get("tab")
    if tab not in filters:
        tab = selectors.DashboardTab.OPEN
    referred_to = Service.objects.filter(referrals__in=referrals).distinct().order_by("name")
    services_offered = [(str(pk), name) for pk, name in referred_to.values_list("pk", "name")]
    if request.method == "POST":
        form = DashboardFilterForm(request.POST, services=services_offered)
        if "clear" in request.POST:
            request.session.pop(PARTICIPANT_FILTER_KEY, None)
            return redirect(f"{request.path}?{QueryDict.fromkeys(['tab'], tab).urlencode()}")
        if form.is_valid():
            request.session[PARTICIPANT_FILTER_KEY] = form.cleaned_data["participant"]
            kept = {"tab": tab, "status": form.cleaned_data["status"], "service": form.cleaned_data["service"]}
            address = QueryDict(mutable=True)
            address.update({name: value for name, value in kept.items() if value})
            return redirect(f"{request.path}?{address.urlencode()}")
    else:
        data = request.GET.copy()
        data["participant"] = request.session.get(PARTICIPANT_FILTER_KEY, "")
        form = DashboardFilterForm(data, services=services_offered)
    counts = selectors.tab_counts(referrals, filters)
    shown = selectors.in_tab(referrals, filters[tab])
    if form.is_valid():
        shown = selectors.filtered(shown, **form.cleaned_data)
    page = page_of(request, shown)
    context = {
        "tabs": tabs(request, selectors.DashboardTab.LABELS, counts, tab),
        "tab": tab,
        "form": form,
        "page": page,
        "rows": rows_of(page.object_list, now, {Side.REFERRER}),
        "filtered": form.is_valid() and any(form.cleaned_data.values()),
        **CHOICES,
    }
    return render(request, "referrals/dashboard.html", context)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The provider's referrals: new, accepted or scheduled, to report, finished, each with its actions."""
    now = timezone.now()
    referrals = selectors.received_by(request.user)
    filters = selectors.inbox_filters(now)
    counts = selectors.tab_counts(referrals, {**filters, "overdue": selectors.dashboard_filters(now)["overdue"]})
    tab = request.GET.get("tab")
    if tab not in filters:
        tab = selectors.InboxTab.NEW
    page = page_of(request, referrals.filter(filters[tab]))
    context = {
        "tabs": tabs(request, selectors.InboxTab.LABELS, counts, tab),
        "tab": tab,
        "overdue_count": counts["overdue"],
        "page": page,
        "rows": rows_of(page.object_list, now, {Side.PROVIDER}),
        "decline_reasons": Referral.DeclineReason.choices,
        "not_completed_reasons": Referral.NotCompletedReason.choices,
        "next": request.get_full_path(),
        **CHOICES,
    }
    return render(request, "referrals/inbox.html", context)


# One referral


@dataclass
class TimelineEntry:
    event: ReferralEvent
    actor: str
    reason: str


def reason_label(event: ReferralEvent) -> str:
    reasons = {S.DECLINED: Referral.DeclineReason, S.NOT_COMPLETED: Referral.NotCompletedReason}
    choices = reasons.get(event.new_status)
    if choices is None or event.reason not in choices.values:
        return event.reason
    return choices(event.reason).label


def person_name(user) -> str:
    if user is None:
        return _("someone no longer in the network")
    return user.get_full_name() or user.get_username()


@login_required
def detail(request: HttpRequest, referral_id) -> HttpResponse:
    """A referral: who, what, where, its timeline, what the viewer may do next, and how it turned out."""
    referral, sides = get_referral_and_sides(request.user, referral_id)
    if Side.PROVIDER in sides and referral.status == S.SENT:
        # A GET with a side effect, on purpose: the provider opening the referral is what "received"
        # means. It is idempotent (the service ignores a second "received") and recorded as an event.
        # If someone at the provider answered it in the meantime, there is nothing to mark (the move
        # has read the referral's status now all the same).
        with contextlib.suppress(ValidationError):
            services.referral_move(referral=referral, sides=sides, actor=request.user, to_status=S.RECEIVED)
    access_log.reads_record(reader=request.user, door=AccessRecord.Door.REFERRAL_PAGE, things=[referral])
    events = referral.events.select_related("actor")
    feedback = Feedback.objects.filter(referral=referral).select_related("recorded_by").first()
    is_referrer = bool(sides & {Side.REFERRER, Side.ADMIN})
    context = {
        "referral": referral,
        "participant": referral.participant,
        # Two small queries, for the referring side only.
        "erasure": ParticipantErasure.objects.filter(participant_id=referral.participant_id).first()
        if is_referrer
        else None,
        "may_erase": is_referrer and erasure.may_erase(request.user, referral.participant),
        "show_contact": referral.share_contact or is_referrer,
        "is_referrer": is_referrer,
        "is_provider": Side.PROVIDER in sides,
        "overdue": referral.is_overdue(),
        "timeline": [TimelineEntry(event, person_name(event.actor), reason_label(event)) for event in events],
        "moves": offered_moves(referral, sides),
        "decline_reasons": Referral.DeclineReason.choices,
        "not_completed_reasons": Referral.NotCompletedReason.choices,
        "feedback": feedback,
        "outcome_form": outcome_form(referral, feedback) if is_referrer else None,
        "next": request.get_full_path(),
        **CHOICES,
    }
    return render(request, "referrals/detail.html", context)


def outcome_form(referral: Referral, feedback: Feedback | None) -> OutcomeForm | None:
    """The referrer's outcome form, once the provider has finished (and to change it after closing)."""
    if referral.status not in Referral.FINISHED_OR_CLOSED:
        return None
    if feedback is None or not feedback.need_met:
        return OutcomeForm()
    return OutcomeForm(initial={"need_met": feedback.need_met, "note": feedback.outcome_note})


def safe_next(request: HttpRequest, referral: Referral) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return referral.get_absolute_url()


def error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You cannot make this change.")


@login_required
@require_POST
def move(request: HttpRequest, referral_id) -> HttpResponse:
    """Accept, decline, schedule, complete, not complete or cancel, then go back where the button was."""
    referral, sides = get_referral_and_sides(request.user, referral_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect(safe_next(request, referral))
    data = form.cleaned_data
    try:
        moved = services.referral_move(
            referral=referral,
            sides=sides,
            actor=request.user,
            to_status=data["to_status"],
            reason=data["reason"],
            note=data["note"],
            appointment_at=data["appointment_at"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("%(participant)s → %(service)s: %(status)s.")
            % {
                "participant": referral.participant.display_name,
                "service": referral.service.name,
                "status": moved.get_status_display().lower(),
            },
        )
    return redirect(safe_next(request, referral))


@login_required
@require_POST
def outcome(request: HttpRequest, referral_id) -> HttpResponse:
    """The referrer records whether the need was met, which closes the referral."""
    referral, sides = get_referral_and_sides(request.user, referral_id)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the need was met."))
        return redirect(referral)
    try:
        services.referral_outcome_record(
            referral=referral,
            sides=sides,
            actor=request.user,
            need_met=form.cleaned_data["need_met"],
            note=form.cleaned_data["note"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Outcome recorded; the referral is closed."))
    return redirect(referral)


@login_required
def reads(request: HttpRequest, referral_id) -> HttpResponse:
    """Who opened a referral, when and through which door: for both its organizations and network admins.

    The page names no participant, so that looking at the log is not itself a read of their data.
    """
    referral = get_referral_for_user(request.user, referral_id)
    page = Paginator(access_log.reads_of_referral(referral), READS_PAGE_SIZE).get_page(request.GET.get("page"))
    page.previous_url = query_url(request.GET, page=page.previous_page_number()) if page.has_previous() else ""
    page.next_url = query_url(request.GET, page=page.next_page_number()) if page.has_next() else ""
    rows = [
        {
            "record": record,
            "reader": person_name(record.reader),
            "organizations": ", ".join(
                sorted(membership.organization.name for membership in record.reader.memberships.all())
            )
            if record.reader
            else "",
        }
        for record in page.object_list
    ]
    context = {
        "referral": referral,
        "page": page,
        "rows": rows,
        "window_minutes": settings.ACCESS_LOG_WINDOW_MINUTES,
    }
    return render(request, "referrals/reads.html", context)


# The slip


def feedback_url(link: ParticipantLink) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("referrals:feedback", args=[link.token])


def qr_svg(url: str) -> str:
    """Return the URL's QR code as inline SVG: no style attributes, so the CSP holds."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, omitsize=True, svgclass="slip__qr-code", lineclass=None, title=_("QR code"))
    if "style=" in svg:  # segno draws with presentation attributes; should that change, fail loudly
        raise ValueError("The QR code's SVG has a style attribute, which the CSP forbids.")
    return svg


@login_required
def slip(request: HttpRequest, referral_id) -> HttpResponse:
    """The participant's printable slip, in their language: where to go, when, what to bring, and
    their private link to say how it went. Only the referring program prints it (it carries the link).
    """
    referral, sides = get_referral_and_sides(request.user, referral_id)
    if not sides & {Side.REFERRER, Side.ADMIN}:
        raise Http404("No such referral")
    access_log.reads_record(reader=request.user, door=AccessRecord.Door.SLIP, things=[referral])
    service = referral.service
    prefetch_related_objects([service], *SERVICE_DETAIL_PREFETCHES)
    language = referral.participant.preferred_language
    with translation.override(language):
        listings = location_listings(service, timezone.localdate())
        if referral.location_id is not None:
            listings = [place for place in listings if place.location and place.location.pk == referral.location_id]
        for place in listings:
            place.phones = place.phones or list(service.phones.all())  # the service's own number, if no other
        link = ParticipantLink.objects.filter(referral=referral).first()
        url = feedback_url(link) if link is not None else ""
        context = {
            "referral": referral,
            "service": service,
            "places": listings,
            "documents": list(service.required_documents.all()),
            "feedback_url": url,
            "link": link,
            "qr_code": mark_safe(qr_svg(url)) if url else "",  # segno's own SVG, checked in qr_svg
            "case_manager": case_manager_contact(referral),
        }
        html = render_to_string("referrals/slip.html", context, request=request)
    response = HttpResponse(html)
    response["Content-Language"] = language
    return response


def case_manager_contact(referral: Referral) -> dict:
    """Return how the participant reaches whoever referred them: the case manager's name and e-mail, and
    their program's name and main phone (people have no phone of their own here). A query for the phone.
    """
    program = referral.referring_organization
    user = referral.referred_by
    return {
        "name": (user.get_full_name() or user.get_username()) if user is not None else "",
        "email": user.email if user is not None else "",
        "program": program.name,
        "phone": program.phones.order_by("created_at").first(),
    }


# The participant's feedback page (no account)

# The referral whose link this browser opened: the token is exchanged for it on the first visit, so that
# only that one request carries the token (the log filter in directory/settings.py hides it there too).
FEEDBACK_SESSION_KEY = "referrals_feedback_referral"


@never_cache
@require_http_methods(["GET", "POST"])
def participant_feedback_link(request: HttpRequest, token: str) -> HttpResponse:
    """The private link on the slip: exchange its token for this browser's session, then go to the
    token-free page. A wrong or expired link gets a friendly page and records nothing."""
    link = services.participant_link_for_token(token)
    if link is None:
        return link_unusable(request, ParticipantLink.objects.filter(token=token).first())
    request.session[FEEDBACK_SESSION_KEY] = str(link.pk)
    if request.method == "POST":
        return feedback_page(request, link)  # a form opened at the token's address before the exchange
    return redirect("referrals:feedback_page")


@never_cache
@require_http_methods(["GET", "POST"])
def participant_feedback(request: HttpRequest) -> HttpResponse:
    """The participant says whether they got help, on the page their private link opened.

    No login; the page shows the service's name and nothing else about the referral. Without a link
    opened in this browser, or once it has expired, a friendly page that records nothing.
    """
    referral_id = request.session.get(FEEDBACK_SESSION_KEY)
    link = ParticipantLink.objects.select_related("referral__service").filter(pk=referral_id).first()
    if link is None or link.is_expired:
        return link_unusable(request, link)
    return feedback_page(request, link)


def feedback_page(request: HttpRequest, link: ParticipantLink) -> HttpResponse:
    referral = link.referral
    language = chosen_language(request) or Participant.objects.values_list("preferred_language", flat=True).get(
        pk=referral.participant_id
    )
    with translation.override(language):
        feedback = Feedback.objects.filter(referral=referral).first()
        if request.method == "POST":
            form = FeedbackForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.participant_answer(
                        token=link.token,
                        connected=data["connected"],
                        rating=data["rating"],
                        barrier=data["barrier"],
                        comment=data["comment"],
                        listing_problem=data["listing_problem"],
                    )
                except ValidationError as error:
                    if services.participant_link_for_token(link.token) is None:
                        return link_unusable(request, link)  # it expired while the form was open
                    form.add_service_errors(error)
                else:
                    messages.success(request, _("Thank you: your answer is saved."))
                    return redirect("referrals:feedback_page")
        else:
            form = FeedbackForm(initial=FeedbackForm.initial_from(feedback))
        context = {
            "service_name": listing_text(referral.service, "name").text,  # the Spanish name for a Spanish reader
            "form": form,
            "answered": feedback is not None and feedback.participant_answered_at is not None,
            "expires_at": link.expires_at,
        }
        response = render(request, "referrals/feedback.html", context)
    response["Content-Language"] = language
    return response


def chosen_language(request: HttpRequest) -> str | None:
    """The language the visitor picked with the site's language switch, if they did (it sets a cookie)."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return language if language in dict(settings.LANGUAGES) else None


def link_unusable(request: HttpRequest, link: ParticipantLink | None) -> HttpResponse:
    """A friendly page for a wrong (404) or expired (410) link, in English and Spanish both: it looks up
    nothing about the link's participant (not even their language), the visitor's chosen language first."""
    expired = link is not None
    languages = ["en", "es"]
    if chosen_language(request) == "es":
        languages.reverse()
    pages = []
    for level, language in enumerate(languages, start=1):
        with translation.override(language):
            context = {"expired": expired, "level": level}
            pages.append(render_to_string("referrals/_feedback_unusable_text.html", context))
    with translation.override(languages[0]):
        context = {"expired": expired, "pages": pages}
        return render(request, "referrals/feedback_unusable.html", context, status=410 if expired else 404)


# Erasing a participant's personal data, on their request


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, participant_id) -> HttpResponse:
    """A case manager of the participant's organization erases their personal data, saying why, after a
    confirmation; the referrals stay, de-identified. 404 for who cannot see the participant, 403 for the rest."""
    participant = erasure.get_participant_to_erase(request.user, participant_id)
    done = getattr(participant, "erasure", None)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("referrals:dashboard")
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and done is None and form.is_valid():
        try:
            erasure.participant_erase(
                participant_id=participant.pk, reason=form.cleaned_data["reason"], erased_by=request.user
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The participant's personal data is erased. Their referrals stay, without it."))
            return redirect(back)
    context = {
        "participant": participant,
        "erasure": done,
        "form": form,
        "next": back,
        "referral_count": participant.referrals.count(),
    }
    return render(request, "referrals/erase.html", context)


@login_required
@require_GET
@never_cache
def participant_copy(request: HttpRequest, participant_id) -> HttpResponse:
    """What the network holds on a participant, for the participant who asks: a printable page, or a JSON
    download with ?format=json. Only a case manager of their own organization (403 for the other side of a
    referral and network admins, 404 for others); the copy is a read of the participant and of each referral."""
    participant = copies.get_participant_for_copy(request.user, participant_id)
    referrals = copies.referrals_of(participant)
    consents = list(participant.consents.select_related("organization"))
    access_log.reads_record(
        reader=request.user, door=AccessRecord.Door.PARTICIPANT_COPY, things=[participant, *referrals]
    )
    sections = copies.sections_of(participant)
    if request.GET.get("format") == "json":
        data = copies.as_json(participant, referrals, consents, sections)
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="participant-{participant.pk}.json"'
        return response
    context = {
        "participant": participant,
        "referrals": referrals,
        "consents": consents,
        "sections": sections,
        "today": timezone.localdate(),
    }
    return render(request, "referrals/participant_copy.html", context)
