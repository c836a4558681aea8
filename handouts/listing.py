"""What a participant is handed about each service: the facts they act on, in their language.

Name, phones (as tel: links), each place's address with a directions link, hours and whether it is open
now, what to bring, and the cost. Built from the listing only: nothing of the participant is read here,
so nothing of their eligibility, income or notes can reach a handout, an e-mail or the private link page.

The Spanish texts an agency wrote (``<field>_es``) are used on a Spanish handout; a text with no Spanish
version is shown in English and marked so (``lang="en"``).
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from handouts.directions import directions_url
from providers.hours import applicable_schedules, is_open_at
from providers.models import Accessibility, Phone, Service
from providers.views import SERVICE_DETAIL_PREFETCHES, DayHours, location_listings

SPANISH = "es"
# What a handout reads of a service: the service page's relations and the organization's own phones.
HANDOUT_PREFETCHES = [
    *SERVICE_DETAIL_PREFETCHES,
    Prefetch("organization__phones", queryset=Phone.objects.order_by("created_at")),
]


@dataclass(frozen=True)
class Text:
    """A listing text as the reader gets it: ``language`` is the one it is written in."""

    text: str
    language: str

    def __str__(self) -> str:
        return self.text


def in_language(record, field_name: str, language: str) -> Text:
    """The Spanish ``record.<field_name>`` for a Spanish reader when the agency wrote one, else the English."""
    if language == SPANISH:
        spanish = getattr(record, f"{field_name}_es", "")
        if spanish:
            return Text(spanish, SPANISH)
    return Text(getattr(record, field_name) or "", "en")


@dataclass
class PhoneLine:
    number: str
    extension: str
    tel: str  # the tel: URI a phone dials when the number is tapped


@dataclass
class Place:
    name: str
    address_lines: list[str]
    directions_url: str
    phones: list[PhoneLine]
    week: list[DayHours]
    open_now: bool | None  # None: no opening hours are listed
    # What the place has for people with disabilities (step-free entrance ...), named in the reader's language.
    accessibility: list[Accessibility] = field(default_factory=list)


@dataclass
class Entry:
    """One service of a list as the participant reads it."""

    position: int
    service_id: str
    name: Text
    organization: Text
    advice: str
    places: list[Place] = field(default_factory=list)
    documents: list[Text] = field(default_factory=list)
    costs: list[str] = field(default_factory=list)
    fees: Text | None = None


def tel_uri(number: str, extension: str = "") -> str:
    """Return ``tel:`` with the number's digits (and a leading +), and ``;ext=`` for an extension (RFC 3966)."""
    digits = re.sub(r"[^0-9]", "", number)
    if number.strip().startswith("+"):
        digits = "+" + digits
    if not digits:
        return ""
    extension = re.sub(r"[^0-9]", "", extension)
    return f"tel:{digits};ext={extension}" if extension else f"tel:{digits}"


def phone_lines(phones) -> list[PhoneLine]:
    return [PhoneLine(phone.number, phone.extension, tel_uri(phone.number, phone.extension)) for phone in phones]


def cost_lines(service: Service, language: str) -> list[str]:
    lines = []
    for option in service.cost_options.all():
        label = in_language(option, "option", language).text
        description = in_language(option, "amount_description", language).text
        if option.amount is not None and option.amount == 0:
            amount = _("Free")
        elif option.amount is not None:
            amount = f"${formats.number_format(option.amount, 2, use_l10n=True)}"
        else:
            amount = ""
        lines.append(" · ".join(part for part in (label, amount, description) if part))
    return lines


def entry_for(service: Service, *, position: int, advice: str, language: str, now: datetime.datetime) -> Entry:
    """Return what a participant reads about ``service`` (its HANDOUT_PREFETCHES already fetched).

    Call it with ``language`` active: the hours are written in the active language.
    """
    listings = location_listings(service, timezone.localdate(now))
    service_schedules = list(service.schedules.all())
    places = []
    # The most specific number there is: the place's, else the service's, else its organization's main line.
    service_phones = phone_lines(service.phones.all()) or phone_lines(service.organization.phones.all())
    for listing in listings:
        if listing.location is None:
            open_now = is_open_at(service_schedules, now)
            name = ""
            address_lines, directions, accessibility = [], "", []
        else:
            service_at_location = next(
                sal for sal in service.service_at_locations.all() if sal.location_id == listing.location.pk
            )
            schedules = applicable_schedules(
                service_schedules=service_schedules,
                location_schedules=list(listing.location.schedules.all()),
                sal_schedules=list(service_at_location.schedules.all()),
            )
            open_now = is_open_at(schedules, now)
            name = listing.location.name
            accessibility = listing.accessibility
            address = listing.addresses[0] if listing.addresses else None
            address_lines = []
            if address is not None:
                address_lines = [
                    line
                    for line in (
                        address.address_1,
                        address.address_2,
                        f"{address.city}, {address.state_province} {address.postal_code}".strip(", "),
                    )
                    if line
                ]
            directions = directions_url(
                latitude=listing.location.latitude,
                longitude=listing.location.longitude,
                address=", ".join(address_lines),
            )
        places.append(
            Place(
                name=name,
                address_lines=address_lines,
                directions_url=directions,
                phones=phone_lines(listing.phones) or service_phones,
                week=listing.week,
                open_now=open_now,
                accessibility=accessibility,
            )
        )
    fees = in_language(service, "fees_description", language)
    return Entry(
        position=position,
        service_id=str(service.pk),
        name=in_language(service, "name", language),
        organization=in_language(service.organization, "name", language),
        advice=advice,
        places=places,
        documents=[in_language(document, "document", language) for document in service.required_documents.all()],
        costs=cost_lines(service, language),
        fees=fees if fees.text else None,
    )


def entries_of(resource_list, *, language: str, now: datetime.datetime | None = None) -> list[Entry]:
    """Return the list's services as the participant reads them, in ``language``, in the list's order.

    A fixed number of queries however many services the list holds.
    """
    now = now or timezone.now()
    items = list(resource_list.items.select_related("service").order_by("position", "added_at"))
    services = [item.service for item in items]
    prefetch_related_objects(services, *HANDOUT_PREFETCHES)
    with translation.override(language):
        return [
            entry_for(item.service, position=number, advice=item.advice, language=language, now=now)
            for number, item in enumerate(items, start=1)
        ]


def entries_for_services(
    services: list[Service], *, language: str, now: datetime.datetime | None = None
) -> list[Entry]:
    """The same for services with no list (a referral's slip): one entry each, no advice."""
    now = now or timezone.now()
    prefetch_related_objects(services, *HANDOUT_PREFETCHES)
    with translation.override(language):
        return [
            entry_for(service, position=number, advice="", language=language, now=now)
            for number, service in enumerate(services, start=1)
        ]
