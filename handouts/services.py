"""Writes to resource lists, favourites and team lists, and sending lists and slips to participants.

Every send goes to the participant only by the way they chose (their contact preference), only while
they have a consent in force and their data is not erased, and is recorded on their timeline (Handover).
E-mail goes through the mail outbox (directory/mail.py), in the transaction of the send; a text message
goes through settings.SMS_BACKEND and carries only the list's private link.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from directory import mail
from handouts import listing, sms
from handouts.models import (
    Favourite,
    Handover,
    ListLink,
    ResourceList,
    ResourceListItem,
    TeamList,
    TeamListItem,
)
from providers.models import Organization, Service
from referrals.models import Participant, ParticipantErasure, ParticipantLink, Referral

NO_PARTICIPANT = _("This list is not for a participant: choose the participant before sending it.")
ERASED = _("This participant's personal data is erased: nothing can be sent to them.")
NO_CONSENT = _("The participant has no consent in force: nothing is sent to them until they give one.")
NOT_BY_EMAIL = _(
    "The participant asked to be reached by another way than e-mail (%(preference)s): "
    "hand them the printed list, or change their contact preference with their agreement."
)
NOT_BY_TEXT = _(
    "The participant asked to be reached by another way than text message (%(preference)s): "
    "hand them the printed list, or change their contact preference with their agreement."
)
NO_EMAIL = _("The participant has no e-mail address on record.")
NO_PHONE = _("The participant has no phone number on record.")
EMPTY_LIST = _("The list is empty: add services before handing it over.")
SERVICE_NOT_LISTED = _("This service is not listed any more, so it cannot be added.")
TEAM_LIST_NAME_TAKEN = _("Your program already has a team list with this name.")
NOT_SAME_ORGANIZATION = _("The participant belongs to another program than this list.")


# Resource lists


@transaction.atomic
def resource_list_create(
    *, organization: Organization, created_by, participant: Participant | None = None, title: str = ""
) -> ResourceList:
    if participant is not None and participant.organization_id != organization.pk:
        raise ValidationError(NOT_SAME_ORGANIZATION)
    resource_list = ResourceList(organization=organization, created_by=created_by, participant=participant, title=title)
    resource_list.full_clean()
    resource_list.save()
    return resource_list


@transaction.atomic
def resource_list_add(*, resource_list: ResourceList, service: Service) -> ResourceListItem:
    """Put ``service`` at the end of the list; a service already on it stays where it is."""
    if service.status not in (Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED):
        raise ValidationError(SERVICE_NOT_LISTED)
    ResourceList.objects.select_for_update().filter(pk=resource_list.pk).first()
    existing = resource_list.items.filter(service=service).first()
    if existing is not None:
        return existing
    last = resource_list.items.aggregate(last=Max("position"))["last"]
    item = ResourceListItem(resource_list=resource_list, service=service, position=0 if last is None else last + 1)
    item.full_clean()
    item.save()
    ResourceList.objects.filter(pk=resource_list.pk).update(updated_at=timezone.now())
    return item


@transaction.atomic
def resource_list_move(*, item: ResourceListItem, offset: int) -> None:
    """Move an item ``offset`` places (-1: up, 1: down); at either end, nothing moves."""
    ResourceList.objects.select_for_update().filter(pk=item.resource_list_id).first()
    items = list(
        ResourceListItem.objects.filter(resource_list_id=item.resource_list_id).order_by("position", "added_at")
    )
    index = next(index for index, candidate in enumerate(items) if candidate.pk == item.pk)
    target = index + offset
    if target < 0 or target >= len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, candidate in enumerate(items):
        candidate.position = position
    ResourceListItem.objects.bulk_update(items, ["position"])
    ResourceList.objects.filter(pk=item.resource_list_id).update(updated_at=timezone.now())


@transaction.atomic
def resource_list_remove(*, item: ResourceListItem) -> None:
    item.delete()
    ResourceList.objects.filter(pk=item.resource_list_id).update(updated_at=timezone.now())


@transaction.atomic
def resource_list_update(*, resource_list: ResourceList, title: str, advice: dict[int, str]) -> ResourceList:
    """Save the list's title and each item's line of advice (by item id); all or nothing."""
    resource_list.title = title
    resource_list.full_clean()
    items = list(resource_list.items.filter(pk__in=advice))
    errors = {}
    for item in items:
        item.advice = " ".join(advice[item.pk].split())  # one line
        try:
            item.full_clean()
        except ValidationError as error:
            errors[f"advice-{item.pk}"] = error.messages
    if errors:
        raise ValidationError(errors)
    ResourceListItem.objects.bulk_update(items, ["advice"])
    resource_list.save(update_fields=["title", "updated_at"])
    return resource_list


@transaction.atomic
def resource_list_set_participant(*, resource_list: ResourceList, participant: Participant | None) -> ResourceList:
    if participant is not None and participant.organization_id != resource_list.organization_id:
        raise ValidationError(NOT_SAME_ORGANIZATION)
    resource_list.participant = participant
    resource_list.save(update_fields=["participant", "updated_at"])
    return resource_list


def list_link_for(resource_list: ResourceList, *, now: datetime.datetime | None = None) -> ListLink:
    """Return the list's private link in force, making one (or a fresh one for an expired link)."""
    now = now or timezone.now()
    expires_at = now + datetime.timedelta(days=settings.RESOURCE_LIST_LINK_DAYS)
    link = ListLink.objects.filter(resource_list=resource_list).first()
    if link is None:
        return ListLink.objects.create(resource_list=resource_list, expires_at=expires_at, created_at=now)
    if link.expires_at <= now:
        link.token = ListLink._meta.get_field("token").default()
        link.expires_at = expires_at
        link.created_at = now
        link.save(update_fields=["token", "expires_at", "created_at"])
    return link


