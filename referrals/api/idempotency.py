"""``Idempotency-Key`` on the API's create requests: a retried request gets the first answer again.

The record of the first answer is saved in the transaction that creates, so either both exist or
neither: a request that failed (4xx, or a crash) leaves no record, and its retry runs afresh. Two
copies of one request at the same moment: the unique key lets one commit; the other is rolled back,
then answers with the first one's result.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from referrals.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_TOO_LONG = _("An Idempotency-Key has at most 255 characters.")
KEY_REUSED = _("This Idempotency-Key was used for a different request; use a new key for a new request.")


class _Raced(Exception):
    """Another copy of this request committed first."""


def idempotent(create):
    """Wrap a viewset's ``create`` (or a POST action) so that it honours the Idempotency-Key header."""

    @functools.wraps(create)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return create(view, request, *args, **kwargs)
        if len(key) > 255:
            return Response({"detail": KEY_TOO_LONG}, status=status.HTTP_400_BAD_REQUEST)
        client = request.auth.client
        fingerprint = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), request.body])
        ).hexdigest()
        try:
            with transaction.atomic():
                first = IdempotencyRecord.objects.filter(client=client, key=key).first()
                if first is not None:
                    return replay(first, fingerprint)
                response = create(view, request, *args, **kwargs)
                if not status.is_success(response.status_code):
                    transaction.set_rollback(True)
                    return response
                try:
                    with transaction.atomic():
                        IdempotencyRecord.objects.create(
                            client=client,
                            key=key,
                            fingerprint=fingerprint,
                            status_code=response.status_code,
                            body=json.loads(JSONRenderer().render(response.data)),
                        )
                except IntegrityError:
                    raise _Raced from None
                return response
        except _Raced:
            return replay(IdempotencyRecord.objects.get(client=client, key=key), fingerprint)

    return wrapper


def replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        return Response({"detail": KEY_REUSED}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})
