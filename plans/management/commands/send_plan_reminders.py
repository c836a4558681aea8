from django.core.management.base import BaseCommand

from plans.reminders import send_weekly_reminders


class Command(BaseCommand):
    help = (
        "E-mail each case manager what their participants' plans ask of them this week (check-ins due, steps due "
        "or overdue, requests for help, referrals waiting on the participant), once per ISO week, through the mail "
        "outbox. Safe to run from cron at any time and to repeat: a case manager reminded this week, or with "
        "nothing in their week, gets nothing."
    )

    def handle(self, *args, **options) -> None:
        run = send_weekly_reminders()
        self.stdout.write(
            f"Weekly plan reminders: {run.sent} sent, {run.empty} with nothing this week, "
            f"{run.already} reminded this week already."
        )
