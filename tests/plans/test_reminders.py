"""The weekly reminder (manage.py send_plan_reminders): each case manager with anything in their week gets one
e-mail a week, in their language, naming no participant; a second run that week, or two at once, send nothing
more; an empty week sends nothing; former staff get nothing. Sent as production sends it: through the outbox,
by the mail worker, over SMTP to a real sink on 127.0.0.1; the clock frozen on a Monday morning."""

import datetime
import io
import threading
import time
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection, connections

from directory.models import Membership, OutgoingMail, Preference
from plans import reminders
from plans import services as plan_services
from plans.models import WeeklyReminder
from tests.directory.mail.support import Sink

from .week_support import a_check_in, a_full_week, a_plan, a_step

DENVER = zoneinfo.ZoneInfo("America/Denver")
MONDAY = datetime.datetime(2026, 3, 16, 7, 0, tzinfo=DENVER)  # ISO week 12, no change of clocks in it


@pytest.fixture
def sink():
    sink = Sink().start()
    yield sink
    sink.stop()


@pytest.fixture
def outbox(settings, sink) -> Sink:
    """Mail is stored by the outbox and sent by the worker to ``sink`` over SMTP."""
    settings.EMAIL_BACKEND = "directory.mail.OutboxBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_TIMEOUT = 2
    settings.SITE_URL = "https://directory.example.org"
    return sink


@pytest.fixture
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)
    return time_machine


def send_plan_reminders() -> str:
    out = io.StringIO()
    call_command("send_plan_reminders", stdout=out)
    return out.getvalue()


def deliver_mail() -> str:
    out = io.StringIO()
    call_command("deliver_mail", stdout=out)
    return out.getvalue()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_it_sends_each_case_manager_one_email_a_week(monday, outbox, carol, workforce_program, service_a):
    """carol's week holds one participant with one of everything: one e-mail that counts each part and links
    to her week's page, naming nobody; the same week again (Wednesday) sends nothing, the next week one more."""
    a_full_week(carol, workforce_program, service_a, "M. R.")

    assert (
        send_plan_reminders()
        == "Weekly plan reminders: 1 sent, 0 with nothing this week, 0 reminded this week already.\n"
    )
    assert deliver_mail() == "E-mails: 1 sent, 0 retrying, 0 failed.\n"

    [message] = outbox.received
    assert message["To"] == "carol@example.org"
    assert message["Subject"] == "This week: 1 participant needs you"
    body = text_of(message)
    assert "the week of March 16, 2026" in body
    for line in [
        "- 1 request for help to answer",
        "- 2 steps due this week or overdue",
        "- 1 participant due a check-in",
        "- 1 referral waiting on the participant",
        "https://directory.example.org/plans/week/",
    ]:
        assert line in body
    assert "M. R." not in body and "daycares" not in body and "page two" not in body
    assert list(WeeklyReminder.objects.values_list("user__username", "week_of")) == [
        ("carol", datetime.date(2026, 3, 16))
    ]

    monday.shift(datetime.timedelta(days=2))
    assert (
        send_plan_reminders()
        == "Weekly plan reminders: 0 sent, 0 with nothing this week, 1 reminded this week already.\n"
    )
    monday.shift(datetime.timedelta(days=4, hours=16))  # Sunday 23:00, still week 12
    assert send_plan_reminders().startswith("Weekly plan reminders: 0 sent")
    assert OutgoingMail.objects.count() == 1

    monday.shift(datetime.timedelta(hours=2))  # Monday 01:00 of week 13
    assert send_plan_reminders().startswith("Weekly plan reminders: 1 sent")
    assert deliver_mail() == "E-mails: 1 sent, 0 retrying, 0 failed.\n"
    assert len(outbox.received) == 2
    assert WeeklyReminder.objects.count() == 2


