"""The mapping of HSDS records to the directory's: a step per kind, in the order they depend on each other."""

import contextlib
import dataclasses
import datetime
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify

from directory import jsonlimits
from providers.demo import REFERENCE_DATA_PATH, read_json, taxonomy_uuid
from providers.hsds.importer.normalise import language_code, language_name
from providers.hsds.importer.records import IMPORT_NAMESPACE, MODELS, NOT_KEPT, WEEKDAYS, Batch, Row, day_id, derived_id
from providers.hsds.importer.report import ImportReport, Problem
from providers.hsds.importer.values import Values, is_empty
from providers.hsds.importer.writer import Writer
from providers.hsds.serialize import EXTRAS, EXTRAS_TAXONOMY
from providers.models import (
    Accessibility,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    validate_geojson_polygon,
)
from providers.signals import chunked
from providers.translations import SPANISH, TRANSLATED_FIELDS, spanish_field

EXTRA_TERMS = {uuid.UUID(extra.id): code for code, extra in EXTRAS.items()}
EXTRAS_TAXONOMY_ID = uuid.UUID(EXTRAS_TAXONOMY["id"])
TERM_RELATIONS = {
    Taxonomy.CATEGORIES: "categories",
    Taxonomy.POPULATIONS: "populations",
    Taxonomy.INSURANCE: "insurance_accepted",
}
# The extras of a term (serialize.taxonomy_term_to_hsds): absent, the term keeps what it has.
TERM_EXTRAS = {"name-es": "name_es", "synonyms": "synonyms", "synonyms-es": "synonyms_es"}
TRANSLATIONS_MESSAGE = 'The translations value is not JSON like {"es": {"description": "..."}}.'
ZIP_PLUS_FOUR = re.compile(r"^(\d{5})-\d{4}$")


# ---- writing -------------------------------------------------------------------------------------------

KEEP = object()  # an extra the source does not give: the record keeps what it has


@dataclasses.dataclass(frozen=True)
class ServiceExtra:
    field: str
    parse: str  # the Values method that reads it
    default: object  # when a directory record leaves it out: never a fact nobody stated


SERVICE_EXTRAS = {
    "capacity-status": ServiceExtra("capacity_status", "text", Service.Capacity.NOT_STATED),
    "capacity-updated-at": ServiceExtra("capacity_updated_at", "date_time", KEEP),
    "referral-method": ServiceExtra("referral_method", "text", Service.ReferralMethod.NOT_STATED),
    "income-limit-percent-fpl": ServiceExtra("income_limit_percent_fpl", "integer", None),
    "gender": ServiceExtra("gender", "text", Service.Gender.NOT_STATED),
    "populations-required": ServiceExtra("populations_required", "stated_boolean", None),
    "residency-required": ServiceExtra("residency_required", "stated_boolean", None),
    "last-verified-at": ServiceExtra("last_verified_at", "date_time", None),
    "keywords": ServiceExtra("keywords", "text", ""),
}


def reference_taxonomy_codes() -> dict[uuid.UUID, str]:
    """Our own taxonomies, by their fixed ids: an import never rewrites them."""
    codes = {Taxonomy.CATEGORIES, Taxonomy.POPULATIONS, Taxonomy.INSURANCE}
    with contextlib.suppress(OSError, ValueError, KeyError):
        codes |= {entry["code"] for entry in read_json(REFERENCE_DATA_PATH)["taxonomies"]}
    return {taxonomy_uuid(code): code for code in codes}


def parents_first(rows: list[Row], parent_field: str) -> list[Row]:
    """Order rows so that a parent in the same batch comes before its children (cycles keep file order)."""
    by_id = {row.id: row for row in rows}
    ordered, placed, visiting = [], set(), set()

    def place(row: Row) -> None:
        if row.id in placed or row.id in visiting:
            return
        visiting.add(row.id)
        parent = by_id.get(row.fields.get(parent_field))
        if parent is not None:
            place(parent)
        visiting.discard(row.id)
        placed.add(row.id)
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


