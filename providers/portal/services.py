"""Every write of the agency portal; views and commands call these, each in one transaction.

Edits go through ``edit_submit``: published at once with their history, or held for a network admin's
review, as the network's settings say; the editor of a held edit hears of the decision by e-mail.
Capacity and "still accurate" always go live at once. Nothing here deletes a listing: a service is
closed by its status, and its history stays.

Every save goes through the models, so providers.signals keeps ``modified_at`` and the search index
current after the transaction commits, for approvals as for direct edits.
"""

import dataclasses
import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.access import is_network_admin
from directory.models import Membership
from providers.models import (
    ChangeRecord,
    Correction,
    EditorClaim,
    JoinRequest,
    NetworkSettings,
    Organization,
    PendingEdit,
    Phone,
    Service,
    VerificationReminder,
)
from providers.portal import notifications
from providers.portal.merging import (
    FieldEdit,
    FormValues,
    Merge,
    edited_fields,
    form_data,
    merge,
    multiple_fields,
)
from providers.portal.sections import (
    PAGES,
    Change,
    Opened,
    Page,
    bound_data,
    diff,
    page_for_edit,
    plain,
    unbound_page_for_edit,
)

EDIT_CONFLICT = _(
    "This listing changed since you opened it. Compare the differences below with your edit, "
    "then save again to keep your version."
)
EDIT_EXPIRED = _("This form could not be checked against the listing. Look at the listing as it is now and save again.")
EDIT_NO_LONGER_FITS = _(
    "This edit no longer fits the listing as it is now. Reject it with a note so that the agency edits it again."
)
ALREADY_REVIEWED = _("This edit was already reviewed.")
CHOOSE_IN_CONFLICTS = _(
    "Another change touches the same field as this edit. Choose, for each such field, which value to publish."
)
REJECTION_NEEDS_NOTE = _("Say why, so that the agency knows what to change.")
RESOLUTION_NEEDS_NOTE = _("Say what was done about it.")
ALREADY_RESOLVED = _("This correction was already resolved.")
ALREADY_DECIDED = _("This request was already decided.")
ALREADY_MEMBER = _("You already belong to this organization. Ask a network administrator to change your role.")
CLAIM_PENDING = _("You already asked to edit this organization. A network administrator will decide.")
NOT_A_SERVICE_STATUS = _("Choose accepting, waitlist or not accepting.")


class EditConflict(Exception):
    """The listing changed between opening the page and saving it; ``changes`` are what changed since."""

    def __init__(self, *, changes: list[Change], since: datetime.datetime | None) -> None:
        super().__init__(EDIT_EXPIRED if since is None else EDIT_CONFLICT)
        self.changes = changes
        self.since = since

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclasses.dataclass
class EditResult:
    published: bool
    changes: list[Change]
    pending_edit: PendingEdit | None = None


class _Rollback(Exception):
    pass


# --- Edits ---------------------------------------------------------------------------------------------


@transaction.atomic
def edit_submit(*, page: Page, editor, version: str) -> EditResult:
    """Save a valid page, or hold it for review; raise EditConflict when the listing changed since ``version``.

    Network admins' own edits are published at once: they are the reviewers.
    """
    _lock(page)
    opened = _check_version(page, version)
    if NetworkSettings.load().holds_edits_for_review and not is_network_admin(editor):
        listing = type(page)(page.target)
        # The version says what the form showed; the listing is as it was then (checked just above).
        start = opened.start if opened.start is not None else form_data(listing)
        sent = page.posted_data()
        merged = merge(
            FormValues.read(form_data(listing)),
            FormValues.read(start),
            FormValues.read(sent),
            target_id=page_target_id(page),
            multiple=multiple_fields(page),
            prefer_edit=True,
        )
        if not merged.edits:
            return EditResult(published=False, changes=[])
        # What this edit itself changes: a form opened on the editor's own waiting edits holds theirs too.
        own = type(page)(page.target, bound_data(merged.data))
        changes = preview(own) if own.is_valid() else preview(page)
        edit = PendingEdit(
            organization=page.organization,
            service=None if page.creates else page.service,
            location=None if page.creates else page.location,
            section=page.key,
            data=sent,
            start_data=start,
            changes=[change.as_dict() for change in changes],
            base_state=opened.state,
            submitted_by=editor,
        )
        edit.full_clean()
        edit.save()
        return EditResult(published=False, changes=changes, pending_edit=edit)
    return EditResult(published=True, changes=_apply(page, changed_by=editor))


