"""Listings, shaped after Open Referral HSDS 3.0 (../shared/hsds/v3.0/schema/*.json).

Field names follow HSDS where HSDS has the concept, so the feed and the importer map one to one.
What a referral network needs beyond HSDS (capacity, how to refer, verification, structured
eligibility) sits beside the HSDS fields on Service and travels in the feed as attributes.

Every record has a UUID primary key (HSDS requires UUIDs) and ``modified_at``. A change to a child
record (phone, schedule, location ...) also marks its services modified: see providers/signals.py.
"""

import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from providers.uris import WebAddressField

US_ZIP_MESSAGE = "A US ZIP code is 5 digits, like 80219."
validate_us_zip = RegexValidator(r"^\d{5}$", US_ZIP_MESSAGE, code="invalid_zip")
LANGUAGE_CODE_MESSAGE = "Use an ISO 639-1 language code like 'es', or ISO 639-3 for a language without one, like 'hmn'."
validate_language_code = RegexValidator(r"^[a-z]{2,3}$", LANGUAGE_CODE_MESSAGE, code="invalid_language")
TIMEZONE_MESSAGE = "'{value}' is not a time zone name like America/Denver."
AGE_RANGE_MESSAGE = "The minimum age must not be greater than the maximum age."
SCHEDULE_SAME_TIMES_MESSAGE = "Opening and closing times are the same; give the hours the service is open."
SERVICE_AREA_EXTENT_MESSAGE = (
    "A service area has exactly one kind of extent: {extent_type} needs {needs} and nothing else."
)
COUNTY_MESSAGE = "Write a county as 'Denver County, CO'."
SERVICE_AREA_LOCATION_MESSAGE = "Choose a location of this service."
ORPHAN_MESSAGE = "Attach this {what} to at least one of: {owners}."


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(TIMEZONE_MESSAGE.format(value=value), code="invalid_timezone") from None


