"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES): DRF's, within limits.

DRF's own parser lets Python's recursion limit decide how deep a body may nest, so 100,000 ``[``
answered 500. This one parses with ``directory.jsonlimits``: nesting deeper than ``MAX_DEPTH``,
``NaN``, infinities and overlong numbers are a 400 like any other broken JSON.

The size of a body is Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``: DRF reads a JSON body through
``request.body``, which refuses a larger one with ``RequestDataTooBig``; the API's exception handler
(directory/exceptions.py) answers that with a 400 naming the limit (``body_too_large``).
"""

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from directory import jsonlimits

TOO_LARGE = _("The request body is larger than %(limit)s bytes.")


def body_too_large() -> ParseError:
    limit = number_format(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, force_grouping=True)
    return ParseError(TOO_LARGE % {"limit": limit})


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return jsonlimits.loads(stream.read().decode(encoding))
        except ValueError as error:  # UnicodeDecodeError and json.JSONDecodeError among them
            raise ParseError(f"JSON parse error - {error}") from None