def preview(page: Page) -> list[Change]:
    """Return what saving a valid page would change, changing nothing.

    The page is saved in a savepoint that is then rolled back: the difference is exactly the one an
    approval will make and record, with no second way of working it out to drift from the first.
    """
    changes: list[Change] = []
    try:
        with transaction.atomic():
            changes = _save_and_diff(page)
            raise _Rollback
    except _Rollback:
        pass
    return changes


@transaction.atomic
def edit_approve(
    *, edit: PendingEdit, reviewer, version: str, note: str = "", choices: dict[str, str] | None = None
) -> list[Change]:
    """Publish the fields a held edit changed, onto the listing as the reviewer saw it; nothing else.

    ``choices`` says, for each field in conflict (edit_merge), whether to publish the edit's value
    (TAKE_EDIT) or keep the listing's (KEEP_LISTING); an approval with a conflict left unchosen is refused.
    """
    edit = _pending(edit)
    page = page_for_edit(edit)
    _lock(page)
    _check_version(page, version)
    merged = edit_merge(edit, choices=choices)
    if merged.gone:
        raise ValidationError(EDIT_NO_LONGER_FITS)
    if merged.unresolved:
        raise ValidationError(CHOOSE_IN_CONFLICTS)
    page = page_for_edit(edit, merged.data)
    if not page.is_valid():
        raise ValidationError(EDIT_NO_LONGER_FITS)
    changes = _apply(page, changed_by=edit.submitted_by, pending_edit=edit)
    _decide(edit, PendingEdit.Status.APPROVED, reviewer=reviewer, note=note)
    return changes


def edit_merge(edit: PendingEdit, *, choices: dict[str, str] | None = None) -> Merge:
    """Return the page's form as the listing reads now with the held edit's changes written in (queries).

    A field is in conflict when the listing changed it since the edit started, or another edit waiting for
    review changes it too, to another value: it keeps the listing's value unless ``choices`` takes the edit's.
    """
    listing = unbound_page_for_edit(edit)
    live = form_data(listing)
    multiple = multiple_fields(listing)
    start = FormValues.read(edit.start_data or live)  # an edit sent before start_data: compared with the listing
    sent = FormValues.read(edit.data)
    contested = set() if listing.creates else set(rival_edits(edit, multiple=multiple))
    return merge(
        FormValues.read(live),
        start,
        sent,
        target_id=page_target_id(listing),
        multiple=multiple,
        choices=choices,
        contested=contested,
    )


def rival_edits(edit: PendingEdit, *, multiple: set[str]) -> dict[str, list[tuple[PendingEdit, FieldEdit]]]:
    """Other edits waiting for review that change a field this edit changes, to another value, by field key.

    Edits sent before start_data was kept are left out: what they changed cannot be told from what they sent.
    """
    own = {
        change.key(edit_target_id(edit)): change
        for change in edited_fields(FormValues.read(edit.start_data), FormValues.read(edit.data), multiple=multiple)
        if not change.adds_row and change.field not in multiple
    }
    if not edit.start_data or not own:
        return {}
    rivals: dict[str, list[tuple[PendingEdit, FieldEdit]]] = {}
    others = (
        PendingEdit.objects.filter(status=PendingEdit.Status.PENDING, organization_id=edit.organization_id)
        .exclude(pk=edit.pk)
        .exclude(start_data={})
        .select_related("submitted_by")
        .order_by("submitted_at")
    )
    for other in others:
        if PAGES[other.section].creates:
            continue
        edits = edited_fields(FormValues.read(other.start_data), FormValues.read(other.data), multiple=multiple)
        for change in edits:
            key = change.key(edit_target_id(other))
            if key in own and not change.adds_row and change.value != own[key].value:
                rivals.setdefault(key, []).append((other, change))
    return rivals


