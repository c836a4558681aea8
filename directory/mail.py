"""Mail: every e-mail the product sends goes through an outbox, the way webhooks do.

``OutboxBackend`` is ``settings.EMAIL_BACKEND``, so ``send_mail``, ``EmailMessage.send`` and Django's
own mails (password reset) all end here: each message is stored as an OutgoingMail in the caller's
transaction. A rolled-back change sends nothing, a committed one loses nothing, and no request waits
for a mail server or fails because of one.

``deliver_due`` (``manage.py deliver_mail``) claims what is due by marking it SENDING with a lease
and committing, and only then hands it to ``settings.MAIL_DELIVERY_BACKEND`` (SMTP, each step bounded
by EMAIL_TIMEOUT). A worker killed mid-send leaves the mail claimed, and the first run after the lease
sends it again with the same Message-ID. A failed attempt is tried again after each of RETRY_DELAYS,
then the mail is marked failed; a network admin can send it again from the admin.

``send_templated`` writes the product's own notifications: subject and plain-text body rendered in
the recipient's language with autoescape off, so that "Kids & Families' Center" reads as typed.
README.md, "Mail".
"""

import base64
import dataclasses
import datetime
import logging
import threading
import time
from email.message import Message
from email.utils import make_msgid

from django.conf import settings
from django.core import checks
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.utils import DNS_NAME
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from directory.models import OutgoingMail, Preference
from directory.outbox import LEASE, MAX_ATTEMPTS, RETRY_DELAYS

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status

# A worker sends nothing more once half of its LEASE has gone, so that a send still under way when the
# lease ends (each step of it bounded by EMAIL_TIMEOUT) stays rare.
BATCH_SIZE = 50


# Settings