class Record(models.Model):
    """The fields every HSDS record shares here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Used by the feed's modified_after; child records also bump their services' modified_at.
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Taxonomy(Record):
    """A vocabulary of terms: service categories, populations served, insurance plans."""

    # Codes of the taxonomies the product relies on; the reference data creates them.
    CATEGORIES = "categories"
    POPULATIONS = "populations"
    INSURANCE = "insurance"

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField()
    uri = WebAddressField(blank=True)
    version = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name_plural = "taxonomies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxonomyTermQuerySet(models.QuerySet):
    def categories(self):
        return self.filter(taxonomy__code=Taxonomy.CATEGORIES)

    def populations(self):
        return self.filter(taxonomy__code=Taxonomy.POPULATIONS)

    def insurance(self):
        return self.filter(taxonomy__code=Taxonomy.INSURANCE)

    def top_level(self):
        return self.filter(parent__isnull=True)


class TaxonomyTerm(Record):
    """A term of a taxonomy. ``code`` is stable and used in URLs and the API (``child-care``)."""

    taxonomy = models.ForeignKey(Taxonomy, models.PROTECT, related_name="terms")
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    code = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    name_es = models.CharField("name in Spanish", max_length=200, blank=True)
    description = models.TextField(blank=True)
    # Words people search with that are not in the name ("daycare" for child care).
    synonyms = models.TextField(blank=True, help_text="Comma-separated words that mean this term.")
    # The same in Spanish, analysed as Spanish by search (search/needs.py): "guardería", "pagar la luz".
    synonyms_es = models.TextField(
        "synonyms in Spanish",
        blank=True,
        help_text="Comma-separated Spanish words and phrases that mean this term.",
    )
    term_uri = WebAddressField(blank=True)

    objects = TaxonomyTermQuerySet.as_manager()

    class Meta:
        ordering = ["taxonomy", "name"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "code"], name="providers_taxonomyterm_unique_code"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="providers_taxonomyterm_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": "A term cannot be its own ancestor."})
            if ancestor.taxonomy_id != self.taxonomy_id:
                raise ValidationError({"parent": "A term's parent must be in the same taxonomy."})
            ancestor = ancestor.parent

    @property
    def localized_name(self) -> str:
        if get_language() == "es" and self.name_es:
            return self.name_es
        return self.name

    def ancestors(self) -> list["TaxonomyTerm"]:
        """Return the parent, grandparent ... up to the top (a query per level)."""
        chain = []
        term = self.parent
        while term is not None:
            chain.append(term)
            term = term.parent
        return chain


class Organization(Record):
    """An agency: a provider that lists services, a workforce program that refers, or both."""

    name = models.CharField(max_length=200)
    alternate_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)  # HSDS 3.0 requires the key; "" is a valid value
    # The Spanish version an agency wrote (never machine-translated); empty: the page shows the English.
    name_es = models.CharField("name in Spanish", max_length=200, blank=True)
    description_es = models.TextField("description in Spanish", blank=True)
    email = models.EmailField(blank=True)
    website = WebAddressField(blank=True)
    tax_status = models.CharField(max_length=100, blank=True)
    tax_id = models.CharField(max_length=50, blank=True)
    year_incorporated = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1600), MaxValueValidator(2100)]
    )
    legal_status = models.CharField(max_length=100, blank=True)
    logo = WebAddressField(blank=True)
    uri = WebAddressField(blank=True)
    parent_organization = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="child_organizations"
    )
    # Fictional records of the demo network; the UI labels them so nobody mistakes them for real help.
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Service.Status.ACTIVE)

    def listed(self):
        """Services the public directory shows: active or temporarily closed."""
        return self.filter(status__in=[Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED])

    def stale(self):
        """Services nobody confirmed within VERIFY_AFTER_DAYS: the rule of ``Service.is_stale``, in SQL."""
        cutoff = timezone.now() - datetime.timedelta(days=settings.VERIFY_AFTER_DAYS)
        return self.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff))


class Service(Record):
    """A service an organization offers, with what a referral network needs to know about it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Closed for good")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    class Capacity(models.TextChoices):
        ACCEPTING = "accepting", _("Accepting new clients")
        WAITLIST = "waitlist", _("Waitlist")
        NOT_ACCEPTING = "not_accepting", _("Not accepting new clients")
        NOT_STATED = "not_stated", _("Capacity not stated")

    class ReferralMethod(models.TextChoices):
        ELECTRONIC = "electronic", _("Electronic referral in the network")
        CONTACT = "contact", _("Contact the provider directly")
        NOT_STATED = "not_stated", _("Not stated")

    class Gender(models.TextChoices):
        ANY = "any", _("Any gender")
        WOMEN = "women", _("Women only")
        MEN = "men", _("Men only")
        NOT_STATED = "not_stated", _("Not stated")

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="services")
    name = models.CharField(max_length=200)
    alternate_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    url = WebAddressField(blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    interpretation_services = models.TextField(blank=True)
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    wait_time = models.CharField(max_length=1000, blank=True)
    accreditations = models.TextField(blank=True)
    licenses = models.TextField(blank=True)
    alert = models.TextField(blank=True)
    keywords = models.TextField(blank=True, help_text="Comma-separated words people search with.")

    # The Spanish versions of the texts a participant reads, as the agency wrote them (never
    # machine-translated); an empty one shows the English, marked as only in English (providers/translations.py).
    name_es = models.CharField("name in Spanish", max_length=200, blank=True)
    description_es = models.TextField("description in Spanish", blank=True)
    eligibility_description_es = models.TextField("eligibility in Spanish", blank=True)
    application_process_es = models.TextField("how to apply in Spanish", blank=True)
    fees_description_es = models.TextField("fees in Spanish", blank=True)

    categories = models.ManyToManyField(TaxonomyTerm, related_name="category_services", blank=True)

    # Capacity and referral: what a case manager needs before sending someone. Nothing is claimed until
    # someone states it (an agency, an admin, a source that says it): a listing starts "not stated".
    capacity_status = models.CharField(max_length=20, choices=Capacity.choices, default=Capacity.NOT_STATED)
    capacity_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When capacity was last stated; empty while it never was."
    )
    referral_method = models.CharField(max_length=20, choices=ReferralMethod.choices, default=ReferralMethod.NOT_STATED)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Structured eligibility, read by the evaluator; eligibility_description says it in words.
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(130)])
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(130)])
    income_limit_percent_fpl = models.PositiveSmallIntegerField(
        "income limit (% of the federal poverty guideline)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.NOT_STATED)
    populations = models.ManyToManyField(TaxonomyTerm, related_name="population_services", blank=True)
    # Yes, no, or None: not stated (the evaluator then says "maybe", never "eligible").
    populations_required = models.BooleanField(
        null=True,
        blank=True,
        help_text="Yes: only people in one of the populations qualify. "
        "No: the populations are a focus, and anyone may be served. Unknown: not stated.",
    )
    residency_required = models.BooleanField(
        null=True,
        blank=True,
        help_text="Yes: only people who live in the service area qualify. Unknown: not stated.",
    )
    insurance_accepted = models.ManyToManyField(TaxonomyTerm, related_name="insurance_services", blank=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=models.F("maximum_age")),
                name="providers_service_age_range_ordered",
                violation_error_message=AGE_RANGE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(income_limit_percent_fpl__isnull=True) | Q(income_limit_percent_fpl__gt=0),
                name="providers_service_income_limit_positive",
                violation_error_message="The income limit must be more than 0% of the poverty guideline.",
            ),
        ]
        indexes = [
            # The review and freshness pages list services by last verification.
            models.Index(fields=["last_verified_at"], name="providers_service_verified_idx"),
            # The HSDS feed's pages and its count: listed services in name, id order. With the status in
            # it, a page's ids and the count come from the index alone (providers/hsds/views.py, listing).
            models.Index(fields=["name", "id", "status"], name="providers_service_feed_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("providers:service_detail", args=[self.pk])

    @property
    def is_stale(self) -> bool:
        """True when nobody confirmed the listing within VERIFY_AFTER_DAYS."""
        return listing_is_stale(self.last_verified_at)

    @property
    def accepts_electronic_referrals(self) -> bool:
        return self.referral_method == self.ReferralMethod.ELECTRONIC


def listing_is_stale(last_verified_at: datetime.datetime | None) -> bool:
    """True when a listing last verified then (None: never) is due to be confirmed again (Service.is_stale)."""
    if last_verified_at is None:
        return True
    return timezone.now() - last_verified_at > datetime.timedelta(days=settings.VERIFY_AFTER_DAYS)


class Location(Record):
    """A place where services are delivered (or a postal or virtual location)."""

    class Type(models.TextChoices):
        PHYSICAL = "physical", _("In person")
        POSTAL = "postal", _("Mailing address")
        VIRTUAL = "virtual", _("Online or by phone")

    # HSDS does not require it: a location imported without its organization is kept without one.
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="locations", null=True, blank=True)
    location_type = models.CharField(max_length=10, choices=Type.choices, default=Type.PHYSICAL)
    url = WebAddressField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    alternate_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    external_identifier = models.CharField(max_length=100, blank=True)
    external_identifier_type = models.CharField(max_length=100, blank=True)
    services = models.ManyToManyField(Service, through="ServiceAtLocation", related_name="locations")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="providers_location_latitude_range",
                violation_error_message="Latitude must be between -90 and 90.",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="providers_location_longitude_range",
                violation_error_message="Longitude must be between -180 and 180.",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="providers_location_coordinates_paired",
                violation_error_message="Give both latitude and longitude, or neither.",
            ),
        ]
        indexes = [
            # Bounding-box prefilter for distance queries: latitude range first, then longitude.
            models.Index(fields=["latitude", "longitude"], name="providers_location_latlon_idx"),
        ]

    def __str__(self) -> str:
        return self.name or f"Location {self.pk}"

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class ServiceAtLocation(Record):
    """A service delivered at a location."""

    service = models.ForeignKey(Service, models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, models.CASCADE, related_name="service_at_locations")
    description = models.TextField(blank=True)

    class Meta:
        verbose_name = "service at location"
        verbose_name_plural = "services at locations"
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="providers_serviceatlocation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


