from django.conf import settings
from django.db import models
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
