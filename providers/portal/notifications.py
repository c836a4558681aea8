"""E-mails of the agency portal, each in its recipient's language, queued in the outbox (directory/mail.py)
in the transaction of the change they tell about."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from directory import mail
from directory.models import Membership
from providers.models import Correction, PendingEdit, Service
from providers.portal.sections import PAGES


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def verification_reminder(editor, services: list[Service]) -> None:
    """Ask an editor to confirm their stale listings, with a link straight to each one's confirm page."""
    listings = [(service, absolute(reverse("portal:confirm", args=[service.pk]))) for service in services]
    context = {
        "editor": editor,
        "listings": listings,
        "count": len(listings),
        "verify_after_days": settings.VERIFY_AFTER_DAYS,
        "portal_url": absolute(reverse("portal:home")),
    }
    mail.send_templated(
        "providers/portal/email/verification_reminder", context, to=editor.email, language=mail.language_of(editor)
    )


def listing_portal_url(edit: PendingEdit) -> str:
    """The portal page of what the edit was about: the service's, or else the organization's."""
    if edit.service_id is not None:
        return absolute(reverse("portal:service", args=[edit.service_id]))
    return absolute(reverse("portal:organization", args=[edit.organization_id]))


def edit_reviewed(edit_id) -> None:
    """Tell the editor who sent a held edit that it was approved or rejected, with the reviewer's note."""
    edit = PendingEdit.objects.select_related("organization", "service", "location", "submitted_by__preference").get(
        pk=edit_id
    )
    editor = edit.submitted_by
    if editor is None or not editor.is_active or not editor.email or edit.status == PendingEdit.Status.PENDING:
        return
    language = mail.language_of(editor)
    page = PAGES.get(edit.section)
    context = {
        "edit": edit,
        "editor": editor,
        "approved": edit.status == PendingEdit.Status.APPROVED,
        "section": page.title if page is not None else edit.section,
        "listing": edit.target_name,
        "url": listing_portal_url(edit),
    }
    mail.send_templated("providers/portal/email/edit_reviewed", context, to=editor.email, language=language)


def correction_raised(correction_id) -> None:
    """Tell each editor of the listing's agency that a correction was raised on it, in their language, with
    a link to the portal's corrections. Called once, when the correction is made: a change to an open one
    (a participant answering again) tells nobody twice. Names what is wrong and who said so, never who the
    participant is: the note is read in the portal."""
    correction = Correction.objects.select_related("service__organization").get(pk=correction_id)
    editors = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Membership.Role.AGENCY_EDITOR,
            memberships__organization=correction.service.organization_id,
        )
        .exclude(email="")
        .select_related("preference")
        .distinct()
        .order_by("pk")
    )
    for editor in editors:
        context = {
            "editor": editor,
            "correction": correction,
            "listing": correction.service.name,
            "url": absolute(reverse("portal:corrections")),
        }
        mail.send_templated(
            "providers/portal/email/correction_raised", context, to=editor.email, language=mail.language_of(editor)
        )
