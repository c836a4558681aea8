"""Webhooks: each event is stored with the change it reports, then signed and delivered at least once.

``record`` stores a WebhookEvent and one WebhookDelivery per endpoint that wants it, inside the
caller's transaction: a rolled-back change announces nothing, and a committed one is never lost.
``deliver_due`` (``manage.py deliver_webhooks``) claims what is due by pushing its next attempt a
lease ahead and committing, and only then sends it: a worker killed mid-send leaves the delivery
pending, and the first run after the lease sends it again. Receivers dedupe by event id.

The body is the JSON of ``{"id", "type", "created_at", "data"}``; ``Webhook-Signature: v1=<hex>`` is
the HMAC-SHA256, keyed with the endpoint's secret, of ``f"{timestamp}."`` followed by the body,
where the timestamp is the ``Webhook-Timestamp`` header (Unix seconds). README.md, "Webhooks".
The POST itself (one lookup, the address checked, a deadline, a byte cap) is referrals/webhook_http.py.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from directory import mail
from directory.access import is_network_admin
from directory.outbox import LEASE, MAX_ATTEMPTS, RETRY_DELAYS
from referrals.models import ClientSystem, Referral, WebhookDelivery, WebhookEndpoint, WebhookEvent
from referrals.notifications import staff_of
from referrals.webhook_http import (
    FAILED,
    DeliveryError,
    ip_literal,
    is_refused_address,
    post,
    public_reason,
    status_reason,
)

logger = logging.getLogger(__name__)

EventType = WebhookEndpoint.EventType
Status = WebhookDelivery.Status

# An endpoint whose every attempt has failed for this long is disabled.
DISABLE_AFTER = datetime.timedelta(hours=24)
BATCH_SIZE = 100

URL_NOT_HTTP = gettext_lazy("Use an http:// or https:// URL.")
URL_NOT_ALLOWED = gettext_lazy("A webhook cannot point at this server, localhost or a private network address.")
EVENT_TYPES_REQUIRED = gettext_lazy("Choose at least one event type.")
EVENT_TYPE_UNKNOWN = gettext_lazy("Unknown event type %(type)s: choose from %(choices)s.")
ONLY_ADMINS_ENABLE = gettext_lazy("Only network admins re-enable a webhook endpoint.")


# Endpoints


@transaction.atomic
def endpoint_register(
    *, client: ClientSystem, url: str, event_types: Iterable[str], request_host: str = ""
) -> WebhookEndpoint:
    """Register ``url`` to hear ``event_types`` for ``client``; its secret is then shown to the client.

    ``request_host`` is the Host of the request that registers it (``request.get_host()``): an
    endpoint may not point at this server, whatever name it is reached by.
    """
    errors = {}
    url_problem = _url_problem(url, request_host)
    if url_problem is not None:
        errors["url"] = url_problem
    types, types_problem = _clean_event_types(event_types)
    if types_problem is not None:
        errors["event_types"] = types_problem
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint(client=client, url=url.strip(), event_types=types)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint with its deliveries: nothing more is sent to it."""
    endpoint.delete()


@transaction.atomic
def endpoint_enable(*, endpoint: WebhookEndpoint, enabled_by) -> WebhookEndpoint:
    """Turn a disabled endpoint on again (network admins only); what was waiting is sent at the next run."""
    if not is_network_admin(enabled_by):
        raise PermissionDenied(ONLY_ADMINS_ENABLE)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_active:
        return endpoint
    endpoint.is_active = True
    endpoint.disabled_at = None
    endpoint.failing_since = None
    endpoint.save(update_fields=["is_active", "disabled_at", "failing_since"])
    endpoint.deliveries.filter(status=Status.PENDING).update(next_attempt_at=timezone.now())
    return endpoint


def _url_problem(url, request_host: str) -> str | None:
    if not isinstance(url, str):
        return URL_NOT_HTTP
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None  # full_clean says it is not a valid URL
    if parts.scheme.lower() not in ("http", "https"):
        return URL_NOT_HTTP
    if host and not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS and _is_this_server_or_private(host, request_host):
        return URL_NOT_ALLOWED
    return None


def _is_this_server_or_private(host: str, request_host: str) -> bool:
    host = host.rstrip(".").lower()
    own = {name.strip("[]").rstrip(".").lower() for name in settings.ALLOWED_HOSTS if name[:1] not in (".", "*")}
    own.add(urlsplit(settings.SITE_URL).hostname or "")
    if request_host:
        with contextlib.suppress(ValueError):  # a malformed Host names no server of ours
            own.add(urlsplit("//" + request_host).hostname or "")
    if host in own or host == "localhost" or host.endswith(".localhost"):
        return True
    # A name is checked again at each attempt, by the addresses it leads to then (webhook_http.post).
    address = ip_literal(host)
    return address is not None and is_refused_address(address)


