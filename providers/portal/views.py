"""The agency portal: editors keep their organization's listings true; network admins review and decide.

Who may do what is decided by directory.access, through the getters at the top of this module: a
listing of another organization is a 404, as if it did not exist, and nothing about it changes.
Pages for network admins only (review, requests, settings) answer 403 to everyone else.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from directory.access import is_network_admin
from providers.access import (
    get_correction_for_editor,
    get_location_for_editor,
    get_organization_for_editor,
    get_service_at_location_for_editor,
    get_service_for_editor,
    get_service_for_user,
    organizations_edited_by,
)
from providers.models import (
    Correction,
    EditorClaim,
    JoinRequest,
    Location,
    NetworkSettings,
    Organization,
    PendingEdit,
    Service,
)
from providers.portal import forms as portal_forms
from providers.portal import selectors, services
from providers.portal.merging import KEEP_LISTING, TAKE_EDIT
from providers.portal.sections import (
    SERVICE_PAGES,
    LocationPage,
    NewLocationPage,
    NewServicePage,
    OrganizationPage,
    Page,
    ServiceAtLocationPage,
    bound_data,
    page_for_edit,
    unbound_page_for_edit,
)
from providers.views import SERVICE_DETAIL_PREFETCHES, location_listings

HISTORY_PAGE_SIZE = 100
ONLY_NETWORK_ADMINS = gettext_lazy(
    "Only network administrators review edits, decide requests and change the network's settings."
)

# --- Access: the getters per object type are in directory/access.py ----------------------------------------


def network_admin_required(view):
    @functools.wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_network_admin(request.user):
            raise PermissionDenied(ONLY_NETWORK_ADMINS)
        return view(request, *args, **kwargs)

    return wrapper


def get_or_404(model, pk, *, select: tuple[str, ...] = ()):
    """For network admins' pages: any record of the model, or 404."""
    try:
        return model.objects.select_related(*select).get(pk=pk)
    except (model.DoesNotExist, ValidationError):
        raise Http404 from None


def next_or(request: HttpRequest, default: str) -> str:
    """Go back where the form was (the dashboard or the listing), never to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- Dashboard -----------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Everything an editor keeps: their organizations' listings, with what needs doing first."""
    user = request.user
    admin = is_network_admin(user)
    context = {
        "is_admin": admin,
        "my_edits": PendingEdit.objects.filter(submitted_by=user)
        .select_related("organization", "service", "location", "reviewed_by")
        .order_by("-submitted_at")[:10],
        "my_claims": EditorClaim.objects.filter(requested_by=user)
        .select_related("organization")
        .order_by("-created_at"),
        "my_joins": JoinRequest.objects.filter(requested_by=user).order_by("-created_at"),
        "open_corrections": selectors.open_corrections_for(user).count(),
        "verify_after_days": settings.VERIFY_AFTER_DAYS,
        "capacity_choices": portal_forms.CAPACITY_CHOICES,
    }
    if admin:
        context |= {
            "organizations": Organization.objects.order_by("name"),
            "edits_waiting": PendingEdit.objects.filter(status=PendingEdit.Status.PENDING).count(),
            "claims_waiting": EditorClaim.objects.filter(status=EditorClaim.Status.PENDING).count(),
            "joins_waiting": JoinRequest.objects.filter(status=JoinRequest.Status.PENDING).count(),
            "stale_listings": Service.objects.listed().stale().count(),
            "network": NetworkSettings.load(),
        }
    else:
        context["organizations"] = selectors.organizations_with_listings(organizations_edited_by(user))
    return render(request, "providers/portal/home.html", context)


@login_required
def organization(request: HttpRequest, organization_id) -> HttpResponse:
    organization = get_organization_for_editor(request.user, organization_id)
    organization = (
        selectors.organizations_with_listings(Organization.objects.filter(pk=organization.pk))
        .prefetch_related(Prefetch("locations", queryset=Location.objects.prefetch_related("addresses")))
        .get()
    )
    context = {
        "organization": organization,
        "edits_waiting": organization.pending_edits.filter(status=PendingEdit.Status.PENDING).select_related(
            "service", "location", "submitted_by"
        ),
        "capacity_choices": portal_forms.CAPACITY_CHOICES,
        "verify_after_days": settings.VERIFY_AFTER_DAYS,
    }
    return render(request, "providers/portal/organization.html", context)