def page_target_id(page: Page) -> str:
    """What the fields of a page's own form belong to, named as edit_target_id names it."""
    if page.creates:
        return f"new:{page.organization.pk}"
    target = page.target
    if page.service is not None and page.location is not None and not isinstance(target, Service):
        return f"{page.service.pk}@{page.location.pk}"
    return str(target.pk)


def edit_target_id(edit: PendingEdit) -> str:
    """What the fields of the page's own form belong to (the organization, service or location), no query."""
    page_class = PAGES[edit.section]
    if page_class.creates:
        return f"new:{edit.organization_id}"
    if edit.service_id is not None and edit.location_id is not None:
        return f"{edit.service_id}@{edit.location_id}"
    return str(edit.service_id or edit.location_id or edit.organization_id)


def own_pending_start(page: Page, editor) -> dict[str, list[str]] | None:
    """The form an editor's new edit of a page starts from: the listing with their own edits still waiting.

    None when they have none waiting on this page: the form then shows the listing as it reads.
    ``page`` is unbound (it shows the listing).
    """
    if page.creates:
        return None
    waiting = PendingEdit.objects.filter(
        status=PendingEdit.Status.PENDING,
        submitted_by=editor,
        section=page.key,
        organization=page.organization,
        service=page.service,
        location=page.location,
    ).order_by("submitted_at")
    if not waiting:
        return None
    live = form_data(page)
    values = FormValues.read(live)
    multiple = multiple_fields(page)
    for edit in waiting:
        start = FormValues.read(edit.start_data or live)
        values = merge(
            values,
            start,
            FormValues.read(edit.data),
            target_id=page_target_id(page),
            multiple=multiple,
            prefer_edit=True,
        ).values
    return values.as_data()


@transaction.atomic
def edit_reject(*, edit: PendingEdit, reviewer, note: str) -> None:
    """Turn a held edit down; its editor reads the note in the portal and in an e-mail."""
    if not note.strip():
        raise ValidationError({"note": REJECTION_NEEDS_NOTE})
    _decide(_pending(edit), PendingEdit.Status.REJECTED, reviewer=reviewer, note=note)


def _pending(edit: PendingEdit) -> PendingEdit:
    edit = (
        PendingEdit.objects.select_for_update(of=("self",))
        .select_related("organization", "service", "location")
        .get(pk=edit.pk)
    )
    if edit.status != PendingEdit.Status.PENDING:
        raise ValidationError(ALREADY_REVIEWED)
    return edit


def _decide(edit: PendingEdit, status: str, *, reviewer, note: str) -> None:
    edit.status = status
    edit.reviewed_by = reviewer
    edit.reviewed_at = timezone.now()
    edit.review_note = note.strip()
    edit.full_clean()
    edit.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    # Queued with the decision: a rolled-back approval tells nobody anything.
    notifications.edit_reviewed(edit.pk)


def _lock(page: Page) -> None:
    # Two saves of one listing run one after the other, so the second is compared with the first's result.
    for record in page.locked():
        list(type(record).objects.select_for_update().filter(pk=record.pk).values_list("pk", flat=True))


def _check_version(page: Page, version: str) -> Opened:
    opened = Opened.read(version)
    if opened.state is None:
        raise EditConflict(changes=[], since=None)
    if opened.state != page.snapshot():
        raise EditConflict(changes=diff(opened.state, page.snapshot()), since=opened.at)
    return opened


