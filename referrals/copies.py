"""A participant's own copy: everything the network holds on them, for a participant who asks for it.

A case manager of the participant's own organization gives it to them, as a printable page or as JSON:
their details, the consents they gave, every referral with its status and history, and the feedback on it.
Reading it is a read of the participant and of each referral in the access log.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from referrals.erasure import may_erase
from referrals.models import Participant, Referral, ReferralEvent
from referrals.selectors import participants_visible_to

NOT_OWNER = _("Only a case manager of the participant's own organization can give them a copy of their data.")


def get_participant_for_copy(user, participant_id) -> Participant:
    """Return the participant if ``user`` may give them their copy: 404 if they cannot see them, 403 if they
    are not a case manager of the participant's organization (two queries)."""
    try:
        participant = participants_visible_to(user).select_related("organization", "erasure").get(pk=participant_id)
    except (Participant.DoesNotExist, ValidationError):
        raise Http404("No such participant") from None
    # The rule of erasure: the participant's own organization answers for their data.
    if not may_erase(user, participant):
        raise PermissionDenied(NOT_OWNER)
    return participant


def referrals_of(participant: Participant) -> list[Referral]:
    """Return the participant's referrals, newest first, with their history and feedback (two queries)."""
    return list(
        participant.referrals.select_related(
            "service", "location", "need", "referring_organization", "receiving_organization", "feedback"
        ).prefetch_related(Prefetch("events", queryset=ReferralEvent.objects.order_by("created_at")))
    )


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def sections_of(participant: Participant) -> list[dict]:
    """What other apps hold on the participant (settings.PARTICIPANT_COPY_SECTIONS), each a section of the copy."""
    sections = (import_string(path)(participant) for path in settings.PARTICIPANT_COPY_SECTIONS)
    return [section for section in sections if section is not None]


def as_json(participant: Participant, referrals: list[Referral], consents, sections: list[dict] = ()) -> dict:
    """Return the copy as JSON-ready data: codes with their readable labels, times in ISO 8601."""
    erasure = getattr(participant, "erasure", None)
    return {
        "participant": {
            "id": str(participant.pk),
            "name": participant.display_name,
            "case_id": participant.external_id,
            "organization": participant.organization.name,
            "preferred_language": participant.preferred_language,
            "zip_code": participant.zip_code,
            "contact_preference": participant.contact_preference,
            "phone": participant.phone,
            "email": participant.email,
            "recorded_at": _when(participant.created_at),
            "personal_data_erased_at": _when(erasure.erased_at) if erasure else None,
        },
        "consents": [
            {
                "scope": consent.scope,
                "scope_label": str(consent.get_scope_display()),
                "shared_with": consent.organization.name if consent.organization else None,
                "method": consent.method,
                "given_at": _when(consent.given_at),
                "revoked_at": _when(consent.revoked_at),
            }
            for consent in consents
        ],
        "referrals": [_referral(referral) for referral in referrals],
        **{section["key"]: section["data"] for section in sections},
    }


def _referral(referral: Referral) -> dict:
    feedback = getattr(referral, "feedback", None)
    return {
        "id": str(referral.pk),
        "service": referral.service.name,
        "location": referral.location.name if referral.location else None,
        "need": referral.need.name,
        "referring_organization": referral.referring_organization.name,
        "receiving_organization": referral.receiving_organization.name,
        "note": referral.note,
        "contact_details_shared": referral.share_contact,
        "urgency": referral.urgency,
        "status": referral.status,
        "status_label": str(referral.get_status_display()),
        "decline_reason": referral.decline_reason,
        "not_completed_reason": referral.not_completed_reason,
        "sent_at": _when(referral.sent_at),
        "appointment_at": _when(referral.appointment_at),
        "finished_at": _when(referral.finished_at),
        "closed_at": _when(referral.closed_at),
        "events": [
            {
                "at": _when(event.created_at),
                "from": event.old_status,
                "to": event.new_status,
                "reason": event.reason,
                "note": event.note,
            }
            for event in referral.events.all()
        ],
        "feedback": None
        if feedback is None
        else {
            "need_met": feedback.need_met,
            "outcome_note": feedback.outcome_note,
            "recorded_at": _when(feedback.recorded_at),
            "participant_connected": feedback.participant_connected,
            "participant_rating": feedback.participant_rating,
            "participant_barrier": feedback.participant_barrier,
            "participant_comment": feedback.participant_comment,
            "participant_answered_at": _when(feedback.participant_answered_at),
        },
    }
