"""The OpenAPI 3.1 document of the feed: a profile of HSDS 3.0's openapi.json, served at ``openapi.json``.

Built in code so that the server address follows settings.HSDS_FEED_PREFIX and the limits follow the
views. Record schemas are the official HSDS 3.0 files vendored in fixtures/hsds/, embedded in the
document (the official openapi.json refers to them on raw.githubusercontent.com, which a client may not
reach): the document is self-contained. What this profile adds is the parameter rules, the 400/404/405
answers, and the ``directory-extras`` attributes described in ``info.description``.
"""

import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings

from providers.hsds import serialize

SCHEMA_DIR = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "v3.0" / "schema"
# Component name → the official file it holds (paths as in the official openapi.json's references).
OFFICIAL_SCHEMAS = {
    "service": "compiled/service.json",
    "service_list": "compiled/service_list.json",
    "service_at_location": "compiled/service_at_location.json",
    "service_at_location_list": "compiled/service_at_location_list.json",
    "organization": "compiled/organization.json",
    "organization_list": "compiled/organization_list.json",
    "taxonomy": "taxonomy.json",
    "taxonomy_term": "taxonomy_term.json",
    "metadata": "metadata.json",
}

DESCRIPTION = """\
The directory's listings as an Open Referral HSDS 3.0 feed. Open to anyone with no key; every
answer carries `Access-Control-Allow-Origin: *`. Read-only: other methods than GET and HEAD get 405.

**Paging.** Lists answer the HSDS page envelope. Pages start at 1; `per_page` defaults to 50 and may
be at most 500. `size` is the number of records in `contents`; `first_page` is true on page 1 only;
`last_page` on page `total_pages` only; `empty` when `contents` is empty; every page but the last is
full. An empty result is page 1 of 1 (`total_items` 0, `empty` true). A page past the last is a 400.
`format=ndjson` streams every matching record instead, one JSON object a line, without paging.

**Errors.** A bad parameter value, or a parameter the endpoint does not take, is a 400 whose JSON
names the parameter (`{"status": 400, "detail": "...", "parameter": "per_page"}`). So is a parameter
given twice, or given empty (except `search`, where empty means no search). An unknown or malformed
id is a 404 with a JSON body.

**What is in the feed.** Services that are listed (status active or temporarily closed), their
locations (service_at_locations), all organizations, and the directory's taxonomies (service
categories, populations served, insurance accepted). A service's categories, populations and
insurance plans are `attributes` with link_type `category`, `population` and `insurance`.

**Syncing.** `modified_after` (ISO 8601; without an offset it is read as UTC) returns the records
changed on or after that moment. A service counts as changed when anything it shows changes: a
phone, hours, a location, an address, its organization. A consumer can mirror the feed with
`/services?minimal=true` (id, name, status, last_modified), then ask for what changed since the
last `last_modified` it saw; a service that leaves the directory (closed for good, inactive) is
missing from the next full `minimal` listing.

**HSDS 3.1.** Records also carry what HSDS 3.1 adds, in its shapes: an organization's
`additional_websites` and a service's `additional_urls` (`url` records: id, label, url), a service's
`capacities` (`service_capacity` records: id, `unit` with id, name, scheme, identifier and uri,
`available`, `maximum`, `description`, `updated`) beside its capacity status, and a service_at_location's
`service_areas` (each area also has its `service_at_location_id`, and is one of the service's
`service_areas` too). The HSDS 3.0 schemas below allow further properties, so every record is valid
against both the official 3.0 schemas and the 3.1 ones.

**Fields without a value are left out** (HSDS types are strings and numbers, never null), except
the fields a schema requires. Schedules give opening hours as weekly RRULE parts (`freq` WEEKLY,
`byday`, `opens_at`/`closes_at` as local HH:MM) with the IANA time zone as an attribute, since a
fixed UTC offset would be wrong across daylight saving time; a closure (a holiday) is a schedule
with `valid_from`/`valid_to` and no times.

**Extensions (directory-extras).** What a referral network knows beyond HSDS travels as ordinary
HSDS `attribute` records whose `taxonomy_term` belongs to the "directory-extras" taxonomy (stable
ids; the term is nested in full, with its taxonomy as `taxonomy_detail`), and as `metadata`
records, so every record still validates against the official schemas:

| term code | on | value |
|---|---|---|
{extras}

A taxonomy and a taxonomy term carry their extras in an `attributes` list of their own (HSDS 3.0 gives
them none; its schemas allow one), on `/taxonomies` and `/taxonomy_terms` but not on the copies nested in
other records.

Service `metadata` records: `create` (created), `update` (last change to the listing or anything it
shows), `verified` (field `last_verified_at`: the agency confirmed the listing; also HSDS
`assured_date`) and `capacity` (field `capacity_status`: when capacity was last stated; none while
it is not stated), then the listing's history: its latest 50 recorded changes, newest first, one
metadata record per changed field or added/removed record (`resource_type`/`resource_id` name the
record: a phone, a schedule ...; `last_action_type` create, update, delete or verify). `updated_by` is
left empty: the feed does not publish who made a change. Organizations carry `create` and `update`.
"""

