"""Who sees which referral, and on which side of it a person stands. The one place that decides.

A referral, its participant, consent and feedback are visible to staff of the referring
organization, staff of the receiving organization, and network admins; to everyone else they do
not exist (404).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from directory.access import REFERRING_ROLES, is_network_admin
from directory.models import Membership
from providers.models import Organization
from referrals.encryption import blind_index
from referrals.models import (
    Consent,
    Participant,
    Referral,
    overdue_condition,
    response_cutoff,  # noqa: F401 (outcomes.py reads it here)
)

S = Referral.Status
# An accepted referral with no news for this long is one the provider should report on.
TO_REPORT_AFTER_DAYS = 14


class Side:
    REFERRER = "referrer"
    PROVIDER = "provider"
    ADMIN = "admin"


@dataclass(frozen=True)
class Standing:
    """Where a person stands in the network: the organizations they work for and whether they are a network
    admin, read from their memberships in one query (standing_of). Read it once per request and pass it on."""

    organization_ids: frozenset = frozenset()
    network_admin: bool = False

    def sides(self, referral: Referral) -> set[str]:
        """Return the sides this person may act for on ``referral``: referrer, provider, admin (or none)."""
        sides = {Side.ADMIN} if self.network_admin else set()
        if referral.referring_organization_id in self.organization_ids:
            sides.add(Side.REFERRER)
        if referral.receiving_organization_id in self.organization_ids:
            sides.add(Side.PROVIDER)
        return sides


def standing_of(user) -> Standing:
    """Return where ``user`` stands (a query for a signed-in person, none otherwise).

    A network admin is a superuser or holds the network admin role: directory.access.is_network_admin's rule,
    read here from the same rows as the organizations.
    """
    if not user.is_authenticated:
        return Standing()
    memberships = list(user.memberships.values_list("organization_id", "role"))
    return Standing(
        organization_ids=frozenset(organization for organization, _role in memberships),
        network_admin=user.is_superuser or any(role == Membership.Role.NETWORK_ADMIN for _org, role in memberships),
    )


def organization_ids_of(user) -> set:
    """Return the ids of the organizations ``user`` works for (a query)."""
    if not user.is_authenticated:
        return set()
    return set(user.memberships.values_list("organization_id", flat=True))


def referrals_visible_to(user, standing: Standing | None = None) -> QuerySet[Referral]:
    """Return the referrals ``user`` may see (a query to read their standing, unless given)."""
    if not user.is_authenticated:
        return Referral.objects.none()
    standing = standing or standing_of(user)
    if standing.network_admin:
        return Referral.objects.all()
    organizations = standing.organization_ids
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


# What a referral's page, its moves and their e-mails show of it, read with it.
REFERRAL_RELATIONS = (
    "participant",
    "service",
    "location",
    "referring_organization",
    "receiving_organization",
    "need",
    "referred_by",
)


def get_referral_and_sides(user, referral_id) -> tuple[Referral, set[str]]:
    """Return the referral and the sides ``user`` acts for on it, if they may see it; 404 otherwise.

    One query: the user's memberships are read inside it. Look the pair up once per request and pass it
    on (services.referral_move, services.referral_outcome_record).
    """
    if not user.is_authenticated:
        raise Http404("No such referral")
    memberships = Membership.objects.filter(user=user)
    admin = Value(True) if user.is_superuser else Exists(memberships.filter(role=Membership.Role.NETWORK_ADMIN))
    referrals = Referral.objects.annotate(
        seen_as_referrer=Exists(memberships.filter(organization=OuterRef("referring_organization"))),
        seen_as_provider=Exists(memberships.filter(organization=OuterRef("receiving_organization"))),
        seen_as_admin=admin,
    ).filter(Q(seen_as_referrer=True) | Q(seen_as_provider=True) | Q(seen_as_admin=True))
    try:
        referral = referrals.select_related(*REFERRAL_RELATIONS).get(pk=referral_id)
    except (Referral.DoesNotExist, ValidationError):
        raise Http404("No such referral") from None
    sides = {Side.ADMIN} if referral.seen_as_admin else set()
    if referral.seen_as_referrer:
        sides.add(Side.REFERRER)
    if referral.seen_as_provider:
        sides.add(Side.PROVIDER)
    return referral, sides


def get_referral_for_user(user, referral_id) -> Referral:
    """Return the referral if ``user`` may see it; 404 otherwise (a query)."""
    referral, _sides = get_referral_and_sides(user, referral_id)
    return referral


def get_participant_for_user(user, participant_id) -> Participant:
    try:
        return participants_visible_to(user).get(pk=participant_id)
    except (Participant.DoesNotExist, ValidationError):
        raise Http404("No such participant") from None


def sides_of(user, referral: Referral) -> set[str]:
    """Return the sides ``user`` may act for on ``referral``: referrer, provider, admin (or none). A query."""
    return standing_of(user).sides(referral)


def overdue(referrals: QuerySet[Referral], now: datetime.datetime | None = None) -> QuerySet[Referral]:
    """Return the overdue ones of ``referrals`` (the rule: models.overdue_condition)."""
    return referrals.overdue(now)


def is_overdue(referral: Referral, now: datetime.datetime | None = None) -> bool:
    return referral.is_overdue(now)


# Who refers, and for whom.


def referring_organizations(user) -> QuerySet[Organization]:
    """Return the organizations ``user`` refers for: where they are a case manager or network admin."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        memberships__user=user,
        memberships__role__in=REFERRING_ROLES,
    ).order_by("name")


