"""The OpenAPI document of /api/v1/ (drf-spectacular) and its Swagger UI and Redoc pages.

Every operation documents its error answers: 401 and 429 (token, throttle) on the referral API,
400 where input is read, 404 where a record is named, and the search API's 400 and 503.
"""

from django import forms
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

API_PREFIX = "/api/v1/"

ERROR = {
    "type": "object",
    "description": "`detail` says what went wrong; a field name keys the messages about that field.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERRORS = {
    "400": "Bad input: the fields at fault are named, with a message each; nothing was saved.",
    "401": "No token, or a token that is unknown or revoked.",
    "403": "The other side's step: only the referring program records the outcome.",
    "404": "No such record, or one the client's organization may not see.",
    "422": "The Idempotency-Key was used before for a different request.",
    "429": "Too many requests from this client: wait for the seconds in Retry-After.",
    "503": "The search index is being built.",
}


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "referrals.api.authentication.ClientTokenAuthentication"
    name = "clientToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer", "description": "A client system's token."}


def form_parameter(name: str, field: forms.Field) -> OpenApiParameter:
    """Describe a search form field as a query parameter, with the form's own limits."""
    kind, extra = OpenApiTypes.STR, {}
    if isinstance(field, forms.BooleanField):
        kind = OpenApiTypes.BOOL
    elif isinstance(field, forms.IntegerField):
        kind = OpenApiTypes.INT
    elif isinstance(field, forms.FloatField):
        kind = OpenApiTypes.NUMBER
    elif isinstance(field, forms.DateTimeField):
        kind = OpenApiTypes.DATETIME
    elif isinstance(field, forms.ChoiceField):
        extra["enum"] = [value for value, _label in field.choices if value != ""]
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=str(field.label or ""), **extra)


class SearchSchema(OpenApiViewExtension):
    """The search API is a plain APIView over search.forms.SearchForm: its parameters are the form's fields."""

    target_class = "search.api.SearchAPI"

    def view_replacement(self):
        from search.forms import SearchForm

        class Documented(self.target_class):
            @extend_schema(
                operation_id="search",
                parameters=[form_parameter(name, field) for name, field in SearchForm.base_fields.items()],
                responses={200: OpenApiTypes.OBJECT},
                description="Find listed services; the README's search section describes each parameter.",
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
        if schema.get("type") == "string" and not {"format", "enum", "pattern"} & set(schema):
            schema["minLength"] = 1
        description = parameter.get("description", "")
        parameter["description"] = f"{description}\n\n{QUERY_RULE}" if description else QUERY_RULE


def document_errors(result: dict, generator, request, public) -> dict:
    """Add the error answers each operation can give, with one shared error schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            if not path.startswith(f"{API_PREFIX}search/"):
                document_query_rules(operation)
            for code in error_codes(path, method, {p["name"] for p in operation.get("parameters", [])}):
                operation["responses"].setdefault(
                    code,
                    {
                        "description": ERRORS[code],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result


def error_codes(path: str, method: str, parameters: set[str]) -> list[str]:
    if path.startswith(f"{API_PREFIX}search/"):
        return ["400", "503"]
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


class SwaggerView(DocsPolicyMixin, SpectacularSwaggerSplitView):
    pass


class RedocView(DocsPolicyMixin, SpectacularRedocView):
    template_name = "referrals/api/redoc.html"