def _save_and_diff(page: Page) -> list[Change]:
    before = page.snapshot()
    page.save()
    return diff(before, page.snapshot())


def _apply(page: Page, *, changed_by, pending_edit: PendingEdit | None = None) -> list[Change]:
    changes = _save_and_diff(page)
    # One save, one moment: the history shows it as one entry even when it touches several listings' records.
    now = timezone.now()
    listings: dict[Service | None, list[Change]] = {}
    for change in changes:
        listings.setdefault(page.listing_of(change), []).append(change)
    for service, listing_changes in listings.items():
        _record(
            listing_changes,
            organization=page.organization,
            service=service,
            changed_by=changed_by,
            pending_edit=pending_edit,
            changed_at=now,
        )
    return changes


def _record(
    changes: list[Change],
    *,
    organization: Organization,
    service: Service | None,
    changed_by,
    pending_edit: PendingEdit | None = None,
    changed_at: datetime.datetime | None = None,
) -> None:
    now = changed_at or timezone.now()
    records = [
        ChangeRecord(
            organization=organization,
            service=service,
            changed_by=changed_by,
            changed_at=now,
            pending_edit=pending_edit,
            **change.as_dict(),
        )
        for change in changes
    ]
    for record in records:
        record.full_clean(exclude=["organization", "service", "changed_by", "pending_edit"])  # saved just now
    ChangeRecord.objects.bulk_create(records)


# --- Capacity and verification: always live at once -----------------------------------------------------------


@transaction.atomic
def capacity_set(*, service: Service, capacity_status: str, changed_by) -> Service:
    """Say whether the service takes new clients, as of now. Saying it again renews the date."""
    if capacity_status not in Service.Capacity.values or capacity_status == Service.Capacity.NOT_STATED:
        raise ValidationError({"capacity_status": NOT_A_SERVICE_STATUS})
    service = Service.objects.select_for_update(of=("self",)).select_related("organization").get(pk=service.pk)
    previous = service.capacity_status
    service.capacity_status = capacity_status
    service.capacity_updated_at = timezone.now()
    service.full_clean()
    service.save(update_fields=["capacity_status", "capacity_updated_at", "modified_at"])
    if previous != capacity_status:
        _record(
            [
                Change(
                    ChangeRecord.ResourceType.SERVICE,
                    str(service.pk),
                    str(service),
                    ChangeRecord.Action.UPDATE,
                    "capacity_status",
                    previous,
                    capacity_status,
                )
            ],
            organization=service.organization,
            service=service,
            changed_by=changed_by,
        )
    return service


@transaction.atomic
def listing_confirm(*, service: Service, confirmed_by) -> Service:
    """Record that an editor checked the whole listing and it is still accurate."""
    service = Service.objects.select_for_update(of=("self",)).select_related("organization").get(pk=service.pk)
    previous = service.last_verified_at
    service.last_verified_at = timezone.now()
    service.last_verified_by = confirmed_by
    service.full_clean()
    service.save(update_fields=["last_verified_at", "last_verified_by", "modified_at"])
    _record(
        [
            Change(
                ChangeRecord.ResourceType.SERVICE,
                str(service.pk),
                str(service),
                ChangeRecord.Action.VERIFY,
                "last_verified_at",
                plain(previous),
                plain(service.last_verified_at),
            )
        ],
        organization=service.organization,
        service=service,
        changed_by=confirmed_by,
    )
    return service


# --- Corrections ---------------------------------------------------------------------------------------


@transaction.atomic
def correction_report(*, service: Service, reported_by, kind: str, note: str = "") -> Correction:
    """A case manager says the listing is wrong; its editors see it in their portal and get an e-mail."""
    correction = Correction(
        service=service, kind=kind, source=Correction.Source.CASE_MANAGER, note=note.strip(), reported_by=reported_by
    )
    correction.full_clean()
    correction.save()
    # Queued with the correction: one that is rolled back tells nobody anything.
    notifications.correction_raised(correction.pk)
    return correction


