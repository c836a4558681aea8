from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Membership(models.Model):
    """A person's role in an organization of the network."""

    class Role(models.TextChoices):
        NETWORK_ADMIN = "network_admin", _("Network administrator")
        CASE_MANAGER = "case_manager", _("Case manager")
        AGENCY_EDITOR = "agency_editor", _("Agency editor")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    organization = models.ForeignKey("providers.Organization", models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="directory_membership_no_duplicates"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.organization}"


class Preference(models.Model):
    """How a person wants to be addressed: the language of their notifications."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, primary_key=True, related_name="preference")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_language_display()}"


class OutgoingMail(models.Model):
    """One e-mail in the outbox: stored in the transaction of the change it tells about, then sent by
    ``manage.py deliver_mail`` (directory/mail.py), retried with backoff, and kept once sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")  # claimed by a worker until next_attempt_at (its lease)
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    from_email = models.TextField(_("from"))
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    bcc = models.JSONField(_("bcc"), default=list, blank=True)
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    body = models.TextField(_("body"), blank=True)
    content_subtype = models.CharField(_("body type"), max_length=20, default="plain")
    # [content, mimetype] pairs, e.g. an HTML version of the body.
    alternatives = models.JSONField(_("alternatives"), default=list, blank=True)
    # {"filename", "content" (base64), "mimetype"} objects.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # Message-ID (the same for every attempt, so a repeat can be recognised), Content-Language, ...
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            # deliver_mail picks what is due: waiting (or claimed by a worker that died), oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="directory_mail_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
