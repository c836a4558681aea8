"""Resource lists a case manager hands to a participant, how each was sent, and the shortcuts that build them.

A resource list belongs to the case manager's organization (its program): only that organization's case
managers see it, and the participant through the list's private link. It holds services in the order the
case manager chose, each with one line of advice, and nothing of the participant's eligibility, income or
notes. Favourites are one case manager's starred services; team lists are a program's shared named lists.
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import Organization, Service
from referrals.encryption import EncryptedCharField, EncryptedTextField
from referrals.models import Participant, Referral

ADVICE_MAX_LENGTH = 200


class ResourceList(models.Model):
    """Services chosen for one participant (or for nobody in particular), to hand over."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="resource_lists")
    # Empty: a list without a participant (handed over in print or by its link only).
    participant = models.ForeignKey(Participant, models.CASCADE, null=True, blank=True, related_name="resource_lists")
    title = models.CharField(_("title"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            # The organization's lists page and the API list them by organization, newest first.
            models.Index(fields=["organization", "updated_at"], name="handouts_list_org_idx"),
        ]

    def __str__(self) -> str:
        return self.title or str(_("Resource list"))

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("handouts:detail", args=[self.pk])

    @property
    def language(self) -> str:
        """The language the list is handed over in: the participant's, else the site's."""
        return self.participant.preferred_language if self.participant_id else settings.LANGUAGE_CODE


class ResourceListItem(models.Model):
    """One service on a list, at its place, with the case manager's line of advice."""

    resource_list = models.ForeignKey(ResourceList, models.CASCADE, related_name="items")
    service = models.ForeignKey(Service, models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    # Written for the participant ("Ask for Ana; mention the training"): it may say something personal.
    advice = EncryptedTextField(_("advice"), blank=True, validators=[MaxLengthValidator(ADVICE_MAX_LENGTH)])
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "added_at"]
        constraints = [
            models.UniqueConstraint(fields=["resource_list", "service"], name="handouts_resourcelistitem_once"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.service_id}"


class ListLink(models.Model):
    """A list's private link: no account, an unguessable token, an expiry (like the referral feedback link).

    The token is kept as it is, as referrals.ParticipantLink keeps its own: the list's page shows the link
    again, to copy or print, for as long as it lasts. Sending a list after it expired issues a new one.
    """

    resource_list = models.OneToOneField(ResourceList, models.CASCADE, primary_key=True, related_name="link")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Link for {self.resource_list_id}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class Handover(models.Model):
    """One thing sent to a participant: a resource list or a referral's slip, by e-mail or text message.

    The participant's timeline of what they were sent. The address is the one used that day, encrypted
    at rest like the participant's own contact details.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        TEXT = "text", _("Text message")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued in the mail outbox")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participant = models.ForeignKey(Participant, models.CASCADE, related_name="handovers")
    resource_list = models.ForeignKey(ResourceList, models.CASCADE, null=True, blank=True, related_name="handovers")
    referral = models.ForeignKey(Referral, models.CASCADE, null=True, blank=True, related_name="handovers")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = EncryptedCharField(max_length=254)
    language = models.CharField(max_length=2)
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.CharField(max_length=500, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            # The participant's timeline: their sends, newest first.
            models.Index(fields=["participant", "sent_at"], name="handouts_handover_timeline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resource_list__isnull=True, referral__isnull=False)
                | Q(resource_list__isnull=False, referral__isnull=True),
                name="handouts_handover_list_or_slip",
                violation_error_message="A send carries either a resource list or a referral's slip.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.sent_at:%Y-%m-%d %H:%M}"


class Favourite(models.Model):
    """A service a case manager starred, to find it again from the search page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="favourite_services")
    service = models.ForeignKey(Service, models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="handouts_favourite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ★ {self.service_id}"


class TeamList(models.Model):
    """A program's shared named list of services ("our go-to child care"), kept by its case managers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="team_lists")
    name = models.CharField(_("name"), max_length=100)
    services = models.ManyToManyField(Service, through="TeamListItem", related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="handouts_teamlist_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("handouts:team_list", args=[self.pk])


class TeamListItem(models.Model):
    team_list = models.ForeignKey(TeamList, models.CASCADE, related_name="items")
    service = models.ForeignKey(Service, models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at"]
        constraints = [
            models.UniqueConstraint(fields=["team_list", "service"], name="handouts_teamlistitem_once"),
        ]

    def __str__(self) -> str:
        return f"{self.team_list_id}: {self.service_id}"