def link_for_token(token: str) -> ListLink | None:
    """Return the link of a token that is valid now, or None (wrong, expired or unknown)."""
    link = ListLink.objects.select_related("resource_list").filter(token=token).first()
    if link is None or link.is_expired:
        return None
    return link


def link_url(link: ListLink) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("handouts:shared", args=[link.token])


# Sending


def check_may_send(participant: Participant | None, channel: str) -> str:
    """Return the participant's address for ``channel``; a ValidationError saying why nothing may be sent.

    Costs two queries (erasure, consents).
    """
    if participant is None:
        raise ValidationError(NO_PARTICIPANT)
    if ParticipantErasure.objects.filter(participant=participant).exists():
        raise ValidationError(ERASED)
    if not participant.consents.in_force().exists():
        raise ValidationError(NO_CONSENT)
    preference = participant.get_contact_preference_display()
    if channel == Handover.Channel.EMAIL:
        if participant.contact_preference != Participant.ContactPreference.EMAIL:
            raise ValidationError(NOT_BY_EMAIL, params={"preference": preference})
        if not participant.email:
            raise ValidationError(NO_EMAIL)
        return participant.email
    if participant.contact_preference != Participant.ContactPreference.TEXT:
        raise ValidationError(NOT_BY_TEXT, params={"preference": preference})
    if not participant.phone:
        raise ValidationError(NO_PHONE)
    return participant.phone


def case_manager_of(user, organization: Organization) -> dict:
    """The case manager's name and e-mail and their program's phone, as a handout shows them (a query)."""
    phones = listing.phone_lines(organization.phones.order_by("created_at")[:1])
    if user is None:
        return {"name": "", "email": "", "phone": phones[0] if phones else None}
    return {
        "name": user.get_full_name() or user.get_username(),
        "email": user.email,
        "phone": phones[0] if phones else None,
    }


