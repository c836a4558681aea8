"""Load the reference taxonomies and a network of listings from the JSON files in fixtures/.

A missing record is created. An existing one is left as it is, so edits made through the site
survive ``make run``; with ``reset`` it is put back as the JSON has it (saved only where it differs,
so ``modified_at`` stays put and no change signal fires for what is already right). The reference
taxonomies are always upserted. Records that the JSON no longer mentions are kept.
The caller owns the transaction: ``manage.py load_demo`` runs everything in one.

Users and memberships live in directory/, so ``load_demo`` loads them, not this module.
"""

import dataclasses
import datetime
import json
import uuid
import zoneinfo
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from providers.models import (
    Accessibility,
    Address,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from providers.translations import TRANSLATED_FIELDS, spanish_field

REFERENCE_DATA_PATH = settings.BASE_DIR / "fixtures" / "reference" / "taxonomies.json"
DEMO_NETWORK_PATH = settings.BASE_DIR / "fixtures" / "demo" / "network.json"

# Taxonomies and terms have no ids in their JSON: an id is uuid5 of this namespace and the codes, the same
# on every machine, so the HSDS feed and imports keep pointing at the same terms after a reload.
REFERENCE_NAMESPACE = uuid.UUID("86b706d6-77a0-4761-b6e8-b96b425457dc")

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def taxonomy_uuid(taxonomy_code: str) -> uuid.UUID:
    return uuid.uuid5(REFERENCE_NAMESPACE, taxonomy_code)


def term_uuid(taxonomy_code: str, term_code: str) -> uuid.UUID:
    return uuid.uuid5(REFERENCE_NAMESPACE, f"{taxonomy_code}/{term_code}")


@dataclasses.dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclasses.dataclass
class NetworkResult:
    organizations: int = 0
    # A service counts as updated when its own row, its terms or any record hanging off it changed.
    services: Tally = dataclasses.field(default_factory=Tally)


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


class KnownRecords:
    """The rows that a file's ids already have, fetched with a query or two per model, not one per record."""

    def __init__(self, ids: set[uuid.UUID], *, overwrite: bool) -> None:
        self.ids = ids
        self.overwrite = overwrite  # False: existing rows are kept as they are
        self.rows: dict[type[models.Model], dict] = {}

    def get(self, model: type[models.Model], record_id: uuid.UUID) -> models.Model | None:
        if model not in self.rows:
            self.rows[model] = model.objects.in_bulk(self.ids)
        return self.rows[model].get(record_id)


def record_ids(value) -> set[uuid.UUID]:
    """Return every ``"id"`` in a JSON tree."""
    if isinstance(value, list):
        return set().union(*(record_ids(item) for item in value))
    if isinstance(value, dict):
        own = {uuid.UUID(value["id"])} if "id" in value else set()
        return own.union(*(record_ids(item) for item in value.values() if isinstance(item, dict | list)))
    return set()


def upsert(
    model: type[models.Model], record_id: uuid.UUID | str, fields: dict, known: KnownRecords | None = None
) -> tuple[models.Model, str]:
    """Make row ``record_id`` of ``model`` hold ``fields``; save it only when it is new or differs.

    Return the instance and CREATED, UPDATED or UNCHANGED. Costs a query unless ``known`` has the row,
    plus the validation and save queries when something changed. ``fields`` must hold values of the
    types the model reads back (UUIDs for foreign keys, ``datetime.time`` for times ...), or every load
    would see a change.
    """
    record_id = uuid.UUID(str(record_id))
    instance = known.get(model, record_id) if known else model.objects.filter(pk=record_id).first()
    if instance is None:
        instance = model(pk=record_id, **fields)
        outcome = CREATED
    elif known is not None and not known.overwrite:
        return instance, UNCHANGED
    else:
        changed = {name: value for name, value in fields.items() if getattr(instance, name) != value}
        if not changed:
            return instance, UNCHANGED
        for name, value in changed.items():
            setattr(instance, name, value)
        outcome = UPDATED
    try:
        instance.full_clean()
    except ValidationError as error:
        # Name the record, so that whoever edits the JSON can find it.
        if hasattr(error, "error_dict"):
            problems = [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
        else:
            problems = error.messages
        raise ValidationError(f"{model.__name__} {record_id}: {'; '.join(problems)}") from None
    instance.save()
    return instance, outcome


def set_terms(relation, term_ids: set[uuid.UUID], *, new: bool) -> bool:
    """Make a many-to-many ``relation`` hold exactly ``term_ids``; return whether it changed (a query or more).

    ``new``: the record was just created, so the relation is empty and needs no look.
    """
    if new:
        relation.add(*term_ids)
        return bool(term_ids)
    if set(relation.values_list("pk", flat=True)) == term_ids:
        return False
    relation.set(term_ids)
    return True


# ---- reference data ------------------------------------------------------------------------------


def load_reference_data(path: Path = REFERENCE_DATA_PATH) -> Tally:
    """Upsert the taxonomies and their terms from ``path``; return the tally of terms."""
    tally = Tally()
    for entry in read_json(path)["taxonomies"]:
        taxonomy, _ = upsert(
            Taxonomy,
            taxonomy_uuid(entry["code"]),
            {
                "code": entry["code"],
                "name": entry["name"],
                "description": entry["description"],
                "uri": entry.get("uri", ""),
                "version": entry.get("version", ""),
            },
        )
        load_terms(taxonomy, entry["terms"], parent_id=None, tally=tally)
    return tally


def load_terms(taxonomy: Taxonomy, entries: list[dict], *, parent_id: uuid.UUID | None, tally: Tally) -> None:
    for entry in entries:
        term_id = term_uuid(taxonomy.code, entry["code"])
        _, outcome = upsert(
            TaxonomyTerm,
            term_id,
            {
                "taxonomy_id": taxonomy.pk,
                "parent_id": parent_id,
                "code": entry["code"],
                "name": entry["name"],
                "name_es": entry.get("name_es", ""),
                "description": entry.get("description", ""),
                "synonyms": entry.get("synonyms", ""),
                "synonyms_es": entry.get("synonyms_es", ""),
            },
        )
        tally.add(outcome)
        load_terms(taxonomy, entry.get("children", []), parent_id=term_id, tally=tally)


# ---- the network ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NetworkFile:
    """What the records of one network file share."""

    timezone: str  # of its schedules
    today: datetime.datetime  # midnight where the network is: ``*_days_ago`` count back from it
    term_ids: dict  # (taxonomy code, term code) -> term id
    known: KnownRecords

    def days_ago(self, days: int | None) -> datetime.datetime | None:
        return None if days is None else self.today - datetime.timedelta(days=days)

    def terms(self, taxonomy_code: str, codes: list[str]) -> set[uuid.UUID]:
        try:
            return {self.term_ids[taxonomy_code, code] for code in codes}
        except KeyError as error:
            raise ValueError(f"No {taxonomy_code} term {error.args[0][1]!r}: load the reference data first.") from None


def load_network(
    path: Path = DEMO_NETWORK_PATH, *, reset: bool = False, progress: Callable[[str], None] | None = None
) -> NetworkResult:
    """Load the organizations, locations and services of the network file ``path`` (not its users).

    ``reset``: put existing records back as the file has them, instead of keeping them.

    The reference data must be loaded first: services name their terms by code.
    """
    data = read_json(path)
    network_zone = zoneinfo.ZoneInfo(data["timezone"])
    network = NetworkFile(
        timezone=data["timezone"],
        today=datetime.datetime.now(network_zone).replace(hour=0, minute=0, second=0, microsecond=0),
        term_ids={
            (taxonomy_code, code): pk
            for taxonomy_code, code, pk in TaxonomyTerm.objects.values_list("taxonomy__code", "code", "pk")
        },
        known=KnownRecords(record_ids(data["organizations"]), overwrite=reset),
    )
    organizations = data["organizations"]
    result = NetworkResult(organizations=len(organizations))
    if progress:
        progress(f"Loading {len(organizations)} organizations from {path}")
    for number, entry in enumerate(organizations, start=1):
        organization = load_organization(entry, network)
        for location in entry.get("locations", []):
            load_location(location, organization, network)
        for service in entry.get("services", []):
            result.services.add(load_service(service, organization, network))
        if progress and (number % 10 == 0 or number == len(organizations)):
            progress(f"  {number}/{len(organizations)} organizations")
    return result


def load_organization(entry: dict, network: NetworkFile) -> Organization:
    organization, _ = upsert(
        Organization,
        entry["id"],
        {
            "name": entry["name"],
            "alternate_name": entry.get("alternate_name", ""),
            "description": entry["description"],
            "email": entry.get("email", ""),
            "website": entry.get("website", ""),
            "tax_status": entry.get("tax_status", ""),
            "tax_id": entry.get("tax_id", ""),
            "year_incorporated": entry.get("year_incorporated"),
            "legal_status": entry.get("legal_status", ""),
            "is_demo": entry.get("is_demo", False),
            **spanish_texts(entry, "organization"),
        },
        network.known,
    )
    load_phones(entry.get("phones", []), {"organization_id": organization.pk}, network)
    return organization


def load_location(entry: dict, organization: Organization, network: NetworkFile) -> None:
    location, _ = upsert(
        Location,
        entry["id"],
        {
            "organization_id": organization.pk,
            "location_type": entry.get("location_type", Location.Type.PHYSICAL),
            "name": entry.get("name", ""),
            "description": entry.get("description", ""),
            "transportation": entry.get("transportation", ""),
            "latitude": entry.get("latitude"),
            "longitude": entry.get("longitude"),
        },
        network.known,
    )
    if "address" in entry:
        address = entry["address"]
        upsert(
            Address,
            address["id"],
            {
                "location_id": location.pk,
                "address_1": address["address_1"],
                "address_2": address.get("address_2", ""),
                "city": address["city"],
                "region": address.get("region", ""),
                "state_province": address["state_province"],
                "postal_code": address["postal_code"],
                "country": address.get("country", "US"),
            },
            network.known,
        )
    for feature in entry.get("accessibility", []):
        upsert(
            Accessibility,
            feature["id"],
            {
                "location_id": location.pk,
                # Read as the HSDS import reads it: a description that is a known feature's label is that feature.
                "feature": Accessibility.feature_for(feature["description"]),
                "description": feature["description"],
                "details": feature.get("details", ""),
            },
            network.known,
        )
    load_phones(entry.get("phones", []), {"location_id": location.pk}, network)


def load_service(entry: dict, organization: Organization, network: NetworkFile) -> str:
    """Upsert a service and the records hanging off it; return CREATED, UPDATED or UNCHANGED for the lot."""
    service, service_outcome = upsert(
        Service,
        entry["id"],
        {
            "organization_id": organization.pk,
            "name": entry["name"],
            "alternate_name": entry.get("alternate_name", ""),
            "description": entry.get("description", ""),
            "url": entry.get("url", ""),
            "email": entry.get("email", ""),
            "status": entry.get("status", Service.Status.ACTIVE),
            "interpretation_services": entry.get("interpretation_services", ""),
            "application_process": entry.get("application_process", ""),
            "fees_description": entry.get("fees_description", ""),
            "wait_time": entry.get("wait_time", ""),
            "alert": entry.get("alert", ""),
            "keywords": entry.get("keywords", ""),
            "capacity_status": entry.get("capacity_status", Service.Capacity.ACCEPTING),
            "capacity_updated_at": network.days_ago(entry.get("capacity_updated_days_ago", 0)),
            "referral_method": entry.get("referral_method", Service.ReferralMethod.CONTACT),
            "last_verified_at": network.days_ago(entry.get("last_verified_days_ago")),
            "eligibility_description": entry.get("eligibility_description", ""),
            "minimum_age": entry.get("minimum_age"),
            "maximum_age": entry.get("maximum_age"),
            "income_limit_percent_fpl": entry.get("income_limit_percent_fpl"),
            "gender": entry.get("gender", Service.Gender.ANY),
            "populations_required": entry.get("populations_required", False),
            "residency_required": entry.get("residency_required", False),
            **spanish_texts(entry, "service"),
        },
        network.known,
    )
    new = service_outcome == CREATED
    if not new and not network.known.overwrite:
        return UNCHANGED  # kept as it is, with everything hanging off it
    terms_changed = [
        set_terms(service.categories, network.terms(Taxonomy.CATEGORIES, entry.get("categories", [])), new=new),
        set_terms(service.populations, network.terms(Taxonomy.POPULATIONS, entry.get("populations", [])), new=new),
        set_terms(
            service.insurance_accepted, network.terms(Taxonomy.INSURANCE, entry.get("insurance_accepted", [])), new=new
        ),
    ]
    owner = {"service_id": service.pk}
    outcomes = []
    for at in entry.get("locations", []):
        service_at_location, outcome = upsert(
            ServiceAtLocation,
            at["id"],
            {**owner, "location_id": uuid.UUID(at["location_id"]), "description": at.get("description", "")},
            network.known,
        )
        outcomes.append(outcome)
        outcomes += load_schedules(at.get("schedules", []), {"service_at_location_id": service_at_location.pk}, network)
    outcomes += load_schedules(entry.get("schedules", []), owner, network)
    outcomes += load_phones(entry.get("phones", []), owner, network)
    for area in entry.get("service_areas", []):
        _, outcome = upsert(
            ServiceArea,
            area["id"],
            {
                **owner,
                "name": area.get("name", ""),
                "description": area.get("description", ""),
                "extent_type": area["extent_type"],
                "postal_codes": area.get("postal_codes", []),
                "counties": area.get("counties", []),
                "center_latitude": area.get("center_latitude"),
                "center_longitude": area.get("center_longitude"),
                "radius_miles": area.get("radius_miles"),
                "polygon": area.get("polygon"),
            },
            network.known,
        )
        outcomes.append(outcome)
    for language in entry.get("languages", []):
        _, outcome = upsert(
            Language,
            language["id"],
            {**owner, "code": language["code"], "name": language["name"], "note": language.get("note", "")},
            network.known,
        )
        outcomes.append(outcome)
    for cost in entry.get("cost_options", []):
        amount = cost.get("amount")
        _, outcome = upsert(
            CostOption,
            cost["id"],
            {
                **owner,
                "option": cost.get("option", ""),
                "currency": cost.get("currency", "USD"),
                "amount": None if amount is None else Decimal(amount),
                "amount_description": cost.get("amount_description", ""),
                **spanish_texts(cost, "cost_option"),
            },
            network.known,
        )
        outcomes.append(outcome)
    for document in entry.get("required_documents", []):
        _, outcome = upsert(
            RequiredDocument,
            document["id"],
            {**owner, "document": document["document"], **spanish_texts(document, "required_document")},
            network.known,
        )
        outcomes.append(outcome)
    if new:
        return CREATED
    if service_outcome == UPDATED or any(terms_changed) or any(outcome != UNCHANGED for outcome in outcomes):
        return UPDATED
    return UNCHANGED


def spanish_texts(entry: dict, kind: str) -> dict[str, str]:
    """The Spanish versions of a record's texts in the file (``description_es`` ...), empty where it has none."""
    return {spanish_field(name): entry.get(spanish_field(name), "") for name in TRANSLATED_FIELDS[kind]}


def load_phones(entries: list[dict], owner: dict, network: NetworkFile) -> list[str]:
    outcomes = []
    for entry in entries:
        _, outcome = upsert(
            Phone,
            entry["id"],
            {
                **owner,
                "number": entry["number"],
                "extension": entry.get("extension", ""),
                "type": entry.get("type", Phone.Type.VOICE),
                "description": entry.get("description", ""),
            },
            network.known,
        )
        outcomes.append(outcome)
    return outcomes


def load_schedules(entries: list[dict], owner: dict, network: NetworkFile) -> list[str]:
    def time_or_none(value: str | None) -> datetime.time | None:
        return None if value is None else datetime.time.fromisoformat(value)

    def date_or_none(value: str | None) -> datetime.date | None:
        return None if value is None else datetime.date.fromisoformat(value)

    outcomes = []
    for entry in entries:
        _, outcome = upsert(
            Schedule,
            entry["id"],
            {
                **owner,
                "kind": entry.get("kind", Schedule.Kind.HOURS),
                "weekday": entry.get("weekday", ""),
                "opens_at": time_or_none(entry.get("opens_at")),
                "closes_at": time_or_none(entry.get("closes_at")),
                "valid_from": date_or_none(entry.get("valid_from")),
                "valid_to": date_or_none(entry.get("valid_to")),
                "timezone": entry.get("timezone", network.timezone),
                "description": entry.get("description", ""),
                "notes": entry.get("notes", ""),
                **spanish_texts(entry, "schedule"),
            },
            network.known,
        )
        outcomes.append(outcome)
    return outcomes