@checks.register(checks.Tags.compatibility)
def check_mail_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The worker must hand mail to a backend that sends it, over SMTP with TLS or SSL but not both."""
    problems = []
    if settings.MAIL_DELIVERY_BACKEND == "directory.mail.OutboxBackend":
        problems.append(
            checks.Error(
                "EMAIL_BACKEND names the outbox: the mail worker would store each e-mail again instead of sending it.",
                hint="Set EMAIL_BACKEND to the backend that sends, e.g. django.core.mail.backends.smtp.EmailBackend.",
                id="directory.E001",
            )
        )
    if settings.EMAIL_USE_TLS and settings.EMAIL_USE_SSL:
        problems.append(
            checks.Error(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both True.",
                hint="STARTTLS (usually port 587) or implicit TLS (port 465): set only one.",
                id="directory.E002",
            )
        )
    return problems


# Writing


def language_of(user, default: str | None = None) -> str:
    """The language of a person's e-mails: their saved preference, else ``default`` (the site's language)."""
    try:
        return user.preference.language
    except Preference.DoesNotExist:
        return default or settings.LANGUAGE_CODE


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template with autoescape off: what people typed is not turned into HTML entities."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def send_templated(template: str, context: dict, *, to: str, language: str) -> bool:
    """Queue the e-mail ``{template}_subject.txt`` / ``{template}.txt`` for ``to``, written in ``language``.

    Returns whether it was queued. A template that fails to render is logged and sends nothing: the
    change the e-mail tells about is saved all the same.
    """
    try:
        with translation.override(language):
            subject = render_text(f"{template}_subject.txt", context)
            body = render_text(f"{template}.txt", context)
    except DatabaseError:
        raise  # the change's own transaction is at stake: not a mail problem
    except Exception:
        logger.exception("The e-mail %s to %s could not be written; it is not sent.", template, to)
        return False
    message = EmailMessage(
        " ".join(subject.split()),  # one line, whatever a name holds
        body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers={"Content-Language": language},
    )
    return message.send() == 1


class OutboxBackend(BaseEmailBackend):
    """Store each message in the outbox, in the caller's transaction; ``deliver_mail`` sends it.

    Keeps what Django's EmailMessage and EmailMultiAlternatives carry: subject, body and its subtype,
    alternatives, attachments (a MIME attachment as its file name, decoded content and type), sender,
    recipients, Reply-To and headers. A message Django would refuse to send (a line break in a header,
    a malformed address) is stored as failed, with the reason, rather than raising in the caller.
    """

    def send_messages(self, email_messages) -> int:
        mails = [outgoing_mail(message) for message in email_messages if message.recipients()]
        OutgoingMail.objects.bulk_create(mails)
        for mail in mails:
            if mail.status == Status.FAILED:
                logger.error("E-mail %r to %s not queued: %s", mail.subject, mail.to, mail.last_error)
        return sum(mail.status == Status.PENDING for mail in mails)


def outgoing_mail(message: EmailMessage) -> OutgoingMail:
    """Return an unsaved OutgoingMail holding ``message``, with a Message-ID of its own."""
    headers = {str(name): str(value) for name, value in message.extra_headers.items()}
    if "message-id" not in {name.lower() for name in headers}:
        headers["Message-ID"] = make_msgid(domain=DNS_NAME)
    mail = OutgoingMail(
        from_email=str(message.from_email),
        to=[str(address) for address in message.to],
        cc=[str(address) for address in message.cc],
        bcc=[str(address) for address in message.bcc],
        reply_to=[str(address) for address in message.reply_to],
        subject=str(message.subject),
        body=str(message.body),
        content_subtype=message.content_subtype,
        alternatives=[
            [content.decode() if isinstance(content, bytes) else str(content), mimetype]
            for content, mimetype in getattr(message, "alternatives", [])
        ],
        attachments=[_stored_attachment(attachment) for attachment in message.attachments],
        headers=headers,
    )
    try:
        email_message(mail).message()  # the checks Django makes before sending
    except Exception as error:
        mail.status = Status.FAILED
        mail.last_error = _describe(error)
    return mail


def email_message(mail: OutgoingMail) -> EmailMultiAlternatives:
    """Return the message stored in ``mail``, ready for a mail backend."""
    message = EmailMultiAlternatives(
        mail.subject,
        mail.body,
        mail.from_email,
        mail.to,
        bcc=mail.bcc,
        cc=mail.cc,
        reply_to=mail.reply_to,
        headers=dict(mail.headers),
        alternatives=[tuple(alternative) for alternative in mail.alternatives],
    )
    message.content_subtype = mail.content_subtype
    for attachment in mail.attachments:
        message.attach(attachment["filename"], base64.b64decode(attachment["content"]), attachment["mimetype"])
    return message


def _stored_attachment(attachment) -> dict:
    if isinstance(attachment, Message):  # a MIMEBase part
        filename, content, mimetype = (
            attachment.get_filename() or "",
            attachment.get_payload(decode=True) or b"",
            attachment.get_content_type(),
        )
    else:
        filename, content, mimetype = attachment
        if isinstance(content, EmailMessage):
            content = content.message()
        if isinstance(content, Message):
            content = content.as_bytes()
        if isinstance(content, str):
            content = content.encode()
    return {"filename": filename or "", "content": base64.b64encode(content).decode(), "mimetype": mimetype}


# Sending


@dataclasses.dataclass
class MailRun:
    """What one run of ``deliver_due`` did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0  # failed for good: no attempt left

    def add(self, other: "MailRun") -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def deliver_due(
    now: datetime.datetime | None = None, limit: int = BATCH_SIZE, stop: threading.Event | None = None
) -> MailRun:
    """Send up to ``limit`` e-mails that are due over one connection, each claimed (and committed) first.

    Call it outside a transaction. When the mail server cannot be reached, every claimed e-mail records
    the failed attempt and waits for its next one. ``stop`` (set by a SIGTERM) ends the run before the
    next send and hands back what it had claimed. ``now`` defaults to the clock at each step.
    """
    clock = (lambda: now) if now is not None else timezone.now
    run = MailRun()
    lease_until = clock() + LEASE
    claimed = _claim(clock(), lease_until, limit)
    run.claimed = len(claimed)
    if not claimed:
        return run
    mails = list(OutgoingMail.objects.filter(pk__in=claimed).order_by("created_at", "pk"))
    deadline = time.monotonic() + LEASE.total_seconds() / 2
    backend = get_connection(settings.MAIL_DELIVERY_BACKEND)
    unreachable = _open(backend)
    try:
        for position, mail in enumerate(mails):
            if (stop is not None and stop.is_set()) or time.monotonic() > deadline:
                # Hand back what was claimed and not sent, so that the next run need not wait out the lease.
                unsent = [mail.pk for mail in mails[position:]]
                OutgoingMail.objects.filter(pk__in=unsent, status=Status.SENDING, next_attempt_at=lease_until).update(
                    status=Status.PENDING, next_attempt_at=clock()
                )
                break
            if unreachable:
                error = f"Not sent: the mail server could not be reached. {unreachable}"
            else:
                error = _attempt(backend, mail)
                if error:
                    # The connection may be broken by it: the next e-mail gets a fresh one.
                    _close(backend)
                    unreachable = _open(backend)
            status = _settle(mail.pk, error, clock(), lease_until)
            if status == Status.SENT:
                run.sent += 1
            elif status == Status.FAILED:
                run.failed += 1
            elif status == Status.PENDING:
                run.retrying += 1
    finally:
        _close(backend)
    return run


