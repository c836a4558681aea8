"""The resource lists' settings are checked at start-up: a directions template that cannot be filled in, a
text-message sender that cannot be imported, or an HTTP gateway without its address, are errors."""

from handouts.checks import check_handout_settings
from handouts.directions import directions_url


def ids(settings_errors) -> list[str]:
    return [error.id for error in settings_errors]


def test_the_defaults_pass(settings):
    assert check_handout_settings() == []


def test_it_refuses_an_unknown_placeholder(settings):
    settings.DIRECTIONS_URL_TEMPLATE = "https://maps.example.org/?to={lat}"
    assert ids(check_handout_settings()) == ["handouts.E001"]


def test_it_refuses_a_template_that_is_no_web_address(settings):
    settings.DIRECTIONS_URL_TEMPLATE = "javascript:alert({latitude})"
    assert ids(check_handout_settings()) == ["handouts.E002"]


def test_it_refuses_a_sender_that_cannot_be_imported(settings):
    settings.SMS_BACKEND = "handouts.sms.Pigeon"
    assert ids(check_handout_settings()) == ["handouts.E003"]


def test_it_refuses_a_gateway_without_address(settings):
    settings.SMS_BACKEND = "handouts.sms.HttpGatewaySender"
    settings.SMS_GATEWAY_URL = ""
    assert ids(check_handout_settings()) == ["handouts.E004"]


def test_it_fills_the_template(settings):
    assert directions_url(latitude=39.6956, longitude=-105.0341, address="") == (
        "https://www.openstreetmap.org/directions?route=%3B39.695600%2C-105.034100"
    )
    settings.DIRECTIONS_URL_TEMPLATE = "https://maps.example.org/dir/?destination={address}"
    assert directions_url(latitude=None, longitude=None, address="3300 W Alameda Ave, Denver, CO 80219") == (
        "https://maps.example.org/dir/?destination=3300%20W%20Alameda%20Ave%2C%20Denver%2C%20CO%2080219"
    )


def test_a_place_without_a_point_gets_no_link_from_a_point_template():
    assert directions_url(latitude=None, longitude=None, address="3300 W Alameda Ave") == ""