@login_required
def service(request: HttpRequest, service_id) -> HttpResponse:
    service = get_service_for_editor(request.user, service_id)
    context = {
        "service": service,
        "organization": service.organization,
        "pages": SERVICE_PAGES,
        "capacity_choices": portal_forms.CAPACITY_CHOICES,
        "corrections": service.corrections.open().select_related("reported_by"),
        "service_at_locations": service.service_at_locations.select_related("location").order_by(
            "location__name", "created_at"
        ),
        "edits": service.pending_edits.select_related("submitted_by", "reviewed_by").order_by("-submitted_at")[:10],
        "verify_after_days": settings.VERIFY_AFTER_DAYS,
    }
    return render(request, "providers/portal/service.html", context)


# --- Editing -------------------------------------------------------------------------------------------


def _edit(
    request: HttpRequest, page_class: type[Page], target, *, back_url: str, context: dict | None = None
) -> HttpResponse:
    """Show a page of edits; save it (or hold it for review) when valid and nobody changed the listing since."""
    status = 200
    conflict = None
    own_start = None
    if request.method == "POST":
        page = page_class(target, request.POST)
        version = request.POST.get("version", "")
        if page.is_valid():
            try:
                result = services.edit_submit(page=page, editor=request.user, version=version)
            except services.EditConflict as error:
                status = 409
                conflict = {
                    "message": error.message,
                    "changes": selectors.describe(error.changes),
                    "entries": selectors.changes_since(page, error.since),
                }
                # A fresh version: saving again is a deliberate choice, made with the differences in view.
                listing = page_class(target)
                version = listing.version(start=_own_start(request, listing))
            else:
                messages.success(request, _result_message(result))
                if result.published and page.creates and page.service is not None:
                    return redirect("portal:service", page.service.pk)
                return redirect(back_url)
        else:
            status = 400
    else:
        page = page_class(target)
        own_start = _own_start(request, page)
        version = page.version(start=own_start)
        if own_start is not None:
            # The editor's edits waiting for review are in the form: a new edit builds on them.
            page = page_class(target, bound_data(own_start))
    context = {
        **(context or {}),
        "page": page,
        "version": version,
        "conflict": conflict,
        "shows_own_pending": request.method != "POST" and own_start is not None,
        "invalid": status == 400,
        "back_url": back_url,
        "holds_for_review": NetworkSettings.load().holds_edits_for_review and not is_network_admin(request.user),
    }
    return render(request, "providers/portal/edit.html", context, status=status)


def _own_start(request: HttpRequest, page: Page) -> dict[str, list[str]] | None:
    """The form an editor's edit starts from when the network reviews it: their own waiting edits in it."""
    if not NetworkSettings.load().holds_edits_for_review or is_network_admin(request.user):
        return None  # published at once: the form shows the listing
    return services.own_pending_start(page, request.user)


def _result_message(result: services.EditResult) -> str:
    if not result.changes and result.pending_edit is None:
        return _("Nothing was changed.")
    if result.published:
        return _("Saved. The directory shows your changes now.")
    return _("Sent for review. A network administrator publishes it; their answer will show here.")


@login_required
def organization_edit(request: HttpRequest, organization_id) -> HttpResponse:
    organization = get_organization_for_editor(request.user, organization_id)
    back = reverse("portal:organization", args=[organization.pk])
    return _edit(request, OrganizationPage, organization, back_url=back, context={"organization": organization})


