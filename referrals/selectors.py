"""Who sees which referral, and on which side of it a person stands. The one place that decides.

A referral, its participant, consent and feedback are visible to staff of the referring
organization, staff of the receiving organization, and network admins; to everyone else they do
not exist (404).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from directory.access import is_network_admin
from referrals.models import Participant, Referral, response_cutoff  # noqa: F401 (outcomes.py reads it here)


class Side:
    REFERRER = "referrer"
    PROVIDER = "provider"
    ADMIN = "admin"


def organization_ids_of(user) -> set:
    """Return the ids of the organizations ``user`` works for (a query)."""
    if not user.is_authenticated:
        return set()
    return set(user.memberships.values_list("organization_id", flat=True))


def referrals_visible_to(user) -> QuerySet[Referral]:
    if not user.is_authenticated:
        return Referral.objects.none()
    if is_network_admin(user):
        return Referral.objects.all()
    organizations = organization_ids_of(user)
    return Referral.objects.filter(
        Q(referring_organization__in=organizations) | Q(receiving_organization__in=organizations)
    )


def participants_visible_to(user) -> QuerySet[Participant]:
    """Participants of the user's organization, and those referred to it."""
    if not user.is_authenticated:
        return Participant.objects.none()
    if is_network_admin(user):
        return Participant.objects.all()
    organizations = organization_ids_of(user)
    return Participant.objects.filter(
        Q(organization__in=organizations) | Q(referrals__receiving_organization__in=organizations)
    ).distinct()


def get_referral_for_user(user, referral_id) -> Referral:
    """Return the referral if ``user`` may see it; 404 otherwise."""
    try:
        return (
            referrals_visible_to(user)
            .select_related(
                "participant", "service", "location", "referring_organization", "receiving_organization", "need"
            )
            .get(pk=referral_id)
        )
    except (Referral.DoesNotExist, ValidationError):
        raise Http404("No such referral") from None


def get_participant_for_user(user, participant_id) -> Participant:
    try:
        return participants_visible_to(user).get(pk=participant_id)
    except (Participant.DoesNotExist, ValidationError):
        raise Http404("No such participant") from None


def sides_of(user, referral: Referral) -> set[str]:
    """Return the sides ``user`` may act for on ``referral``: referrer, provider, admin (or none)."""
    sides = set()
    if is_network_admin(user):
        sides.add(Side.ADMIN)
    organizations = organization_ids_of(user)
    if referral.referring_organization_id in organizations:
        sides.add(Side.REFERRER)
    if referral.receiving_organization_id in organizations:
        sides.add(Side.PROVIDER)
    return sides


def overdue(referrals: QuerySet[Referral], now: datetime.datetime | None = None) -> QuerySet[Referral]:
    """Return the overdue ones of ``referrals`` (the rule: models.overdue_condition)."""
    return referrals.overdue(now)


def is_overdue(referral: Referral, now: datetime.datetime | None = None) -> bool:
    return referral.is_overdue(now)
