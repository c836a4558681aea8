"""System checks for the resource lists' settings: a directions template that cannot be filled, a text-message
backend that cannot be imported, or an HTTP gateway without its address, fail at start-up rather than at a send."""

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from handouts.directions import PLACEHOLDERS


@checks.register()
def check_handout_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = []
    template = settings.DIRECTIONS_URL_TEMPLATE
    try:
        template.format_map(dict.fromkeys(PLACEHOLDERS, "0"))
    except (KeyError, ValueError, IndexError) as error:
        problems.append(
            checks.Error(
                f"DIRECTIONS_URL_TEMPLATE cannot be filled in: {error!r}.",
                hint="Use only the placeholders {latitude}, {longitude} and {address}.",
                id="handouts.E001",
            )
        )
    if not template.startswith(("https://", "http://")):
        problems.append(
            checks.Error(
                "DIRECTIONS_URL_TEMPLATE is not a web address.", hint="Start it with https://", id="handouts.E002"
            )
        )
    try:
        sender = import_string(settings.SMS_BACKEND)
    except ImportError as error:
        problems.append(checks.Error(f"SMS_BACKEND cannot be imported: {error}", id="handouts.E003"))
    else:
        problems += [checks.Error(problem, id="handouts.E004") for problem in sender.configuration_problems()]
    return problems
