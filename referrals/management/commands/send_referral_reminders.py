from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from referrals import notifications
from referrals.models import Referral
from referrals.selectors import overdue


class Command(BaseCommand):
    help = (
        "Remind providers of referrals they have not answered within REFERRAL_RESPONSE_DAYS business days, "
        "and tell the referring case managers. Safe to run from cron: each referral is reminded at most once a day."
    )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        due = overdue(Referral.objects.all()).exclude(reminded_on=today).select_related("service", "referred_by")
        reminded = emails = 0
        for referral in due:
            with transaction.atomic():
                # Claim the day first, so a second run at the same time cannot remind twice.
                claimed = Referral.objects.filter(pk=referral.pk).exclude(reminded_on=today).update(reminded_on=today)
                if not claimed:
                    continue
                emails += notifications.overdue_reminder(referral)
                reminded += 1
        self.stdout.write(f"Overdue referrals reminded: {reminded} ({emails} e-mails).")