@login_required
def service_edit(request: HttpRequest, service_id, section: str) -> HttpResponse:
    service = get_service_for_editor(request.user, service_id)
    page_class = next((page for page in SERVICE_PAGES if page.key == section), None)
    if page_class is None:
        raise Http404("No such page")
    back = reverse("portal:service", args=[service.pk])
    context = {"organization": service.organization, "service": service, "pages": SERVICE_PAGES}
    return _edit(request, page_class, service, back_url=back, context=context)


@login_required
def service_location_edit(request: HttpRequest, service_id, location_id) -> HttpResponse:
    """The service's own hours and closures at one of its locations, and that location's phones."""
    service_at_location = get_service_at_location_for_editor(request.user, service_id, location_id)
    service = service_at_location.service
    back = reverse("portal:service", args=[service.pk])
    context = {
        "organization": service.organization,
        "service": service,
        "location": service_at_location.location,
        "pages": SERVICE_PAGES,
    }
    return _edit(request, ServiceAtLocationPage, service_at_location, back_url=back, context=context)


@login_required
def service_new(request: HttpRequest, organization_id) -> HttpResponse:
    organization = get_organization_for_editor(request.user, organization_id)
    back = reverse("portal:organization", args=[organization.pk])
    return _edit(request, NewServicePage, organization, back_url=back, context={"organization": organization})


@login_required
def location_edit(request: HttpRequest, location_id) -> HttpResponse:
    location = get_location_for_editor(request.user, location_id)
    back = reverse("portal:organization", args=[location.organization_id])
    context = {"organization": location.organization, "location": location}
    return _edit(request, LocationPage, location, back_url=back, context=context)


@login_required
def location_new(request: HttpRequest, organization_id) -> HttpResponse:
    organization = get_organization_for_editor(request.user, organization_id)
    back = reverse("portal:organization", args=[organization.pk])
    return _edit(request, NewLocationPage, organization, back_url=back, context={"organization": organization})


# --- One click: capacity and "still accurate" ------------------------------------------------------------


@require_POST
@login_required
def capacity(request: HttpRequest, service_id) -> HttpResponse:
    service = get_service_for_editor(request.user, service_id)
    form = portal_forms.CapacityForm(request.POST)
    if form.is_valid():
        service = services.capacity_set(
            service=service, capacity_status=form.cleaned_data["capacity_status"], changed_by=request.user
        )
        messages.success(
            request,
            _("%(service)s: %(capacity)s, as of now.")
            % {"service": service.name, "capacity": service.get_capacity_status_display()},
        )
    else:
        messages.error(request, _("Choose accepting, waitlist or not accepting."))
    return redirect(next_or(request, reverse("portal:service", args=[service.pk])))


@login_required
def confirm(request: HttpRequest, service_id) -> HttpResponse:
    """The page a reminder links to: the listing at a glance, and one button to say it is still accurate."""
    service = get_service_for_editor(request.user, service_id)
    if request.method == "POST":
        service = services.listing_confirm(service=service, confirmed_by=request.user)
        messages.success(request, _("Thank you: %(service)s is marked as verified today.") % {"service": service.name})
        return redirect(next_or(request, reverse("portal:service", args=[service.pk])))
    prefetch_related_objects([service], *SERVICE_DETAIL_PREFETCHES)
    context = {
        "service": service,
        "organization": service.organization,
        "locations": location_listings(service, timezone.localdate()),
        "pages": SERVICE_PAGES,
        "verify_after_days": settings.VERIFY_AFTER_DAYS,
    }
    return render(request, "providers/portal/confirm.html", context)


# --- History -------------------------------------------------------------------------------------------


@login_required
def history(request: HttpRequest, service_id) -> HttpResponse:
    service = get_service_for_editor(request.user, service_id)
    records = Paginator(selectors.listing_history(service), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "service": service,
        "organization": service.organization,
        "records": records,
        "entries": selectors.history_entries(records),
    }
    return render(request, "providers/portal/history.html", context)


@login_required
def organization_history(request: HttpRequest, organization_id) -> HttpResponse:
    organization = get_organization_for_editor(request.user, organization_id)
    records = Paginator(selectors.organization_history(organization), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"organization": organization, "records": records, "entries": selectors.history_entries(records)}
    return render(request, "providers/portal/history.html", context)


