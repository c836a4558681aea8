"""What the referral pages need on top of services.py and selectors.py.

- who may refer, and for which participants (the refer page's 404s);
- ``refer``: the refer page's one transaction, so that a participant, a consent and a referral are
  saved together or not at all, with errors keyed by the form's field names;
- the dashboard's and the inbox's groupings (tabs), counted in one query.

The rules themselves (consent, sides, transitions) stay in services.py; this module only calls them.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from directory.access import REFERRING_ROLES, is_network_admin
from providers.models import Location, Organization, Service, TaxonomyTerm
from referrals import services
from referrals.encryption import blind_index
from referrals.models import Consent, Participant, Referral, overdue_condition
from referrals.selectors import referrals_visible_to

S = Referral.Status

# An accepted referral with no news for this long is one the provider should report on.
TO_REPORT_AFTER_DAYS = 14
EXTERNAL_ID_TAKEN = _("A participant with this case id is already in your program: find them above.")


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

    Narrower than selectors.participants_visible_to: a provider sees the participants referred to it
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


def covers_contact(consent: Consent | None) -> bool:
    return consent is not None and consent.scope == Consent.Scope.REFERRAL_AND_CONTACT


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
) -> Referral:
    """Send a referral, first creating the participant (``new_participant``) and recording a consent
    (``consent``: scope, organization, method) when given. All or nothing.

    Raises ValidationError keyed by the refer form's field names (consent fields as ``consent_*``).
    """
    if participant is None:
        participant = _create_participant(referred_by, organization, new_participant or {})
    if consent is not None:
        try:
            services.consent_record(participant=participant, recorded_by=referred_by, **consent)
        except ValidationError as error:
            raise _renamed(error, {name: f"consent_{name}" for name in ("scope", "organization", "method")}) from None
    try:
        return services.referral_send(
            participant=participant,
            service=service,
            need=need,
            referred_by=referred_by,
            location=location,
            note=note,
            urgency=urgency,
            share_contact=share_contact,
        )
    except ValidationError as error:
        if str(services.NO_CONTACT_CONSENT) in error.messages:
            raise ValidationError({"share_contact": services.NO_CONTACT_CONSENT}) from None
        raise


def _create_participant(referred_by, organization: Organization | None, fields: dict) -> Participant:
    if organization is None:
        raise ValidationError(services.NOT_REFERRER)
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
        raise ValidationError({"external_id": EXTERNAL_ID_TAKEN})
    return services.participant_create(organization=organization, created_by=referred_by, **fields)


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(field, field): errors for field, errors in error.error_dict.items()})


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

    A part of selectors.referrals_visible_to, read with the user's organizations as a subquery.
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