class Address(Record):
    """A location's street or mailing address. US addresses use a 5-digit ZIP."""

    location = models.ForeignKey(Location, models.CASCADE, related_name="addresses")
    attention = models.CharField(max_length=200, blank=True)
    address_1 = models.CharField(max_length=200)
    address_2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True, help_text="County, like 'Denver County'.")
    state_province = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=10)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2 country code.")
    address_type = models.CharField(max_length=10, choices=Location.Type.choices, default=Location.Type.PHYSICAL)

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.address_1}, {self.city}, {self.state_province} {self.postal_code}"

    def clean(self) -> None:
        if self.country == "US":
            try:
                validate_us_zip(self.postal_code)
            except ValidationError as error:
                raise ValidationError({"postal_code": error.messages}) from None


class Phone(Record):
    """A phone number of an organization, service, location or service at a location."""

    class Type(models.TextChoices):
        VOICE = "voice", _("Voice")
        TEXT = "text", _("Text")
        CELL = "cell", _("Cell")
        FAX = "fax", _("Fax")
        VIDEO = "video", _("Video")
        PAGER = "pager", _("Pager")
        TEXTPHONE = "textphone", _("TTY")

    organization = models.ForeignKey(Organization, models.CASCADE, null=True, blank=True, related_name="phones")
    service = models.ForeignKey(Service, models.CASCADE, null=True, blank=True, related_name="phones")
    location = models.ForeignKey(Location, models.CASCADE, null=True, blank=True, related_name="phones")
    service_at_location = models.ForeignKey(
        ServiceAtLocation, models.CASCADE, null=True, blank=True, related_name="phones"
    )
    # Real data writes more than digits: "Phone No: (202) 797-8806 Ext: 1041".
    number = models.CharField(max_length=100)
    extension = models.CharField(max_length=10, blank=True)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.VOICE)
    description = models.CharField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False)
                | Q(service__isnull=False)
                | Q(location__isnull=False)
                | Q(service_at_location__isnull=False),
                name="providers_phone_has_owner",
                violation_error_message=ORPHAN_MESSAGE.format(
                    what="phone", owners="organization, service, location, service at location"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} x{self.extension}" if self.extension else self.number

    @property
    def reader_label(self) -> str:
        """Name the line as a participant would: HSDS's "voice" is a plain phone ("Voz" in Spanish reads as
        an untranslated calque), "text" a number for text messages, "video" one for video calls."""
        return str(PHONE_READER_LABELS.get(self.type, self.get_type_display()))


PHONE_READER_LABELS = {
    Phone.Type.VOICE: _("Phone"),
    Phone.Type.TEXT: _("Text messages"),
    Phone.Type.VIDEO: _("Video call"),
}


