"""The OpenAPI document of /api/v1/ (drf-spectacular) and its Swagger UI and Redoc pages.

Every operation documents its error answers: 401 and 429 (token, throttle) on the referral API,
400 where input is read, 404 where a record is named, and the search API's 400 and 503.
"""

from django import forms
from django.core.validators import RegexValidator
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
    OpenApiViewExtension,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer

from directory import dates

API_PREFIX = "/api/v1/"

ERROR = {
    "type": "object",
    "description": "`detail` says what went wrong; a field name keys the messages about that field.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERRORS = {
    "400": "Bad input: the fields at fault are named, with a message each; nothing was saved.",
    "400-search": "A parameter is malformed, out of range or unknown (a category, a ZIP code ...), or the page is "
    "past the last: `errors` names each parameter at fault, with a message and a code.",
    "401": "No token, or a token that is unknown or revoked.",
    "403": "The other side's step: only the referring program records the outcome.",
    "404": "No such record, or one the client's organization may not see.",
    "422": "The Idempotency-Key was used before for a different request.",
    "429": "Too many requests from this client: wait for the seconds in Retry-After.",
    "429-search": "Too many anonymous searches from this address: wait for the seconds in Retry-After.",
    "503": "The search index is being built.",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 0}}}

NULLABLE_NUMBER = {"type": "number", "nullable": True}
SEARCH_SCHEMAS = {
    "SearchResults": {
        "type": "object",
        "required": ["count", "place", "page", "page_count", "page_size", "facets", "results"],
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "Services that fit, on all pages."},
            "place": {
                "type": "object",
                "nullable": True,
                "description": "Where distances are measured from (a ZIP code's center, or the point given).",
                "required": ["zip", "county", "latitude", "longitude", "note"],
                "properties": {
                    "zip": {"type": "string"},
                    "county": {"type": "string"},
                    "latitude": {"type": "number"},
                    "longitude": {"type": "number"},
                    "note": {"type": "string", "description": "Said when the place is less precise than asked."},
                },
            },
            "page": {"type": "integer", "minimum": 1},
            "page_count": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
            "facets": {
                "type": "object",
                "description": "For category, population, language and capacity: how many fitting services have "
                "each code, most common first.",
                "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
            },
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchResult"}},
        },
    },
    "SearchResult": {
        "type": "object",
        "required": ["service", "location", "distance_miles", "open_now", "capacity", "stale", "eligibility"],
        "properties": {
            "service": {
                "type": "object",
                "required": ["id", "name", "organization", "url"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "name": {"type": "string"},
                    "organization": {"type": "string"},
                    "url": {"type": "string", "description": "The service's page on this site."},
                },
            },
            "location": {
                "type": "object",
                "nullable": True,
                "description": "The nearest location that fits; null for a service without locations.",
                "required": ["id", "name", "address", "latitude", "longitude"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "name": {"type": "string"},
                    "address": {"type": "string"},
                    "latitude": NULLABLE_NUMBER,
                    "longitude": NULLABLE_NUMBER,
                },
            },
            "distance_miles": {**NULLABLE_NUMBER, "minimum": 0},
            "open_now": {"type": "boolean", "nullable": True, "description": "Null when the hours are not known."},
            "capacity": {
                "type": "string",
                "enum": ["accepting", "waitlist", "not_accepting", "not_stated"],
                "description": "not_stated: nobody said whether the service takes new clients.",
            },
            "stale": {"type": "boolean", "description": "The listing was not confirmed recently."},
            "eligibility": {
                "type": "object",
                "nullable": True,
                "description": "Given when the search says something about the participant.",
                "required": ["verdict", "reasons"],
                "properties": {
                    "verdict": {"type": "string", "enum": ["eligible", "maybe", "not_eligible"]},
                    "reasons": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["criterion", "outcome", "text"],
                            "properties": {
                                "criterion": {"type": "string"},
                                "outcome": {
                                    "type": "string",
                                    "enum": ["met", "unknown", "not_met", "note"],
                                    "description": "note: worth knowing, not a rule; the verdict is as without it "
                                    "(staff who do not speak the participant's language, an area the service does "
                                    "not keep to its residents).",
                                },
                                "text": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
    "SearchErrors": {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["message", "code"],
                        "properties": {"message": {"type": "string"}, "code": {"type": "string"}},
                    },
                },
            }
        },
    },
    "Suggestions": {
        "type": "object",
        "required": ["query", "suggestions"],
        "properties": {
            "query": {"type": "string"},
            "suggestions": {
                "type": "array",
                "description": "Categories, then services, then organizations; none for fewer than two letters.",
                "items": {
                    "type": "object",
                    "required": ["kind", "name", "detail", "url"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["category", "service", "organization"]},
                        "name": {"type": "string", "description": "A category's name in the request's language."},
                        "detail": {
                            "type": "string",
                            "description": "A category's name in the other language, or the synonym that fitted; "
                            "a service's organization.",
                        },
                        "url": {"type": "string", "description": "Where choosing it goes."},
                        "code": {"type": "string", "description": "A category's code."},
                        "id": {"type": "string", "format": "uuid", "description": "A service's or organization's id."},
                    },
                },
            },
        },
    },
}
EMPTY_IS_NOT_GIVEN = "Empty: as if not given (the search page's own query string works here as it is)."