@transaction.atomic
def correction_resolve(*, correction: Correction, resolved_by, note: str) -> Correction:
    if not note.strip():
        raise ValidationError({"resolution_note": RESOLUTION_NEEDS_NOTE})
    correction = Correction.objects.select_for_update().get(pk=correction.pk)
    if correction.resolved_at is not None:
        raise ValidationError(ALREADY_RESOLVED)
    correction.resolved_at = timezone.now()
    correction.resolved_by = resolved_by
    correction.resolution_note = note.strip()
    correction.full_clean()
    correction.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    return correction


# --- Claims and joining --------------------------------------------------------------------------------


@transaction.atomic
def claim_request(*, requested_by, organization: Organization, message: str) -> EditorClaim:
    """Ask to become an editor of an organization's listings."""
    if Membership.objects.filter(user=requested_by, organization=organization).exists():
        raise ValidationError({"organization": ALREADY_MEMBER})
    if EditorClaim.objects.filter(
        requested_by=requested_by, organization=organization, status=EditorClaim.Status.PENDING
    ).exists():
        raise ValidationError({"organization": CLAIM_PENDING})
    claim = EditorClaim(requested_by=requested_by, organization=organization, message=message.strip())
    claim.full_clean()
    claim.save()
    return claim


@transaction.atomic
def claim_decide(*, claim: EditorClaim, decided_by, approve: bool, note: str = "") -> EditorClaim:
    """Approve (the person becomes an agency editor of the organization) or reject, with a note."""
    claim = EditorClaim.objects.select_for_update().get(pk=claim.pk)
    _check_decidable(claim, approve=approve, note=note)
    if approve:
        membership = Membership(
            user=claim.requested_by, organization=claim.organization, role=Membership.Role.AGENCY_EDITOR
        )
        membership.full_clean()
        membership.save()
    _close_request(claim, approve=approve, decided_by=decided_by, note=note)
    return claim


@transaction.atomic
def join_request(
    *,
    requested_by,
    organization_name: str,
    organization_description: str,
    service_name: str,
    service_description: str,
    service_category,
    organization_website: str = "",
    organization_email: str = "",
    service_phone: str = "",
    service_email: str = "",
    service_url: str = "",
    message: str = "",
) -> JoinRequest:
    """A new agency asks to join with its first listing; nothing is listed until an admin approves."""
    join = JoinRequest(
        requested_by=requested_by,
        organization_name=organization_name,
        organization_description=organization_description,
        organization_website=organization_website,
        organization_email=organization_email,
        service_name=service_name,
        service_description=service_description,
        service_category=service_category,
        service_phone=service_phone,
        service_email=service_email,
        service_url=service_url,
        message=message.strip(),
    )
    join.full_clean()
    join.save()
    return join


@transaction.atomic
def join_decide(*, join: JoinRequest, decided_by, approve: bool, note: str = "") -> JoinRequest:
    """Approve: the organization and its first service are listed, and the requester edits them. Or reject."""
    join = JoinRequest.objects.select_for_update().get(pk=join.pk)
    _check_decidable(join, approve=approve, note=note)
    if approve:
        organization = Organization(
            name=join.organization_name,
            description=join.organization_description,
            website=join.organization_website,
            email=join.organization_email,
        )
        organization.full_clean()
        organization.save()
        # The agency vouched for its listing when it asked, and an admin reviewed it: it counts as verified.
        service = Service(
            organization=organization,
            name=join.service_name,
            description=join.service_description,
            url=join.service_url,
            email=join.service_email,
            last_verified_at=timezone.now(),
            last_verified_by=join.requested_by,
        )
        service.full_clean()
        service.save()
        service.categories.add(join.service_category)
        if join.service_phone:
            phone = Phone(service=service, number=join.service_phone)
            phone.full_clean()
            phone.save()
        membership = Membership(user=join.requested_by, organization=organization, role=Membership.Role.AGENCY_EDITOR)
        membership.full_clean()
        membership.save()
        for record, resource_type, listing in [
            (organization, ChangeRecord.ResourceType.ORGANIZATION, None),
            (service, ChangeRecord.ResourceType.SERVICE, service),
        ]:
            _record(
                [Change(resource_type, str(record.pk), str(record), ChangeRecord.Action.CREATE, "", "", str(record))],
                organization=organization,
                service=listing,
                changed_by=join.requested_by,
            )
        join.organization, join.service = organization, service
        join.save(update_fields=["organization", "service"])
    _close_request(join, approve=approve, decided_by=decided_by, note=note)
    return join