class Loader(Writer):
    """Write a batch's rows as the directory's records, kind by kind."""

    def __init__(
        self, batch: Batch, report: ImportReport, *, locate: Callable[[str], object] | None = None, **options
    ) -> None:
        super().__init__(batch, report, **options)
        self.locate = locate
        self.stand_ins: set[uuid.UUID] = set()  # organizations the import made: named but not given, or for a service
        self.links_of_location: dict[uuid.UUID, list[Row]] | None = None
        self.term_plan: dict[uuid.UUID, bool] = {}  # service -> whether its terms are listed in full
        self.ours = reference_taxonomy_codes()
        self.extras: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)  # record id -> extra code -> value
        self.service_terms: dict[uuid.UUID, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        self.term_rows: dict[uuid.UUID, list[Row]] = defaultdict(list)  # service id -> its term attributes
        self.generic_attributes: list[Row] = []
        self.area_notes: dict[uuid.UUID, list[str]] = defaultdict(list)  # service id -> unkept service areas
        self.terms_changed: set[uuid.UUID] = set()  # services whose categories, populations or insurance changed
        self.addresses_of: dict[uuid.UUID, list[Row]] = defaultdict(list)
        for row in batch.rows["address"].values():
            if "location_id" in row.fields:
                self.addresses_of[row.fields["location_id"]].append(row)

    def run(self) -> None:
        steps = [
            self.read_extras,
            self.load_taxonomies,
            self.load_terms,
            self.sort_attributes,
            self.plan_organizations,
            self.load_organizations,
            self.plan_service_areas,
            self.load_locations,
            lambda: self.load_simple("address", self.address_fields),
            lambda: self.load_simple("accessibility", self.accessibility_fields),
            self.load_services,
            lambda: self.load_simple("service_at_location", self.service_at_location_fields),
            lambda: self.load_owned("url", self.url_fields),
            lambda: self.load_simple("unit", self.unit_fields),
            lambda: self.load_simple("service_capacity", self.service_capacity_fields),
            lambda: self.load_owned("phone", self.phone_fields),
            lambda: self.load_owned("language", self.language_fields),
            self.load_schedules,
            self.load_service_areas,
            lambda: self.load_simple("cost_option", self.cost_option_fields),
            lambda: self.load_simple("required_document", self.required_document_fields),
            self.load_attributes,
        ]
        for step in steps:
            step()
            # A kind is written whole before the next is read: the next one's references are then settled.
            self.flush()
        self.count_the_rest()
        self.report_not_kept()

    def load_taxonomies(self) -> None:
        for row in self.batch.rows["taxonomy"].values():
            self.step()
            if row.id == EXTRAS_TAXONOMY_ID:
                continue  # the feed's own vocabulary for our extras: read as fields, not stored
            values = Values(row.fields)
            self.required(row, values)
            existing = self.existing("taxonomy", row.id)
            ours = self.ours.get(row.id)
            if ours and existing is not None:
                # Our reference data owns our taxonomies (and their terms): an import never rewrites them.
                self.saved["taxonomy"].add(row.id)
                self.count(row, "unchanged")
                continue
            name = values.text("name")
            given = self.extras.get(row.id, {}).get("taxonomy-code")  # a directory like ours says its code
            code = ours or (existing.code if existing and not given else self.new_taxonomy_code(given or name, row.id))
            fields = {
                "code": code,
                "name": name,
                "description": values.text("description"),
                "uri": values.text("uri"),
                "version": values.text("version"),
            }
            self.note_unread(row, values)
            self.save(row, values, fields)

    def new_taxonomy_code(self, name: str, record_id: uuid.UUID) -> str:
        code = slugify(name)[:50] or "taxonomy"
        if Taxonomy.objects.filter(code=code).exclude(pk=record_id).exists():
            code = f"{code[:41]}-{record_id.hex[:8]}"
        return code

    def load_terms(self) -> None:
        rows = parents_first(list(self.batch.rows["taxonomy_term"].values()), "parent_id")
        our_taxonomies = set(self.ours)
        for row in rows:
            self.step()
            values = Values(row.fields)
            if row.id in EXTRA_TERMS or values.raw("taxonomy_id") == EXTRAS_TAXONOMY_ID:
                continue
            self.required(row, values)
            existing = self.existing("taxonomy_term", row.id)
            if existing is not None and existing.taxonomy_id in our_taxonomies:
                self.saved["taxonomy_term"].add(row.id)
                self.count(row, "unchanged")
                continue
            taxonomy_id = self.term_taxonomy(row, values)
            parent_id = values.raw("parent_id")
            if parent_id is not None and not self.exists("taxonomy_term", parent_id):
                self.warn(
                    row,
                    "parent_id",
                    "Its parent term is not in this import or the directory; kept at the top.",
                    detail=str(parent_id),
                )
                parent_id = None
            name = values.text("name")
            raw_code = values.text("code")
            fields = {
                "taxonomy_id": taxonomy_id,
                "parent_id": parent_id,
                "code": existing.code
                if existing and not raw_code
                else self.term_code(raw_code or name, taxonomy_id, row.id),
                "name": name,
                "description": values.text("description"),
                "term_uri": values.text("term_uri"),
            }
            extras = self.extras.get(row.id, {})
            fields |= {field: extras[code] for code, field in TERM_EXTRAS.items() if code in extras}
            values.raw("language")
            values.raw("taxonomy")
            self.note_unread(row, values)
            self.save(row, values, fields)

    def term_taxonomy(self, row: Row, values: Values) -> uuid.UUID | None:
        """The term's taxonomy: by id, or by the name HSDS allows in ``taxonomy`` (created if need be)."""
        if values.raw("taxonomy_id") is not None:
            return self.reference(row, values, "taxonomy_id", "taxonomy", required=True)
        name = values.text("taxonomy")
        if not name:
            values.errors["taxonomy_id"] = "A term needs its taxonomy."
            return None
        taxonomy = Taxonomy.objects.filter(name=name).first()
        if taxonomy is None:
            record_id = derived_id(self.batch.source, "taxonomy", name)
            taxonomy, created = Taxonomy.objects.get_or_create(
                pk=record_id,
                defaults={
                    "code": self.new_taxonomy_code(name, record_id),
                    "name": name,
                    "description": f"Terms imported from {self.batch.source}.",
                },
            )
            if created:
                self.report.tally("taxonomy").created += 1
                self.report.made["taxonomy"] += 1  # the source names it in its terms, holds no record of it
        self.saved["taxonomy"].add(taxonomy.pk)
        return taxonomy.pk

    def term_code(self, text: str, taxonomy_id: uuid.UUID | None, record_id: uuid.UUID) -> str:
        code = text if re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", text) else (slugify(text)[:80] or "term")
        clash = TaxonomyTerm.objects.filter(taxonomy_id=taxonomy_id, code=code).exclude(pk=record_id).exists()
        return f"{code[:71]}-{record_id.hex[:8]}" if clash else code

    def translations(self, row: Row, values: Values, kind: str) -> dict:
        """The record's Spanish texts from its "translations" extra, as fields (``description_es`` ...).

        A record without the extra keeps the Spanish it has; with it, a text it leaves out has none. A value
        that is not the documented JSON is an error of the record (providers/hsds/README.md).
        """
        given = self.extras.get(row.id, {}).get("translations")
        if given is None:
            return {}
        try:
            translations = jsonlimits.loads(given) if given else {}
        except ValueError:
            translations = None
        spanish = translations.get(SPANISH, {}) if isinstance(translations, dict) else None
        if not isinstance(spanish, dict) or not all(isinstance(text, str) for text in spanish.values()):
            values.errors["attributes"] = TRANSLATIONS_MESSAGE
            return {}
        return {spanish_field(name): spanish.get(name, "").strip() for name in TRANSLATED_FIELDS[kind]}

    def read_extras(self) -> None:
        """Read the directory extras first: they become fields of the records they are on, terms included."""
        for row in self.batch.rows["attribute"].values():
            code, link_id = EXTRA_TERMS.get(row.fields.get("taxonomy_term_id")), row.fields.get("link_id")
            if code is None:
                continue
            if link_id is not None:
                self.extras[link_id][code] = "" if is_empty(row.fields.get("value")) else str(row.fields["value"])
            self.step()

    def sort_attributes(self) -> None:
        """Split the other attributes: our terms on services (relations), and the rest (stored as they are)."""
        rows = list(self.batch.rows["attribute"].values())
        term_ids = {row.fields.get("taxonomy_term_id") for row in rows} - {None}
        taxonomy_codes = dict(
            TaxonomyTerm.objects.filter(pk__in=term_ids - set(EXTRA_TERMS)).values_list("pk", "taxonomy__code")
        )
        for row in rows:
            term_id = row.fields.get("taxonomy_term_id")
            link_id = row.fields.get("link_id")
            if term_id in EXTRA_TERMS:
                continue  # read_extras has read it
            relation = TERM_RELATIONS.get(taxonomy_codes.get(term_id))
            is_service = row.fields.get("link_entity") == "service" or link_id in self.batch.rows["service"]
            if relation and is_service and link_id is not None:
                self.service_terms[link_id][relation].add(term_id)
                self.term_rows[link_id].append(row)
                self.step()
                continue
            self.generic_attributes.append(row)

    def plan_organizations(self) -> None:
        """Keep the organizations that records name, and give every service one, as the directory lists
        each service under an organization. HSDS requires neither link.

        An organization named by id (by a service or a location) that is in neither the import nor the
        directory becomes a stand-in with that id, named after it: its records stay together, and an import
        that brings it fills it in. A service that names none is listed under the organization of the
        locations it is at when they have exactly one, else under an organization of its own name (an id
        derived from the service's, so a re-import finds it again). A warning says which.
        """
        organizations = self.batch.rows["organization"]
        for kind in ("service", "location"):
            for row in self.batch.rows[kind].values():
                given = row.fields.get("organization_id")
                if given is None:
                    continue
                if given not in self.stand_ins:
                    if given in organizations or self.exists("organization", given):
                        continue
                    shown = self.batch.source_ids.get(str(given), str(given))
                    self.add_stand_in(given, f"Organization {shown} (not in {self.batch.source})", row.where)
                self.warn(
                    row,
                    "organization_id",
                    "Its organization is not in this import or the directory: listed under a stand-in with its id, "
                    "which an import of the organization fills in.",
                    str(given),
                )
        locations = self.batch.rows["location"]
        locations_of: dict[uuid.UUID, set] = defaultdict(set)
        for link in self.batch.rows["service_at_location"].values():
            locations_of[link.fields.get("service_id")].add(link.fields.get("location_id"))
        for row in self.batch.rows["service"].values():
            if row.fields.get("organization_id") is not None:
                continue
            of_locations = {
                locations[location_id].fields.get("organization_id")
                for location_id in locations_of.get(row.id, ())
                if location_id in locations
            } - {None}
            if len(of_locations) == 1:
                row.fields["organization_id"] = of_locations.pop()
                self.warn(
                    row, "organization_id", "No organization given: listed under the organization of its locations."
                )
                continue
            stand_in = uuid.uuid5(IMPORT_NAMESPACE, f"{row.id}/organization")
            self.add_stand_in(stand_in, str(row.fields.get("name") or row.source_id), row.where)
            row.fields["organization_id"] = stand_in
            self.warn(row, "organization_id", "No organization given: listed under an organization of its own name.")

    def add_stand_in(self, organization_id: uuid.UUID, name: str, where: str) -> None:
        """An organization the source names or implies but does not give: its name only."""
        self.batch.add("organization", {"id": organization_id, "name": name, "description": ""}, where)
        self.total += 1
        self.stand_ins.add(organization_id)

    def load_organizations(self) -> None:
        for row in parents_first(list(self.batch.rows["organization"].values()), "parent_organization_id"):
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            parent_id = values.raw("parent_organization_id")
            if parent_id is not None and not self.exists("organization", parent_id):
                self.warn(
                    row,
                    "parent_organization_id",
                    "Its parent organization is not in this import or the directory; imported without a parent.",
                    detail=str(parent_id),
                )
                parent_id = None
            fields = {
                "name": values.text("name"),
                "alternate_name": values.text("alternate_name"),
                "description": values.text("description"),
                "email": values.text("email"),
                "website": values.text("website"),
                "tax_status": values.text("tax_status"),
                "tax_id": values.text("tax_id"),
                "year_incorporated": values.integer("year_incorporated"),
                "legal_status": values.text("legal_status"),
                "logo": values.text("logo"),
                "uri": values.text("uri"),
                "parent_organization_id": parent_id,
            }
            extras = self.extras.get(row.id, {})
            if "demo-record" in extras:
                fields["is_demo"] = Values(extras).boolean("demo-record") or False
            fields |= self.translations(row, values, "organization")
            self.note_unread(row, values)
            self.save(row, values, fields)

    def plan_service_areas(self) -> None:
        """Read every service area now: those we cannot represent go into their service's description.

        An area of a service at a location (HSDS 3.1) is its service's area too: one that names only the
        service at location gets the service from it (the batch's, or the directory's: a query per thousand).
        """
        self.areas: dict[uuid.UUID, dict] = {}
        self.service_of_link: dict[uuid.UUID, uuid.UUID | None] = {}
        links = {row.fields.get("service_at_location_id") for row in self.batch.rows["service_area"].values()}
        for link_id in links - {None}:
            if link_id in self.batch.rows["service_at_location"]:
                self.service_of_link[link_id] = self.batch.rows["service_at_location"][link_id].fields.get("service_id")
        for chunk in chunked(links - {None} - set(self.service_of_link)):
            self.service_of_link.update(ServiceAtLocation.objects.filter(pk__in=chunk).values_list("pk", "service_id"))
        for row in self.batch.rows["service_area"].values():
            if row.fields.get("service_id") is None:
                service_id = self.service_of_link.get(row.fields.get("service_at_location_id"))
                if service_id is not None:
                    row.fields["service_id"] = service_id
        for row in self.batch.rows["service_area"].values():
            values = Values(row.fields)
            extent = self.extras.get(row.id, {}).get("service-area-extent")
            extent_type = values.text("extent_type").strip().lower()
            fields = {"name": values.text("name"), "description": values.text("description")}
            text = values.text("extent")
            values.raw("uri")
            structured = None
            if extent:
                try:
                    structured = jsonlimits.loads(extent)
                except ValueError:
                    values.errors["attributes"] = "The service-area-extent value is not JSON."
            elif extent_type in ("geojson", "geometry", "polygon"):
                structured = self.geojson(text)
            if isinstance(structured, dict) and structured.get("type") in ("Polygon", "MultiPolygon"):
                fields |= {"extent_type": ServiceArea.ExtentType.POLYGON, "polygon": structured}
            elif isinstance(structured, dict) and "postal_codes" in structured:
                fields |= {
                    "extent_type": ServiceArea.ExtentType.POSTAL_CODES,
                    "postal_codes": structured["postal_codes"],
                }
            elif isinstance(structured, dict) and "counties" in structured:
                fields |= {"extent_type": ServiceArea.ExtentType.COUNTIES, "counties": structured["counties"]}
            elif isinstance(structured, dict) and "radius_miles" in structured:
                center = structured.get("center") or [None, None]
                fields |= {
                    "extent_type": ServiceArea.ExtentType.RADIUS,
                    "center_latitude": center[0],
                    "center_longitude": center[1],
                    "radius_miles": structured["radius_miles"],
                }
            elif not values.errors:
                words = [part for part in (fields["name"], fields["description"], text) if part]
                note = "Service area: " + " – ".join(dict.fromkeys(words)) if words else ""
                if note and row.fields.get("service_id") is not None:
                    self.area_notes[row.fields["service_id"]].append(note)
                fields = None
            self.areas[row.id] = {"fields": fields, "values": values}

    def geojson(self, text: str) -> dict | None:
        try:
            geometry = jsonlimits.loads(text)
        except ValueError:
            return None
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        if isinstance(geometry, dict) and geometry.get("type") == "FeatureCollection":
            features = geometry.get("features") or []
            geometry = features[0].get("geometry") if len(features) == 1 and isinstance(features[0], dict) else None
        try:
            validate_geojson_polygon(geometry)
        except ValidationError:
            return None
        return geometry

    def load_locations(self) -> None:
        for row in self.batch.rows["location"].values():
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            # A directory like ours says when it keeps a location without an organization: none is inferred.
            apart = Values(self.extras.get(row.id, {})).boolean("no-organization") or False
            if values.raw("organization_id") is None and not apart:
                self.infer_organization(row)
            organization_id = values.raw("organization_id")
            if organization_id is None:
                if not apart:
                    self.warn(
                        row,
                        "organization_id",
                        "No organization given, and no service here names one: kept without one.",
                    )
            elif not self.exists("organization", organization_id):
                self.warn(
                    row,
                    "organization_id",
                    "Its organization is not in this import or the directory: kept without an organization.",
                    detail=str(organization_id),
                )
                organization_id = None
            fields = {
                "organization_id": organization_id,
                "location_type": values.text("location_type") or Location.Type.PHYSICAL,
                "url": values.text("url"),
                "name": values.text("name"),
                "alternate_name": values.text("alternate_name"),
                "description": values.text("description"),
                "transportation": values.text("transportation"),
                "latitude": values.number("latitude"),
                "longitude": values.number("longitude"),
                "external_identifier": values.text("external_identifier"),
                "external_identifier_type": values.text("external_identifier_type"),
            }
            if fields["latitude"] is None and fields["longitude"] is None and not values.errors:
                self.place(row, fields)
            self.note_unread(row, values)
            self.save(row, values, fields)

    def infer_organization(self, row: Row) -> None:
        """A location nested in a service has no organization_id: it is the service's organization's."""
        if self.links_of_location is None:
            self.links_of_location = defaultdict(list)
            for link in self.batch.rows["service_at_location"].values():
                self.links_of_location[link.fields.get("location_id")].append(link)
        for link in self.links_of_location.get(row.id, []):
            service = self.batch.rows["service"].get(link.fields.get("service_id"))
            organization_id = service.fields.get("organization_id") if service else None
            if organization_id is None and link.fields.get("service_id") is not None:
                organization_id = (
                    Service.objects.filter(pk=link.fields["service_id"])
                    .values_list("organization_id", flat=True)
                    .first()
                )
            if organization_id is not None and organization_id not in self.stand_ins:
                row.fields["organization_id"] = organization_id
                return

    def place(self, row: Row, fields: dict) -> None:
        """Give a location without coordinates those of its ZIP code's center (and say so)."""
        existing = self.existing("location", row.id)
        if existing is not None and existing.has_coordinates:
            fields["latitude"], fields["longitude"] = existing.latitude, existing.longitude
            return  # a re-import of a source without coordinates keeps the ones the directory has
        if fields["location_type"] == Location.Type.VIRTUAL:
            return
        zip_codes = [
            str(address.fields.get("postal_code", "")).strip()[:5]
            for address in sorted(
                self.addresses_of.get(row.id, []), key=lambda item: item.fields.get("address_type") != "physical"
            )
        ]
        if existing is not None:
            zip_codes += [code[:5] for code in existing.addresses.values_list("postal_code", flat=True)]
        zip_code = next((code for code in zip_codes if re.fullmatch(r"\d{5}", code)), None)
        place = self.locate(zip_code) if zip_code and self.locate else None
        if place is None:
            self.warn(
                row,
                "latitude",
                "No coordinates, and no known ZIP code to place it by: it will not show on "
                "maps or in distance searches.",
            )
            return
        fields["latitude"], fields["longitude"] = place.latitude, place.longitude
        self.report.geocoded += 1
        self.warn(row, "latitude", "No coordinates: placed at the center of its ZIP code.", detail=zip_code)

    def load_simple(self, kind: str, build: Callable[[Row, Values], dict]) -> None:
        for row in self.batch.rows[kind].values():
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            fields = build(row, values)
            if fields is None:
                self.skip(row, "", "Nothing stated: left out.")
                continue
            self.note_unread(row, values)
            self.save(row, values, fields)

    def address_fields(self, row: Row, values: Values) -> dict:
        postal_code = values.text("postal_code").strip()
        if match := ZIP_PLUS_FOUR.match(postal_code):
            self.warn(row, "postal_code", "ZIP+4 shortened to the 5-digit ZIP the directory keeps.", detail=postal_code)
            postal_code = match[1]
        return {
            "location_id": self.reference(row, values, "location_id", "location", required=True),
            "attention": values.text("attention"),
            "address_1": values.text("address_1"),
            "address_2": values.text("address_2"),
            "city": values.text("city"),
            "region": values.text("region"),
            "state_province": values.text("state_province"),
            "postal_code": postal_code,
            "country": values.text("country").upper() or "US",
            "address_type": values.text("address_type") or Location.Type.PHYSICAL,
        }

    def accessibility_fields(self, row: Row, values: Values) -> dict | None:
        """None for a row that states nothing (no description, details or URL): there is no feature to keep."""
        words = {name: values.text(name) for name in ("description", "details", "url")}
        if not any(words.values()):
            return None
        # A description that names a known feature by its label ("Step-free entrance") is that feature.
        feature = Accessibility.feature_for(words["description"])
        if feature:
            words["description"] = Accessibility.english_label(feature)
        location_id = self.reference(row, values, "location_id", "location", required=True)
        return {"location_id": location_id, "feature": feature, **words}

    def service_at_location_fields(self, row: Row, values: Values) -> dict:
        return {
            "service_id": self.reference(row, values, "service_id", "service", required=True),
            "location_id": self.reference(row, values, "location_id", "location", required=True),
            "description": values.text("description"),
        }

    def cost_option_fields(self, row: Row, values: Values) -> dict:
        return {
            "service_id": self.reference(row, values, "service_id", "service", required=True),
            "valid_from": values.date("valid_from"),
            "valid_to": values.date("valid_to"),
            "option": values.text("option"),
            "currency": values.text("currency").upper() or "USD",
            "amount": values.decimal("amount"),
            "amount_description": values.text("amount_description"),
            **self.translations(row, values, "cost_option"),
        }

    def url_fields(self, row: Row, values: Values) -> dict | None:
        owners = self.owners(row, values, {"organization_id": "organization", "service_id": "service"})
        if owners is None:
            return None
        return {**owners, "label": values.text("label"), "url": values.text("url")}

    def unit_fields(self, row: Row, values: Values) -> dict:
        return {
            "name": values.text("name"),
            "scheme": values.text("scheme"),
            "identifier": values.text("identifier"),
            "uri": values.text("uri"),
        }

    def service_capacity_fields(self, row: Row, values: Values) -> dict:
        fields = {
            "service_id": self.reference(row, values, "service_id", "service", required=True),
            "unit_id": self.reference(row, values, "unit_id", "unit", required=True),
            "available": values.number("available"),
            "maximum": values.number("maximum"),
            "description": values.text("description"),
            "updated_at": values.date_time("updated"),
        }
        for name in ("available", "maximum"):
            if fields[name] is not None and not math.isfinite(fields[name]):
                values.errors[name] = "Expected a number."
        return fields

    def required_document_fields(self, row: Row, values: Values) -> dict:
        return {
            "service_id": self.reference(row, values, "service_id", "service", required=True),
            "document": values.text("document"),
            "uri": values.text("uri"),
            **self.translations(row, values, "required_document"),
        }

    def load_services(self) -> None:
        outcomes = {}  # service id -> created / updated / unchanged
        for row in self.batch.rows["service"].values():
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            fields = {
                "organization_id": self.reference(row, values, "organization_id", "organization", required=True),
                "name": values.text("name"),
                "alternate_name": values.text("alternate_name"),
                "description": values.text("description"),
                "url": values.text("url"),
                "email": values.text("email"),
                "status": values.text("status"),
                "interpretation_services": values.text("interpretation_services"),
                "application_process": values.text("application_process"),
                # ``fees`` is the deprecated name of fees_description.
                "fees_description": values.text("fees_description") or values.text("fees"),
                "wait_time": values.text("wait_time"),
                "accreditations": values.text("accreditations"),
                "licenses": values.text("licenses"),
                "alert": values.text("alert"),
                "eligibility_description": values.text("eligibility_description"),
                "minimum_age": values.integer("minimum_age"),
                "maximum_age": values.integer("maximum_age"),
            }
            # The directory's own time of change is modified_at; the source's last_modified is not ours.
            values.raw("last_modified")
            notes = [note for note in self.area_notes.get(row.id, []) if note not in fields["eligibility_description"]]
            if notes:
                fields["eligibility_description"] = "\n\n".join(
                    filter(None, [fields["eligibility_description"], *notes])
                )
            self.service_extras(row, values, fields)
            fields |= self.translations(row, values, "service")
            self.note_unread(row, values)
            if self.save(row, values, fields) is not None:
                self.term_plan[row.id] = row.id in self.batch.complete_attributes
                outcomes[row.id] = self.outcome
        self.flush(Service)
        # Terms for services that are not in this import: added to those the directory has.
        elsewhere = [service_id for service_id in self.term_rows if service_id not in self.batch.rows["service"]]
        found = set()
        for chunk in chunked(elsewhere):
            found.update(Service.objects.filter(pk__in=chunk).values_list("pk", flat=True))
        for service_id in elsewhere:
            if service_id in found:
                self.term_plan[service_id] = False
        for service_id, rows in self.term_rows.items():
            if service_id not in self.term_plan:
                for row in rows:
                    self.reject(row, {"link_id": self.missing_reason("service", service_id)})
        created = {key for key, value in outcomes.items() if value == "created"}
        self.terms_changed = self.set_terms(self.term_plan, created=created)
        for service_id in self.terms_changed:
            if service_id in self.batch.rows["service"]:
                self.count(self.batch.rows["service"][service_id], "updated")  # its categories changed

    def service_extras(self, row: Row, values: Values, fields: dict) -> None:
        extras = self.extras.get(row.id, {})
        # A record from a directory like ours always says its capacity: then a missing extra means
        # "none" or "not stated"; from anywhere else it means "not said", and the directory keeps what it
        # has (a new service starts with nothing stated: the model's defaults).
        ours = "capacity-status" in extras
        extra_values = Values(extras)
        for code, extra in SERVICE_EXTRAS.items():
            if code in extras:
                fields[extra.field] = getattr(extra_values, extra.parse)(code)
                if code in extra_values.dropped:
                    values.dropped[extra.field] = extra_values.dropped.pop(code)
            elif ours and extra.default is not KEEP:
                fields[extra.field] = extra.default
        if fields.get("capacity_status") == Service.Capacity.NOT_STATED and "capacity_updated_at" not in fields:
            fields["capacity_updated_at"] = None  # no date for a capacity nobody stated
        assured = values.date("assured_date")
        if "last_verified_at" not in fields and assured is not None:
            fields["last_verified_at"] = timezone.make_aware(datetime.datetime.combine(assured, datetime.time()))
        values.raw("assurer_email")  # who checked is a person of the source's team, not one of our users

    def set_terms(self, plan: dict[uuid.UUID, bool], *, created: set) -> set:
        """Make services' categories (populations, insurance) those their attributes name; return the changed ones.

        ``plan``: service id -> whether the source lists the service's attributes in full. In full, the
        relations become exactly those terms; otherwise the terms are added to what the service has.
        ``created``: services made by this import, which have no terms yet. A query per relation (and per
        thousand services) to read what the others have, and bulk writes.
        """
        changed = set()
        for relation in TERM_RELATIONS.values():
            field = Service._meta.get_field(relation)
            through = field.remote_field.through
            source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
            current: dict[uuid.UUID, dict] = defaultdict(dict)  # service -> term -> id of the link row
            for chunk in chunked([service_id for service_id in plan if service_id not in created]):
                links = through.objects.filter(**{f"{source}__in": chunk}).values_list("pk", source, target)
                for pk, service_id, term_id in links:
                    current[service_id][term_id] = pk
            added, removed = [], []
            for service_id, complete in plan.items():
                terms = self.service_terms.get(service_id, {}).get(relation, set())
                wanted = {term for term in terms if self.exists("taxonomy_term", term)}
                have = current.get(service_id, {})
                new = wanted - set(have)
                gone = [pk for term, pk in have.items() if term not in wanted] if complete else []
                added += [through(**{source: service_id, target: term}) for term in sorted(new)]
                removed += gone
                if new or gone:
                    changed.add(service_id)
            through.objects.bulk_create(added)
            for chunk in chunked(removed):
                through.objects.filter(pk__in=chunk).delete()
        self.changes.add(changed)  # bulk writes send no m2m_changed
        return changed

    def load_owned(self, kind: str, build: Callable[[Row, Values], dict | None]) -> None:
        for row in self.batch.rows[kind].values():
            self.step()
            values = Values(row.fields)
            self.required(row, values)
            fields = build(row, values)
            if row.id in self.failed[kind]:
                continue  # left out by ``build``, which said why
            if fields is None and not values.errors:
                self.skip(row, "contact_id", "It belongs only to a contact, and the directory keeps no contacts.")
                continue
            self.note_unread(row, values, {"contact_id"})
            self.save(row, values, fields or {})

    def phone_fields(self, row: Row, values: Values) -> dict | None:
        owners = self.owners(
            row,
            values,
            {
                "organization_id": "organization",
                "service_id": "service",
                "location_id": "location",
                "service_at_location_id": "service_at_location",
            },
        )
        if owners is None:
            return None
        number, extension = values.text("number"), values.text("extension")
        given = self.extras.get(row.id, {}).get("phone-extension")
        if given and not extension:
            # The feed writes an extension that is not a plain number after the number, and as this extra.
            number, extension = number.removesuffix(f" x{given}"), given
        return {
            **owners,
            "number": number,
            "extension": extension,
            "type": values.text("type").lower() or Phone.Type.VOICE,
            "description": values.text("description"),
        }

    def language_fields(self, row: Row, values: Values) -> dict | None:
        owners = self.owners(row, values, {"service_id": "service", "location_id": "location", "phone_id": "phone"})
        if owners is None:
            return None
        name, code = values.text("name"), values.text("code")
        known = language_code(code, name)
        if known is None:
            self.skip(row, "code", "No ISO 639 code for this language: left out.", detail=code or name or "none given")
            return None
        if known != code:
            # A name, an ISO 639-2 or 639-3 code with a 639-1 twin, or a tag like en-US: one language each.
            self.warn(row, "code", "Language code read as ISO 639.", detail=f"{code or name} → {known}")
        return {**owners, "name": name or language_name(known), "code": known, "note": values.text("note")}

    def load_schedules(self) -> None:
        for row in self.batch.rows["schedule"].values():
            self.step()
            values = Values(row.fields)
            owners = self.owners(
                row,
                values,
                {"service_id": "service", "location_id": "location", "service_at_location_id": "service_at_location"},
            )
            extras = self.extras.get(row.id, {})
            kind = extras.get("schedule-kind") or (
                Schedule.Kind.CLOSURE
                if values.raw("opens_at") is None and values.raw("valid_from") is not None
                else Schedule.Kind.HOURS
            )
            fields = {
                **(owners or {}),
                "kind": kind,
                "valid_from": values.date("valid_from"),
                "valid_to": values.date("valid_to"),
                "timezone": self.schedule_timezone(row, values, extras),
                "description": values.text("description"),
                "notes": values.text("notes"),
                **self.translations(row, values, "schedule"),
            }
            if kind != Schedule.Kind.HOURS:
                self.note_unread(row, values, {"freq", "wkst"})
                self.save(row, values, {**fields, "weekday": "", "opens_at": None, "closes_at": None})
                continue
            opens_at, closes_at = values.time("opens_at"), values.time("closes_at")
            days = [day.strip().upper() for day in values.text("byday").split(",") if day.strip()]
            frequency = values.text("freq").upper() or "WEEKLY"
            interval = values.integer("interval")
            unread = {
                "wkst",
                "dtstart",
                "until",
                "count",
                "byweekno",
                "bymonthday",
                "byyearday",
                "schedule_link",
                "attending_type",
            }
            self.note_unread(row, values, unread)
            self.report_values(row, values)
            if values.errors:
                self.reject(row, values.errors)
                continue
            if frequency != "WEEKLY" or (interval or 1) != 1 or not set(days) <= set(WEEKDAYS) or not days:
                self.skip(
                    row,
                    "byday",
                    "Only weekly opening hours on named weekdays can be kept; left out.",
                    detail=f"freq={frequency} interval={interval or 1} byday={','.join(days) or '-'}",
                )
                continue
            if opens_at is None or closes_at is None:
                self.skip(row, "opens_at", "Opening hours without both times cannot be kept; left out.")
                continue
            ignored = [
                name
                for name in ("byweekno", "bymonthday", "byyearday", "count", "until", "dtstart")
                if values.raw(name) is not None
            ]
            if ignored:
                self.warn(
                    row,
                    ignored[0],
                    "Kept as weekly hours; these recurrence rules cannot be kept.",
                    detail=", ".join(ignored),
                )
            if opens_at is not None and closes_at is not None and closes_at < opens_at:
                self.warn(
                    row,
                    "closes_at",
                    "Closes before it opens: read as open past midnight.",
                    detail=f"{opens_at:%H:%M}–{closes_at:%H:%M}",
                )
            for number, day in enumerate(days):
                # One row per weekday: the first keeps the HSDS id, the others get ids derived from it.
                record_id = row.id if number == 0 else day_id(row.id, day)
                day_fields = {**fields, "weekday": day, "opens_at": opens_at, "closes_at": closes_at}
                self.save(row, Values({}), day_fields, record_id=record_id)

    def schedule_timezone(self, row: Row, values: Values, extras: dict) -> str:
        if extras.get("time-zone"):
            return extras["time-zone"]
        offset = values.number("timezone")
        if offset is None:
            return settings.TIME_ZONE
        if offset.is_integer() and -12 <= offset <= 14:
            # HSDS gives a fixed UTC offset; the IANA "Etc/GMT" zones are the same with the sign reversed.
            return "Etc/GMT" + ("" if offset == 0 else f"{-int(offset):+d}")
        self.warn(row, "timezone", f"No time zone has this UTC offset; used {settings.TIME_ZONE}.", detail=str(offset))
        return settings.TIME_ZONE

    def load_service_areas(self) -> None:
        for row in self.batch.rows["service_area"].values():
            self.step()
            plan = self.areas[row.id]
            values: Values = plan["values"]
            service_id = self.reference(row, values, "service_id", "service", required=True)
            link_id = self.area_location(row, values, service_id)
            if plan["fields"] is None and not values.errors:
                self.skip(
                    row,
                    "extent",
                    "The directory cannot map this area; its words were added to the service's "
                    "eligibility description.",
                    detail=values.text("extent_type") or "no extent_type",
                )
                continue
            self.note_unread(row, values)
            fields = {**(plan["fields"] or {}), "service_id": service_id, "service_at_location_id": link_id}
            self.save(row, values, fields)

    def area_location(self, row: Row, values: Values, service_id: uuid.UUID | None) -> uuid.UUID | None:
        """The service at location an area is given for, when it is there and of the area's service (else a warning)."""
        link_id = values.raw("service_at_location_id")
        if link_id is None or service_id is None:
            return None
        if not self.exists("service_at_location", link_id):
            reason = self.missing_reason("service_at_location", link_id)
            self.warn(row, "service_at_location_id", "Not attached to a location: " + reason[0].lower() + reason[1:])
            return None
        if self.service_of_link.get(link_id) != service_id:
            self.warn(
                row,
                "service_at_location_id",
                "Its service at location is another service's: kept as this service's area only.",
                detail=str(link_id),
            )
            return None
        return link_id

    def load_attributes(self) -> None:
        for row in self.generic_attributes:
            self.step()
            values = Values(row.fields)
            term_id = self.reference(row, values, "taxonomy_term_id", "taxonomy_term", required=True)
            link_id = values.raw("link_id")
            entity = values.text("link_entity")
            if link_id is None:
                values.errors["link_id"] = "Required: the record the term is attached to."
            elif entity in MODELS and not self.exists(entity, link_id):
                values.errors["link_id"] = self.missing_reason(entity, link_id)
            fields = {
                "taxonomy_term_id": term_id,
                "link_id": link_id,
                "link_entity": entity,
                "link_type": values.text("link_type"),
                "value": values.text("value"),
            }
            self.note_unread(row, values)
            self.save(row, values, fields)

    def count_the_rest(self) -> None:
        """Count each source record no step has counted, so that every one is imported or skipped with a reason.

        The feed's vocabulary for the directory's extras (its taxonomy and terms) is built in: unchanged.
        An attribute read into its record (an extra, a category) counts as that record does; one whose
        record is not in this import is left out. Any other record no step took is left out, and said.
        """
        term_rows = {row.id for rows in self.term_rows.values() for row in rows}
        for kind in MODELS:
            for row in self.batch.rows[kind].values():
                if (kind, row.id) in self.counted:
                    continue
                vocabulary = row.id in (EXTRAS_TAXONOMY_ID, *EXTRA_TERMS)
                if vocabulary or row.fields.get("taxonomy_id") == EXTRAS_TAXONOMY_ID:
                    self.count(row, "unchanged")
                    continue
                link_id = row.fields.get("link_id") if kind == "attribute" else None
                owners = [(other, link_id) for other in MODELS if (other, link_id) in self.counted]
                outcome = self.counted[owners[0]] if owners else None
                if outcome is None and row.id in term_rows and link_id in self.term_plan:
                    outcome = "updated" if link_id in self.terms_changed else "unchanged"
                if outcome == "skipped":
                    self.skip(row, "link_id", "Its record was not imported (see the problems with it).")
                elif outcome is not None:
                    self.count(row, outcome)
                elif link_id is not None:
                    self.skip(row, "link_id", "The record it belongs to is not in this import: left out.")
                else:
                    self.skip(row, "", "Left out: no step of the import takes this record.")

    def report_not_kept(self) -> None:
        for kind, label in NOT_KEPT.items():
            rows = list(self.batch.rows[kind].values())
            self.done += len(rows)
            if rows:
                self.report.warnings.append(
                    Problem(
                        rows[0].where,
                        kind,
                        "",
                        "",
                        f"Not kept: the directory has no {label}.",
                        detail=f"{len(rows)} records",
                    )
                )
        for (kind, field), count in sorted(self.not_kept.items()):
            self.report.warnings.append(
                Problem(
                    self.not_kept_where[kind, field],
                    kind,
                    "",
                    field,
                    "Not kept: the directory has no such field.",
                    detail=f"{count} records",
                )
            )
        if self.progress:
            self.progress(self.total, self.total)