def mail_send_again(*, mails: QuerySet[OutgoingMail], now: datetime.datetime | None = None) -> int:
    """Make ``mails`` due now (failed, sent or waiting for a retry); return how many. Mail being sent is left alone."""
    return mails.exclude(status=Status.SENDING).update(status=Status.PENDING, next_attempt_at=now or timezone.now())


def _claim(now: datetime.datetime, lease_until: datetime.datetime, limit: int) -> list:
    # Waiting mail that is due, and mail whose worker died: its lease has run out.
    due = OutgoingMail.objects.filter(status__in=[Status.PENDING, Status.SENDING], next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            # Rows another worker is claiming right now are skipped, not waited for.
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            OutgoingMail.objects.filter(pk__in=ids).update(status=Status.SENDING, next_attempt_at=lease_until)
        return ids
    # SQLite locks no rows: claim each with a compare-and-set, which a second worker then fails.
    candidates = list(due.values_list("pk", flat=True)[:limit])
    return [
        pk
        for pk in candidates
        if OutgoingMail.objects.filter(
            pk=pk, status__in=[Status.PENDING, Status.SENDING], next_attempt_at__lte=now
        ).update(status=Status.SENDING, next_attempt_at=lease_until)
    ]


def _open(backend) -> str:
    """Open the backend's connection; return why it could not be, or ""."""
    try:
        backend.open()
    except Exception as error:  # a killed worker (BaseException) is not a failed attempt
        return _describe(error)
    return ""


def _close(backend) -> None:
    try:
        backend.close()
    except Exception:
        logger.debug("Closing the mail connection failed", exc_info=True)


def _attempt(backend, mail: OutgoingMail) -> str:
    """Send one e-mail; return "" or the error for the log."""
    try:
        sent = backend.send_messages([email_message(mail)])
    except Exception as error:
        return _describe(error)
    return "" if sent else "Not sent: the mail backend sent nothing."


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


@transaction.atomic
def _settle(mail_id, error: str, now: datetime.datetime, lease_until: datetime.datetime) -> str | None:
    """Record an attempt; return the mail's status, or None when it was no longer this worker's."""
    mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
    if mail is None or mail.status != Status.SENDING or mail.next_attempt_at != lease_until:
        return None  # deleted, sent again by an admin, or taken over by another worker after the lease
    mail.attempts += 1
    mail.last_attempt_at = now
    mail.last_error = error
    fields = ["status", "attempts", "last_attempt_at", "last_error", "next_attempt_at"]
    if not error:
        mail.status = Status.SENT
        mail.sent_at = now
        fields.append("sent_at")
    elif mail.attempts >= MAX_ATTEMPTS:
        mail.status = Status.FAILED
    else:
        mail.status = Status.PENDING
        mail.next_attempt_at = now + RETRY_DELAYS[mail.attempts - 1]
    mail.save(update_fields=fields)
    return mail.status
