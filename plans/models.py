"""The participant's plan, their Individualized Service Strategy: the barriers to work found at intake, a goal
for each, the action steps that resolve them, and the weekly check-ins that follow progress.

A plan belongs to the participant's organization (the referring program) like the participant does: its case
managers and network admins see it whole. A step made into a referral is also seen, that step's text only, by
the receiving provider. The participant sees their own plan through a private link (PlanLink), with no
account. Free text written about the participant (their own words, goals, steps, notes) is encrypted at rest
and erased with the participant's personal data (plans/services.py, participant_erase_plan).
"""

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import TaxonomyTerm
from referrals.encryption import EncryptedTextField
from referrals.models import Participant, Referral

DUE_BEFORE_PLAN = _("A step cannot be due before the plan started.")
CHECK_IN_IN_FUTURE = _("A check-in cannot be recorded before it happens.")
CHECK_IN_BEFORE_PLAN = _("A check-in cannot be held before the plan started.")
DONE_BEFORE_PLAN = _("A step cannot be done before the plan started.")


class Plan(models.Model):
    """One participant's plan: when it started and the case manager who follows it week by week."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participant = models.OneToOneField(Participant, models.CASCADE, related_name="plan")
    # No step is due, and no check-in held, before this day.
    started_on = models.DateField(_("started on"), default=datetime.date.today)
    # Whose "this week" queue and weekly reminder the plan is in, and whose contact the participant sees.
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="plans", verbose_name=_("case manager")
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-created_at"]

    def __str__(self) -> str:
        return f"Plan of {self.participant}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:detail", args=[self.pk])


class Barrier(models.Model):
    """Something that keeps the participant from work, found at intake: a category and their own words."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="barriers")
    category = models.ForeignKey(TaxonomyTerm, models.PROTECT, related_name="plan_barriers", verbose_name=_("category"))
    in_their_words = EncryptedTextField(
        _("in the participant's words"), blank=True, help_text=_("What the participant said, as they said it.")
    )
    goal = EncryptedTextField(_("goal"), blank=True, help_text=_("What will be true when this is resolved."))
    identified_on = models.DateField(_("found on"), default=datetime.date.today)
    # Set when the participant and the case manager agree the barrier no longer stands in the way.
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["identified_on", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("identified_on")),
                name="plans_barrier_resolved_after_found",
                violation_error_message="A barrier is resolved on or after the day it was found.",
            ),
        ]

    def __str__(self) -> str:
        return str(self.category)


class Step(models.Model):
    """An action step towards a barrier's goal: what, who does it, by when, and where it stands.

    The text is the participant's (\"Visit two child care centres near the training site\"), not a compliance
    item. A step can be made into a referral; the referral's outcome then moves the step.
    """

    class Owner(models.TextChoices):
        PARTICIPANT = "participant", _("The participant")
        CASE_MANAGER = "case_manager", _("The case manager")
        PROVIDER = "provider", _("A provider")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Not started")
        UNDER_WAY = "under_way", _("Under way")
        DONE = "done", _("Done")
        NOT_DONE = "not_done", _("Did not work out")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    barrier = models.ForeignKey(Barrier, models.CASCADE, related_name="steps", verbose_name=_("barrier"))
    text = EncryptedTextField(_("step"))
    owner = models.CharField(_("who does it"), max_length=20, choices=Owner.choices, default=Owner.PARTICIPANT)
    due_on = models.DateField(_("by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # The referral made for this step: its outcome moves the step (plans/services.py, follow_referral).
    referral = models.OneToOneField(
        Referral, models.SET_NULL, null=True, blank=True, related_name="plan_step", verbose_name=_("referral")
    )
    # "I need help with this", from the participant's link: in the case manager's queue until answered.
    help_requested_at = models.DateTimeField(null=True, blank=True)
    help_note = EncryptedTextField(blank=True)
    help_answered_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "created_at"]
        indexes = [
            # The "this week" queue: steps of open status due by a day.
            models.Index(fields=["status", "due_on"], name="plans_step_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_on__isnull=False)) | (~Q(status="done") & Q(done_on__isnull=True)),
                name="plans_step_done_has_date",
                violation_error_message="A step has a done date when, and only when, it is done.",
            ),
        ]

    def __str__(self) -> str:
        return f"Step of {self.barrier_id}"

    def clean(self) -> None:
        started_on = self.barrier.plan.started_on if self.barrier_id else None
        if started_on and self.due_on and self.due_on < started_on:
            raise ValidationError({"due_on": DUE_BEFORE_PLAN})
        if started_on and self.done_on and self.done_on < started_on:
            raise ValidationError({"done_on": DONE_BEFORE_PLAN})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STEP_STATUSES


OPEN_STEP_STATUSES = [Step.Status.PLANNED, Step.Status.UNDER_WAY]


class StepEvent(models.Model):
    """One change of a step's status: who (a user, or the participant through their link), when, from, to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    step = models.ForeignKey(Step, models.CASCADE, related_name="events")
    old_status = models.CharField(max_length=20, choices=Step.Status.choices, blank=True)
    new_status = models.CharField(max_length=20, choices=Step.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    by_participant = models.BooleanField(default=False)
    # Set when the step moved because its referral did.
    referral_status = models.CharField(max_length=20, choices=Referral.Status.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.old_status or '—'} → {self.new_status}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("A step event is history: it is never edited.")
        super().save(*args, **kwargs)


class CheckIn(models.Model):
    """A weekly (or any) check-in with the participant: when, how, a note, and progress on steps."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone call")
        TEXT = "text", _("Text messages")
        VIDEO = "video", _("Video call")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="check_ins")
    held_on = models.DateField(_("held on"), default=datetime.date.today)
    method = models.CharField(_("how"), max_length=20, choices=Method.choices, default=Method.IN_PERSON)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-created_at"]
        indexes = [
            # The "this week" queue and the reports: a plan's latest check-in.
            models.Index(fields=["plan", "held_on"], name="plans_checkin_plan_idx"),
        ]

    def __str__(self) -> str:
        return f"Check-in on {self.held_on}"

    def clean(self) -> None:
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": CHECK_IN_IN_FUTURE})
        if self.held_on and self.plan_id and self.held_on < self.plan.started_on:
            raise ValidationError({"held_on": CHECK_IN_BEFORE_PLAN})


class StepProgress(models.Model):
    """What a check-in said about one step: its status that day and a word on it."""

    check_in = models.ForeignKey(CheckIn, models.CASCADE, related_name="progress")
    step = models.ForeignKey(Step, models.CASCADE, related_name="progress")
    status = models.CharField(_("status"), max_length=20, choices=Step.Status.choices)
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ["check_in__held_on"]
        constraints = [
            models.UniqueConstraint(fields=["check_in", "step"], name="plans_stepprogress_once_per_check_in"),
        ]

    def __str__(self) -> str:
        return f"{self.step_id}: {self.status}"


class PlanLink(models.Model):
    """The participant's private link to their own plan: no account, an unguessable token, an expiry.

    Kept as it is (not hashed), like referrals.ParticipantLink, so the case manager can show or send it again.
    """

    plan = models.OneToOneField(Plan, models.CASCADE, primary_key=True, related_name="link")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Link for {self.plan_id}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class WeeklyReminder(models.Model):
    """A case manager's weekly reminder, recorded once per ISO week (Monday), so a second run sends nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    week_of = models.DateField()  # the Monday of the week
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week_of"], name="plans_weeklyreminder_once_per_week"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.week_of}"
