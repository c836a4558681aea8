"""The staff admin for listings: one ModelAdmin per model, in the order of providers/models.py.

Staff-only English: the strings here are not translated (the Spanish catalog covers the public pages).
Foreign keys use autocomplete so that no form loads every service or location into a dropdown, and
changelists select their related rows up front so that a page of 100 rows costs the same queries as 1.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models import Count, Model, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from directory.jsonlimits import LimitedJSONDecoder
from providers.models import (
    Accessibility,
    AdditionalUrl,
    Address,
    Attribute,
    ChangeRecord,
    Correction,
    CostOption,
    EditorClaim,
    JoinRequest,
    Language,
    Location,
    NetworkSettings,
    Organization,
    PendingEdit,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
    VerificationReminder,
)


def first_owner(record: Model, fields: list[str]) -> Model | None:
    """Return the first of ``fields`` that is set on ``record``: the record a phone, schedule ... belongs to."""
    for field in fields:
        owner = getattr(record, field)
        if owner is not None:
            return owner
    return None


# Inlines, shared by the admins below.


class TermInline(admin.TabularInline):
    model = TaxonomyTerm
    fields = ["code", "name", "name_es", "parent"]
    autocomplete_fields = ["parent"]
    extra = 0
    show_change_link = True


class LocationInline(admin.TabularInline):
    """An organization's locations, compact: the location's own page edits the rest."""

    model = Location
    fields = ["name", "location_type", "url"]
    extra = 0
    show_change_link = True


class PhoneInline(admin.TabularInline):
    model = Phone
    # The other owner keys stay out: the inline's parent is the owner.
    fields = ["number", "extension", "type", "description"]
    extra = 0
    show_change_link = True  # a phone's languages are edited on its own page


class LocationsOfServiceInline(admin.TabularInline):
    """Where a service is delivered."""

    model = ServiceAtLocation
    fields = ["location", "description"]
    autocomplete_fields = ["location"]
    extra = 0
    show_change_link = True  # its own phones and hours are edited there
    verbose_name = "location"
    verbose_name_plural = "locations"


class ServicesAtLocationInline(admin.TabularInline):
    """What is delivered at a location."""

    model = ServiceAtLocation
    fields = ["service", "description"]
    autocomplete_fields = ["service"]
    extra = 0
    show_change_link = True
    verbose_name = "service"
    verbose_name_plural = "services delivered here"


# Hours and closures are one model but need different columns, so each gets its own inline and
# posts its kind in a hidden field: with ``kind`` in the form, the model's constraints are checked
# as a form error instead of failing in the database.


class HoursForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=Schedule.Kind.choices, initial=Schedule.Kind.HOURS, widget=forms.HiddenInput)


class ClosureForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=Schedule.Kind.choices, initial=Schedule.Kind.CLOSURE, widget=forms.HiddenInput)


class HoursInline(admin.TabularInline):
    """Weekly opening hours. Closures are a separate inline: the two need different columns."""

    model = Schedule
    form = HoursForm
    fields = ["kind", "weekday", "opens_at", "closes_at", "timezone", "description", "description_es"]
    extra = 0
    verbose_name = "opening hours"
    verbose_name_plural = "opening hours"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Schedule]:
        return super().get_queryset(request).filter(kind=Schedule.Kind.HOURS)


class ClosureInline(admin.TabularInline):
    model = Schedule
    form = ClosureForm
    fields = ["kind", "valid_from", "valid_to", "description", "description_es", "notes", "notes_es"]
    extra = 0
    verbose_name = "closure"
    verbose_name_plural = "closures (holidays and other days closed)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Schedule]:
        return super().get_queryset(request).filter(kind=Schedule.Kind.CLOSURE)


class LanguageInline(admin.TabularInline):
    model = Language
    fields = ["name", "code", "note"]
    extra = 0


# A service area's ZIP codes, counties and polygon are typed as JSON: read within directory/jsonlimits.py's
# limits, so that deep nesting or NaN is a message beside the field, not a 500.
LIMITED_JSON = {models.JSONField: {"decoder": LimitedJSONDecoder}}


class ServiceAreaInline(admin.StackedInline):
    model = ServiceArea
    formfield_overrides = LIMITED_JSON
    autocomplete_fields = ["service_at_location"]
    fields = [
        "service_at_location",
        "extent_type",
        "name",
        "description",
        "postal_codes",
        "counties",
        ("center_latitude", "center_longitude", "radius_miles"),
        "polygon",
    ]
    extra = 0


class AdditionalUrlInline(admin.TabularInline):
    """Further web addresses (HSDS 3.1): a service's additional URLs, an organization's additional websites."""

    model = AdditionalUrl
    fields = ["label", "url"]
    extra = 0


class ServiceCapacityInline(admin.TabularInline):
    """How much is free, in units (HSDS 3.1), beside the capacity status."""

    model = ServiceCapacity
    fields = ["unit", "available", "maximum", "description", "updated_at"]
    autocomplete_fields = ["unit"]
    extra = 0


class CostOptionInline(admin.TabularInline):
    model = CostOption
    fields = [
        "option",
        "option_es",
        "amount",
        "currency",
        "amount_description",
        "amount_description_es",
        "valid_from",
        "valid_to",
    ]
    extra = 0


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    fields = ["document", "document_es", "uri"]
    extra = 0


class AddressInline(admin.StackedInline):
    model = Address
    fields = [
        "address_type",
        "attention",
        "address_1",
        "address_2",
        ("city", "state_province", "postal_code"),
        ("region", "country"),
    ]
    extra = 0


class AccessibilityInline(admin.TabularInline):
    model = Accessibility
    fields = ["description", "details", "url"]
    extra = 0


# List filters.


class CategoryListFilter(admin.RelatedFieldListFilter):
    """Offer only terms of the categories taxonomy, not every term of every taxonomy."""

    def field_choices(self, field, request: HttpRequest, model_admin) -> list[tuple]:
        return list(TaxonomyTerm.objects.categories().values_list("pk", "name"))


class StaleListFilter(admin.SimpleListFilter):
    """Listings nobody confirmed within VERIFY_AFTER_DAYS, as ``Service.is_stale`` defines it."""

    title = "verification"
    parameter_name = "stale"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", "Stale (needs verifying)"), ("no", "Verified recently")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Service]) -> QuerySet[Service]:
        cutoff = timezone.now() - datetime.timedelta(days=settings.VERIFY_AFTER_DAYS)
        if self.value() == "yes":
            return queryset.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff))
        if self.value() == "no":
            return queryset.filter(last_verified_at__gte=cutoff)
        return queryset


# One ModelAdmin per model, in the order of providers/models.py.


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "version", "term_count", "modified_at"]
    search_fields = ["name", "code", "description"]
    inlines = [TermInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Taxonomy]:
        return super().get_queryset(request).annotate(term_count=Count("terms"))

    @admin.display(description="terms", ordering="term_count")
    def term_count(self, taxonomy: Taxonomy) -> int:
        return taxonomy.term_count


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "taxonomy", "parent", "name_es"]
    list_filter = ["taxonomy"]
    list_select_related = ["taxonomy", "parent"]
    search_fields = ["name", "name_es", "code", "synonyms", "synonyms_es"]
    autocomplete_fields = ["parent"]
    fields = ["taxonomy", "parent", "code", "name", "name_es", "description", "synonyms", "synonyms_es", "term_uri"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "service_count", "email", "website", "is_demo", "modified_at"]
    list_filter = ["is_demo"]
    search_fields = ["name", "alternate_name", "description", "email", "tax_id"]
    autocomplete_fields = ["parent_organization"]
    inlines = [LocationInline, PhoneInline, AdditionalUrlInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).annotate(service_count=Count("services"))

    @admin.display(description="services", ordering="service_count")
    def service_count(self, organization: Organization) -> int:
        return organization.service_count


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "status", "capacity_status", "referral_method", "last_verified_at", "stale"]
    list_filter = [
        "status",
        "capacity_status",
        "referral_method",
        StaleListFilter,
        ("categories", CategoryListFilter),
        "organization__is_demo",
    ]
    list_select_related = ["organization"]
    search_fields = ["name", "alternate_name", "description", "keywords", "organization__name"]
    autocomplete_fields = ["organization", "last_verified_by"]
    filter_horizontal = ["categories", "populations", "insurance_accepted"]
    readonly_fields = ["created_at", "modified_at"]
    fieldsets = [
        (None, {"fields": ["organization", "name", "alternate_name", "description", "status", "alert", "keywords"]}),
        ("Categories", {"fields": ["categories"]}),
        (
            "Capacity and referral",
            {
                "fields": [
                    "capacity_status",
                    "capacity_updated_at",
                    "referral_method",
                    "last_verified_at",
                    "last_verified_by",
                ]
            },
        ),
        (
            "Eligibility",
            {
                "fields": [
                    "eligibility_description",
                    ("minimum_age", "maximum_age"),
                    "income_limit_percent_fpl",
                    "gender",
                    "populations",
                    "populations_required",
                    "residency_required",
                    "insurance_accepted",
                ]
            },
        ),
        (
            "Contact and details",
            {
                "classes": ["collapse"],
                "fields": [
                    "url",
                    "email",
                    "application_process",
                    "fees_description",
                    "wait_time",
                    "interpretation_services",
                    "accreditations",
                    "licenses",
                ],
            },
        ),
        (
            "In Spanish",
            {
                "classes": ["collapse"],
                "description": "What the agency wrote in Spanish; empty: Spanish pages show the English, marked so.",
                "fields": [
                    "name_es",
                    "description_es",
                    "eligibility_description_es",
                    "application_process_es",
                    "fees_description_es",
                ],
            },
        ),
        ("Record", {"classes": ["collapse"], "fields": ["created_at", "modified_at"]}),
    ]
    inlines = [
        LocationsOfServiceInline,
        HoursInline,
        ClosureInline,
        PhoneInline,
        LanguageInline,
        ServiceAreaInline,
        CostOptionInline,
        RequiredDocumentInline,
        ServiceCapacityInline,
        AdditionalUrlInline,
    ]

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        # All three relations point at TaxonomyTerm; each may only hold terms of its own taxonomy.
        terms = {
            "categories": TaxonomyTerm.objects.categories,
            "populations": TaxonomyTerm.objects.populations,
            "insurance_accepted": TaxonomyTerm.objects.insurance,
        }
        if db_field.name in terms:
            kwargs["queryset"] = terms[db_field.name]().select_related("taxonomy")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="stale", boolean=True, ordering="last_verified_at")
    def stale(self, service: Service) -> bool:
        return service.is_stale


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "location_type", "postal_codes", "has_coordinates"]
    list_filter = ["location_type", "organization__is_demo"]
    list_select_related = ["organization"]
    search_fields = [
        "name",
        "alternate_name",
        "description",
        "organization__name",
        "addresses__address_1",
        "addresses__city",
        "addresses__postal_code",
    ]
    autocomplete_fields = ["organization"]
    inlines = [
        AddressInline,
        ServicesAtLocationInline,
        PhoneInline,
        HoursInline,
        ClosureInline,
        AccessibilityInline,
        LanguageInline,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Location]:
        return super().get_queryset(request).prefetch_related("addresses")

    @admin.display(description="ZIP")
    def postal_codes(self, location: Location) -> str:
        return ", ".join(address.postal_code for address in location.addresses.all())

    @admin.display(description="on the map", boolean=True)
    def has_coordinates(self, location: Location) -> bool:
        return location.has_coordinates


@admin.register(ServiceAtLocation)
class ServiceAtLocationAdmin(admin.ModelAdmin):
    list_display = ["service", "location", "organization"]
    list_select_related = ["service__organization", "location"]
    search_fields = ["service__name", "location__name", "service__organization__name"]
    autocomplete_fields = ["service", "location"]
    inlines = [PhoneInline, HoursInline, ClosureInline]

    @admin.display(description="organization", ordering="service__organization__name")
    def organization(self, service_at_location: ServiceAtLocation) -> Organization:
        return service_at_location.service.organization


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["address_1", "city", "state_province", "postal_code", "location", "address_type"]
    list_filter = ["address_type", "state_province"]
    list_select_related = ["location"]
    search_fields = ["address_1", "city", "postal_code", "region", "location__name", "location__organization__name"]
    autocomplete_fields = ["location"]


@admin.register(Phone)
class PhoneAdmin(admin.ModelAdmin):
    OWNERS = ["organization", "service", "location", "service_at_location"]

    list_display = ["__str__", "type", "owner", "description"]
    list_filter = ["type"]
    list_select_related = [
        "organization",
        "service",
        "location",
        "service_at_location__service",
        "service_at_location__location",
    ]
    search_fields = ["number", "description", "organization__name", "service__name", "location__name"]
    autocomplete_fields = OWNERS
    fields = [*OWNERS, "number", "extension", "type", "description"]
    inlines = [LanguageInline]

    @admin.display(description="belongs to")
    def owner(self, phone: Phone):
        return first_owner(phone, self.OWNERS)


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    OWNERS = ["service", "location", "service_at_location"]

    list_display = ["__str__", "kind", "owner", "timezone"]
    list_filter = ["kind", "weekday"]
    list_select_related = ["service", "location", "service_at_location__service", "service_at_location__location"]
    search_fields = ["description", "service__name", "location__name", "service__organization__name"]
    autocomplete_fields = OWNERS
    fields = [
        *OWNERS,
        "kind",
        ("weekday", "opens_at", "closes_at"),
        ("valid_from", "valid_to"),
        "timezone",
        "description",
        "notes",
    ]

    @admin.display(description="belongs to")
    def owner(self, schedule: Schedule):
        return first_owner(schedule, self.OWNERS)


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    formfield_overrides = LIMITED_JSON
    list_display = ["__str__", "service", "extent_type"]
    list_filter = ["extent_type"]
    list_select_related = ["service"]
    search_fields = ["name", "description", "service__name", "service__organization__name"]
    autocomplete_fields = ["service", "service_at_location"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    OWNERS = ["service", "location", "phone"]

    list_display = ["name", "code", "owner", "note"]
    list_filter = ["code"]
    list_select_related = OWNERS
    search_fields = ["name", "code", "service__name", "location__name", "phone__number"]
    autocomplete_fields = OWNERS

    @admin.display(description="belongs to")
    def owner(self, language: Language):
        return first_owner(language, self.OWNERS)


@admin.register(CostOption)
class CostOptionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "service", "amount", "currency", "valid_from", "valid_to"]
    list_select_related = ["service"]
    search_fields = ["option", "amount_description", "service__name"]
    autocomplete_fields = ["service"]


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(admin.ModelAdmin):
    list_display = ["document", "service"]
    list_select_related = ["service"]
    search_fields = ["document", "service__name"]
    autocomplete_fields = ["service"]


@admin.register(Accessibility)
class AccessibilityAdmin(admin.ModelAdmin):
    list_display = ["description", "location"]
    list_select_related = ["location"]
    search_fields = ["description", "details", "location__name"]
    autocomplete_fields = ["location"]


@admin.register(AdditionalUrl)
class AdditionalUrlAdmin(admin.ModelAdmin):
    OWNERS = ["organization", "service"]

    list_display = ["__str__", "url", "owner"]
    list_select_related = OWNERS
    search_fields = ["label", "url", "organization__name", "service__name"]
    autocomplete_fields = OWNERS

    @admin.display(description="belongs to")
    def owner(self, url: AdditionalUrl):
        return first_owner(url, self.OWNERS)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "scheme", "identifier"]
    search_fields = ["name", "scheme", "identifier"]


@admin.register(ServiceCapacity)
class ServiceCapacityAdmin(admin.ModelAdmin):
    list_display = ["service", "unit", "available", "maximum", "updated_at"]
    list_select_related = ["service", "unit"]
    search_fields = ["service__name", "unit__name", "description"]
    autocomplete_fields = ["service", "unit"]


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = ["taxonomy_term", "link_entity", "link_id", "value"]
    list_filter = ["link_entity", "taxonomy_term__taxonomy"]
    list_select_related = ["taxonomy_term"]
    search_fields = ["value", "taxonomy_term__code", "taxonomy_term__name"]
    autocomplete_fields = ["taxonomy_term"]


# Partner self-service. Decisions are made in the agency portal (/portal/), where they are checked and
# recorded; here staff can look things up. History is never edited.


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["service", "kind", "source", "created_at", "is_open", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "kind", "source"]
    list_select_related = ["service"]
    search_fields = ["service__name", "service__organization__name", "note", "resolution_note"]
    autocomplete_fields = ["service", "reported_by", "resolved_by"]

    @admin.display(description="open", boolean=True, ordering="resolved_at")
    def is_open(self, correction: Correction) -> bool:
        return correction.is_open


@admin.register(NetworkSettings)
class NetworkSettingsAdmin(admin.ModelAdmin):
    """The one settings row: it can be created once and never deleted."""

    list_display = ["__str__", "publishing_mode", "hide_unverified_after_days", "updated_at", "updated_by"]
    fields = ["publishing_mode", "hide_unverified_after_days"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not NetworkSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: NetworkSettings, form, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "changed_by", "organization", "service", "resource_type", "action", "field_name"]
    list_filter = ["resource_type", "action"]
    list_select_related = ["changed_by", "organization", "service"]
    search_fields = ["organization__name", "service__name", "field_name", "previous_value", "replacement_value"]
    date_hierarchy = "changed_at"


@admin.register(PendingEdit)
class PendingEditAdmin(ReadOnlyAdmin):
    list_display = ["submitted_at", "organization", "service", "section", "status", "submitted_by", "review_link"]
    list_filter = ["status", "section"]
    list_select_related = ["organization", "service", "submitted_by"]
    search_fields = ["organization__name", "service__name"]

    @admin.display(description="review")
    def review_link(self, edit: PendingEdit) -> str:
        return format_html('<a href="{}">review in the portal</a>', reverse("portal:review_edit", args=[edit.pk]))


@admin.register(EditorClaim)
class EditorClaimAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "requested_by", "organization", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["requested_by", "organization", "decided_by"]
    search_fields = ["requested_by__username", "requested_by__email", "organization__name"]


@admin.register(JoinRequest)
class JoinRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organization_name", "service_name", "requested_by", "status", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    search_fields = ["organization_name", "service_name", "requested_by__username"]


@admin.register(VerificationReminder)
class VerificationReminderAdmin(ReadOnlyAdmin):
    list_display = ["sent_on", "user", "service"]
    list_select_related = ["user", "service"]
    search_fields = ["user__username", "service__name"]
    date_hierarchy = "sent_on"
