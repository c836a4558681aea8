from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoutsConfig(AppConfig):
    """Resource lists handed to participants, the way they are sent, and case managers' favourites."""

    name = "handouts"
    verbose_name = _("Resource lists")

    def ready(self) -> None:
        from handouts import checks  # noqa: F401 (registers the settings checks)