# directory.dates takes the years 1900 to 2999 in the network's time zone, so the very first and last hours
# depend on the offset given; a date-time written in the years 1901 to 2998 is taken whatever its offset.
# And no UTC offset of dates.OFFSET_HOURS hours or more.
YEARS_PATTERN = r"^(190[1-9]|19[1-9][0-9]|2[0-8][0-9]{2}|29[0-8][0-9]|299[0-8])-(?!.*[+-](1[5-9]|2[0-9]):)"
YEARS_NOTE = (
    f"Years {dates.YEARS[0]} to {dates.YEARS[1]} (in the network's time zone), a UTC offset of less than "
    f"{dates.OFFSET_HOURS} hours; otherwise: 400."
)


class DateTimeWithinYears(OpenApiSerializerFieldExtension):
    """directory.dates.DateTimeField: a date-time within the years it takes."""

    target_class = "directory.dates.DateTimeField"

    def map_serializer_field(self, auto_schema, direction) -> dict:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        note = f"{schema['description']} {YEARS_NOTE}" if schema.get("description") else YEARS_NOTE
        return {**schema, "pattern": YEARS_PATTERN, "description": note}


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "referrals.api.authentication.ClientTokenAuthentication"
    name = "clientToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer", "description": "A client system's token."}


def form_parameter(name: str, field: forms.Field, pattern: str | None = None, rule: str = "") -> OpenApiParameter:
    """Describe a search form field as a query parameter, with the limits the form enforces.

    ``pattern`` and ``rule`` say what the form's own clean_<name> method checks beyond the field.
    """
    schema = field_schema(field)
    if pattern is not None:
        schema["pattern"] = pattern
    description = f"{field.label or name}. {rule}" if rule else str(field.label or name)
    if schema.get("pattern") == YEARS_PATTERN:
        description = f"{description}. {YEARS_NOTE}"
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description)


def codes_pattern(code: str) -> str:
    """Comma-separated codes; spaces and empty entries are allowed (search.forms.CodeListField drops them)."""
    return rf"^\s*(?:{code})?\s*(?:,\s*(?:{code})?\s*)*$"


