"""Every write to a referral goes through here: web pages and the API call the same functions.

A status change locks the row, checks the move against ALLOWED_TRANSITIONS and the actor's side,
writes a ReferralEvent and queues the e-mail to the other side, all in one transaction.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.access import is_network_admin
from providers.models import Location, Organization, Service, TaxonomyTerm
from referrals import notifications, webhooks
from referrals.encryption import blind_index
from referrals.models import (
    Consent,
    Feedback,
    Participant,
    ParticipantLink,
    Referral,
    ReferralEvent,
    WebhookEndpoint,
)
from referrals.selectors import Side, get_referral_and_sides, organization_ids_of

S = Referral.Status
EventType = WebhookEndpoint.EventType

# Which side may move a referral from one status to another. Network admins may make any of these moves.
ALLOWED_TRANSITIONS: dict[str, dict[str, str]] = {
    S.SENT: {
        S.RECEIVED: Side.PROVIDER,
        S.ACCEPTED: Side.PROVIDER,
        S.DECLINED: Side.PROVIDER,
        S.CANCELLED: Side.REFERRER,
    },
    S.RECEIVED: {S.ACCEPTED: Side.PROVIDER, S.DECLINED: Side.PROVIDER, S.CANCELLED: Side.REFERRER},
    S.ACCEPTED: {
        S.SCHEDULED: Side.PROVIDER,
        S.COMPLETED: Side.PROVIDER,
        S.NOT_COMPLETED: Side.PROVIDER,
        S.CANCELLED: Side.REFERRER,
    },
    S.SCHEDULED: {
        S.SCHEDULED: Side.PROVIDER,  # a new appointment date
        S.COMPLETED: Side.PROVIDER,
        S.NOT_COMPLETED: Side.PROVIDER,
        S.CANCELLED: Side.REFERRER,
    },
    S.COMPLETED: {S.CLOSED: Side.REFERRER},
    S.NOT_COMPLETED: {S.CLOSED: Side.REFERRER},
    S.DECLINED: {S.CLOSED: Side.REFERRER},
    S.CANCELLED: {S.CLOSED: Side.REFERRER},
    S.CLOSED: {},
}

NO_CONSENT = gettext_lazy("Record the participant's consent to share with this provider before sending the referral.")
NO_CONTACT_CONSENT = gettext_lazy(
    "The participant has not agreed to share contact details: record that consent, or send without them."
)
EXTERNAL_ID_TAKEN = gettext_lazy("A participant with this case id is already in the program.")
# The refer page's words for the same, where the finder above the form shows the participant.
REFER_EXTERNAL_ID_TAKEN = gettext_lazy("A participant with this case id is already in your program: find them above.")
NOT_REFERRER = gettext_lazy("Only staff of a referring program can send referrals.")
SERVICE_NOT_LISTED = gettext_lazy("This service is not taking referrals through the directory.")
NEED_NOT_A_CATEGORY = gettext_lazy("Choose the need from the service categories.")
DECLINE_NEEDS_REASON = gettext_lazy("Say why the referral is declined.")
NOT_COMPLETED_NEEDS_REASON = gettext_lazy("Say why the referral was not completed.")


def participant_create(
    *,
    organization,
    created_by,
    display_name: str,
    preferred_language: str = "en",
    zip_code: str = "",
    contact_preference: str = Participant.ContactPreference.NONE,
    phone: str = "",
    email: str = "",
    external_id: str = "",
) -> Participant:
    if organization.pk not in organization_ids_of(created_by) and not is_network_admin(created_by):
        raise PermissionDenied(NOT_REFERRER)
    participant = Participant(
        organization=organization,
        created_by=created_by,
        display_name=display_name,
        preferred_language=preferred_language,
        zip_code=zip_code,
        contact_preference=contact_preference,
        phone=phone,
        email=email,
        external_id=external_id,
    )
    # The database constraint would say this too, but in words meant for developers.
    taken = Participant.objects.filter(organization=organization, external_id_index=blind_index(external_id))
    if external_id and taken.exists():
        raise ValidationError({"external_id": EXTERNAL_ID_TAKEN})
    participant.full_clean()
    participant.save()
    return participant


def consent_record(
    *, participant: Participant, recorded_by, scope: str, organization=None, method: str = Consent.Method.VERBAL
) -> Consent:
    consent = Consent(
        participant=participant, recorded_by=recorded_by, scope=scope, organization=organization, method=method
    )
    consent.full_clean()
    consent.save()
    return consent


def consent_revoke(*, consent: Consent) -> Consent:
    """Withdraw a consent from now on: referrals already sent keep it as their record. A no-op if withdrawn."""
    if consent.revoked_at is None:
        consent.revoked_at = timezone.now()
        consent.save(update_fields=["revoked_at"])
    return consent


@transaction.atomic
def referral_send(
    *,
    participant: Participant,
    service: Service,
    need: TaxonomyTerm,
    referred_by,
    location=None,
    note: str = "",
    urgency: str = Referral.Urgency.ROUTINE,
    share_contact: bool = False,
    step_id=None,
) -> Referral:
    """Send a referral, if a consent in force covers it. Writes the first event; tells the provider.
    ``step_id``: the step of the participant's plan it is made for (checked by settings.REFERRAL_STEP_HOOK)."""
    organization = participant.organization
    if organization.pk not in organization_ids_of(referred_by) and not is_network_admin(referred_by):
        raise PermissionDenied(NOT_REFERRER)
    if service.status not in (Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED):
        raise ValidationError(SERVICE_NOT_LISTED)
    if need.taxonomy.code != "categories":
        raise ValidationError({"need": NEED_NOT_A_CATEGORY})
    consent = (
        Consent.objects.filter(participant=participant)
        .covering(organization=service.organization, share_contact=share_contact)
        .first()
    )
    if consent is None:
        covering_without_contact = share_contact and (
            Consent.objects.filter(participant=participant)
            .covering(organization=service.organization, share_contact=False)
            .exists()
        )
        raise ValidationError(NO_CONTACT_CONSENT if covering_without_contact else NO_CONSENT)
    referral = Referral(
        participant=participant,
        consent=consent,
        service=service,
        location=location,
        referring_organization=organization,
        referred_by=referred_by,
        receiving_organization=service.organization,
        need=need,
        note=note,
        urgency=urgency,
        share_contact=share_contact,
    )
    referral.full_clean()
    referral.save()
    ReferralEvent.objects.create(referral=referral, old_status="", new_status=S.SENT, actor=referred_by, note=note)
    webhooks.record_referral(EventType.REFERRAL_CREATED, referral)
    ParticipantLink.objects.create(
        referral=referral,
        expires_at=timezone.now() + datetime.timedelta(days=settings.PARTICIPANT_LINK_DAYS),
    )
    if step_id:
        import_string(settings.REFERRAL_STEP_HOOK)(step_id=step_id, referral=referral, actor=referred_by)
    notifications.referral_sent(referral.pk)
    return referral


