"""The weekly reminder: once an ISO week, each case manager with anything in their week (plans.selectors.week_of)
gets one e-mail that counts it and links to /plans/week/. ``manage.py send_plan_reminders`` runs it from cron.

Safe to run at any time and as often as one likes: a reminder is recorded (WeeklyReminder, unique per case manager
and week) in the transaction that queues its e-mail in the outbox (directory/mail.py), so a second run, or two at
the same time, send nothing more, and a mail outage loses nothing (the outbox sends it once the server is back).
A week with nothing in it sends nothing and records nothing: if something comes up later that week, the next run
sends it. Former staff (signed-out accounts, or no longer a case manager anywhere) get nothing.

No participant is named: the e-mail counts what is waiting, and the page, behind sign-in, says who.
"""

import dataclasses
import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from directory import mail
from directory.models import Membership
from plans.models import WeeklyReminder
from plans.selectors import Week, week_of


@dataclasses.dataclass
class ReminderRun:
    """What one run did: reminders sent, case managers with an empty week, and those reminded this week already."""

    sent: int = 0
    empty: int = 0
    already: int = 0


def monday_of(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s ISO week, which names the week in WeeklyReminder."""
    return day - datetime.timedelta(days=day.weekday())


def case_managers() -> QuerySet:
    """People who follow plans now: active accounts with an e-mail address and a case manager's membership."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            pk__in=Membership.objects.filter(role=Membership.Role.CASE_MANAGER).values("user_id"),
        )
        .exclude(email="")
        .select_related("preference")
        .order_by("pk")
    )


def send_weekly_reminders(now: datetime.datetime | None = None) -> ReminderRun:
    """Remind each case manager with anything in their week, once in the ISO week of ``now`` (default: the clock).

    Four queries a case manager (their week), and for each reminder an INSERT and its e-mail in one transaction.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_start = monday_of(today)
    run = ReminderRun()
    reminded = set(WeeklyReminder.objects.filter(week_of=week_start).values_list("user_id", flat=True))
    for user in case_managers():
        if user.pk in reminded:
            run.already += 1
            continue
        week = week_of(user, today)
        if week.is_empty:
            run.empty += 1
        elif remind(user, week, week_start=week_start, now=now):
            run.sent += 1
        else:
            run.already += 1
    return run


def remind(user, week: Week, *, week_start: datetime.date, now: datetime.datetime) -> bool:
    """Record ``user``'s reminder for the week and queue its e-mail, together; return False when another run
    recorded it first (the unique constraint refuses the second) or the e-mail could not be written."""
    context = {
        "recipient": user,
        "week": week,
        "week_start": week_start,
        "participant_count": week.participant_count,
        "url": settings.SITE_URL.rstrip("/") + reverse("plans:week"),
    }
    try:
        with transaction.atomic():
            WeeklyReminder.objects.create(user=user, week_of=week_start, sent_at=now)
            queued = mail.send_templated(
                "plans/email/weekly_reminder", context, to=user.email, language=mail.language_of(user)
            )
            if not queued:
                transaction.set_rollback(True)  # not recorded: the next run tries again
    except IntegrityError:
        return False
    return queued