def _clean_event_types(event_types) -> tuple[list[str], ValidationError | None]:
    if isinstance(event_types, str):
        event_types = [event_types]
    try:
        given = list(event_types or [])
    except TypeError:
        given = []
    if not given:
        return [], ValidationError(EVENT_TYPES_REQUIRED)
    for event_type in given:
        if event_type not in EventType.values:
            return [], ValidationError(
                EVENT_TYPE_UNKNOWN, params={"type": event_type, "choices": ", ".join(EventType.values)}
            )
    return [value for value in EventType.values if value in given], None


# Events


def record(event_type: str, data: dict, organization_ids: Iterable | None) -> WebhookEvent | None:
    """Store an event for the active endpoints that subscribe to it, in the caller's transaction.

    A referral's events go only to endpoints of ``organization_ids`` (the referral's two sides);
    listing.updated goes to every endpoint subscribed to it, listings being public. Costs one query
    when no endpoint wants the event (so bulk imports stay cheap), three when some do.
    """
    if event_type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    endpoints = WebhookEndpoint.objects.filter(is_active=True)
    if event_type != EventType.LISTING_UPDATED:
        endpoints = endpoints.filter(client__organization_id__in=list(organization_ids or ()))
    # Filtered here rather than with a JSON lookup: SQLite has no JSON "contains", and endpoints are few.
    wanted = [pk for pk, types in endpoints.values_list("pk", "event_types") if event_type in types]
    if not wanted:
        return None
    with transaction.atomic(savepoint=False):
        event = WebhookEvent.objects.create(type=event_type, payload=data)
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(endpoint_id=pk, event=event, next_attempt_at=event.created_at) for pk in wanted]
        )
    return event


def record_referral(event_type: str, referral: Referral, *, old_status: str = "") -> WebhookEvent | None:
    """Record a referral event for its two organizations' endpoints: ids and statuses, no participant details."""
    data = {
        "referral_id": str(referral.pk),
        "status": referral.status,
        "service_id": str(referral.service_id),
        "referring_organization_id": str(referral.referring_organization_id),
        "receiving_organization_id": str(referral.receiving_organization_id),
        "updated_at": referral.updated_at.isoformat(),
    }
    if event_type == EventType.REFERRAL_STATUS_CHANGED:
        data["old_status"] = old_status
    return record(event_type, data, [referral.referring_organization_id, referral.receiving_organization_id])


def listing_changed(sender, service_ids, **kwargs) -> None:
    """Receive providers.signals.services_changed (sent inside the change's transaction)."""
    if service_ids:
        record(EventType.LISTING_UPDATED, {"service_ids": sorted(str(pk) for pk in service_ids)}, None)


# Signing