# --- Corrections ---------------------------------------------------------------------------------------


@require_POST
@login_required
def report_problem(request: HttpRequest, service_id) -> HttpResponse:
    """A case manager's "report a problem" on a service page: the listing's editors see it in their portal."""
    service = get_service_for_user(request.user, service_id)
    form = portal_forms.ReportProblemForm(request.POST)
    if form.is_valid():
        services.correction_report(
            service=service, reported_by=request.user, kind=form.cleaned_data["kind"], note=form.cleaned_data["note"]
        )
        messages.success(request, _("Thank you. The agency will see your report and correct its listing."))
    else:
        messages.error(request, _("Choose what is wrong with the listing."))
    return redirect(service.get_absolute_url())


@login_required
def corrections(request: HttpRequest) -> HttpResponse:
    """Open corrections on the listings the person edits: for a network admin, every one that stays open."""
    context = {
        "corrections": selectors.open_corrections_for(request.user),
        "resolved": Correction.objects.filter(
            resolved_at__isnull=False, service__organization__in=organizations_edited_by(request.user)
        )
        .select_related("service__organization", "resolved_by")
        .order_by("-resolved_at")[:20],
        "is_admin": is_network_admin(request.user),
        "form": portal_forms.ResolveCorrectionForm(),
    }
    return render(request, "providers/portal/corrections.html", context)


