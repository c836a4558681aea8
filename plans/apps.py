from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    """The participant's plan (Individualized Service Strategy): barriers, goals, action steps, check-ins."""

    name = "plans"
    verbose_name = _("Participant plans")