def event_body(event: WebhookEvent) -> bytes:
    """Return the bytes POSTed for ``event``: the same for every attempt and every endpoint."""
    document = {
        "id": str(event.pk),
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed_headers(endpoint: WebhookEndpoint, event: WebhookEvent, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "referral-network-directory-webhooks",
        "Webhook-Id": str(event.pk),
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": f"v1={signature(endpoint.secret, timestamp, body)}",
    }


# Delivery


@dataclasses.dataclass
class DeliveryRun:
    """What one run of ``deliver_due`` did."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0  # failed for good: no attempt left
    endpoints_disabled: int = 0

    def add(self, other: "DeliveryRun") -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def deliver_due(
    now: datetime.datetime | None = None, limit: int = BATCH_SIZE, stop: threading.Event | None = None
) -> DeliveryRun:
    """Send up to ``limit`` deliveries that are due, each claimed (and committed) before it is sent.

    Call it outside a transaction. A 2xx answer delivers; anything else is retried after the next of
    RETRY_DELAYS, until MAX_ATTEMPTS. ``stop`` (set by a SIGTERM) ends the run before the next
    send and hands back what it had claimed. ``now`` defaults to the clock at each step.
    """
    clock = (lambda: now) if now is not None else timezone.now
    run = DeliveryRun()
    claimed = _claim(clock(), limit)
    run.claimed = len(claimed)
    deliveries = sorted(
        WebhookDelivery.objects.filter(pk__in=claimed).select_related("endpoint", "event"),
        key=lambda delivery: delivery.event.created_at,
    )
    disabled = set()
    for position, delivery in enumerate(deliveries):
        if stop is not None and stop.is_set():
            # Hand back what was claimed and not sent, so that the next run need not wait out the lease.
            unsent = [delivery.pk for delivery in deliveries[position:]]
            WebhookDelivery.objects.filter(pk__in=unsent, status=Status.PENDING).update(next_attempt_at=clock())
            break
        if delivery.endpoint_id in disabled:
            continue  # endpoint_enable makes it due again
        status_code, error = _attempt(delivery)
        status, disabled_now = _settle(delivery.pk, status_code, error, clock())
        if status == Status.DELIVERED:
            run.delivered += 1
        elif status == Status.FAILED:
            run.failed += 1
        elif status == Status.PENDING:
            run.retrying += 1
        if disabled_now:
            disabled.add(delivery.endpoint_id)
            run.endpoints_disabled += 1
    return run


def _claim(now: datetime.datetime, limit: int) -> list:
    lease_until = now + LEASE
    due = WebhookDelivery.objects.filter(
        status=Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
    ).order_by("next_attempt_at")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            # Rows another worker is claiming right now are skipped, not waited for.
            ids = list(due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:limit])
            WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=lease_until)
        return ids
    # SQLite locks no rows: claim each with a compare-and-set, which a second worker then fails.
    candidates = list(due.values_list("pk", flat=True)[:limit])
    return [
        pk
        for pk in candidates
        if WebhookDelivery.objects.filter(pk=pk, status=Status.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=lease_until
        )
    ]


def _attempt(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """Send one delivery; return the status code (None without an answer) and the reason for the log.

    The reason is one of webhook_http.REASONS or "HTTP <status>": the client reads it, so it never
    carries an error's own words (addresses, names of the network behind). A redirect is an answer
    like any other, never followed: it could lead anywhere, this server included.
    """
    body = event_body(delivery.event)
    timestamp = int(time.time())
    try:
        status_code = post(
            delivery.endpoint.url, body, signed_headers(delivery.endpoint, delivery.event, body, timestamp)
        )
    except DeliveryError as error:
        return None, error.reason
    except Exception:  # a failed attempt all the same; a killed worker (BaseException) is not
        logger.exception("Webhook delivery %s failed", delivery.pk)
        return None, FAILED
    return status_code, "" if 200 <= status_code < 300 else status_reason(status_code)


@transaction.atomic
def _settle(delivery_id, status_code: int | None, error: str, now: datetime.datetime) -> tuple[str | None, bool]:
    """Record an attempt; return the delivery's status and whether the endpoint was disabled by it."""
    endpoint_id = WebhookDelivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True).first()
    if endpoint_id is None:
        return None, False  # the endpoint was deleted meanwhile
    # The endpoint first, then the delivery: the order endpoint_enable locks them in.
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.status != Status.PENDING:
        return None, False  # another worker took it over after the lease and finished first
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status_code
    delivery.last_error = error
    fields = ["attempts", "last_attempt_at", "last_status_code", "last_error", "status"]
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = Status.DELIVERED
        delivery.delivered_at = now
        delivery.save(update_fields=[*fields, "delivered_at"])
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since"])
        return delivery.status, False
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = Status.FAILED
    else:
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
        fields.append("next_attempt_at")
    delivery.save(update_fields=fields)
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
    elif endpoint.is_active and now - endpoint.failing_since >= DISABLE_AFTER:
        endpoint.is_active = False
        endpoint.disabled_at = now
        endpoint.save(update_fields=["is_active", "disabled_at"])
        logger.warning("Webhook endpoint %s disabled: failing since %s", endpoint.url, endpoint.failing_since)
        _tell_disabled(endpoint.pk)  # queued with the change: a disabled endpoint is always told
        return delivery.status, True
    return delivery.status, False


def _tell_disabled(endpoint_id) -> int:
    """Queue an e-mail to the client's organization (and its contact) that the endpoint is off; return the count."""
    endpoint = WebhookEndpoint.objects.select_related("client").get(pk=endpoint_id)
    last = endpoint.deliveries.exclude(last_attempt_at=None).order_by("-last_attempt_at").first()
    people = staff_of(endpoint.client.organization_id)
    recipients = [
        (person.email, person.get_short_name() or person.username, mail.language_of(person)) for person in people
    ]
    contact = endpoint.client.contact_email
    if contact and contact.lower() not in {person.email.lower() for person in people}:
        recipients.append((contact, endpoint.client.name, settings.LANGUAGE_CODE))
    for email, name, language in recipients:
        values = {
            "name": name,
            "endpoint": endpoint,
            "client": endpoint.client,
            "last_error": public_reason(last.last_error) if last is not None else "",
            "site_url": settings.SITE_URL,
        }
        mail.send_templated("referrals/email/webhook_disabled", values, to=email, language=language)
    return len(recipients)