def field_schema(field: forms.Field) -> dict:
    """The JSON schema of what ``field`` accepts: its type, range, length and pattern."""
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField):  # FloatField is one too
        schema = {"type": "number" if isinstance(field, forms.FloatField) else "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema
    if isinstance(field, forms.DateTimeField):
        if dates.within_years in field.validators:
            return {"type": "string", "format": "date-time", "pattern": YEARS_PATTERN}
        return {"type": "string", "format": "date-time"}
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": [value for value, _label in field.choices if value != ""]}
    schema = {"type": "string"}
    if getattr(field, "max_length", None) is not None:
        schema["maxLength"] = field.max_length
    patterns = [
        validator.regex.pattern.replace("\\Z", "$")
        for validator in field.validators
        if type(validator) is RegexValidator and not validator.inverse_match
    ]
    if patterns:
        schema["pattern"] = patterns[0]
    return schema


class SearchSchema(OpenApiViewExtension):
    """The search API is a plain APIView over search.forms.SearchForm: its parameters are the form's fields."""

    target_class = "search.api.SearchAPI"

    def view_replacement(self):
        from search.forms import MAX_LIST_VALUES, SearchForm
        from search.query import MAX_WORDS

        # What SearchForm's clean_speaks and clean_circumstances check. Its clean_q counts words as Python's
        # \w does (letters of any script), which a pattern's \w (ASCII in OpenAPI's regular expressions) cannot.
        patterns = {"speaks": codes_pattern("[a-z]{2}"), "circumstances": codes_pattern("[-a-zA-Z0-9_]+")}
        rules = {
            "q": f"At most {MAX_WORDS} words (runs of letters and digits); more: 400.",
            "speaks": f"Two-letter language codes, comma-separated, at most {MAX_LIST_VALUES}.",
            "circumstances": f"Population codes, comma-separated, at most {MAX_LIST_VALUES}; an unknown one: 400.",
            "category": "A category code; an unknown one: 400.",
            "population": "A population code; an unknown one: 400.",
            "insurance": "An insurance code; an unknown one: 400.",
            "zip": "A US ZIP code this directory knows; an unknown one: 400.",
            "radius": "Needs zip, or lat and lon, to measure from.",
            "serves_me": "Needs zip, or lat and lon.",
            "address": "Needs zip.",
            "lat": "Needs lon.",
            "lon": "Needs lat.",
            "page": "A page past the last: 400.",
        }

        class Documented(self.target_class):
            @extend_schema(
                operation_id="search",
                parameters=[
                    form_parameter(name, field, patterns.get(name), rules.get(name, ""))
                    for name, field in SearchForm.base_fields.items()
                ],
                responses={200: OpenApiTypes.OBJECT},
                description="Find listed services; the README's search section describes each parameter.",
            )
            def get(self, request):
                return super().get(request)

        return Documented


class SuggestSchema(OpenApiViewExtension):
    """The suggestions API is a plain APIView over search.forms.SuggestForm: its one parameter is q."""

    target_class = "search.api.SuggestAPI"

    def view_replacement(self):
        from search.forms import SuggestForm
        from search.query import MAX_WORDS

        field = SuggestForm.base_fields["q"]

        class Documented(self.target_class):
            @extend_schema(
                operation_id="search_suggest",
                parameters=[
                    OpenApiParameter(
                        "q",
                        {**field_schema(field), "minLength": 1},
                        OpenApiParameter.QUERY,
                        required=True,
                        description=f"What was typed so far. At most {MAX_WORDS} words; empty or more: 400.",
                    )
                ],
                responses={200: OpenApiTypes.OBJECT},
                description="Suggestions as one types: categories, services and organizations whose names begin "
                "with the words typed, the last perhaps unfinished.",
            )
            def get(self, request):
                return super().get(request)

        return Documented


def only_api_v1(endpoints: list) -> list:
    """Leave out everything but /api/v1/ (the HSDS feed documents itself)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]


QUERY_RULE = "Given empty or more than once: 400."


def document_query_rules(operation: dict) -> None:
    """Say what referrals.api.views.check_query enforces for every query parameter of the referral API."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        schema = parameter["schema"]
        description = parameter.get("description", "")
        if schema.get("format") == "date-time":  # every date-time filter checks directory.dates.within_years
            schema["pattern"] = YEARS_PATTERN
            description = f"{description} {YEARS_NOTE}".strip()
        if schema.get("type") == "string" and not {"format", "enum", "pattern"} & set(schema):
            schema["minLength"] = 1
        parameter["allowEmptyValue"] = False
        parameter["description"] = f"{description}\n\n{QUERY_RULE}" if description else QUERY_RULE


def document_search(operation: dict, results: str) -> None:
    """The search APIs' answers as search/api.py sends them (``results``: the schema of a 200); the search's
    empty parameters are "not given", as on the page."""
    for parameter in operation["parameters"]:
        if not parameter.get("required"):
            parameter["allowEmptyValue"] = True
            parameter["description"] = f"{parameter['description']}\n\n{EMPTY_IS_NOT_GIVEN}"
    operation["responses"] = {
        "200": {
            "description": "A page of services that fit, nearest and best first."
            if results == "SearchResults"
            else "Suggestions for what was typed.",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{results}"}}},
        },
        "400": {
            "description": ERRORS["400-search"],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchErrors"}}},
        },
    }


NUL_RULE = "Text (fields, parameters) never holds the NUL character, U+0000: a 400 names where it was."


def document_errors(result: dict, generator, request, public) -> dict:
    """Add the error answers each operation can give, with one shared error schema."""
    result["info"]["description"] = f"{result['info'].get('description', '')}\n\n{NUL_RULE}".strip()
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            if path.startswith(f"{API_PREFIX}search/"):
                schemas.update(SEARCH_SCHEMAS)
                document_search(operation, results="Suggestions" if path.endswith("/suggest/") else "SearchResults")
            else:
                document_query_rules(operation)
            for code in error_codes(path, method, {p["name"] for p in operation.get("parameters", [])}):
                is_search = path.startswith(f"{API_PREFIX}search/") and f"{code}-search" in ERRORS
                operation["responses"].setdefault(
                    code,
                    {
                        "description": ERRORS[f"{code}-search" if is_search else code],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        **({"headers": RETRY_AFTER} if code == "429" else {}),
                    },
                )
    return result


def error_codes(path: str, method: str, parameters: set[str]) -> list[str]:
    if path.startswith(f"{API_PREFIX}search/"):
        return ["400", "429", "503"]
    codes = ["401", "429"]
    if method == "post" or parameters:
        codes.append("400")
    if "{" in path or "page" in parameters:
        codes.append("404")  # no such record, or a page past the last
    if path.endswith("/outcome/"):
        codes.append("403")
    if "Idempotency-Key" in parameters:
        codes.append("422")
    return codes


DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


class DocsPolicyMixin:
    """Swagger UI and Redoc set styles from their scripts: these two pages allow inline styles, never scripts."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response


class JsonErrorsMixin:
    """Answer errors (a 405, a format it does not have) in JSON like the rest of /api/v1/, not as YAML or HTML."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JsonErrorsMixin, SpectacularAPIView):
    pass


class SwaggerView(JsonErrorsMixin, DocsPolicyMixin, SpectacularSwaggerSplitView):
    pass


class RedocView(JsonErrorsMixin, DocsPolicyMixin, SpectacularRedocView):
    template_name = "referrals/api/redoc.html"