def _check_decidable(request: EditorClaim | JoinRequest, *, approve: bool, note: str) -> None:
    if request.status != request.Status.PENDING:
        raise ValidationError(ALREADY_DECIDED)
    if not approve and not note.strip():
        raise ValidationError({"note": REJECTION_NEEDS_NOTE})


def _close_request(request: EditorClaim | JoinRequest, *, approve: bool, decided_by, note: str) -> None:
    request.status = request.Status.APPROVED if approve else request.Status.REJECTED
    request.decided_by = decided_by
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.full_clean()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


# --- Network settings ----------------------------------------------------------------------------------


@transaction.atomic
def network_settings_update(
    *, updated_by, publishing_mode: str, hide_unverified_after_days: int | None
) -> NetworkSettings:
    network = NetworkSettings.objects.select_for_update().filter(pk=NetworkSettings.SINGLETON_ID).first()
    network = network or NetworkSettings()
    network.publishing_mode = publishing_mode
    network.hide_unverified_after_days = hide_unverified_after_days
    network.updated_by = updated_by
    network.full_clean()
    network.save()
    return network


# --- Verification reminders ----------------------------------------------------------------------------


@dataclasses.dataclass
class ReminderTally:
    emails: int = 0
    listings: int = 0
    without_editor: int = 0


def verification_reminders_send(*, today: datetime.date, every_days: int) -> ReminderTally:
    """E-mail each editor their stale listings, with a link to confirm each; safe to run again.

    An editor hears about a listing at most once every ``every_days`` days; a second run on the same day
    finds the day claimed (VerificationReminder's unique day) and sends nothing.
    """
    tally = ReminderTally()
    stale = Service.objects.listed().stale()
    editors = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Membership.Role.AGENCY_EDITOR,
            memberships__organization__services__in=stale,
        )
        .exclude(email="")
        .select_related("preference")
        .distinct()
        .order_by("pk")
    )
    reminded = set()
    for editor in editors:
        recently = VerificationReminder.objects.filter(
            service=OuterRef("pk"), user=editor, sent_on__gt=today - datetime.timedelta(days=every_days)
        )
        due = list(
            stale.filter(
                organization__memberships__user=editor,
                organization__memberships__role=Membership.Role.AGENCY_EDITOR,
            )
            .exclude(Exists(recently))
            .select_related("organization")
            .distinct()
            .order_by("organization__name", "name")
        )
        if not due:
            continue
        try:
            with transaction.atomic():
                # Claim the day first: a second run at the same time fails here and sends nothing.
                VerificationReminder.objects.bulk_create(
                    [VerificationReminder(service=service, user=editor, sent_on=today) for service in due]
                )
                notifications.verification_reminder(editor, due)
        except IntegrityError:
            continue
        tally.emails += 1
        reminded |= {service.pk for service in due}
    tally.listings = len(reminded)
    reachable = Membership.objects.filter(role=Membership.Role.AGENCY_EDITOR, user__is_active=True).exclude(
        user__email=""
    )
    tally.without_editor = stale.exclude(organization__memberships__in=reachable).count()
    return tally