@require_POST
@login_required
def correction_resolve(request: HttpRequest, correction_id) -> HttpResponse:
    correction = get_correction_for_editor(request.user, correction_id)
    form = portal_forms.ResolveCorrectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(services.RESOLUTION_NEEDS_NOTE)
        services.correction_resolve(
            correction=correction, resolved_by=request.user, note=form.cleaned_data["resolution_note"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as resolved."))
    return redirect(next_or(request, reverse("portal:corrections")))


# --- Review (network admins) ---------------------------------------------------------------------------


@network_admin_required
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "providers/portal/review_queue.html", {"groups": selectors.review_queue()})


@network_admin_required
def review_edit(request: HttpRequest, edit_id) -> HttpResponse:
    """An edit held for review, field by field against the listing as it is now; approve or reject it."""
    edit = get_or_404(PendingEdit, edit_id, select=("organization", "service", "location", "submitted_by"))
    form = portal_forms.DecisionForm(request.POST or None)
    choices = portal_forms.conflict_choices(request.POST)
    status, conflict_message = 200, ""
    if request.method == "POST" and edit.status == PendingEdit.Status.PENDING and form.is_valid():
        try:
            if form.approves:
                services.edit_approve(
                    edit=edit,
                    reviewer=request.user,
                    version=request.POST.get("version", ""),
                    note=form.cleaned_data["note"],
                    choices=choices,
                )
                messages.success(request, _("Approved: the directory shows the edit now."))
            else:
                services.edit_reject(edit=edit, reviewer=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("Rejected. The editor sees your note."))
            return redirect("portal:review_queue")
        except services.EditConflict as error:
            status, conflict_message = 409, error.message
        except ValidationError as error:
            status = 400
            for message in error.messages:
                form.add_error(None, message)
    listing = unbound_page_for_edit(edit)
    # Read as the approval reads it, rebuilt bound to the edit, so that the version and the warning agree with it.
    reviewed = page_for_edit(edit)
    current_state = reviewed.snapshot()
    valid, changes_now, conflicts = False, [], []
    if edit.status == PendingEdit.Status.PENDING:
        # The edit's changes written onto the listing as it is, conflicts as chosen so far (the listing's value
        # until the reviewer takes the edit's).
        merged = services.edit_merge(edit, choices=choices)
        page = page_for_edit(edit, merged.data)
        valid = not merged.gone and page.is_valid()
        # What approving would change now: the merged form saved on the listing as it is (then undone).
        changes_now = selectors.describe(services.preview(page)) if valid else []
        conflicts = selectors.conflict_rows(listing, merged, services.rival_edits(edit, multiple=merged.multiple))
    context = {
        "edit": edit,
        "form": form,
        "conflict_message": conflict_message,
        "valid": valid,
        "page": listing,
        "submitted_changes": selectors.describe(edit.changes),
        "changes_now": changes_now,
        "conflicts": conflicts,
        "take_edit": TAKE_EDIT,
        "keep_listing": KEEP_LISTING,
        "changed_since_submitted": not listing.creates and edit.base_state != current_state,
        "version": reviewed.version(start={}),  # a reviewer's version needs no form of its own
    }
    return render(request, "providers/portal/review_edit.html", context, status=status)


@network_admin_required
def requests(request: HttpRequest) -> HttpResponse:
    """Requests to edit an organization or to join the network, waiting for a decision."""
    context = {
        "claims": EditorClaim.objects.filter(status=EditorClaim.Status.PENDING).select_related(
            "requested_by", "organization"
        ),
        "joins": JoinRequest.objects.filter(status=JoinRequest.Status.PENDING).select_related(
            "requested_by", "service_category__parent"
        ),
        "decided": _recently_decided(),
    }
    return render(request, "providers/portal/requests.html", context)


def _recently_decided() -> list:
    claims = EditorClaim.objects.exclude(status=EditorClaim.Status.PENDING).select_related(
        "requested_by", "organization", "decided_by"
    )
    joins = JoinRequest.objects.exclude(status=JoinRequest.Status.PENDING).select_related("requested_by", "decided_by")
    decided = [*claims.order_by("-decided_at")[:10], *joins.order_by("-decided_at")[:10]]
    return sorted(decided, key=lambda request: request.decided_at, reverse=True)[:10]


@require_POST
@network_admin_required
def claim_decide(request: HttpRequest, claim_id) -> HttpResponse:
    claim = get_or_404(EditorClaim, claim_id)
    return _decide(request, claim, services.claim_decide, "claim")


@require_POST
@network_admin_required
def join_decide(request: HttpRequest, join_id) -> HttpResponse:
    join = get_or_404(JoinRequest, join_id)
    return _decide(request, join, services.join_decide, "join")


def _decide(request: HttpRequest, item, decide, keyword: str) -> HttpResponse:
    form = portal_forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("portal:requests")
    try:
        decide(**{keyword: item}, decided_by=request.user, approve=form.approves, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Approved.") if form.approves else _("Rejected. The person sees your note."))
    return redirect("portal:requests")


@network_admin_required
def network_settings(request: HttpRequest) -> HttpResponse:
    network = NetworkSettings.load()
    form = portal_forms.NetworkSettingsForm(request.POST or None, instance=network)
    if request.method == "POST" and form.is_valid():
        services.network_settings_update(
            updated_by=request.user,
            publishing_mode=form.cleaned_data["publishing_mode"],
            hide_unverified_after_days=form.cleaned_data["hide_unverified_after_days"],
        )
        messages.success(request, _("Network settings saved."))
        return redirect("portal:network_settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "providers/portal/network_settings.html", {"form": form}, status=status)


# --- Claims and joining (any signed-in person) -----------------------------------------------------------------


@login_required
def claim(request: HttpRequest) -> HttpResponse:
    """Ask to become an editor of an organization already in the directory."""
    initial = {"organization": request.GET.get("organization")} if request.method == "GET" else None
    form = portal_forms.ClaimForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_request(
                requested_by=request.user,
                organization=form.cleaned_data["organization"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Request sent. A network administrator will decide; the answer shows here."))
            return redirect("portal:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "providers/portal/claim.html", {"form": form}, status=status)


@login_required
def join(request: HttpRequest) -> HttpResponse:
    """A new agency asks to join the network with its first listing, held for a network admin's review."""
    form = portal_forms.JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.join_request(requested_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Request sent. A network administrator will review your listing."))
            return redirect("portal:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "providers/portal/join.html", {"form": form}, status=status)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