@transaction.atomic
def resource_list_send(*, resource_list: ResourceList, channel: str, sent_by) -> Handover:
    """Send the list to its participant by ``channel``: the whole list by e-mail (through the outbox), or only
    its private link by text message. Recorded on the participant's timeline, failed text messages too."""
    participant = resource_list.participant
    address = check_may_send(participant, channel)
    if not resource_list.items.exists():
        raise ValidationError(EMPTY_LIST)
    language = participant.preferred_language
    link = list_link_for(resource_list)
    handover = Handover(
        participant=participant,
        resource_list=resource_list,
        channel=channel,
        address=address,
        language=language,
        sent_by=sent_by,
    )
    context = {
        "resource_list": resource_list,
        "organization": resource_list.organization,
        "case_manager": case_manager_of(sent_by, resource_list.organization),
        "link_url": link_url(link),
        "expires_at": link.expires_at,
    }
    if channel == Handover.Channel.EMAIL:
        context["entries"] = listing.entries_of(resource_list, language=language)
        queued = mail.send_templated("handouts/email/resource_list", context, to=address, language=language)
        handover.status = Handover.Status.QUEUED if queued else Handover.Status.FAILED
    else:
        with translation.override(language):
            body = mail.render_text("handouts/sms/resource_list.txt", context).strip()
        try:
            sms.sender().send(to=address, body=body)
        except sms.SmsError as error:
            handover.status = Handover.Status.FAILED
            handover.error = str(error)[:500]
        else:
            handover.status = Handover.Status.SENT
    handover.full_clean()
    handover.save()
    return handover


@transaction.atomic
def slip_send(*, referral: Referral, sent_by) -> Handover:
    """E-mail the referral's slip to the participant, in their language, through the outbox; on their timeline."""
    participant = referral.participant
    address = check_may_send(participant, Handover.Channel.EMAIL)
    language = participant.preferred_language
    feedback_link = ParticipantLink.objects.filter(referral=referral).first()
    feedback_url = ""
    if feedback_link is not None and not feedback_link.is_expired:
        feedback_url = settings.SITE_URL.rstrip("/") + reverse("referrals:feedback", args=[feedback_link.token])
    entries = listing.entries_for_services([referral.service], language=language)
    if referral.location_id is not None:
        for entry in entries:
            location_name = referral.location.name
            entry.places = [place for place in entry.places if place.name == location_name] or entry.places
    context = {
        "referral": referral,
        "entry": entries[0],
        "organization": referral.referring_organization,
        "case_manager": case_manager_of(referral.referred_by, referral.referring_organization),
        "feedback_url": feedback_url,
        "feedback_expires_at": feedback_link.expires_at if feedback_link is not None else None,
    }
    queued = mail.send_templated("handouts/email/slip", context, to=address, language=language)
    handover = Handover(
        participant=participant,
        referral=referral,
        channel=Handover.Channel.EMAIL,
        address=address,
        language=language,
        status=Handover.Status.QUEUED if queued else Handover.Status.FAILED,
        sent_by=sent_by,
    )
    handover.full_clean()
    handover.save()
    return handover


# Favourites and team lists


@transaction.atomic
def favourite_toggle(*, user, service: Service) -> bool:
    """Star ``service`` for ``user``, or take the star away; return whether it is starred now."""
    deleted, _by_model = Favourite.objects.filter(user=user, service=service).delete()
    if deleted:
        return False
    Favourite.objects.create(user=user, service=service)
    return True


@transaction.atomic
def team_list_create(*, organization: Organization, name: str, created_by) -> TeamList:
    name = " ".join(name.split())
    if TeamList.objects.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": TEAM_LIST_NAME_TAKEN})
    team_list = TeamList(organization=organization, name=name, created_by=created_by)
    team_list.full_clean()
    team_list.save()
    return team_list


@transaction.atomic
def team_list_add(*, team_list: TeamList, service: Service) -> TeamListItem:
    if service.status not in (Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED):
        raise ValidationError(SERVICE_NOT_LISTED)
    item, _created = TeamListItem.objects.get_or_create(team_list=team_list, service=service)
    return item


@transaction.atomic
def team_list_remove(*, team_list: TeamList, service_id) -> None:
    TeamListItem.objects.filter(team_list=team_list, service_id=service_id).delete()


# Erasure (settings.PARTICIPANT_ERASURE_HOOKS)


def participant_erase_handouts(participant: Participant) -> None:
    """Erase what the resource lists keep of a participant whose data is erased (referrals/erasure.py calls
    this in its transaction): the tips on their lists, the addresses things were sent to, and the lists'
    private links. The lists' services and the record that something was sent stay."""
    ResourceListItem.objects.filter(resource_list__participant=participant).update(advice="")
    Handover.objects.filter(participant=participant).update(address="")
    ListLink.objects.filter(resource_list__participant=participant).delete()
