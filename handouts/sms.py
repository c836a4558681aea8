"""Text messages to participants, behind settings.SMS_BACKEND: each carries only a resource list's private link.

``ConsoleSender`` (the default) writes the message to standard output, as Django's console mail backend
does, so that development and the demo send nothing. ``HttpGatewaySender`` POSTs it as JSON to an SMS
gateway (SMS_GATEWAY_URL, with SMS_GATEWAY_TOKEN as a bearer token), bounded by SMS_TIMEOUT; a gateway
that answers anything but 2xx, or cannot be reached, is a failed send with the reason.
"""

import json
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The message was not accepted for delivery; the text says why."""


class ConsoleSender:
    """Write each message to standard output instead of sending it."""

    @classmethod
    def configuration_problems(cls) -> list[str]:
        return []

    def send(self, *, to: str, body: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{body}\n{'-' * 40}\n")
        sys.stdout.flush()


class HttpGatewaySender:
    """POST ``{"to", "from", "body"}`` to SMS_GATEWAY_URL; a 2xx answer means the gateway took the message."""

    @classmethod
    def configuration_problems(cls) -> list[str]:
        if not settings.SMS_GATEWAY_URL.startswith(("https://", "http://")):
            return ["SMS_BACKEND is the HTTP gateway sender, but SMS_GATEWAY_URL is not a web address."]
        return []

    def send(self, *, to: str, body: str) -> None:
        payload = json.dumps({"to": to, "from": settings.SMS_FROM, "body": body}).encode()
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        if settings.SMS_GATEWAY_TOKEN:
            request.add_header("Authorization", f"Bearer {settings.SMS_GATEWAY_TOKEN}")
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:
                response.read(64 * 1024)
        except urllib.error.HTTPError as error:
            raise SmsError(f"The text-message gateway answered {error.code}.") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"The text-message gateway could not be reached: {error}") from None


def sender():
    """Return the configured sender (settings.SMS_BACKEND)."""
    return import_string(settings.SMS_BACKEND)()
