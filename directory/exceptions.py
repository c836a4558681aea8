"""One DRF exception handler for every API: Django's ValidationError becomes a 400 (DRF's default is a 500).

Services raise django.core.exceptions.ValidationError with a message per field or for the whole
request; the API answers with the same shape as a serializer's errors: ``{"field": ["message"]}``, or
``{"detail": "message"}`` when the message is about the request as a whole.
"""

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from directory.parsers import body_too_large


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_data(exc))
    elif isinstance(exc, RequestDataTooBig):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE (directory/parsers.py)
        exc = body_too_large()
    return drf_exception_handler(exc, context)


def validation_error_data(error: DjangoValidationError) -> dict:
    if not hasattr(error, "error_dict"):
        return {"detail": " ".join(error.messages)}
    messages = error.message_dict
    data = {field: list(texts) for field, texts in messages.items() if field != NON_FIELD_ERRORS}
    if NON_FIELD_ERRORS in messages:
        data["detail"] = " ".join(messages[NON_FIELD_ERRORS])
    return data
