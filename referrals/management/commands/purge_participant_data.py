from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max

from referrals import erasure
from referrals.models import ParticipantErasure


class Command(BaseCommand):
    help = (
        "Erase the personal data of participants whose last referral ended more than PARTICIPANT_RETENTION_DAYS "
        "ago (name, case id, contact details, free-text notes); dates, statuses, categories, outcomes and ratings "
        "stay, so the reports do not change. Safe to run from cron and to repeat: each participant is erased once, "
        "in a transaction of its own. --dry-run lists who would be erased (by id, never by name) and changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List who would be erased; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        days = settings.PARTICIPANT_RETENTION_DAYS
        if days < 1:
            raise CommandError(f"PARTICIPANT_RETENTION_DAYS is {days}: it must be a whole number of days from 1.")
        due = erasure.participants_due().select_related("organization").annotate(last_sent=Max("referrals__sent_at"))
        if dry_run:
            count = 0
            for participant in due:
                count += 1
                sent = participant.last_sent
                last = f"last referral sent {sent:%Y-%m-%d}" if sent else "no referral"
                self.stdout.write(f"Would erase participant {participant.pk} of {participant.organization} ({last}).")
            self.stdout.write(f"Dry run: {count} participants would be erased (retention {days} days), none changed.")
            return
        erased = skipped = 0
        reason = f"The retention period of {days} days after the last referral ended."
        for participant_id in due.values_list("pk", flat=True):
            done = erasure.participant_erase(
                participant_id=participant_id, reason=reason, kind=ParticipantErasure.Kind.RETENTION
            )
            if done is None:
                skipped += 1  # erased meanwhile, by a request or another run
            else:
                erased += 1
            if erased and erased % 500 == 0:
                self.stdout.write(f"... {erased} erased")
        self.stdout.write(
            f"Participants erased: {erased} (retention {days} days); {skipped} already erased by another run."
        )
