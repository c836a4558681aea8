"""A date-time filter of the referral API takes what the database can hold: a year outside 1900-2999, or a
UTC offset of 15 hours or more (PostgreSQL refuses 16), is a 400 naming the parameter, never a 500."""

import pytest

FILTERS = [("/api/v1/referrals/", "updated_since"), ("/api/v1/feedback/", "answered_since")]


@pytest.mark.parametrize(("path", "parameter"), FILTERS)
@pytest.mark.parametrize("value", ["0107-02-03T20:51:41+22:54", "2026-02-03T20:51:41+15:00", "2026-02-03T20:51-16:30"])
def test_it_refuses_a_date_time_the_database_cannot_hold(program_api, path, parameter, value):
    """An offset of 15 hours or more, or the year 107, is a 400 that names the parameter."""
    response = program_api.get(path, {parameter: value})
    assert response.status_code == 400, response.content
    assert parameter in response.json()


@pytest.mark.parametrize(("path", "parameter"), FILTERS)
def test_it_takes_the_widest_real_offset(program_api, path, parameter):
    """Kiribati's +14:00, the widest offset any time zone uses, is taken."""
    response = program_api.get(path, {parameter: "2026-02-03T20:51:41+14:00"})
    assert response.status_code == 200, response.content
