"""The listing invariants hold twice: full_clean() explains them, and named DB constraints enforce them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from providers.models import (
    AGE_RANGE_MESSAGE,
    SCHEDULE_SAME_TIMES_MESSAGE,
    US_ZIP_MESSAGE,
    Address,
    Location,
    Schedule,
    Service,
    ServiceArea,
)


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def assert_db_refuses(obj) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


def test_it_refuses_a_minimum_age_above_the_maximum(agency_a):
    """min age <= max age: a clear message from full_clean, and the DB constraint behind it."""
    service = Service(organization=agency_a, name="Teen program", minimum_age=19, maximum_age=13)
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert AGE_RANGE_MESSAGE in messages(error.value)
    assert_db_refuses(service)
    assert not Service.objects.exists()


def test_it_accepts_an_open_ended_or_equal_age_range(agency_a):
    """A range with one end, or a single age, is valid."""
    for minimum, maximum in [(18, None), (None, 64), (16, 16)]:
        Service(organization=agency_a, name="Ok", minimum_age=minimum, maximum_age=maximum).full_clean()


def test_it_refuses_an_income_limit_of_zero_percent(agency_a):
    """The income limit is a percent of the poverty guideline and must be more than 0."""
    service = Service(organization=agency_a, name="Aid", income_limit_percent_fpl=0)
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "income_limit_percent_fpl" in error.value.message_dict
    assert_db_refuses(service)


@pytest.mark.parametrize(("latitude", "longitude"), [(91, -105), (-90.5, -105), (39.7, 181), (39.7, -180.1)])
def test_it_refuses_coordinates_out_of_range(agency_a, latitude, longitude):
    """Latitude is within -90..90 and longitude within -180..180."""
    location = Location(organization=agency_a, name="Nowhere", latitude=latitude, longitude=longitude)
    with pytest.raises(ValidationError):
        location.full_clean()
    assert_db_refuses(location)
    assert not Location.objects.exists()


def test_it_refuses_half_a_coordinate(agency_a):
    """A location has both latitude and longitude, or neither."""
    location = Location(organization=agency_a, name="Half", latitude=39.7)
    with pytest.raises(ValidationError) as error:
        location.full_clean()
    assert "both latitude and longitude" in messages(error.value)
    assert_db_refuses(location)


@pytest.mark.parametrize("zip_code", ["8021", "802190", "80219-1234", "ABCDE", ""])
def test_it_refuses_a_us_zip_that_is_not_five_digits(agency_a, zip_code):
    """A US address's ZIP is exactly 5 digits."""
    location = Location.objects.create(organization=agency_a, name="Office")
    address = Address(
        location=location, address_1="1 Main St", city="Denver", state_province="CO", postal_code=zip_code
    )
    with pytest.raises(ValidationError) as error:
        address.full_clean()
    assert "postal_code" in error.value.message_dict


def test_it_accepts_a_five_digit_zip_and_foreign_postcodes(agency_a):
    """The 5-digit rule applies to US addresses only."""
    location = Location.objects.create(organization=agency_a, name="Office")
    Address(
        location=location, address_1="1 Main St", city="Denver", state_province="CO", postal_code="80219"
    ).full_clean()
    Address(
        location=location, address_1="1 Rue", city="Montréal", state_province="QC", postal_code="H2X 1Y4", country="CA"
    ).full_clean()
    assert US_ZIP_MESSAGE  # the message users see names the rule


@pytest.mark.parametrize(("opens_at", "closes_at"), [("25:00", "17:00"), ("9am", "17:00"), ("09:00", "17:61")])
def test_it_refuses_weekly_hours_that_do_not_parse(service_a, opens_at, closes_at):
    """A weekly schedule's times must parse as times of day."""
    schedule = Schedule(service=service_a, weekday="MO", opens_at=opens_at, closes_at=closes_at)
    with pytest.raises(ValidationError) as error:
        schedule.full_clean()
    assert {"opens_at", "closes_at"} & set(error.value.message_dict)


