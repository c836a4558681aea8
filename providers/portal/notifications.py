"""E-mails of the agency portal, each in its recipient's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from providers.models import Service


def language_of(user) -> str:
    preference = getattr(user, "preference", None)
    return preference.language if preference is not None else settings.LANGUAGE_CODE


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def verification_reminder(editor, services: list[Service]) -> None:
    """Ask an editor to confirm their stale listings, with a link straight to each one's confirm page."""
    listings = [(service, absolute(reverse("portal:confirm", args=[service.pk]))) for service in services]
    with translation.override(language_of(editor)):
        context = {
            "editor": editor,
            "listings": listings,
            "count": len(listings),
            "verify_after_days": settings.VERIFY_AFTER_DAYS,
            "portal_url": absolute(reverse("portal:home")),
        }
        subject = render_to_string("providers/portal/email/verification_reminder_subject.txt", context).strip()
        body = render_to_string("providers/portal/email/verification_reminder.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [editor.email])
