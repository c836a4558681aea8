"""Participants, their consent, referrals and the referral's history, and feedback on how it went.

Privacy by design: a participant holds only what the case manager chooses to record, belongs to the
referring organization, and is seen only by staff of the referring and receiving organizations and
network admins (see referrals/selectors.py).
"""

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import Correction, Location, Organization, Service, TaxonomyTerm, validate_us_zip
from referrals.encryption import BlindIndexField, EncryptedCharField, EncryptedEmailField, EncryptedTextField


class Language(models.TextChoices):
    """Languages a slip, a notification or the participant's feedback page can be in."""

    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class Participant(models.Model):
    """A person a case manager refers: the minimum needed to refer and follow up."""

    class ContactPreference(models.TextChoices):
        NONE = "none", _("Through the case manager only")
        PHONE = "phone", _("Phone call")
        TEXT = "text", _("Text message")
        EMAIL = "email", _("E-mail")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="participants")
    display_name = models.CharField(
        _("name or initials"), max_length=100, help_text=_("Whatever the participant is comfortable sharing.")
    )
    preferred_language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    zip_code = models.CharField(max_length=5, blank=True, validators=[validate_us_zip])
    contact_preference = models.CharField(
        max_length=10, choices=ContactPreference.choices, default=ContactPreference.NONE
    )
    # Contact details, the case id and the notes below are encrypted at rest (referrals/encryption.py).
    phone = EncryptedCharField(max_length=30, blank=True)
    email = EncryptedEmailField(blank=True)
    external_id = EncryptedCharField(
        max_length=100, blank=True, help_text=_("The participant's id in the referring program's case system.")
    )
    # The finder, the dashboard filter and the duplicate check look case ids up by this (and the constraint).
    external_id_index = BlindIndexField(source="external_id")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id_index"],
                condition=~Q(external_id_index=""),
                name="referrals_participant_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        # Contact details only when they are how the participant wants to be reached.
        if self.contact_preference in (self.ContactPreference.PHONE, self.ContactPreference.TEXT) and not self.phone:
            raise ValidationError({"phone": _("Give a phone number, or choose another way to reach the participant.")})
        if self.contact_preference == self.ContactPreference.EMAIL and not self.email:
            raise ValidationError(
                {"email": _("Give an e-mail address, or choose another way to reach the participant.")}
            )


class ParticipantErasure(models.Model):
    """A participant's personal data erased: on their request (through a case manager of the owning
    organization, with the reason) or at the end of PARTICIPANT_RETENTION_DAYS. Once per participant.

    The participant row stays, de-identified, so that the referrals and the network's figures keep it.
    """

    class Kind(models.TextChoices):
        REQUEST = "request", _("On request")
        RETENTION = "retention", _("Retention period ended")

    participant = models.OneToOneField(Participant, models.CASCADE, primary_key=True, related_name="erasure")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField()
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.erased_at:%Y-%m-%d})"


class ConsentQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(revoked_at__isnull=True)

    def covering(self, *, organization: Organization, share_contact: bool):
        """Consents in force that allow a referral to ``organization`` (with contact details if asked)."""
        covering = self.in_force().filter(Q(organization__isnull=True) | Q(organization=organization))
        if share_contact:
            covering = covering.filter(scope=Consent.Scope.REFERRAL_AND_CONTACT)
        return covering


class Consent(models.Model):
    """What the participant agreed to share, with whom, when, and who recorded it."""

    class Scope(models.TextChoices):
        REFERRAL = "referral", _("Name, need and note, so the provider can expect them")
        REFERRAL_AND_CONTACT = "referral_and_contact", _("Also contact details, so the provider can reach out")

    class Method(models.TextChoices):
        VERBAL = "verbal", _("Said so in person or by phone")
        WRITTEN = "written", _("Signed a form")
        ELECTRONIC = "electronic", _("Agreed electronically")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participant = models.ForeignKey(Participant, models.CASCADE, related_name="consents")
    scope = models.CharField(max_length=30, choices=Scope.choices, default=Scope.REFERRAL)
    # Empty: any provider in the network; otherwise only this one.
    organization = models.ForeignKey(
        Organization, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("shared with")
    )
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.VERBAL)
    given_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.given_at:%Y-%m-%d})"