EXTRA_SUBJECTS = {
    "schedule-kind": "schedule",
    "time-zone": "schedule",
    "service-area-extent": "service_area",
    "demo-record": "organization",
    "name-es": "taxonomy_term",
    "synonyms": "taxonomy_term",
    "synonyms-es": "taxonomy_term",
    "phone-extension": "phone",
    "taxonomy-code": "taxonomy",
    "no-organization": "location",
    "translations": "organization, service, schedule, cost_option, required_document",
}


def _extras_table() -> str:
    return "\n".join(
        f"| `{extra.code}` | {EXTRA_SUBJECTS.get(extra.code, 'service')} | {extra.description} |"
        for extra in serialize.EXTRAS.values()
    )


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PARAMETERS = {
    "search": _query(
        "search",
        "Words to look for. Services and service_at_locations go through the directory's search index "
        "(synonyms and typos understood); other lists match names and descriptions. Results keep the list's order.",
        {"type": "string"},
    ),
    "page": _query(
        "page", "Page number, from 1. A page past the last one is a 400.", {"type": "integer", "minimum": 1}
    ),
    "per_page": _query(
        "per_page", "Records per page: 50 unless given, at most 500.", {"type": "integer", "minimum": 1, "maximum": 500}
    ),
    "format": _query(
        "format",
        "`json` (the default): one page. `ndjson`: every matching record, one JSON object a line, without paging "
        "(page and per_page do not apply).",
        {"type": "string", "enum": ["json", "ndjson"]},
    ),
    "taxonomy_term_id": _query(
        "taxonomy_term_id",
        "Only services with this term (or one of its children) as a category, population, insurance or attribute.",
        {"type": "string", "format": "uuid"},
    ),
    "taxonomy_id": _query(
        "taxonomy_id", "Only services with any term of this taxonomy.", {"type": "string", "format": "uuid"}
    ),
    "organization_id": _query(
        "organization_id", "Only services of this organization.", {"type": "string", "format": "uuid"}
    ),
    # /organizations takes the same two filters (HSDS 3.1), said of organizations.
    "organizations_taxonomy_term_id": _query(
        "taxonomy_term_id",
        "Only organizations with a listed service that has this term (or one of its children) as a category, "
        "population, insurance or attribute, or with the term as an attribute of their own. An unknown term "
        "gives no organizations.",
        {"type": "string", "format": "uuid"},
    ),
    "organizations_taxonomy_id": _query(
        "taxonomy_id",
        "Only organizations with a listed service that has any term of this taxonomy, or such a term as an "
        "attribute of their own.",
        {"type": "string", "format": "uuid"},
    ),
    "modified_after": _query(
        "modified_after",
        "Only records changed on or after this ISO 8601 date-time (UTC unless it has an offset).",
        {"type": "string", "format": "date-time"},
    ),
    "minimal": _query(
        "minimal",
        "true: each service is only id, name, status and last_modified. Takes precedence over full.",
        {"type": "boolean"},
    ),
    "full": _query("full", "true: fully nested records.", {"type": "boolean"}),
    "full_service": _query(
        "full_service", "true: the organization's services are fully nested (implies full).", {"type": "boolean"}
    ),
    "postcode": _query(
        "postcode",
        "A 5-digit US ZIP code. Services with a service area are returned only when the area holds the ZIP code; "
        "services without one always are. An unknown ZIP code is a 400.",
        {"type": "string", "pattern": "^[0-9]{5}$"},
    ),
    "proximity": _query(
        "proximity",
        "Metres from the postcode's centroid (needs postcode): only locations this close (locations without "
        "coordinates are left out). More than 0, at most 1000000. (HSDS types it as a string; here it is the "
        "text of a number.)",
        {"type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000},
    ),
    "top_only": _query("top_only", "true: only terms with no parent.", {"type": "boolean"}),
    "parent_id": _query("parent_id", "Only the children of this term.", {"type": "string", "format": "uuid"}),
}

ERRORS = {
    "400": "A parameter is malformed, out of range or not taken here.",
    "404": "No record has this id (or it is not in the feed).",
    "405": "The feed is read-only: GET and HEAD only.",
}


@functools.cache
def record_schemas() -> dict[str, dict]:
    """The official record schemas as components, each part that repeats stated once.

    The compiled files nest the same records many times over (8 MB in all): every object schema with
    ``properties`` becomes a component that the others refer to, so the whole is a few hundred kilobytes
    and means exactly what the files mean. A file's own component keeps its name (``service``); a nested
    variant is named for its record, with a digest of its content when the name is taken (``organization_…``).
    The references between the official files (``metadata.json``, ``taxonomy.json``) name their components.
    """
    components: dict[str, dict] = {}
    names: dict[str, str] = {}  # a schema's canonical JSON → its component

    def to_local(node):
        if isinstance(node, list):
            return [to_local(value) for value in node]
        if not isinstance(node, dict):
            return node
        node = {key: to_local(value) for key, value in node.items()}
        if isinstance(node.get("$ref"), str) and node["$ref"].endswith(".json"):
            name = next(name for name, path in OFFICIAL_SCHEMAS.items() if path == node["$ref"])
            node["$ref"] = f"#/components/schemas/{name}"
        return node

    def factor(node, own_name: str | None = None):
        if isinstance(node, list):
            return [factor(value) for value in node]
        if not isinstance(node, dict):
            return node
        node = {key: factor(value) for key, value in node.items()}
        if "properties" not in node:
            return node
        key = json.dumps(node, sort_keys=True)
        if key not in names:
            name = str(node.get("name", "record"))
            if name in components:
                name = f"{name}_{hashlib.sha256(key.encode()).hexdigest()[:8]}"
            names[key] = name
            components[name] = node
        return {"$ref": f"#/components/schemas/{names[key]}"}

    files = {name: to_local(json.loads((SCHEMA_DIR / path).read_text())) for name, path in OFFICIAL_SCHEMAS.items()}
    for name in files:
        components[name] = {}  # the files keep their own names, whatever nests them
    for name, schema in files.items():
        components[name] = {key: factor(value) for key, value in schema.items()}
        names.setdefault(json.dumps(components[name], sort_keys=True), name)
    return components


def document(server_url: str) -> dict:
    """Return the OpenAPI document, self-contained: the official record schemas are in its components."""

    def page_of(item_schema: str) -> dict:
        return {
            "allOf": [{"$ref": "#/components/schemas/Page"}],
            "properties": {"contents": {"type": "array", "items": {"$ref": f"#/components/schemas/{item_schema}"}}},
        }

    def responses(ok: str, schema: dict, *, detail: bool = False) -> dict:
        answers = {"200": {"description": ok, "content": {"application/json": {"schema": schema}}}}
        if not detail:
            answers["200"]["content"]["application/x-ndjson"] = {
                "schema": {"type": "string", "description": "With format=ndjson: one record a line."}
            }
        for status, description in ERRORS.items():
            if status == "404" and not detail:
                continue
            answers[status] = {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        return answers

    def operation(operation_id: str, summary: str, parameters: list[str], answers: dict) -> dict:
        return {
            "get": {
                "operationId": operation_id,
                "summary": summary,
                "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
                "responses": answers,
            }
        }

    def detail(operation_id: str, summary: str, schema: str, parameters: list[str] = ()) -> dict:
        path_item = operation(
            operation_id,
            summary,
            list(parameters),
            responses(summary, {"$ref": f"#/components/schemas/{schema}"}, detail=True),
        )
        path_item["parameters"] = [
            {
                "in": "path",
                "name": "id",
                "required": True,
                "description": "The record's id.",
                "schema": {"type": "string"},
            }
        ]
        return path_item

    paging = ["search", "page", "per_page", "format", "modified_after"]
    service_filters = ["taxonomy_term_id", "taxonomy_id", "organization_id", "postcode", "proximity", "full"]
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Referral network directory: HSDS 3.0 feed",
            "version": "1.0.0",
            "summary": "The directory's listings as Open Referral HSDS 3.0.",
            "description": DESCRIPTION.replace("{extras}", _extras_table()),
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": {
            "/": {
                "get": {
                    "operationId": "getAPIMetaInformation",
                    "summary": "The HSDS version, this profile and this document.",
                    "responses": {
                        "200": {
                            "description": "About this API.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["version", "profile", "openapi_url"],
                                        "properties": {
                                            "version": {"type": "string", "const": serialize.HSDS_VERSION},
                                            "profile": {"type": "string", "format": "uri"},
                                            "openapi_url": {"type": "string", "format": "uri"},
                                        },
                                    }
                                }
                            },
                        },
                    },
                }
            },
            "/services": operation(
                "getPaginatedListOfServices",
                "Listed services: one-to-one fields and organization; full or minimal on request.",
                [*paging, *service_filters, "minimal"],
                responses("A page of services.", page_of("service_list")),
            ),
            "/services/{id}": detail("getFullyNestedServiceById", "A fully nested service.", "service"),
            "/service_at_locations": operation(
                "getPaginatedListOfServiceAtLocation",
                "The locations of listed services, with the location and service; fully nested on request.",
                [*paging, *service_filters],
                responses("A page of service_at_locations.", page_of("service_at_location_list")),
            ),
            # The official document declares a service here (an upstream defect); this is a service_at_location.
            "/service_at_locations/{id}": detail(
                "getServiceAtLocationWithNestedDataById",
                "A fully nested service_at_location.",
                "service_at_location",
            ),
            "/organizations": operation(
                "getPaginatedListOfOrganizations",
                "All organizations; fully nested on request.",
                [*paging, "full", "full_service", "organizations_taxonomy_term_id", "organizations_taxonomy_id"],
                responses("A page of organizations.", page_of("organization_list")),
            ),
            "/organizations/{id}": detail(
                "getOrganizationById",
                "A fully nested organization with its listed services.",
                "organization",
                ["full_service"],
            ),
            "/taxonomies": operation(
                "getPaginatedListOfTaxonomies",
                "The directory's taxonomies.",
                paging,
                responses("A page of taxonomies.", page_of("taxonomy")),
            ),
            "/taxonomies/{id}": detail("getTaxonomyById", "A taxonomy.", "taxonomy"),
            "/taxonomy_terms": operation(
                "getPaginatedListOfTaxonomyTerms",
                "The terms of the directory's taxonomies.",
                [*paging, "taxonomy_id", "top_only", "parent_id"],
                responses("A page of taxonomy terms.", page_of("taxonomy_term")),
            ),
            "/taxonomy_terms/{id}": detail(
                "getTaxonomyTermById", "A taxonomy term with its taxonomy.", "taxonomy_term"
            ),
        },
        "components": {
            "schemas": {
                **record_schemas(),
                "Page": {
                    "type": "object",
                    "required": [
                        "total_items",
                        "total_pages",
                        "page_number",
                        "size",
                        "first_page",
                        "last_page",
                        "empty",
                        "contents",
                    ],
                    "properties": {
                        "total_items": {"type": "integer", "minimum": 0},
                        "total_pages": {"type": "integer", "minimum": 1},
                        "page_number": {"type": "integer", "minimum": 1},
                        "size": {"type": "integer", "minimum": 0, "maximum": 500},
                        "first_page": {"type": "boolean"},
                        "last_page": {"type": "boolean"},
                        "empty": {"type": "boolean"},
                        "contents": {"type": "array"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["status", "detail"],
                    "properties": {
                        "status": {"type": "integer"},
                        "detail": {"type": "string", "description": "What is wrong, in words."},
                        "parameter": {"type": "string", "description": "The parameter at fault (400 only)."},
                    },
                },
            },
            "parameters": PARAMETERS,
        },
    }
