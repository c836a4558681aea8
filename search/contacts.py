"""How to reach each service on a page of results: its phones and its weekly hours at the result's place.

The search index keeps neither (a new phone number changes nothing a search finds), so a page of results
reads them from the listings: three queries however many results the page shows. Printed results carry
them, so that a sheet of results is something a participant can act on.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from providers.hours import applicable_schedules
from providers.models import Phone, Schedule, Service
from providers.views import DayHours, weekly_hours


@dataclass
class CardContact:
    phones: list[Phone] = field(default_factory=list)
    week: list[DayHours] = field(default_factory=list)


def contacts_for(places: list[tuple[str, str | None]]) -> dict[str, CardContact]:
    """Return, by service id, the phones and weekly hours of each (service id, location id or None).

    The most specific phones there are: the place's, else the service's, else its organization's main line;
    the hours that apply at the place (providers.hours.applicable_schedules). Costs three queries.
    """
    if not places:
        return {}
    service_ids = [service_id for service_id, _ in places]
    location_ids = [location_id for _, location_id in places if location_id]
    organization_of = dict(Service.objects.filter(pk__in=service_ids).values_list("pk", "organization_id"))
    organization_of = {str(service_id): str(organization_id) for service_id, organization_id in organization_of.items()}

    phones_by = defaultdict(list)
    phones = Phone.objects.filter(
        Q(service_id__in=service_ids)
        | Q(location_id__in=location_ids)
        | Q(organization_id__in=set(organization_of.values()))
    ).order_by("created_at")
    for phone in phones:
        if phone.location_id:
            phones_by["location", str(phone.location_id)].append(phone)
        if phone.service_id:
            phones_by["service", str(phone.service_id)].append(phone)
        if phone.organization_id:
            phones_by["organization", str(phone.organization_id)].append(phone)

    schedules_by = defaultdict(list)
    schedules = Schedule.objects.filter(
        Q(service_id__in=service_ids)
        | Q(location_id__in=location_ids)
        | Q(service_at_location__service_id__in=service_ids, service_at_location__location_id__in=location_ids)
    ).select_related("service_at_location")
    for schedule in schedules:
        if schedule.service_at_location_id:
            link = schedule.service_at_location
            schedules_by["link", str(link.service_id), str(link.location_id)].append(schedule)
        elif schedule.service_id:
            schedules_by["service", str(schedule.service_id)].append(schedule)
        else:
            schedules_by["location", str(schedule.location_id)].append(schedule)

    contacts = {}
    for service_id, location_id in places:
        service_id, location_id = str(service_id), str(location_id) if location_id else None
        contact = CardContact()
        contact.phones = (
            (phones_by["location", location_id] if location_id else [])
            or phones_by["service", service_id]
            or phones_by["organization", organization_of.get(service_id, "")]
        )
        contact.week = weekly_hours(
            applicable_schedules(
                service_schedules=schedules_by["service", service_id],
                location_schedules=schedules_by["location", location_id] if location_id else [],
                sal_schedules=schedules_by["link", service_id, location_id] if location_id else [],
            )
        )
        contacts[service_id] = contact
    return contacts
