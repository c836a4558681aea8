"""The importer's validation without queries says what ``full_clean`` says, and asks the database nothing.

``full_clean`` is the oracle: for each record below (every reference pointing at a record that exists, no
unique value repeated, so that the two may agree), both must give the same errors on the same fields.
What ``clean_in_memory`` leaves out (a reference's target, uniqueness) the importer checks in sets: see
test_import_bulk.py.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F, Q

from providers.hsds.importer.validation import CannotEvaluate, clean_in_memory, evaluate
from providers.models import (
    Address,
    CostOption,
    Language,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
)

pytestmark = pytest.mark.django_db

NINE, FIVE = datetime.time(9), datetime.time(17)

RECORDS = {
    "valid service": lambda s: Service(organization=s.organization, name="Meals", minimum_age=None, maximum_age=10),
    "service: blank name, bad status, ages reversed": lambda s: Service(
        organization=s.organization, name="", status="maybe", minimum_age=70, maximum_age=10
    ),
    "service: no organization": lambda s: Service(name="Meals"),
    "service: income limit 0": lambda s: Service(organization=s.organization, name="Meals", income_limit_percent_fpl=0),
    "location: latitude out of range, no longitude": lambda s: Location(
        organization=s.organization, latitude=100, longitude=None
    ),
    "location: longitude without latitude": lambda s: Location(organization=s.organization, longitude=5),
    "schedule: hours without a weekday or times": lambda s: Schedule(service=s, kind=Schedule.Kind.HOURS),
    "schedule: closure ending before it starts": lambda s: Schedule(
        service=s,
        kind=Schedule.Kind.CLOSURE,
        valid_from=datetime.date(2026, 12, 26),
        valid_to=datetime.date(2026, 12, 25),
    ),
    "schedule: no owner": lambda s: Schedule(weekday="MO", opens_at=NINE, closes_at=FIVE),
    "schedule: opens when it closes": lambda s: Schedule(service=s, weekday="MO", opens_at=NINE, closes_at=NINE),
    "schedule: bad time zone": lambda s: Schedule(
        service=s, weekday="MO", opens_at=NINE, closes_at=FIVE, timezone="Mars/Olympus"
    ),
    "valid schedule past midnight": lambda s: Schedule(
        service=s, weekday="FR", opens_at=datetime.time(22), closes_at=datetime.time(6)
    ),
    "phone: no owner": lambda s: Phone(number="303-555-0100"),
    "phone: number too long": lambda s: Phone(service=s, number="3" * 31, type="pigeon"),
    "cost: negative": lambda s: CostOption(service=s, amount=Decimal("-1")),
    "area: radius without a center": lambda s: ServiceArea(
        service=s, extent_type=ServiceArea.ExtentType.RADIUS, radius_miles=5
    ),
    "area: ZIP codes with a radius": lambda s: ServiceArea(
        service=s, extent_type=ServiceArea.ExtentType.POSTAL_CODES, postal_codes=["80204"], radius_miles=5
    ),
    "language: bad code, no owner": lambda s: Language(name="Klingon", code="tlh"),
    "address: not a ZIP": lambda s: Address(
        location=s.locations.get(), address_1="1 Main", city="Denver", state_province="CO", postal_code="ABC"
    ),
}


def errors_of(validate) -> dict:
    try:
        validate()
    except ValidationError as error:
        return error.message_dict
    return {}


@pytest.mark.parametrize("name", RECORDS)
def test_it_says_what_full_clean_says(name, service_a, django_assert_num_queries):
    """Same fields, same messages; and not one query."""
    make = RECORDS[name]
    expected = errors_of(make(service_a).full_clean)
    record = make(service_a)

    with django_assert_num_queries(0):
        found = errors_of(lambda: clean_in_memory(record))

    assert found == expected
    assert bool(expected) == ("valid" not in name)


@pytest.mark.parametrize(
    ("condition", "truth"),
    [
        (Q(minimum_age__lte=F("maximum_age")), None),  # NULL compared: unknown, which a CHECK lets pass
        (~Q(minimum_age__lte=F("maximum_age")), None),
        (Q(minimum_age__isnull=True) | Q(minimum_age__lte=F("maximum_age")), True),
        (Q(maximum_age__gt=5) & Q(minimum_age__lte=F("maximum_age")), None),
        (Q(maximum_age__gt=50) & Q(minimum_age__lte=F("maximum_age")), False),
        (Q(name="Meals") & ~Q(name=""), True),
        (Q(maximum_age=None), False),
    ],
)
def test_it_evaluates_conditions_with_sql_nulls(condition, truth):
    """True, False, or None for unknown, as SQL would: the check passes unless the condition is False."""
    assert evaluate(condition, Service(name="Meals", minimum_age=None, maximum_age=10)) is truth


def test_it_leaves_what_it_does_not_know_to_the_database():
    with pytest.raises(CannotEvaluate):
        evaluate(Q(name__in=["Meals"]), Service(name="Meals"))
    with pytest.raises(CannotEvaluate):
        evaluate(Q(organization__name="A"), Service(name="Meals"))
