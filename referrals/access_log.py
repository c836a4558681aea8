"""The access log: who read which participant's data, when, and through which door (models.AccessRecord).

Every door that shows participant data calls ``reads_record`` once per request with everything it
showed: the referral page and the slip (views.py), the admin's change pages (admin.py) and the API's
lists and records (api/views.py). It writes one INSERT and reads nothing, so a page's query count stays
flat. A read by the same person of the same referral or participant within ACCESS_LOG_WINDOW_MINUTES
(fixed windows: ten minutes means 10:00-10:09, 10:10-10:19, ...) is the same record: the INSERT skips it
on the unique ``once_key``.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from referrals.models import AccessRecord, Consent, Feedback, Participant, ParticipantLink, Referral, ReferralEvent

# (referral id or None, participant id): what one object shows of whom.
Subject = tuple[object | None, object]


def subjects_of(thing) -> list[Subject]:
    """Return whose data ``thing`` shows. A feedback, event or link needs its referral loaded (a query otherwise)."""
    if isinstance(thing, Referral):
        return [(thing.pk, thing.participant_id)]
    if isinstance(thing, Participant):
        return [(None, thing.pk)]
    if isinstance(thing, Consent):
        return [(None, thing.participant_id)]
    if isinstance(thing, Feedback | ReferralEvent | ParticipantLink):
        return [(thing.referral_id, thing.referral.participant_id)]
    return []


def window_of(moment: datetime.datetime) -> str:
    """Return the number of the window ``moment`` falls in (every moment its own when the window is 0)."""
    minutes = settings.ACCESS_LOG_WINDOW_MINUTES
    if minutes <= 0:
        return moment.isoformat()
    return str(int(moment.timestamp()) // (minutes * 60))


def reads_record(*, reader, door: str, things: Iterable) -> None:
    """Record that ``reader`` read ``things`` (referrals, participants, their consents, feedback ...) through
    ``door`` (an AccessRecord.Door). One INSERT, skipped rows included; nothing for an anonymous visitor."""
    if not reader.is_authenticated:
        return
    now = timezone.now()
    window = window_of(now)
    rows = {}
    for thing in things:
        for referral_id, participant_id in subjects_of(thing):
            key = f"{reader.pk}/{referral_id or participant_id}/{window}"
            rows.setdefault(
                key,
                AccessRecord(
                    read_at=now,
                    reader_id=reader.pk,
                    door=door,
                    referral_id=referral_id,
                    participant_id=participant_id,
                    once_key=key,
                ),
            )
    if rows:
        AccessRecord.objects.bulk_create(rows.values(), ignore_conflicts=True)


def reads_of_referral(referral: Referral) -> QuerySet[AccessRecord]:
    """The reads of one referral, newest first, with each reader and their organizations (two queries)."""
    return (
        AccessRecord.objects.filter(referral=referral)
        .select_related("reader")
        .prefetch_related("reader__memberships__organization")
    )


def purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the records older than ACCESS_LOG_RETENTION_DAYS; return how many went."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    return AccessRecord.objects.purge(before=cutoff)