class Schedule(Record):
    """Weekly opening hours, or a closure on given dates.

    Hours: one row per weekday and opening interval. ``closes_at`` earlier than ``opens_at`` means
    the service stays open past midnight (22:00-06:00 closes at 06:00 the next morning).
    Closure: ``valid_from``..``valid_to`` (inclusive) when the service is closed, e.g. a holiday.
    Times are in ``timezone``, the schedule's own IANA zone.
    """

    class Kind(models.TextChoices):
        HOURS = "hours", _("Opening hours")
        CLOSURE = "closure", _("Closed")

    class Weekday(models.TextChoices):
        # HSDS `byday` codes, in ISO order so that Monday is 0 as in date.weekday().
        MO = "MO", _("Monday")
        TU = "TU", _("Tuesday")
        WE = "WE", _("Wednesday")
        TH = "TH", _("Thursday")
        FR = "FR", _("Friday")
        SA = "SA", _("Saturday")
        SU = "SU", _("Sunday")

    service = models.ForeignKey(Service, models.CASCADE, null=True, blank=True, related_name="schedules")
    location = models.ForeignKey(Location, models.CASCADE, null=True, blank=True, related_name="schedules")
    service_at_location = models.ForeignKey(
        ServiceAtLocation, models.CASCADE, null=True, blank=True, related_name="schedules"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.HOURS)
    weekday = models.CharField(max_length=2, choices=Weekday.choices, blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default=settings.TIME_ZONE, validators=[validate_timezone])
    description = models.CharField(max_length=1000, blank=True, help_text="For a closure: the holiday's name.")
    notes = models.TextField(blank=True)
    description_es = models.CharField("description in Spanish", max_length=1000, blank=True)
    notes_es = models.TextField("notes in Spanish", blank=True)

    class Meta:
        ordering = ["kind", "weekday", "opens_at", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(location__isnull=False) | Q(service_at_location__isnull=False),
                name="providers_schedule_has_owner",
                violation_error_message=ORPHAN_MESSAGE.format(
                    what="schedule", owners="service, location, service at location"
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind="closure") | (~Q(weekday="") & Q(opens_at__isnull=False, closes_at__isnull=False)),
                name="providers_schedule_hours_complete",
                violation_error_message="Opening hours need a weekday, an opening time and a closing time.",
            ),
            models.CheckConstraint(
                condition=Q(kind="hours") | Q(valid_from__isnull=False),
                name="providers_schedule_closure_has_date",
                violation_error_message="A closure needs the date it starts.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="providers_schedule_dates_ordered",
                violation_error_message="The end date must not be before the start date.",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.CLOSURE:
            return f"Closed {self.valid_from}–{self.valid_to or self.valid_from} {self.description}".strip()
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.kind == self.Kind.HOURS and self.opens_at is not None and self.opens_at == self.closes_at:
            raise ValidationError({"closes_at": SCHEDULE_SAME_TIMES_MESSAGE})

    @property
    def past_midnight(self) -> bool:
        return self.kind == self.Kind.HOURS and self.closes_at < self.opens_at

    @property
    def last_day(self) -> datetime.date | None:
        return self.valid_to or self.valid_from


class ServiceArea(Record):
    """Where a service's clients must live: ZIP codes, counties, a radius around a point, or a polygon."""

    class ExtentType(models.TextChoices):
        POSTAL_CODES = "postal_codes", _("ZIP codes")
        COUNTIES = "counties", _("Counties")
        RADIUS = "radius", _("Distance from a point")
        POLYGON = "geojson", _("Area on a map")

    service = models.ForeignKey(Service, models.CASCADE, related_name="service_areas")
    # HSDS 3.1: the area where the service is offered from one of its locations (a location of this service).
    service_at_location = models.ForeignKey(
        ServiceAtLocation, models.CASCADE, null=True, blank=True, related_name="service_areas"
    )
    name = models.CharField(max_length=1000, blank=True)
    description = models.TextField(blank=True)
    extent_type = models.CharField(max_length=20, choices=ExtentType.choices)
    postal_codes = models.JSONField(default=list, blank=True, help_text='A list of ZIP codes: ["80219", "80223"].')
    counties = models.JSONField(default=list, blank=True, help_text='A list of counties: ["Denver County, CO"].')
    center_latitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    center_longitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    radius_miles = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0.1), MaxValueValidator(500)])
    polygon = models.JSONField(null=True, blank=True, help_text="A GeoJSON Polygon or MultiPolygon geometry.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(extent_type="radius")
                    & Q(center_latitude__isnull=False, center_longitude__isnull=False, radius_miles__gt=0)
                )
                | (
                    ~Q(extent_type="radius")
                    & Q(center_latitude__isnull=True, center_longitude__isnull=True, radius_miles__isnull=True)
                ),
                name="providers_servicearea_radius_complete",
                violation_error_message=(
                    "A radius needs a center point and a distance in miles; other extents have neither."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.get_extent_type_display()

    def clean(self) -> None:
        # Checked when the link is at hand (a form, or code that passes the object): no query. The importer
        # checks its links in sets.
        link = self.service_at_location if ServiceArea.service_at_location.is_cached(self) else None
        if link is not None and link.service_id != self.service_id:
            raise ValidationError({"service_at_location": SERVICE_AREA_LOCATION_MESSAGE})
        has = {
            self.ExtentType.POSTAL_CODES: bool(self.postal_codes),
            self.ExtentType.COUNTIES: bool(self.counties),
            self.ExtentType.RADIUS: self.radius_miles is not None
            or self.center_latitude is not None
            or self.center_longitude is not None,
            self.ExtentType.POLYGON: bool(self.polygon),
        }
        needs = {
            self.ExtentType.POSTAL_CODES: "a list of ZIP codes",
            self.ExtentType.COUNTIES: "a list of counties",
            self.ExtentType.RADIUS: "a center point and a radius in miles",
            self.ExtentType.POLYGON: "a GeoJSON polygon",
        }
        if self.extent_type not in has:
            return  # the choices validator reports it
        others = [kind for kind, present in has.items() if present and kind != self.extent_type]
        complete = has[self.extent_type] and (
            self.extent_type != self.ExtentType.RADIUS
            or None not in (self.radius_miles, self.center_latitude, self.center_longitude)
        )
        if others or not complete:
            raise ValidationError(
                SERVICE_AREA_EXTENT_MESSAGE.format(
                    extent_type=self.get_extent_type_display(), needs=needs[self.extent_type]
                )
            )
        if self.extent_type == self.ExtentType.POSTAL_CODES:
            if not isinstance(self.postal_codes, list):
                raise ValidationError({"postal_codes": US_ZIP_MESSAGE})
            for zip_code in self.postal_codes:
                try:
                    validate_us_zip(str(zip_code))
                except ValidationError:
                    raise ValidationError({"postal_codes": f"{zip_code!r}: {US_ZIP_MESSAGE}"}) from None
        if self.extent_type == self.ExtentType.COUNTIES and not (
            isinstance(self.counties, list) and all(is_county(county) for county in self.counties)
        ):
            raise ValidationError({"counties": COUNTY_MESSAGE})
        if self.extent_type == self.ExtentType.POLYGON:
            validate_geojson_polygon(self.polygon)


def is_county(value) -> bool:
    """'Denver County, CO': a name, a comma, a two-letter state."""
    return isinstance(value, str) and value.count(",") == 1 and len(value.rsplit(",", 1)[1].strip()) == 2


POLYGON_MESSAGE = "Give a GeoJSON Polygon or MultiPolygon with closed rings of [longitude, latitude] points."


def validate_geojson_polygon(geometry) -> None:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError({"polygon": POLYGON_MESSAGE})
    polygons = [geometry.get("coordinates")] if geometry["type"] == "Polygon" else geometry.get("coordinates")
    try:
        for polygon in polygons:
            for ring in polygon:
                if len(ring) < 4 or ring[0] != ring[-1]:
                    raise ValueError
                for longitude, latitude in ring:
                    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
                        raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"polygon": POLYGON_MESSAGE}) from None