def allowed_moves(referral: Referral, sides: set[str]) -> list[str]:
    """Return the statuses these sides may move the referral to now."""
    moves = ALLOWED_TRANSITIONS[referral.status]
    return [status for status, side in moves.items() if side in sides or Side.ADMIN in sides]


def referral_transition(
    *,
    referral_id,
    actor,
    to_status: str,
    note: str = "",
    reason: str = "",
    appointment_at: datetime.datetime | None = None,
) -> Referral:
    """Move the referral with this id to ``to_status`` for ``actor``: look it up with the actor's sides
    (Http404 when they cannot see it, before anything else is revealed), then referral_move.
    """
    referral, sides = get_referral_and_sides(actor, referral_id)
    return referral_move(
        referral=referral,
        sides=sides,
        actor=actor,
        to_status=to_status,
        note=note,
        reason=reason,
        appointment_at=appointment_at,
    )


# What a move reads again under the row's lock: everything but the relations, which a move does not change
# (so that what the caller's look-up loaded with the referral stays loaded).
LOCKED_FIELDS = [field.attname for field in Referral._meta.concrete_fields if not field.is_relation]


@transaction.atomic
def referral_move(
    *,
    referral: Referral,
    sides: set[str],
    actor,
    to_status: str,
    note: str = "",
    reason: str = "",
    appointment_at: datetime.datetime | None = None,
) -> Referral:
    """Move ``referral`` to ``to_status`` for ``actor``: the one place where a referral's status changes.

    ``referral`` and ``sides`` are what selectors.get_referral_and_sides returned for ``actor``. Locks the
    row and reads it again (a query), so the move is checked against its status now; raises
    PermissionDenied when the move is the other side's, and ValidationError (naming the moves that are
    allowed) when the move is not possible from that status: the second of two people acting at once
    gets this. Writes the event, records the webhook event and tells the other side; returns ``referral``.
    """
    referral.refresh_from_db(fields=LOCKED_FIELDS, from_queryset=Referral.objects.select_for_update())
    if to_status == S.RECEIVED and referral.status == S.RECEIVED and sides & {Side.PROVIDER, Side.ADMIN}:
        return referral  # opened again: nothing new to record
    moves = ALLOWED_TRANSITIONS[referral.status]
    if to_status not in moves:
        raise ValidationError(not_allowed_message(referral, sides))
    if moves[to_status] not in sides and Side.ADMIN not in sides:
        raise PermissionDenied(
            _("Only the %(side)s side can mark this referral %(status)s.")
            % {"side": side_label(moves[to_status]), "status": S(to_status).label.lower()}
        )
    if to_status == S.DECLINED and reason not in Referral.DeclineReason.values:
        raise ValidationError({"reason": DECLINE_NEEDS_REASON})
    if to_status == S.NOT_COMPLETED and reason not in Referral.NotCompletedReason.values:
        raise ValidationError({"reason": NOT_COMPLETED_NEEDS_REASON})
    old_status = referral.status
    now = timezone.now()
    referral.status = to_status
    fields = ["status", "updated_at"]
    if to_status == S.DECLINED:
        referral.decline_reason = reason
        fields.append("decline_reason")
    if to_status == S.NOT_COMPLETED:
        referral.not_completed_reason = reason
        fields.append("not_completed_reason")
    if to_status == S.SCHEDULED:
        referral.appointment_at = appointment_at
        fields.append("appointment_at")
    if to_status in Referral.RESPONSES and referral.first_response_at is None:
        referral.first_response_at = now
        fields.append("first_response_at")
    if to_status in Referral.FINISHED:
        referral.finished_at = now
        fields.append("finished_at")
    if to_status == S.CLOSED:
        referral.closed_at = now
        fields.append("closed_at")
    referral.save(update_fields=fields)
    ReferralEvent.objects.create(
        referral=referral, old_status=old_status, new_status=to_status, actor=actor, reason=reason, note=note
    )
    webhooks.record_referral(EventType.REFERRAL_STATUS_CHANGED, referral, old_status=old_status)
    for hook in settings.REFERRAL_STATUS_HOOKS:  # the plan's step made into this referral moves with it
        import_string(hook)(referral=referral, actor=actor)
    if to_status != S.RECEIVED:
        notifications.status_changed(referral, actor, sides)
    return referral