def test_it_accepts_hours_past_midnight(service_a):
    """22:00-06:00 is a valid overnight schedule that closes the next morning."""
    schedule = Schedule(service=service_a, weekday="FR", opens_at="22:00", closes_at="06:00")
    schedule.full_clean()
    schedule.save()
    schedule.refresh_from_db()
    assert schedule.past_midnight


def test_it_refuses_hours_that_open_and_close_at_once(service_a):
    """Opening and closing at the same minute says nothing: the editor is asked for the real hours."""
    schedule = Schedule(service=service_a, weekday="MO", opens_at=datetime.time(9), closes_at=datetime.time(9))
    with pytest.raises(ValidationError) as error:
        schedule.full_clean()
    assert SCHEDULE_SAME_TIMES_MESSAGE in messages(error.value)


def test_it_refuses_hours_without_a_weekday_and_closures_without_a_date(service_a):
    """Opening hours need a weekday and both times; a closure needs its first date."""
    assert_db_refuses(Schedule(service=service_a, opens_at=datetime.time(9), closes_at=datetime.time(17)))
    assert_db_refuses(Schedule(service=service_a, kind=Schedule.Kind.CLOSURE))
    closure = Schedule(service=service_a, kind=Schedule.Kind.CLOSURE, valid_from=datetime.date(2026, 12, 25))
    closure.full_clean()


def test_it_refuses_an_unknown_time_zone(service_a):
    """A schedule's time zone is an IANA name."""
    schedule = Schedule(
        service=service_a, weekday="MO", opens_at="09:00", closes_at="17:00", timezone="Mountain Standard"
    )
    with pytest.raises(ValidationError) as error:
        schedule.full_clean()
    assert "timezone" in error.value.message_dict


@pytest.mark.parametrize(
    "extent",
    [
        {"extent_type": "postal_codes"},
        {"extent_type": "postal_codes", "postal_codes": ["80219"], "counties": ["Denver County, CO"]},
        {"extent_type": "counties", "counties": ["Denver County, CO"], "polygon": {"type": "Polygon"}},
        {"extent_type": "radius", "center_latitude": 39.7, "center_longitude": -105.0},
        {"extent_type": "geojson", "polygon": {"type": "Point", "coordinates": [-105, 39.7]}},
        {"extent_type": "postal_codes", "postal_codes": ["8021"]},
        {"extent_type": "counties", "counties": ["Denver"]},
    ],
)
def test_it_refuses_a_service_area_without_exactly_one_kind_of_extent(service_a, extent):
    """A service area is ZIP codes, or counties, or a radius, or a polygon: one of them, complete."""
    area = ServiceArea(service=service_a, **extent)
    with pytest.raises(ValidationError):
        area.full_clean()


def test_it_refuses_a_radius_mixed_into_another_extent_in_the_database(service_a):
    """The database refuses a radius's fields on a non-radius area, and a radius without its center."""
    assert_db_refuses(
        ServiceArea(service=service_a, extent_type="postal_codes", postal_codes=["80219"], radius_miles=5)
    )
    assert_db_refuses(ServiceArea(service=service_a, extent_type="radius", radius_miles=5))


def test_it_accepts_each_kind_of_extent(service_a):
    """Each kind of extent, complete and alone, is valid."""
    square = [[-105.1, 39.6], [-104.9, 39.6], [-104.9, 39.8], [-105.1, 39.8], [-105.1, 39.6]]
    for extent in [
        {"extent_type": "postal_codes", "postal_codes": ["80219", "80223"]},
        {"extent_type": "counties", "counties": ["Denver County, CO", "Adams County, CO"]},
        {"extent_type": "radius", "center_latitude": 39.7, "center_longitude": -105.0, "radius_miles": 10},
        {"extent_type": "geojson", "polygon": {"type": "Polygon", "coordinates": [square]}},
    ]:
        area = ServiceArea(service=service_a, **extent)
        area.full_clean()
        area.save()
    assert service_a.service_areas.count() == 4
