"""E-mails about referrals, each in its recipient's language. No participant details go by e-mail:
the message names the service and links to the referral, which only its two organizations can open.

They are queued in the outbox (directory/mail.py) in the transaction of the change they tell about.
"""

from django.conf import settings
from django.contrib.auth import get_user_model

from directory import mail
from referrals.models import Referral
from referrals.selectors import Side


def staff_of(organization_id) -> list:
    """The people who work for an organization and have an e-mail address (a query)."""
    return list(
        get_user_model()
        .objects.filter(memberships__organization_id=organization_id, is_active=True)
        .exclude(email="")
        .select_related("preference")
        .distinct()
    )


def send(recipients, template: str, referral: Referral, **context) -> None:
    """Queue one e-mail per recipient, written in the recipient's language."""
    url = settings.SITE_URL.rstrip("/") + referral.get_absolute_url()
    for recipient in recipients:
        values = {
            "referral": referral,
            "recipient": recipient,
            "url": url,
            "response_days": settings.REFERRAL_RESPONSE_DAYS,
            **context,
        }
        mail.send_templated(
            f"referrals/email/{template}", values, to=recipient.email, language=mail.language_of(recipient)
        )


def load(referral_id) -> Referral:
    return Referral.objects.select_related(
        "service", "referring_organization", "receiving_organization", "referred_by"
    ).get(pk=referral_id)


def referral_sent(referral_id) -> None:
    referral = load(referral_id)
    send(staff_of(referral.receiving_organization_id), "referral_sent", referral)


def status_changed(referral: Referral, actor, sides: set[str]) -> None:
    """Tell the side that did not act (``sides``: the actor's): the provider's staff, or the case manager who
    referred. ``referral`` comes with its service and referred_by loaded (selectors.REFERRAL_RELATIONS)."""
    recipients = []
    if Side.REFERRER not in sides and referral.referred_by is not None and referral.referred_by.email:
        recipients.append(referral.referred_by)
    if Side.PROVIDER not in sides:
        recipients += staff_of(referral.receiving_organization_id)
    send([r for r in recipients if r.pk != actor.pk], "status_changed", referral)


def overdue_reminder(referral: Referral) -> int:
    """Remind the provider and tell the case manager; return the number of e-mails sent."""
    providers = staff_of(referral.receiving_organization_id)
    send(providers, "overdue_provider", referral)
    referrers = [referral.referred_by] if referral.referred_by is not None and referral.referred_by.email else []
    send(referrers, "overdue_referrer", referral)
    return len(providers) + len(referrers)