def participants_for_referrer(user) -> QuerySet[Participant]:
    """Return the participants ``user`` may refer: their programs' own, or any for a network admin.

    Narrower than participants_visible_to: a provider sees the participants referred to it
    but never refers them on.
    """
    if is_network_admin(user):
        return Participant.objects.all()
    return Participant.objects.filter(organization__in=referring_organizations(user))


def get_participant_for_referrer(user, participant_id) -> Participant:
    """Return the participant if ``user`` may refer them; 404 otherwise."""
    try:
        return participants_for_referrer(user).select_related("organization").get(pk=participant_id)
    except (Participant.DoesNotExist, ValidationError):
        raise Http404("No such participant") from None


def find_participants(user, text: str, limit: int = 20) -> list[Participant]:
    """Return the participants ``user`` may refer whose name, initials or case id holds ``text``."""
    text = text.strip()
    if not text:
        return []
    matches = participants_for_referrer(user).filter(
        Q(display_name__icontains=text) | Q(external_id_index=blind_index(text))
    )
    return list(matches.order_by("display_name")[:limit])


def covering_consent(participant: Participant, organization: Organization) -> Consent | None:
    """Return the consent in force that covers a referral to ``organization``, the widest first."""
    consents = Consent.objects.filter(participant=participant).select_related("recorded_by", "organization")
    return (
        consents.covering(organization=organization, share_contact=True).first()
        or consents.covering(organization=organization, share_contact=False).first()
    )


# The case manager's dashboard and the provider's inbox.


class DashboardTab:
    OPEN = "open"
    OVERDUE = "overdue"
    WAITING = "waiting"
    CLOSED = "closed"
    ALL = "all"
    LABELS = {
        OPEN: _("Open"),
        OVERDUE: _("Overdue"),
        WAITING: _("Waiting for your outcome"),
        CLOSED: _("Closed"),
        ALL: _("All"),
    }


class InboxTab:
    NEW = "new"
    ACTIVE = "active"
    TO_REPORT = "to_report"
    FINISHED = "finished"
    LABELS = {
        NEW: _("New"),
        ACTIVE: _("Accepted or scheduled"),
        TO_REPORT: _("To report"),
        FINISHED: _("Finished"),
    }


def sent_by(user) -> QuerySet[Referral]:
    """Referrals of the programs ``user`` works for (all of them for a network admin; a query to decide).

    A part of referrals_visible_to, read with the user's organizations as a subquery.
    """
    if is_network_admin(user):
        return referrals_visible_to(user)
    return Referral.objects.filter(referring_organization__in=user.memberships.values("organization_id"))


def received_by(user) -> QuerySet[Referral]:
    """Referrals to the organizations ``user`` works for (all of them for a network admin; a query to decide)."""
    if is_network_admin(user):
        return referrals_visible_to(user)
    return Referral.objects.filter(receiving_organization__in=user.memberships.values("organization_id"))


def dashboard_filters(now: datetime.datetime) -> dict[str, Q | None]:
    """Return each tab's condition (None: every referral)."""
    return {
        DashboardTab.OPEN: Q(status__in=Referral.OPEN),
        DashboardTab.OVERDUE: overdue_condition(now),
        DashboardTab.WAITING: Q(status__in=Referral.FINISHED),
        DashboardTab.CLOSED: Q(status=S.CLOSED),
        DashboardTab.ALL: None,
    }


def inbox_filters(now: datetime.datetime) -> dict[str, Q]:
    long_ago = now - datetime.timedelta(days=TO_REPORT_AFTER_DAYS)
    return {
        InboxTab.NEW: Q(status__in=Referral.AWAITING_RESPONSE),
        InboxTab.ACTIVE: Q(status__in=Referral.IN_PROGRESS),
        # The appointment has passed, or the referral was accepted long ago with no news since.
        InboxTab.TO_REPORT: Q(status=S.SCHEDULED, appointment_at__lt=now)
        | Q(status__in=Referral.IN_PROGRESS, appointment_at__isnull=True, first_response_at__lt=long_ago),
        InboxTab.FINISHED: Q(status__in=Referral.FINISHED_OR_CLOSED),
    }


def tab_counts(referrals: QuerySet[Referral], filters: dict[str, Q | None]) -> dict[str, int]:
    """Count the referrals in each tab, in one query."""
    return referrals.aggregate(**{tab: Count("pk", filter=condition) for tab, condition in filters.items()})


def in_tab(referrals: QuerySet[Referral], condition: Q | None) -> QuerySet[Referral]:
    return referrals if condition is None else referrals.filter(condition)


def filtered(referrals: QuerySet[Referral], *, status: str = "", service: str = "", participant: str = ""):
    """Narrow a list by status, service (an id) and participant (name, initials or case id)."""
    if status:
        referrals = referrals.filter(status=status)
    if service:
        referrals = referrals.filter(service_id=service)
    if participant:
        referrals = referrals.filter(
            Q(participant__display_name__icontains=participant)
            | Q(participant__external_id_index=blind_index(participant))
        )
    return referrals
