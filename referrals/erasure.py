"""Retention and erasure of a participant's personal data.

A participant's name, case id, contact details and the free text written about them (the referral's
note, notes on its history, the outcome note, the participant's own comment and the listing correction
it raised) are erased on their request, by a case manager of the organization they belong to, or once
PARTICIPANT_RETENTION_DAYS have passed since their last referral ended and nothing else still uses their
data (PARTICIPANT_RETENTION_HOLDS: a plan still followed). What the network's figures need
stays: dates, statuses, the need's category, the ZIP code (the unmet-needs report groups by it), the
language, reasons, the outcome and the rating. The participant row stays, de-identified, so that every
referral and every report keeps it.

Each erasure is its own transaction on a locked participant and is recorded once (ParticipantErasure),
so erasing twice, or two purges at once, change nothing more.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from directory.models import Membership
from providers.models import Correction
from referrals.models import (
    Feedback,
    IdempotencyRecord,
    Participant,
    ParticipantErasure,
    ParticipantLink,
    Referral,
    ReferralEvent,
)
from referrals.selectors import participants_visible_to

# What an erased participant is called wherever their name was shown.
ERASED_NAME = "—"
NOT_OWNER = _("Only a case manager of the participant's own organization can erase their personal data.")
REASON_NEEDED = _("Say why the personal data is erased (for example, the participant asked).")
ENDED = [
    Referral.Status.COMPLETED,
    Referral.Status.NOT_COMPLETED,
    Referral.Status.DECLINED,
    Referral.Status.CANCELLED,
    Referral.Status.CLOSED,
]


def may_erase(user, participant: Participant) -> bool:
    """Return whether ``user`` is a case manager of the participant's organization (a query)."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, organization_id=participant.organization_id, role=Membership.Role.CASE_MANAGER
    ).exists()


def get_participant_to_erase(user, participant_id) -> Participant:
    """Return the participant if ``user`` may erase them: 404 if they cannot see them, 403 if they may not erase."""
    try:
        participant = participants_visible_to(user).select_related("erasure").get(pk=participant_id)
    except (Participant.DoesNotExist, ValidationError):
        raise Http404("No such participant") from None
    if not may_erase(user, participant):
        raise PermissionDenied(NOT_OWNER)
    return participant


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.PARTICIPANT_RETENTION_DAYS)


def participants_due(now: datetime.datetime | None = None) -> QuerySet[Participant]:
    """Participants not yet erased whose referrals have all ended, the last one before the retention cutoff
    (and who were recorded before it), and whom no other app holds (PARTICIPANT_RETENTION_HOLDS)."""
    cutoff = retention_cutoff(now)
    referrals = Referral.objects.filter(participant=OuterRef("pk"))
    still_open = referrals.exclude(status__in=ENDED)
    recent = referrals.filter(Q(sent_at__gte=cutoff) | Q(finished_at__gte=cutoff) | Q(closed_at__gte=cutoff))
    due = (
        Participant.objects.filter(erasure__isnull=True, created_at__lt=cutoff)
        .exclude(Exists(still_open))
        .exclude(Exists(recent))
        .order_by("created_at", "pk")
    )
    # What other apps still use (a plan still followed): settings.PARTICIPANT_RETENTION_HOLDS name functions
    # called with ``now`` that return the ids of participants to keep, as a queryset (a subquery here).
    for hold in settings.PARTICIPANT_RETENTION_HOLDS:
        due = due.exclude(pk__in=import_string(hold)(now))
    return due


@transaction.atomic
def participant_erase(
    *, participant_id, reason: str, erased_by=None, kind: str = ParticipantErasure.Kind.REQUEST
) -> ParticipantErasure | None:
    """Erase the participant's personal data and record it; return the record, or None if they were erased
    already (nothing changes). The caller checks who may erase (get_participant_to_erase)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": REASON_NEEDED})
    participant = Participant.objects.select_for_update().get(pk=participant_id)
    if ParticipantErasure.objects.filter(participant=participant).exists():
        return None
    Participant.objects.filter(pk=participant.pk).update(
        display_name=ERASED_NAME,
        external_id="",
        external_id_index="",
        phone="",
        email="",
        contact_preference=Participant.ContactPreference.NONE,
        updated_at=timezone.now(),
    )
    referrals = Referral.objects.filter(participant=participant)
    referral_ids = list(referrals.values_list("pk", flat=True))
    referrals.update(note="")
    ReferralEvent.objects.filter(referral__participant=participant).update(note="")
    Feedback.objects.filter(referral__participant=participant).update(outcome_note="", participant_comment="")
    Correction.objects.filter(feedback_link__in=referral_ids).update(note="")
    # The private link answers as the participant: it goes; their answer (the rating) stays.
    ParticipantLink.objects.filter(referral__participant=participant).delete()
    # The replayable answers to the API's create requests carry the participant as they were.
    pk = str(participant.pk)
    IdempotencyRecord.objects.filter(Q(body__id=pk) | Q(body__participant__id=pk)).delete()
    # What other apps keep of the participant (resource lists' tips, the addresses things were sent to):
    # settings.PARTICIPANT_ERASURE_HOOKS name functions called with the participant, in this transaction.
    for hook in settings.PARTICIPANT_ERASURE_HOOKS:
        import_string(hook)(participant)
    erasure = ParticipantErasure(participant=participant, kind=kind, reason=reason, erased_by=erased_by)
    erasure.full_clean()
    erasure.save()
    return erasure