def not_allowed_message(referral: Referral, sides: set[str]) -> str:
    status = referral.get_status_display().lower()
    moves = [S(move).label.lower() for move in allowed_moves(referral, sides)]
    if not moves:
        return _("This referral was already %(status)s; nothing more can be done with it.") % {"status": status}
    return _("This referral was already %(status)s; it can now be marked: %(moves)s.") % {
        "status": status,
        "moves": ", ".join(moves),
    }


def side_label(side: str) -> str:
    return {Side.REFERRER: _("referring"), Side.PROVIDER: _("receiving"), Side.ADMIN: _("network admin")}[side]


def outcome_record(*, referral_id, actor, need_met: str, note: str = "") -> Feedback:
    """Record the outcome of the referral with this id for ``actor`` (Http404 when they cannot see it)."""
    referral, sides = get_referral_and_sides(actor, referral_id)
    return referral_outcome_record(referral=referral, sides=sides, actor=actor, need_met=need_met, note=note)


@transaction.atomic
def referral_outcome_record(*, referral: Referral, sides: set[str], actor, need_met: str, note: str = "") -> Feedback:
    """The case manager records whether the need was met; the referral is then closed (referral_move).

    ``referral`` and ``sides`` are what selectors.get_referral_and_sides returned for ``actor``.
    """
    referral.refresh_from_db(fields=LOCKED_FIELDS, from_queryset=Referral.objects.select_for_update())
    if not sides & {Side.REFERRER, Side.ADMIN}:
        raise PermissionDenied(_("Only the referring program records the outcome."))
    if referral.status not in Referral.FINISHED_OR_CLOSED:
        raise ValidationError(
            _("Record the outcome once the provider has finished: this referral is %(status)s.")
            % {"status": referral.get_status_display().lower()}
        )
    feedback, _created = Feedback.objects.get_or_create(referral=referral)
    feedback.need_met = need_met
    feedback.outcome_note = note
    feedback.recorded_by = actor
    feedback.recorded_at = timezone.now()
    feedback.full_clean()
    feedback.save()
    if referral.status != S.CLOSED:
        referral = referral_move(referral=referral, sides=sides, actor=actor, to_status=S.CLOSED, note=note)
    webhooks.record_referral(EventType.REFERRAL_FEEDBACK, referral)
    return feedback


LINK_UNUSABLE = gettext_lazy("This link has expired or is not valid. Your case manager can help.")


def participant_link_for_token(token: str) -> ParticipantLink | None:
    """Return the link of a token that is valid now, or None (wrong, expired or unknown)."""
    link = ParticipantLink.objects.select_related("referral__service").filter(token=token).first()
    if link is None or link.is_expired:
        return None
    return link