def test_it_sends_nothing_for_an_empty_week(monday, outbox, carol, workforce_program, categories):
    """A plan checked in with on Sunday, its step due in a fortnight: no e-mail and nothing recorded, so that
    a request for help on Tuesday is in Tuesday's run."""
    plan = a_plan(carol, workforce_program, "M. R.")
    a_check_in(plan, days_ago=1, actor=carol)
    step = a_step(plan, "Ask about the bus pass", due_in_days=14, actor=carol)

    assert (
        send_plan_reminders()
        == "Weekly plan reminders: 0 sent, 1 with nothing this week, 0 reminded this week already.\n"
    )
    assert not OutgoingMail.objects.exists()
    assert not WeeklyReminder.objects.exists()

    monday.shift(datetime.timedelta(days=1))
    plan_services.step_help_request(step=step, note="")
    assert send_plan_reminders().startswith("Weekly plan reminders: 1 sent")
    deliver_mail()
    assert [message["Subject"] for message in outbox.received] == ["This week: 1 participant needs you"]


def test_it_writes_in_the_case_managers_language(monday, outbox, carol, workforce_program, service_a):
    Preference.objects.create(user=carol, language=Preference.Language.SPANISH)
    a_full_week(carol, workforce_program, service_a, "M. R.")

    send_plan_reminders()
    deliver_mail()

    [message] = outbox.received
    assert message["Content-Language"] == "es"
    assert message["Subject"] == "Esta semana: 1 participante necesita su atención"
    body = text_of(message)
    assert "- 1 pedido de ayuda por responder" in body
    assert "- 2 pasos para esta semana o atrasados" in body


@pytest.mark.parametrize("how", ["signed out for good", "no longer a case manager"])
def test_it_sends_nothing_to_former_staff(monday, outbox, carol, workforce_program, service_a, how):
    """An account made inactive, or whose case manager membership ended: nothing, whatever their plans hold."""
    a_full_week(carol, workforce_program, service_a, "M. R.")
    if how == "signed out for good":
        carol.is_active = False
        carol.save(update_fields=["is_active"])
    else:
        Membership.objects.filter(user=carol).update(role=Membership.Role.AGENCY_EDITOR)

    assert (
        send_plan_reminders()
        == "Weekly plan reminders: 0 sent, 0 with nothing this week, 0 reminded this week already.\n"
    )
    assert not OutgoingMail.objects.exists()


def test_a_mail_outage_loses_no_reminder(monday, outbox, carol, workforce_program, service_a):
    """The server is down when the reminder is written: it waits in the outbox and arrives once, when the
    server is back; the next run of the reminders sends no second one."""
    a_full_week(carol, workforce_program, service_a, "M. R.")
    outbox.stop()

    assert send_plan_reminders().startswith("Weekly plan reminders: 1 sent")
    assert deliver_mail() == "E-mails: 0 sent, 1 retrying, 0 failed.\n"

    outbox.start()
    monday.shift(datetime.timedelta(minutes=2))
    assert send_plan_reminders().startswith("Weekly plan reminders: 0 sent")
    assert deliver_mail() == "E-mails: 1 sent, 0 retrying, 0 failed.\n"
    assert [message["To"] for message in outbox.received] == ["carol@example.org"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Two connections writing at once need PostgreSQL; SQLite's test database serializes writes.",
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_one_reminder(monday, settings, carol, workforce_program, service_a, monkeypatch):
    """The first run has recorded carol's reminder and not yet committed when the second writes its own: the
    second waits on the unique constraint, then finds hers recorded and sends nothing."""
    settings.EMAIL_BACKEND = "directory.mail.OutboxBackend"
    a_full_week(carol, workforce_program, service_a, "M. R.")
    recorded = threading.Event()
    queue = reminders.mail.send_templated
    runs = {}

    def slow_queue(*args, **kwargs):
        queued = queue(*args, **kwargs)
        if threading.current_thread().name == "first":
            recorded.set()
            time.sleep(0.5)  # hold the transaction while the second run writes
        return queued

    monkeypatch.setattr(reminders.mail, "send_templated", slow_queue)

    def run(name: str) -> None:
        try:
            if name == "second":
                recorded.wait(5)
            runs[name] = reminders.send_weekly_reminders()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name,), name=name) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert (runs["first"].sent, runs["second"].sent, runs["second"].already) == (1, 0, 1)
    assert OutgoingMail.objects.filter(to=["carol@example.org"]).count() == 1
    assert WeeklyReminder.objects.count() == 1
