"""The pages an agency edits a listing on, and what an edit changed.

A page bundles the forms of one part of a listing (a service's hours and closures, its languages, a
location with its addresses and phones ...). Every page can say what it shows, read fresh from the
database (``snapshot``), so that:

- the history is the difference between the snapshot before and after a save (``diff``), field by field;
- the concurrent-edit guard compares the snapshot the editor saw when opening the page (carried, signed,
  in the form's ``version`` field) with the one in the database when they save;
- a reviewer sees the same field-by-field difference as the history would record.
"""

import dataclasses
import datetime
import decimal
import json
from typing import ClassVar

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import QueryDict
from django.utils import formats, timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from providers.models import (
    Accessibility,
    Address,
    ChangeRecord,
    CostOption,
    Language,
    Location,
    Organization,
    PendingEdit,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from providers.portal import forms as portal_forms
from providers.portal.merging import form_data
from providers.views import format_time

RT = ChangeRecord.ResourceType
RESOURCE_TYPES: dict[type[models.Model], str] = {
    Organization: RT.ORGANIZATION,
    Service: RT.SERVICE,
    Location: RT.LOCATION,
    ServiceAtLocation: RT.SERVICE_AT_LOCATION,
    Address: RT.ADDRESS,
    Phone: RT.PHONE,
    Schedule: RT.SCHEDULE,
    ServiceArea: RT.SERVICE_AREA,
    Language: RT.LANGUAGE,
    CostOption: RT.COST_OPTION,
    RequiredDocument: RT.REQUIRED_DOCUMENT,
    Accessibility: RT.ACCESSIBILITY,
}
MODELS = {resource_type: model for model, resource_type in RESOURCE_TYPES.items()}
VERSION_SALT = "providers.portal.version"


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference: a record added or removed, or one field of it changed (the shape of ChangeRecord)."""

    resource_type: str
    resource_id: str
    resource_label: str
    action: str
    field_name: str = ""
    previous_value: str = ""
    replacement_value: str = ""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


# --- Values as text --------------------------------------------------------------------------------


def value_text(record: models.Model, field_name: str) -> str:
    """Return a field's value as the history keeps it: plain text, the same for equal values (may query)."""
    field = record._meta.get_field(field_name)
    if field.many_to_many:
        return ", ".join(sorted(str(related) for related in getattr(record, field_name).all()))
    if field.many_to_one:
        related = getattr(record, field_name)
        return str(related) if related is not None else ""
    return plain(getattr(record, field.attname))


def plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M") if not value.second else value.isoformat()
    if isinstance(value, datetime.date | decimal.Decimal):
        return str(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def display_value(resource_type: str, field_name: str, value: str) -> str:
    """Return a stored value as a reader should see it: choices by their label, yes/no for true/false, and
    "Not stated" for a yes/no rule nobody stated."""
    model = MODELS.get(resource_type)
    if model is None or not field_name:
        return value
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:  # a field since removed keeps its stored text
        return value
    if not value:
        return str(_("Not stated")) if isinstance(field, models.BooleanField) and field.null else value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return str(_("Yes") if value == "true" else _("No"))
    if isinstance(field, models.DateTimeField):
        try:
            return formats.date_format(timezone.localtime(datetime.datetime.fromisoformat(value)), "DATETIME_FORMAT")
        except ValueError:
            return value
    if isinstance(field, models.TimeField):
        try:  # as the hours editor and the listing write a time, not as it is stored
            return format_time(datetime.time.fromisoformat(value))
        except ValueError:
            return value
    return value


def record_label(record: models.Model) -> str:
    # Stored with the change and shown to every reader: in the network's language, not the editor's.
    with translation.override(settings.LANGUAGE_CODE):
        return str(record)[:300]


# --- Snapshots and differences -----------------------------------------------------------------------


def snapshot_of(tracked: list[tuple[models.Model, list[str]]]) -> dict:
    state = {}
    for record, fields in tracked:
        resource_type = RESOURCE_TYPES[type(record)]
        state[f"{resource_type}:{record.pk}"] = {
            "type": resource_type,
            "id": str(record.pk),
            "label": record_label(record),
            "values": {name: value_text(record, name) for name in fields},
        }
    return state


def diff(before: dict, after: dict) -> list[Change]:
    """Return what changed from one snapshot to the other, in the order the page shows the records."""
    changes = []
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            changes.append(
                Change(old["type"], old["id"], old["label"], ChangeRecord.Action.DELETE, previous_value=old["label"])
            )
            continue
        for name, old_value in old["values"].items():
            new_value = new["values"].get(name, "")
            if new_value != old_value:
                changes.append(
                    Change(new["type"], new["id"], new["label"], ChangeRecord.Action.UPDATE, name, old_value, new_value)
                )
    for key, new in after.items():
        if key not in before:
            changes.append(
                Change(new["type"], new["id"], new["label"], ChangeRecord.Action.CREATE, replacement_value=new["label"])
            )
    return changes


@dataclasses.dataclass
class Opened:
    """What the editor saw when they opened the page, read back from the form's ``version``."""

    at: datetime.datetime | None
    state: dict | None  # None: the version was missing or tampered with
    # The form as it was shown (merging.form_data): the listing, or the editor's own edits waiting for review.
    # None in a version made before forms were kept in it: the form then showed the listing as in ``state``.
    start: dict | None = None

    @classmethod
    def read(cls, version: str) -> "Opened":
        try:
            data = signing.loads(version, salt=VERSION_SALT)
            return cls(at=datetime.datetime.fromisoformat(data["at"]), state=data["state"], start=data.get("start"))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return cls(at=None, state=None)


# --- Pages -------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Part:
    """A form or a formset of a page, with the heading it is shown under."""

    title: str
    form: forms.BaseForm | None = None
    formset: forms.BaseFormSet | None = None
    hint: str = ""

    @property
    def bound(self):
        return self.form if self.form is not None else self.formset


class Page:
    """One page of edits on one target (an organization, a service or a location)."""

    key: ClassVar[str]
    title: ClassVar[str]
    target_model: ClassVar[type[models.Model]]
    # Pages that make a new record rather than change one: the target is the organization it belongs to.
    creates: ClassVar[bool] = False
    # Templates list the page classes (titles, keys): they must not try to call them.
    do_not_call_in_templates = True

    def __init__(self, target: models.Model, data: QueryDict | None = None) -> None:
        self.target = target
        self.data = data
        self.parts = self.build(data)

    # What a subclass provides.

    def build(self, data: QueryDict | None) -> list[Part]:
        raise NotImplementedError

    def tracked(self) -> list[tuple[models.Model, list[str]]]:
        """Return the records the page shows, fresh from the database, with the fields it edits."""
        raise NotImplementedError

    # The target, as the history and the review queue file the edit.

    @property
    def organization(self) -> Organization:
        return self.target if isinstance(self.target, Organization) else self.target.organization

    @property
    def service(self) -> Service | None:
        return self.target if isinstance(self.target, Service) else None

    @property
    def location(self) -> Location | None:
        return self.target if isinstance(self.target, Location) else None

    def listing_of(self, change: Change) -> Service | None:
        """The listing whose history keeps a change: none for the organization's own records."""
        return self.service

    def locked(self) -> list[models.Model]:
        """The rows a save locks first, so that two saves of the same records run one after the other."""
        return [self.target]

    @property
    def media(self) -> forms.Media:
        """The scripts and styles the page's widgets need (the service areas' map)."""
        media = forms.Media()
        for part in self.parts:
            media += part.bound.media
        return media

    # Validating and saving.

    def is_valid(self) -> bool:
        return all([part.bound.is_valid() for part in self.parts])  # a list: every form shows its errors

    def save(self) -> None:
        for part in self.parts:
            part.bound.save()

    def snapshot(self) -> dict:
        return snapshot_of(self.tracked())

    def version(self, start: dict[str, list[str]] | None = None) -> str:
        """A token of what the page shows now, for the form: saving compares it with the database.

        ``start`` is the form as shown, when it is not the listing as it reads (an editor's own edits waiting
        for review); an approval writes only the fields the editor changed from it.
        """
        if start is None:
            start = form_data(self) if self.data is None else form_data(type(self)(self.target))
        data = {"at": timezone.now().isoformat(), "state": self.snapshot(), "start": start}
        return signing.dumps(data, salt=VERSION_SALT, compress=True)

    def posted_data(self) -> dict[str, list[str]]:
        """The form as posted, to keep with an edit held for review (no CSRF token, no version)."""
        return {key: self.data.getlist(key) for key in self.data if key not in ("csrfmiddlewaretoken", "version")}


def fresh(model: type[models.Model], pk) -> list[models.Model]:
    return list(model.objects.filter(pk=pk))


class OrganizationPage(Page):
    key = "organization"
    title = _("Organization details")
    target_model = Organization
    FIELDS = portal_forms.OrganizationForm.Meta.fields

    def build(self, data):
        return [Part(_("Organization"), form=portal_forms.OrganizationForm(data, instance=self.target))]

    def tracked(self):
        return [(record, self.FIELDS) for record in fresh(Organization, self.target.pk)]


class ServiceDetailsPage(Page):
    key = "details"
    title = _("Description, status and contact")
    target_model = Service
    FIELDS = portal_forms.ServiceDetailsForm.Meta.fields
    PHONE_FIELDS = portal_forms.PhoneForm.Meta.fields

    def build(self, data):
        return [
            Part(_("About the service"), form=portal_forms.ServiceDetailsForm(data, instance=self.target)),
            Part(_("Phones"), formset=portal_forms.ServicePhoneFormSet(data, instance=self.target, prefix="phones")),
        ]

    def tracked(self):
        phones = Phone.objects.filter(service_id=self.target.pk).order_by("created_at")
        return [(record, self.FIELDS) for record in fresh(Service, self.target.pk)] + [
            (phone, self.PHONE_FIELDS) for phone in phones
        ]


class NewServicePage(Page):
    key = "new_service"
    title = _("A new service")
    target_model = Organization
    creates = True

    def __init__(self, target: models.Model, data: QueryDict | None = None) -> None:
        self.new_service = Service(organization=target)
        super().__init__(target, data)

    @property
    def service(self) -> Service | None:
        return self.new_service

    def build(self, data):
        return [Part(_("About the service"), form=portal_forms.ServiceDetailsForm(data, instance=self.new_service))]

    def tracked(self):
        return [(record, ServiceDetailsPage.FIELDS) for record in fresh(Service, self.new_service.pk)]


class EligibilityPage(Page):
    key = "eligibility"
    title = _("Who qualifies")
    target_model = Service
    FIELDS = portal_forms.EligibilityForm.Meta.fields

    def build(self, data):
        return [Part(_("Who qualifies"), form=portal_forms.EligibilityForm(data, instance=self.target))]

    def tracked(self):
        return [(record, self.FIELDS) for record in fresh(Service, self.target.pk)]


class HoursPage(Page):
    key = "hours"
    title = _("Hours and closures")
    target_model = Service

    def build(self, data):
        return [
            Part(_("Opening hours"), formset=portal_forms.HoursFormSet(data, instance=self.target, prefix="hours")),
            Part(
                _("Closures (holidays and other days closed)"),
                formset=portal_forms.ClosureFormSet(data, instance=self.target, prefix="closures"),
            ),
        ]

    def tracked(self):
        hours = Schedule.objects.filter(service_id=self.target.pk, kind=Schedule.Kind.HOURS).order_by(
            portal_forms.weekday_order(), "opens_at"
        )
        closures = Schedule.objects.filter(service_id=self.target.pk, kind=Schedule.Kind.CLOSURE).order_by("valid_from")
        return [(row, portal_forms.HoursForm.Meta.fields) for row in hours] + [
            (row, portal_forms.ClosureForm.Meta.fields) for row in closures
        ]


class ServiceLocationsPage(Page):
    key = "locations"
    title = _("Where it is offered")
    target_model = Service

    def build(self, data):
        return [Part(_("Locations"), form=portal_forms.ServiceLocationsForm(data, service=self.target))]

    def tracked(self):
        rows = ServiceAtLocation.objects.filter(service_id=self.target.pk).select_related("service", "location")
        return [(row, ["location"]) for row in rows.order_by("location__name")]


class RowsPage(Page):
    """A page of one kind of row hanging off a service: languages, documents, costs, service areas."""

    target_model = Service
    formset_class: ClassVar[type[forms.BaseInlineFormSet]]
    row_model: ClassVar[type[models.Model]]

    def build(self, data):
        return [Part(self.title, formset=self.formset_class(data, instance=self.target, prefix=self.key))]

    def tracked(self):
        fields = [name for name in self.formset_class.form.base_fields if name not in ("id", "DELETE")]
        rows = self.row_model.objects.filter(service_id=self.target.pk).order_by("created_at")
        return [(row, fields) for row in rows]


class LanguagesPage(RowsPage):
    key = "languages"
    title = _("Languages")
    formset_class = portal_forms.LanguageFormSet
    row_model = Language


class DocumentsPage(RowsPage):
    key = "documents"
    title = _("Documents to bring")
    formset_class = portal_forms.RequiredDocumentFormSet
    row_model = RequiredDocument


class CostsPage(RowsPage):
    key = "costs"
    title = _("Costs")
    formset_class = portal_forms.CostOptionFormSet
    row_model = CostOption


class ServiceAreasPage(RowsPage):
    key = "areas"
    title = _("Service areas")
    formset_class = portal_forms.ServiceAreaFormSet
    row_model = ServiceArea

    def build(self, data):
        # The map opens on the service's first place with coordinates (a query).
        place = (
            Location.objects.filter(service_at_locations__service_id=self.target.pk, latitude__isnull=False)
            .order_by("name")
            .values_list("latitude", "longitude")
            .first()
        )
        formset = self.formset_class(data, instance=self.target, prefix=self.key, form_kwargs={"map_center": place})
        return [Part(self.title, formset=formset)]


class ServiceAtLocationPage(Page):
    """A service's own hours and closures at one of its locations, and the phones of that location.

    Hours here are the service at location's schedule (HSDS ``service_at_location``): where it has any,
    they replace the service's hours at that place (providers.hours.applicable_schedules), which is what
    "open Tuesday mornings at the east site" means. The phones belong to the place, so every service
    there shows them, and their history is the organization's, as when edited on the location's page.
    """

    key = "at_location"
    title = _("Hours and phones at a location")
    target_model = ServiceAtLocation

    @property
    def organization(self) -> Organization:
        return self.target.service.organization

    @property
    def service(self) -> Service | None:
        return self.target.service

    @property
    def location(self) -> Location | None:
        return self.target.location

    def listing_of(self, change: Change) -> Service | None:
        return None if change.resource_type == RT.PHONE else self.service

    def locked(self) -> list[models.Model]:
        # The location first, as its own page locks it: the phones are shared with that page.
        return [self.target.location, self.target]

    def build(self, data):
        return [
            Part(
                _("Opening hours at this location"),
                formset=portal_forms.SiteHoursFormSet(data, instance=self.target, prefix="hours"),
                hint=_(
                    "Leave empty when the service keeps its usual hours here. Hours given here replace the "
                    "service's hours at this location only."
                ),
            ),
            Part(
                _("Closures at this location"),
                formset=portal_forms.SiteClosureFormSet(data, instance=self.target, prefix="closures"),
                hint=_("Days the service is closed here only. Closures of the whole service apply here too."),
            ),
            Part(
                _("Phones of this location"),
                formset=portal_forms.LocationPhoneFormSet(data, instance=self.target.location, prefix="phones"),
                hint=_("These phones belong to the place: every service offered there shows them."),
            ),
        ]

    def is_valid(self) -> bool:
        # A held edit of a location the service has left since: nothing to apply it to.
        return not self.target._state.adding and super().is_valid()

    def tracked(self):
        schedules = Schedule.objects.filter(service_at_location_id=self.target.pk)
        hours = schedules.filter(kind=Schedule.Kind.HOURS).order_by(portal_forms.weekday_order(), "opens_at")
        closures = schedules.filter(kind=Schedule.Kind.CLOSURE).order_by("valid_from")
        phones = Phone.objects.filter(location_id=self.target.location_id).order_by("created_at")
        return (
            [(row, portal_forms.HoursForm.Meta.fields) for row in hours]
            + [(row, portal_forms.ClosureForm.Meta.fields) for row in closures]
            + [(phone, portal_forms.PhoneForm.Meta.fields) for phone in phones]
        )


class LocationPage(Page):
    key = "location"
    title = _("Location")
    target_model = Location
    FIELDS = portal_forms.LocationForm.Meta.fields

    def __init__(self, target: models.Model, data: QueryDict | None = None) -> None:
        self.place = self.place_for(target)
        super().__init__(target, data)

    @staticmethod
    def place_for(target: models.Model) -> Location:
        return target

    @property
    def location(self) -> Location | None:
        return self.place

    def build(self, data):
        return [
            Part(_("The place"), form=portal_forms.LocationForm(data, instance=self.place)),
            Part(_("Address"), formset=portal_forms.AddressFormSet(data, instance=self.place, prefix="addresses")),
            Part(_("Phones"), formset=portal_forms.LocationPhoneFormSet(data, instance=self.place, prefix="phones")),
            Part(
                _("Getting in: accessibility"),
                formset=portal_forms.AccessibilityFormSet(data, instance=self.place, prefix="accessibility"),
                hint=_(
                    "What the place has for people with disabilities. Searches for wheelchair-accessible "
                    "services find places with a step-free entrance."
                ),
            ),
        ]

    def tracked(self):
        addresses = Address.objects.filter(location_id=self.place.pk).order_by("created_at")
        phones = Phone.objects.filter(location_id=self.place.pk).order_by("created_at")
        features = Accessibility.objects.filter(location_id=self.place.pk).order_by("created_at")
        return (
            [(record, self.FIELDS) for record in fresh(Location, self.place.pk)]
            + [(address, portal_forms.AddressForm.Meta.fields) for address in addresses]
            + [(phone, portal_forms.PhoneForm.Meta.fields) for phone in phones]
            + [(feature, portal_forms.AccessibilityForm.Meta.fields) for feature in features]
        )

    def save(self) -> None:
        super().save()
        locate_by_zip(self.place)


class NewLocationPage(LocationPage):
    key = "new_location"
    title = _("A new location")
    target_model = Organization
    creates = True

    @staticmethod
    def place_for(target: models.Model) -> Location:
        return Location(organization=target)


def locate_by_zip(location: Location) -> None:
    """Put a location without coordinates at its ZIP code's center, so distance searches find it.

    providers does not import search: the gazetteer lookup is named by a setting.
    """
    if location.has_coordinates:
        return
    address = location.addresses.order_by("created_at").first()
    if address is None:
        return
    place = import_string(settings.HSDS_LOCATE_POSTCODE)(address.postal_code)
    if place is None:
        return
    location.latitude, location.longitude = place.latitude, place.longitude
    location.full_clean()
    location.save(update_fields=["latitude", "longitude", "modified_at"])


PAGES: dict[str, type[Page]] = {
    page.key: page
    for page in [
        OrganizationPage,
        ServiceDetailsPage,
        NewServicePage,
        EligibilityPage,
        HoursPage,
        ServiceLocationsPage,
        LanguagesPage,
        DocumentsPage,
        CostsPage,
        ServiceAreasPage,
        ServiceAtLocationPage,
        LocationPage,
        NewLocationPage,
    ]
}
# The pages of a service, in the order the portal lists them.
SERVICE_PAGES = [
    ServiceDetailsPage,
    HoursPage,
    EligibilityPage,
    ServiceLocationsPage,
    LanguagesPage,
    DocumentsPage,
    CostsPage,
    ServiceAreasPage,
]


def page_for_edit(edit: PendingEdit, data: dict[str, list[str]] | None = None) -> Page:
    """Rebuild the page an edit held for review was made on, bound to its data, on the listing as it is now."""
    return PAGES[edit.section](target_for_edit(edit), bound_data(edit.data if data is None else data))


def unbound_page_for_edit(edit: PendingEdit) -> Page:
    """The page an edit held for review was made on, showing the listing as it is now (queries)."""
    return PAGES[edit.section](target_for_edit(edit))


def target_for_edit(edit: PendingEdit) -> models.Model:
    page_class = PAGES[edit.section]
    if page_class.creates or page_class.target_model is Organization:
        return edit.organization
    if page_class.target_model is Service:
        return edit.service
    if page_class.target_model is ServiceAtLocation:
        # Unsaved when the service has left the location since: the page is then never valid.
        return ServiceAtLocation.objects.filter(service=edit.service, location=edit.location).select_related(
            "service__organization", "location"
        ).first() or ServiceAtLocation(service=edit.service, location=edit.location)
    return edit.location


def bound_data(data: dict[str, list[str]]) -> QueryDict:
    posted = QueryDict(mutable=True)
    for key, values in data.items():
        posted.setlist(key, values)
    return posted