@transaction.atomic
def participant_answer(
    *,
    token: str,
    connected: bool | None,
    rating: int | None,
    barrier: str = "",
    comment: str = "",
    listing_problem: str = "",
) -> Feedback:
    """Record (or change) the participant's own answer through their private link, without an account.

    ``listing_problem`` (a Correction.Kind) raises a correction on the listing for its editors: one
    open correction per link, which a later answer changes (see _participant_correction).
    """
    link = participant_link_for_token(token)
    if link is None:
        raise ValidationError(LINK_UNUSABLE)
    feedback, _created = Feedback.objects.select_for_update().get_or_create(referral=link.referral)
    previous_problem = feedback.participant_listing_problem
    feedback.participant_connected = connected
    feedback.participant_rating = rating
    feedback.participant_barrier = barrier
    feedback.participant_comment = comment
    feedback.participant_answered_at = timezone.now()
    feedback.participant_listing_problem = listing_problem
    feedback.full_clean()
    feedback.save()
    if listing_problem:
        _participant_correction(link, kind=listing_problem, note=comment, previous_kind=previous_problem)
    webhooks.record_referral(EventType.REFERRAL_FEEDBACK, link.referral)
    return feedback


def _participant_correction(link: ParticipantLink, *, kind: str, note: str, previous_kind: str) -> None:
    """Keep the link's one open correction on its listing in step with the answer, or raise it.

    An open one takes the new kind and note. With none open, a correction is raised when the answer
    names a problem it did not name before: the same answer given again (the rating changed, say)
    does not reopen what the listing's editors resolved.
    """
    from providers.models import Correction
    from providers.portal.notifications import correction_raised

    service = link.referral.service
    # Locked so that a second answer at the same moment waits, then changes this one.
    open_correction = (
        Correction.objects.open().select_for_update().filter(service=service, feedback_link=link.pk).first()
    )
    if open_correction is not None:
        if (open_correction.kind, open_correction.note) != (kind, note):
            open_correction.kind, open_correction.note = kind, note
            open_correction.full_clean()
            open_correction.save(update_fields=["kind", "note"])
        return
    if kind == previous_kind:
        return
    correction = Correction(
        service=service, kind=kind, source=Correction.Source.PARTICIPANT, note=note, feedback_link=link.pk
    )
    correction.full_clean()
    correction.save()
    correction_raised(correction.pk)  # once, when raised: editing the open one above tells nobody again


# The refer page and the API's create: a participant, a consent and a referral together.


@transaction.atomic
def refer(
    *,
    referred_by,
    service: Service,
    need: TaxonomyTerm,
    location: Location | None = None,
    note: str = "",
    urgency: str = Referral.Urgency.ROUTINE,
    share_contact: bool = False,
    participant: Participant | None = None,
    new_participant: dict | None = None,
    organization: Organization | None = None,
    consent: dict | None = None,
    step_id=None,
) -> Referral:
    """Send a referral, first creating the participant (``new_participant``) and recording a consent
    (``consent``: scope, organization, method) when given. All or nothing.

    Raises ValidationError keyed by the refer form's field names (consent fields as ``consent_*``).
    """
    if participant is None:
        participant = _create_participant(referred_by, organization, new_participant or {})
    if consent is not None:
        try:
            consent_record(participant=participant, recorded_by=referred_by, **consent)
        except ValidationError as error:
            raise _renamed(error, {name: f"consent_{name}" for name in ("scope", "organization", "method")}) from None
    try:
        return referral_send(
            participant=participant,
            service=service,
            need=need,
            referred_by=referred_by,
            location=location,
            note=note,
            urgency=urgency,
            share_contact=share_contact,
            step_id=step_id,
        )
    except ValidationError as error:
        if str(NO_CONTACT_CONSENT) in error.messages:
            raise ValidationError({"share_contact": NO_CONTACT_CONSENT}) from None
        raise


def _create_participant(referred_by, organization: Organization | None, fields: dict) -> Participant:
    if organization is None:
        raise ValidationError(NOT_REFERRER)
    # Contact details only for the way the participant chose: a number typed and then unchosen is dropped.
    preference = fields.get("contact_preference", Participant.ContactPreference.NONE)
    if preference not in (Participant.ContactPreference.PHONE, Participant.ContactPreference.TEXT):
        fields = {**fields, "phone": ""}
    if preference != Participant.ContactPreference.EMAIL:
        fields = {**fields, "email": ""}
    external_id = fields.get("external_id", "")
    # The database constraint would say this too, but in words meant for developers.
    taken = Participant.objects.filter(organization=organization, external_id_index=blind_index(external_id))
    if external_id and taken.exists():
        raise ValidationError({"external_id": REFER_EXTERNAL_ID_TAKEN})
    return participant_create(organization=organization, created_by=referred_by, **fields)


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(field, field): errors for field, errors in error.error_dict.items()})