def response_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Return the moment REFERRAL_RESPONSE_DAYS business days (Monday to Friday) before ``now``.

    A referral sent before it and still unanswered is overdue.
    """
    moment = timezone.localtime(now or timezone.now())
    remaining = settings.REFERRAL_RESPONSE_DAYS
    while remaining > 0:
        moment -= datetime.timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def overdue_condition(now: datetime.datetime | None = None) -> Q:
    """The overdue rule as a filter: unanswered, and sent before the response cutoff (see Referral.is_overdue)."""
    return Q(status__in=Referral.AWAITING_RESPONSE, sent_at__lt=response_cutoff(now))


class ReferralQuerySet(models.QuerySet):
    def awaiting_response(self):
        return self.filter(status__in=Referral.AWAITING_RESPONSE)

    def sent_before(self, cutoff: datetime.datetime):
        return self.filter(sent_at__lt=cutoff)

    def overdue(self, now: datetime.datetime | None = None):
        return self.filter(overdue_condition(now))


class Referral(models.Model):
    """A participant sent to a service, and where that stands."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        NOT_COMPLETED = "not_completed", _("Not completed")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED = "closed", _("Closed")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        SOON = "soon", _("Within a week")
        URGENT = "urgent", _("Urgent")

    class DeclineReason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        NO_CAPACITY = "no_capacity", _("No capacity")
        COULD_NOT_CONTACT = "could_not_contact", _("Could not contact the participant")
        DUPLICATE = "duplicate", _("Duplicate referral")
        OTHER = "other", _("Other")

    class NotCompletedReason(models.TextChoices):
        NO_SHOW = "no_show", _("Did not show up")
        PARTICIPANT_DECLINED = "participant_declined", _("Participant declined")
        COULD_NOT_CONTACT = "could_not_contact", _("Could not contact the participant")
        OTHER = "other", _("Other")

    # Status groups, for the transitions, the dashboard's and inbox's tabs and the figures.
    AWAITING_RESPONSE = (Status.SENT, Status.RECEIVED)  # the provider has not answered yet
    OPEN = (Status.SENT, Status.RECEIVED, Status.ACCEPTED, Status.SCHEDULED)
    IN_PROGRESS = (Status.ACCEPTED, Status.SCHEDULED)  # accepted, the participant not yet served
    RESPONSES = (Status.ACCEPTED, Status.DECLINED)  # the provider's answer: sets first_response_at
    FINISHED = (Status.COMPLETED, Status.NOT_COMPLETED, Status.DECLINED, Status.CANCELLED)  # sets finished_at
    FINISHED_OR_CLOSED = (*FINISHED, Status.CLOSED)  # the referrer may record the outcome

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participant = models.ForeignKey(Participant, models.PROTECT, related_name="referrals")
    consent = models.ForeignKey(Consent, models.PROTECT, related_name="referrals")
    service = models.ForeignKey(Service, models.PROTECT, related_name="referrals")
    location = models.ForeignKey(Location, models.SET_NULL, null=True, blank=True, related_name="referrals")
    referring_organization = models.ForeignKey(Organization, models.PROTECT, related_name="referrals_sent")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="referrals_made")
    receiving_organization = models.ForeignKey(Organization, models.PROTECT, related_name="referrals_received")
    need = models.ForeignKey(TaxonomyTerm, models.PROTECT, related_name="referrals")
    note = EncryptedTextField(
        blank=True, help_text=_("For the provider: what the participant needs and anything that helps.")
    )
    share_contact = models.BooleanField(default=False)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENT)
    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    not_completed_reason = models.CharField(max_length=30, choices=NotCompletedReason.choices, blank=True)
    appointment_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)  # accepted or declined
    finished_at = models.DateTimeField(null=True, blank=True)  # completed, not completed, declined or cancelled
    closed_at = models.DateTimeField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)  # the day the last overdue reminder went out
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            # Dashboards and the overdue check filter by organization and status, newest first.
            models.Index(fields=["receiving_organization", "status", "sent_at"], name="referrals_inbox_idx"),
            models.Index(fields=["referring_organization", "status", "sent_at"], name="referrals_outbox_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="referrals_referral_declined_has_reason",
                violation_error_message="A declined referral needs a reason.",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_completed") | ~Q(not_completed_reason=""),
                name="referrals_referral_not_completed_has_reason",
                violation_error_message="A referral that was not completed needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} → {self.service}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("referrals:detail", args=[self.pk])

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        """Whether the provider has not answered within REFERRAL_RESPONSE_DAYS business days (overdue_condition)."""
        return self.status in self.AWAITING_RESPONSE and self.sent_at < response_cutoff(now)


class ReferralEvent(models.Model):
    """One change in a referral's life: who, when, from which status to which, and why. Never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, models.CASCADE, related_name="events")
    old_status = models.CharField(max_length=20, choices=Referral.Status.choices, blank=True)
    new_status = models.CharField(max_length=20, choices=Referral.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=30, blank=True)
    note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.old_status or '—'} → {self.new_status}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("A referral event is history: it is never edited.")
        super().save(*args, **kwargs)


class Feedback(models.Model):
    """How the referral turned out: the case manager's outcome and the participant's own answer."""

    class NeedMet(models.TextChoices):
        FULLY = "fully", _("Need met")
        PARTLY = "partly", _("Need partly met")
        NOT = "not", _("Need not met")

    class Barrier(models.TextChoices):
        NONE = "none", _("Nothing got in the way")
        TRANSPORTATION = "transportation", _("Getting there")
        HOURS = "hours", _("The hours did not work")
        COST = "cost", _("The cost")
        LANGUAGE = "language", _("Language")
        WAIT = "wait", _("The wait was too long")
        LISTING_WRONG = "listing_wrong", _("The listing was wrong")
        OTHER = "other", _("Something else")

    referral = models.OneToOneField(Referral, models.CASCADE, primary_key=True, related_name="feedback")
    need_met = models.CharField(max_length=10, choices=NeedMet.choices, blank=True)
    outcome_note = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    participant_connected = models.BooleanField(null=True, blank=True)
    participant_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    participant_barrier = models.CharField(max_length=20, choices=Barrier.choices, blank=True)
    participant_comment = EncryptedTextField(blank=True)
    # A Correction.Kind when the participant says the listing was wrong (a correction is raised once).
    participant_listing_problem = models.CharField(max_length=20, choices=Correction.Kind.choices, blank=True)
    participant_answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "feedback"
        constraints = [
            models.CheckConstraint(
                condition=Q(participant_rating__isnull=True) | Q(participant_rating__gte=1, participant_rating__lte=5),
                name="referrals_feedback_rating_1_to_5",
                violation_error_message="A rating is from 1 to 5.",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.referral}"


class ParticipantLink(models.Model):
    """The participant's private link to say how it went: no account, an unguessable token, an expiry.

    The token is kept as it is (not hashed) because the slip that carries it can be printed again.
    """

    referral = models.OneToOneField(Referral, models.CASCADE, primary_key=True, related_name="participant_link")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Link for {self.referral_id}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class ClientSystem(models.Model):
    """Another case system that uses the referral API on behalf of one organization.

    It acts through its own user, a case-manager member of that organization, so every rule of the
    web pages (privacy, sides, transitions) applies to it unchanged and the history names it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="client_systems")
    name = models.CharField(max_length=100)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.PROTECT, related_name="client_system", editable=False)
    contact_email = models.EmailField(blank=True, help_text=_("Who hears when a webhook endpoint is disabled."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="referrals_clientsystem_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"


class ApiToken(models.Model):
    """A client system's bearer token, stored as its SHA-256 (the token itself is shown once)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ClientSystem, models.CASCADE, related_name="tokens")
    # The first characters of the token, so people can tell their tokens apart.
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.client.name})"


class IdempotencyRecord(models.Model):
    """The first answer to a create request sent with an Idempotency-Key, replayed on a retry."""

    client = models.ForeignKey(ClientSystem, models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and body: the same key with a different request is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="referrals_idempotencyrecord_unique_key"),
        ]

    def __str__(self) -> str:
        return self.key


class WebhookEndpoint(models.Model):
    """A URL of a client system that hears about some event types."""

    class EventType(models.TextChoices):
        REFERRAL_CREATED = "referral.created", "referral.created"
        REFERRAL_STATUS_CHANGED = "referral.status_changed", "referral.status_changed"
        REFERRAL_FEEDBACK = "referral.feedback", "referral.feedback"
        LISTING_UPDATED = "listing.updated", "listing.updated"
        PLAN_STEP_CHANGED = "plan.step_changed", "plan.step_changed"
        PLAN_HELP_REQUESTED = "plan.help_requested", "plan.help_requested"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ClientSystem, models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500, verbose_name="URL")
    event_types = models.JSONField(default=list)
    # The HMAC-SHA256 key, shown to the client when the endpoint is registered.
    secret = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    is_active = models.BooleanField(default=True)
    # Set at the first failure of a run of failures; cleared by a success.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """Something a client may want to hear about, stored in the transaction of the change it reports."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=30, choices=WebhookEndpoint.EventType.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookDelivery(models.Model):
    """One event on its way to one endpoint: at least once, retried with backoff until it lands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-event__created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # deliver_webhooks picks what is due: pending, oldest next attempt first.
            models.Index(fields=["status", "next_attempt_at"], name="referrals_delivery_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="referrals_webhookdelivery_once_per_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class AccessRecordQuerySet(models.QuerySet):
    """The access log is appended to, never changed: only ``purge`` takes rows away, by age."""

    def update(self, **kwargs):
        raise TypeError(ACCESS_LOG_APPEND_ONLY)

    def delete(self):
        raise TypeError(ACCESS_LOG_APPEND_ONLY)

    def purge(self, *, before: datetime.datetime) -> int:
        """Delete the records of reads before ``before`` (the retention period); return how many."""
        deleted, _by_model = models.QuerySet.delete(self.filter(read_at__lt=before))
        return deleted


ACCESS_LOG_APPEND_ONLY = "The access log is append-only: a record is never changed or deleted (only purged by age)."


class AccessRecord(models.Model):
    """One read of a participant's data: who, when, which participant or referral, through which door.

    Written by referrals/access_log.py in one INSERT per request; reads by the same person of the same
    thing in one window of ACCESS_LOG_WINDOW_MINUTES count once (``once_key`` is unique). Kept for
    ACCESS_LOG_RETENTION_DAYS (``manage.py purge_access_log``).
    """

    class Door(models.TextChoices):
        REFERRAL_PAGE = "referral_page", _("Referral page")
        SLIP = "slip", _("Printable slip")
        ADMIN = "admin", _("Staff admin")
        API_LIST = "api_list", _("Referral API, a list")
        API_DETAIL = "api_detail", _("Referral API, one record")
        PARTICIPANT_COPY = "participant_copy", _("Participant's own copy")
        PLAN_PAGE = "plan_page", _("Participant's plan")
        API_PLAN = "api_plan", _("Plan API")

    read_at = models.DateTimeField(_("read"), default=timezone.now)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("read by")
    )
    door = models.CharField(_("through"), max_length=20, choices=Door.choices)
    # Kept when a referral or participant is erased: that someone read it stays on record.
    participant = models.ForeignKey(Participant, models.SET_NULL, null=True, blank=True, related_name="access_records")
    referral = models.ForeignKey(Referral, models.SET_NULL, null=True, blank=True, related_name="access_records")
    # "<reader>/<referral or participant>/<window number>": a second read in the same window is not written.
    once_key = models.CharField(max_length=100, editable=False)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-read_at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            # purge_access_log deletes by age.
            models.Index(fields=["read_at"], name="referrals_access_age_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["once_key"], name="referrals_accessrecord_once_per_window"),
        ]

    def __str__(self) -> str:
        return f"{self.read_at:%Y-%m-%d %H:%M} {self.get_door_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError(ACCESS_LOG_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(ACCESS_LOG_APPEND_ONLY)
