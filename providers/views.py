import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils import dateformat, timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from providers.access import get_service_for_user
from providers.hours import applicable_schedules
from providers.models import (
    Accessibility,
    AdditionalUrl,
    Address,
    CostOption,
    Language,
    Location,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from providers.translations import listing_text

EN_DASH = "\N{EN DASH}"
TERMS_BY_NAME = TaxonomyTerm.objects.order_by("name")

# Everything the detail page shows, fetched in a fixed number of queries however many locations,
# phones and schedules a service has.
SERVICE_DETAIL_PREFETCHES = [
    "organization",
    Prefetch("categories", queryset=TERMS_BY_NAME.select_related("parent")),
    Prefetch("populations", queryset=TERMS_BY_NAME),
    Prefetch("insurance_accepted", queryset=TERMS_BY_NAME),
    Prefetch("service_areas", queryset=ServiceArea.objects.order_by("name", "created_at")),
    Prefetch("required_documents", queryset=RequiredDocument.objects.order_by("created_at")),
    Prefetch("cost_options", queryset=CostOption.objects.order_by("amount", "created_at")),
    Prefetch("languages", queryset=Language.objects.order_by("name")),
    Prefetch("phones", queryset=Phone.objects.order_by("created_at")),
    Prefetch("capacities", queryset=ServiceCapacity.objects.select_related("unit").order_by("unit__name", "pk")),
    "schedules",
    Prefetch(
        "service_at_locations",
        queryset=ServiceAtLocation.objects.select_related("location").order_by("location__name", "created_at"),
    ),
    Prefetch("service_at_locations__phones", queryset=Phone.objects.order_by("created_at")),
    "service_at_locations__schedules",
    Prefetch("service_at_locations__location__addresses", queryset=Address.objects.order_by("created_at")),
    Prefetch("service_at_locations__location__phones", queryset=Phone.objects.order_by("created_at")),
    "service_at_locations__location__schedules",
    Prefetch("service_at_locations__location__accessibility", queryset=Accessibility.objects.order_by("description")),
    Prefetch("service_at_locations__location__languages", queryset=Language.objects.order_by("name")),
]


@dataclass
class DayHours:
    weekday: str
    intervals: list[str]


@dataclass
class LocationListing:
    """One place the service is delivered, with the facts the page shows for it."""

    location: Location | None  # None: a service offered online or by phone, with no place listed
    description: str
    addresses: list[Address]
    phones: list[Phone]
    week: list[DayHours]
    closures: list[Schedule]
    accessibility: list[Accessibility]
    languages: list[Language]
    time_zones: list[str] = field(default_factory=list)


def format_time(value: datetime.time) -> str:
    # Translators: a time of day in Django's date format syntax (g:i a is "6:30 p.m.", G:i is "18:30").
    return dateformat.time_format(value, pgettext("time of day format", "g:i a"))


def format_interval(schedule: Schedule) -> str:
    """Return "7:00 a.m. to 6:00 p.m." (with an en dash), ending "(next day)" when it runs past midnight.

    The hours note follows in the reader's language, said to be English when the agency wrote no Spanish.
    """
    hours = f"{format_time(schedule.opens_at)} {EN_DASH} {format_time(schedule.closes_at)}"
    if schedule.past_midnight:
        hours = _("%(hours)s (next day)") % {"hours": hours}
    if not schedule.description:
        return hours
    note = listing_text(schedule, "description")
    if note.only_in_english:
        return f"{hours} · {note} " + _("(only in English)")
    return f"{hours} · {note}"


def weekly_hours(schedules: list[Schedule]) -> list[DayHours]:
    """Return a row per weekday, Monday first, or nothing when no opening hours are known."""
    hours = [schedule for schedule in schedules if schedule.kind == Schedule.Kind.HOURS]
    if not hours:
        return []
    week = []
    for weekday in Schedule.Weekday:
        day = sorted((s for s in hours if s.weekday == weekday), key=lambda s: s.opens_at)
        week.append(DayHours(weekday=weekday.label, intervals=[format_interval(s) for s in day]))
    return week


def upcoming_closures(schedules: list[Schedule], today: datetime.date) -> list[Schedule]:
    closures = {
        schedule.pk: schedule
        for schedule in schedules
        if schedule.kind == Schedule.Kind.CLOSURE and schedule.last_day >= today
    }
    return sorted(closures.values(), key=lambda schedule: schedule.valid_from)


def other_time_zones(schedules: list[Schedule]) -> list[str]:
    """Name the time zones the hours are in when they are not the network's own."""
    return sorted({s.timezone for s in schedules if s.kind == Schedule.Kind.HOURS} - {settings.TIME_ZONE})


def location_listings(service: Service, today: datetime.date) -> list[LocationListing]:
    """Return the service's locations; hours come from the most specific schedule there is.

    HSDS lets hours hang on the service at a location, the service, or the location: see
    providers.hours.applicable_schedules.
    """
    service_schedules = list(service.schedules.all())
    listings = []
    for service_at_location in service.service_at_locations.all():
        location = service_at_location.location
        schedules = applicable_schedules(
            service_schedules=service_schedules,
            location_schedules=list(location.schedules.all()),
            sal_schedules=list(service_at_location.schedules.all()),
        )
        hours = [schedule for schedule in schedules if schedule.kind == Schedule.Kind.HOURS]
        listings.append(
            LocationListing(
                location=location,
                description=service_at_location.description,
                addresses=list(location.addresses.all()),
                phones=[*service_at_location.phones.all(), *location.phones.all()],
                week=weekly_hours(hours),
                closures=upcoming_closures(schedules, today),
                accessibility=list(location.accessibility.all()),
                languages=list(location.languages.all()),
                time_zones=other_time_zones(hours),
            )
        )
    if not listings:
        # A service offered online or by phone still has hours and closures of its own.
        listings.append(
            LocationListing(
                location=None,
                description="",
                addresses=[],
                phones=[],
                week=weekly_hours(service_schedules),
                closures=upcoming_closures(service_schedules, today),
                accessibility=[],
                languages=[],
                time_zones=other_time_zones(service_schedules),
            )
        )
    return listings


def web_addresses(service: Service) -> dict[str, list[AdditionalUrl]]:
    """The service's further web addresses and its organization's other ones (HSDS 3.1), in one query."""
    addresses = AdditionalUrl.objects.filter(Q(service=service) | Q(organization=service.organization_id))
    addresses = list(addresses.order_by("label", "url"))
    return {
        "service": [address for address in addresses if address.service_id == service.pk],
        "organization": [address for address in addresses if address.service_id != service.pk],
    }


def has_eligibility_limits(service: Service, service_areas: list[str]) -> bool:
    """Say whether the listing states any rule about who qualifies, or leaves the gender served unstated
    (uses the prefetched relations)."""
    return bool(
        service.eligibility_description
        or service.minimum_age is not None
        or service.maximum_age is not None
        or service.income_limit_percent_fpl
        or service.gender != Service.Gender.ANY
        or service.populations.all()
        or service_areas
        or service.residency_required
        or service.insurance_accepted.all()
    )


def describe_area(area: ServiceArea) -> str:
    """Name a service area in words: its own name, or what its extent covers."""
    if area.name:
        return area.name
    if area.extent_type == ServiceArea.ExtentType.POSTAL_CODES:
        codes = ", ".join(str(code) for code in area.postal_codes)
        return ngettext("ZIP code %(codes)s", "ZIP codes %(codes)s", len(area.postal_codes)) % {"codes": codes}
    if area.extent_type == ServiceArea.ExtentType.COUNTIES:
        return "; ".join(area.counties)
    if area.extent_type == ServiceArea.ExtentType.RADIUS:
        return _("Within %(miles)s miles of the service area's center") % {"miles": floatformat(area.radius_miles, -1)}
    return area.description or area.get_extent_type_display()


def track_records_for(service_ids: list) -> dict[str, str]:
    """Return {service id: "usually answers in 2 days · 85% completed"} for services with enough referrals.

    One query for any number of services. The figures live in referrals/, which providers does not
    import: settings.SERVICE_TRACK_RECORD names the function ({service id: track record}); without it, none.
    """
    path = getattr(settings, "SERVICE_TRACK_RECORD", "")
    if not path or not service_ids:
        return {}
    return {str(service_id): str(record) for service_id, record in import_string(path)(service_ids).items()}


def service_detail(request: HttpRequest, service_id) -> HttpResponse:
    """Show everything a case manager needs to decide on a referral (a fixed number of queries)."""
    service = get_service_for_user(request.user, service_id)
    prefetch_related_objects([service], *SERVICE_DETAIL_PREFETCHES)
    today = timezone.localdate()
    service_areas = [describe_area(area) for area in service.service_areas.all()]
    context = {
        "service": service,
        "is_listed": service.status in (Service.Status.ACTIVE, Service.Status.TEMPORARILY_CLOSED),
        "is_demo": service.organization.is_demo,
        "locations": location_listings(service, today),
        "service_areas": service_areas,
        "web_addresses": web_addresses(service),
        "has_eligibility_limits": has_eligibility_limits(service, service_areas),
        "verify_after_days": settings.VERIFY_AFTER_DAYS,
        "track_record": track_records_for([service.pk]).get(str(service.pk), ""),
    }
    return render(request, "providers/service_detail.html", context)