class Language(Record):
    """A language spoken at a service, location or phone."""

    service = models.ForeignKey(Service, models.CASCADE, null=True, blank=True, related_name="languages")
    location = models.ForeignKey(Location, models.CASCADE, null=True, blank=True, related_name="languages")
    phone = models.ForeignKey(Phone, models.CASCADE, null=True, blank=True, related_name="languages")
    name = models.CharField(max_length=100)
    # HSDS 3.0 allows ISO 639-3 codes: Hmong (hmn) or American Sign Language (ase) have no ISO 639-1 code.
    code = models.CharField(
        max_length=3,
        validators=[validate_language_code],
        help_text="ISO 639-1, like 'es'; ISO 639-3 for a language without one, like 'hmn'.",
    )
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(location__isnull=False) | Q(phone__isnull=False),
                name="providers_language_has_owner",
                violation_error_message=ORPHAN_MESSAGE.format(what="language", owners="service, location, phone"),
            ),
        ]
        indexes = [
            # Search filters services by the languages spoken.
            models.Index(fields=["code"], name="providers_language_code_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class CostOption(Record):
    """What a service costs; an amount of 0 means free."""

    service = models.ForeignKey(Service, models.CASCADE, related_name="cost_options")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    option = models.CharField(max_length=1000, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    amount_description = models.CharField(max_length=1000, blank=True)
    option_es = models.CharField("option in Spanish", max_length=1000, blank=True)
    amount_description_es = models.CharField("amount description in Spanish", max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="providers_costoption_amount_not_negative",
                violation_error_message="A cost cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.option or f"{self.amount} {self.currency}"


class RequiredDocument(Record):
    """A document a person must bring to be served."""

    service = models.ForeignKey(Service, models.CASCADE, related_name="required_documents")
    document = models.TextField()  # a list of papers in words: the official HSDS example has 279 characters
    uri = WebAddressField(blank=True)
    document_es = models.TextField("document in Spanish", blank=True)

    def __str__(self) -> str:
        return self.document


class Accessibility(Record):
    """An accessibility feature of a location: one of a few known features, or one described in words.

    A known feature is what search filters on ("wheelchair accessible") and what pages show in the
    reader's language. Its description is its English label (english_label), as HSDS carries it
    (providers/hsds/serialize.py) and as the import reads it back.
    """

    class Feature(models.TextChoices):
        STEP_FREE_ENTRANCE = "step_free_entrance", _("Step-free entrance")
        ELEVATOR = "elevator", _("Elevator")
        ACCESSIBLE_RESTROOM = "accessible_restroom", _("Accessible restroom")
        ACCESSIBLE_PARKING = "accessible_parking", _("Accessible parking")
        TTY = "tty", _("TTY (text telephone)")
        HEARING_LOOP = "hearing_loop", _("Hearing loop")
        SIGN_LANGUAGE = "sign_language", _("Sign language interpreting")
        LARGE_PRINT_BRAILLE = "large_print_braille", _("Large print or braille")

    # What a person using a wheelchair needs to get in: the search filter "wheelchair accessible".
    WHEELCHAIR_FEATURES = frozenset({Feature.STEP_FREE_ENTRANCE})

    location = models.ForeignKey(Location, models.CASCADE, related_name="accessibility")
    # Blank for a feature described only in words (as other directories' data often has it).
    feature = models.CharField(max_length=30, choices=Feature.choices, blank=True)
    description = models.TextField(blank=True)  # HSDS requires none of the three: details or a URL may say it
    details = models.TextField(blank=True)
    url = WebAddressField(blank=True)

    class Meta:
        verbose_name_plural = "accessibility features"

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The feature's name in the reader's language, or the description it was given in words."""
        return self.get_feature_display() if self.feature else self.description

    @classmethod
    def english_label(cls, feature: str) -> str:
        """A known feature's label in English: its description in the listing and in HSDS."""
        with translation.override("en"):
            return str(cls.Feature(feature).label)

    @classmethod
    def feature_for(cls, description: str) -> str:
        """Return the known feature a description names by its English or Spanish label or code, or ""."""
        wanted = " ".join(description.split()).casefold()
        for feature in cls.Feature:
            names = {feature.value, str(feature.label)}
            for language in ("en", "es"):
                with translation.override(language):
                    names.add(str(feature.label))
            if wanted in {name.casefold() for name in names}:
                return feature.value
        return ""


class AdditionalUrl(Record):
    """A further web address of an organization or a service, with what it is (HSDS 3.1 ``url``).

    The organization's are its HSDS ``additional_websites``, the service's its ``additional_urls``.
    """

    organization = models.ForeignKey(
        Organization, models.CASCADE, null=True, blank=True, related_name="additional_websites"
    )
    service = models.ForeignKey(Service, models.CASCADE, null=True, blank=True, related_name="additional_urls")
    label = models.CharField(max_length=200, blank=True, help_text="What the address is, like 'Facebook'.")
    url = WebAddressField("URL")

    class Meta:
        verbose_name = "additional URL"
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(service__isnull=False),
                name="providers_additionalurl_has_owner",
                violation_error_message=ORPHAN_MESSAGE.format(what="web address", owners="organization, service"),
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.url


class Unit(Record):
    """What a service's capacity is counted in: beds, places, hours (HSDS 3.1 ``unit``)."""

    name = models.CharField(max_length=200)
    scheme = models.CharField(max_length=100, blank=True, help_text="The scheme that defines it, like 'SI'.")
    identifier = models.CharField(max_length=100, blank=True, help_text="Its identifier in the scheme.")
    uri = WebAddressField("URI", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceCapacity(Record):
    """How much of a service is free, in a unit, and when that was stated (HSDS 3.1 ``service_capacity``).

    Numbers beside the service's ``capacity_status`` (accepting, waitlist ...), which stays the summary.
    """

    service = models.ForeignKey(Service, models.CASCADE, related_name="capacities")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="capacities")
    available = models.FloatField(validators=[MinValueValidator(0)])
    maximum = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now, help_text="When these numbers were stated.")

    class Meta:
        verbose_name_plural = "service capacities"
        constraints = [
            models.CheckConstraint(
                condition=Q(available__gte=0),
                name="providers_servicecapacity_available_not_negative",
                violation_error_message="The number available cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(maximum__isnull=True) | Q(maximum__gte=0),
                name="providers_servicecapacity_maximum_not_negative",
                violation_error_message="The maximum cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.available:g} {self.unit}"

    @property
    def available_number(self) -> int | float:
        """``available`` as a page shows it: 4, not 4.0 (a float is shown in the reader's notation)."""
        return whole(self.available)

    @property
    def maximum_number(self) -> int | float | None:
        return None if self.maximum is None else whole(self.maximum)


def whole(number: float) -> int | float:
    return int(number) if number.is_integer() else number


class Attribute(Record):
    """A taxonomy term attached to any record (HSDS ``attribute``), with an optional value.

    Categories, populations and insurance have their own relations on Service; this holds the
    other terms an import brings (for example from another taxonomy), so nothing is lost.
    """

    taxonomy_term = models.ForeignKey(TaxonomyTerm, models.PROTECT, related_name="attributes")
    link_type = models.CharField(max_length=50, blank=True)
    link_id = models.UUIDField(db_index=True)  # the record the term is attached to
    link_entity = models.CharField(max_length=50, help_text="The kind of record: service, location, organization ...")
    value = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.taxonomy_term} on {self.link_entity} {self.link_id}"


class CorrectionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class Correction(models.Model):
    """Someone says a listing is wrong: a participant through their feedback link, or a case manager.

    The listing's editors see it in their portal and resolve it with a note; admins see what stays open.
    """

    class Kind(models.TextChoices):
        WRONG_PHONE = "wrong_phone", _("Wrong phone number")
        CLOSED = "closed", _("Closed or no longer offered")
        MOVED = "moved", _("Moved to another address")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        OTHER = "other", _("Something else")

    class Source(models.TextChoices):
        PARTICIPANT = "participant", _("A participant's feedback")
        CASE_MANAGER = "case_manager", _("A case manager")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    note = models.TextField(blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    resolution_note = models.TextField(blank=True)
    # The participant feedback link that reported it, by its id (its referral's): an id, not a key,
    # because providers does not import referrals. One link keeps one open correction per listing.
    feedback_link = models.UUIDField(null=True, blank=True, editable=False)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "feedback_link"],
                condition=Q(resolved_at__isnull=True, feedback_link__isnull=False),
                name="providers_correction_one_open_per_feedback_link",
                violation_error_message="This feedback link already has an open correction on this listing.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.service}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# --- Partner self-service: the network's settings, the history of changes, edits held for review,
# --- requests to edit an organization or to join the network, and verification reminders.


class NetworkSettings(models.Model):
    """The network's choices about listings. One row (id 1), changed by network admins.

    Read with ``NetworkSettings.load()``: until an admin saves it, the defaults apply.
    """

    class PublishingMode(models.TextChoices):
        IMMEDIATE = "immediate", _("Publish agency edits at once")
        REVIEW = "review", _("Hold agency edits for a network administrator's review")

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    publishing_mode = models.CharField(max_length=10, choices=PublishingMode.choices, default=PublishingMode.IMMEDIATE)
    hide_unverified_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Leave listings nobody confirmed for this many days out of search results (they are never "
        "deleted). Empty: show them, flagged as not verified recently.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "network settings"
        verbose_name_plural = "network settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="providers_networksettings_singleton"),
        ]

    def __str__(self) -> str:
        return "Network settings"

    @classmethod
    def load(cls) -> "NetworkSettings":
        """Return the saved settings, or the defaults when none are saved (a query; never writes).

        Read on every search (search.query.verified_since): a raw query of the row, which Django need
        not build each time as it builds ``filter(pk=...).first()`` (a fifth of the cost); always fresh.
        """
        query = f"SELECT * FROM {cls._meta.db_table} WHERE id = %s"
        return next(iter(cls.objects.raw(query, [cls.SINGLETON_ID])), None) or cls()

    @property
    def holds_edits_for_review(self) -> bool:
        return self.publishing_mode == self.PublishingMode.REVIEW


class ChangeRecordQuerySet(models.QuerySet):
    def of_listing(self, service: "Service"):
        """Changes a listing shows: the service and its rows, and its organization's records (details, locations)."""
        return self.filter(Q(service=service) | Q(service__isnull=True, organization_id=service.organization_id))


class ChangeRecord(models.Model):
    """One change to one field of one listing record: who, when, the old and the new value. Never edited.

    Shaped like HSDS ``metadata`` (see ``as_hsds_metadata``) so the feed can publish the history.
    A change that adds or removes a record (an opening-hours row, a phone) is one row naming the record.
    """

    class ResourceType(models.TextChoices):
        # HSDS table names.
        ORGANIZATION = "organization", _("Organization")
        SERVICE = "service", _("Service")
        LOCATION = "location", _("Location")
        SERVICE_AT_LOCATION = "service_at_location", _("Location of the service")
        ADDRESS = "address", _("Address")
        PHONE = "phone", _("Phone")
        SCHEDULE = "schedule", _("Hours or closure")
        SERVICE_AREA = "service_area", _("Service area")
        LANGUAGE = "language", _("Language")
        COST_OPTION = "cost_option", _("Cost")
        REQUIRED_DOCUMENT = "required_document", _("Document to bring")
        ACCESSIBILITY = "accessibility", _("Accessibility")

    class Action(models.TextChoices):
        CREATE = "create", _("Added")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Removed")
        VERIFY = "verify", _("Confirmed still accurate")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="change_records")
    # The listing the change belongs to; empty for the organization's own records (its details, locations).
    service = models.ForeignKey(Service, models.CASCADE, null=True, blank=True, related_name="change_records")
    resource_type = models.CharField(max_length=30, choices=ResourceType.choices)
    resource_id = models.UUIDField()
    resource_label = models.CharField(max_length=300, blank=True, help_text="The record as it read after the change.")
    action = models.CharField(max_length=10, choices=Action.choices)
    field_name = models.CharField(max_length=100, blank=True)
    previous_value = models.TextField(blank=True)
    replacement_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    # Set when the change waited for review: the edit that was approved.
    pending_edit = models.ForeignKey(
        "PendingEdit", models.SET_NULL, null=True, blank=True, related_name="change_records"
    )

    objects = ChangeRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "resource_type", "field_name"]
        indexes = [
            # The history page of a listing, newest first.
            models.Index(fields=["service", "-changed_at"], name="providers_change_service_idx"),
            # The organization's history, and the organization-level part of each listing's history.
            models.Index(fields=["organization", "-changed_at"], name="providers_change_org_idx"),
            # HSDS metadata of one record.
            models.Index(fields=["resource_type", "resource_id"], name="providers_change_resource_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.resource_type} {self.field_name}".strip()

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("A change record is history: it is never edited.")
        super().save(*args, **kwargs)

    def as_hsds_metadata(self) -> dict:
        """Return this change as an HSDS 3.0 ``metadata`` record."""
        return {
            "id": str(self.pk),
            "resource_id": str(self.resource_id),
            "resource_type": self.resource_type,
            "last_action_date": self.changed_at.date().isoformat(),
            "last_action_type": self.action,
            "field_name": self.field_name,
            "previous_value": self.previous_value,
            "replacement_value": self.replacement_value,
            "updated_by": self.changed_by.get_username() if self.changed_by else "",
        }


class PendingEdit(models.Model):
    """An agency's edit held for a network admin's review (when the network publishes after review).

    ``data`` is the form as the editor posted it, ``start_data`` the form as it was shown to them (the listing
    then, or their own edits still waiting). Approving writes the fields that differ between the two onto
    the listing as it is by then (providers.portal.merging), through the same forms, so an approved edit is
    validated and saved like one published at once, with its history, and puts back nothing that changed
    meanwhile.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="pending_edits")
    service = models.ForeignKey(Service, models.CASCADE, null=True, blank=True, related_name="pending_edits")
    location = models.ForeignKey(Location, models.CASCADE, null=True, blank=True, related_name="pending_edits")
    section = models.CharField(max_length=30, help_text="Which portal page the edit was made on.")
    data = models.JSONField(help_text="The form as posted.")
    start_data = models.JSONField(
        default=dict,
        blank=True,
        help_text="The form as the editor opened it: approving writes only the fields the edit changed from it. "
        "Empty for edits sent before it was kept: those are compared with the listing as it is.",
    )
    changes = models.JSONField(default=list, blank=True, help_text="The changes as they read when the edit was sent.")
    base_state = models.JSONField(default=dict, blank=True, help_text="What the page showed when the editor opened it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["submitted_at"]
        indexes = [
            # The review queue: pending edits, grouped by organization.
            models.Index(fields=["status", "organization"], name="providers_pending_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.section} edit of {self.target_name}"

    @property
    def target_name(self) -> str:
        """The name of what the edit changes: a service, a location, or the organization."""
        target = self.service or self.location or self.organization
        return getattr(target, "name", "") or str(target)


class AccessRequest(models.Model):
    """What the two kinds of request share: who asked, and a network admin's decision with a note."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    message = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["created_at"]


class EditorClaim(AccessRequest):
    """A signed-in person asks to become an editor of an organization's listings."""

    organization = models.ForeignKey(Organization, models.CASCADE, related_name="editor_claims")

    class Meta(AccessRequest.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "organization"],
                condition=Q(status="pending"),
                name="providers_editorclaim_one_pending",
                violation_error_message="This person already asked to edit this organization.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requested_by} claims {self.organization}"


class JoinRequest(AccessRequest):
    """A new agency asks to join the network with its first listing; nothing is public until approved."""

    organization_name = models.CharField(max_length=200)
    organization_description = models.TextField()
    organization_website = WebAddressField(blank=True)
    organization_email = models.EmailField(blank=True)
    service_name = models.CharField(max_length=200)
    service_description = models.TextField()
    service_category = models.ForeignKey(TaxonomyTerm, models.PROTECT, related_name="+")
    service_phone = models.CharField(max_length=30, blank=True)
    service_email = models.EmailField(blank=True)
    service_url = WebAddressField(blank=True)
    # Filled in when approved: what the request became.
    organization = models.ForeignKey(Organization, models.SET_NULL, null=True, blank=True, related_name="+")
    service = models.ForeignKey(Service, models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.organization_name} asks to join"


class VerificationReminder(models.Model):
    """An editor was reminded on ``sent_on`` to confirm a stale listing: a day is claimed once."""

    service = models.ForeignKey(Service, models.CASCADE, related_name="verification_reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "user", "sent_on"], name="providers_verificationreminder_once_a_day"
            ),
        ]
        indexes = [
            # send_verification_reminders: who was reminded about what recently.
            models.Index(fields=["user", "sent_on"], name="providers_reminder_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} reminded about {self.service} on {self.sent_on}"
