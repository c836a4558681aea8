"""Signing in is throttled (django-axes): too many failures for one account, or from one address, and
sign-ins are refused for a while, with a page in the site's layout that says when to try again."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from directory.sign_in import locked_out
from tests.conftest import PASSWORD
from tests.directory.test_security_headers import inline_code

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")


def sign_in(client, username: str, password: str, address: str = "127.0.0.1", path: str = LOGIN, **headers):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def fail(client, times: int, username: str = "carol", address: str = "127.0.0.1", **headers) -> None:
    for attempt in range(times):
        response = sign_in(client, username, f"wrong {attempt}", address, **headers)
        assert response.status_code in (200, 429)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_it_refuses_the_right_password_after_too_many_wrong_ones(client, carol):
    """After the failure limit, even the right password is refused: 429, Retry-After, and nobody is signed in."""
    fail(client, settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, "carol", PASSWORD)

    assert response.status_code == 429
    assert not signed_in(client)
    minutes = settings.AXES_COOLOFF_TIME.total_seconds() / 60
    assert 0 < int(response["Retry-After"]) <= minutes * 60
    assert f"Try again in {minutes:.0f} minutes" in response.content.decode()


def test_it_still_lets_a_person_in_below_the_limit(client, carol):
    """A few typos are not a lockout: the right password then works."""
    fail(client, settings.AXES_FAILURE_LIMIT - 1)

    response = sign_in(client, "carol", PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_it_shows_the_lockout_on_the_sign_in_page(client, carol):
    """The refusal is the site's own sign-in page (header, form, the message as the form's error), within the CSP."""
    fail(client, settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, "carol", PASSWORD)

    html = response.content.decode()
    assert 'class="site-header' in html
    assert 'id="sign-in-heading"' in html
    assert '<div class="form-errors" role="alert">' in html
    assert "Too many failed sign-in attempts" in html
    assert "Please enter a correct username and password" not in html
    assert response["Content-Type"].startswith("text/html")
    assert inline_code(html) == []


def test_it_says_when_to_try_again_at_the_time_it_ends(client, carol):
    """The message names the minutes left and the clock time in the network's time zone, as it passes."""
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        fail(client, settings.AXES_FAILURE_LIMIT)
    ends = timezone.localtime(start + settings.AXES_COOLOFF_TIME)

    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        response = sign_in(client, "carol", PASSWORD)

    html = response.content.decode()
    left = settings.AXES_COOLOFF_TIME.total_seconds() - 5 * 60
    assert int(response["Retry-After"]) == left
    assert f"Try again in {left / 60:.0f} minutes" in html
    assert ends.strftime("%-I:%M") in html


def test_it_says_when_to_try_again_in_spanish(client, carol):
    """A reader of the Spanish pages gets the lockout message in Spanish."""
    fail(client, settings.AXES_FAILURE_LIMIT, HTTP_ACCEPT_LANGUAGE="es")

    response = sign_in(client, "carol", PASSWORD, HTTP_ACCEPT_LANGUAGE="es")

    html = response.content.decode()
    assert response.status_code == 429
    assert "Demasiados intentos fallidos de inicio de sesión" in html
    assert "Vuelva a intentarlo en 15 minutos" in html
    assert "Too many" not in html


def test_it_lets_the_person_in_after_the_cool_off(client, carol):
    """Once the cool-off has passed since the last failure, the right password works again."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, settings.AXES_FAILURE_LIMIT)
        assert sign_in(client, "carol", PASSWORD).status_code == 429

    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1), tick=False):
        response = sign_in(client, "carol", PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_it_does_not_lengthen_the_lockout_when_the_person_keeps_trying(client, carol):
    """Trying again during the lockout does not push its end back: the time the page gave stays true."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, settings.AXES_FAILURE_LIMIT)
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=30), tick=False):
        assert sign_in(client, "carol", PASSWORD).status_code == 429
        assert sign_in(client, "carol", "still wrong").status_code == 429

    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1), tick=False):
        assert sign_in(client, "carol", PASSWORD).status_code == 302


def test_it_throttles_an_account_tried_from_many_addresses(client, carol):
    """Guesses at one account spread over many addresses still lock that account (from any address)."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "carol", f"wrong {attempt}", address=f"198.51.100.{attempt + 1}")

    response = sign_in(client, "carol", PASSWORD, address="203.0.113.99")

    assert response.status_code == 429
    assert not signed_in(client)


def test_it_throttles_an_address_that_tries_many_accounts(client, carol, alice):
    """One address guessing at many usernames is locked out, for every account; other addresses are not."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{attempt}", "password", address="198.51.100.7")

    assert sign_in(client, "alice", PASSWORD, address="198.51.100.7").status_code == 429
    assert not signed_in(client)
    assert sign_in(client, "carol", PASSWORD, address="203.0.113.8").status_code == 302
    assert signed_in(client)


def test_it_throttles_the_admin_sign_in_too(client, admin):
    """The Django admin's sign-in counts and refuses in the same way, on the admin's own sign-in page."""
    admin.is_staff = True
    admin.save()
    fail_path = f"{ADMIN_LOGIN}?next=/admin/"
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "admin", f"wrong {attempt}", path=fail_path)

    response = sign_in(client, "admin", PASSWORD, path=fail_path)

    html = response.content.decode()
    assert response.status_code == 429
    assert not signed_in(client)
    assert 'id="login-form"' in html
    assert "Too many failed sign-in attempts" in html
    assert int(response["Retry-After"]) > 0
    # Failures at the site's page and the admin's count together.
    assert sign_in(client, "admin", PASSWORD).status_code == 429


def test_it_counts_the_client_address_given_by_the_https_proxy(client, carol, alice, settings):
    """Behind the HTTPS proxy, the address is the one the proxy saw (X-Forwarded-For's last), not the proxy's."""
    settings.BEHIND_HTTPS_PROXY = True
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{attempt}", "password", HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}, 198.51.100.7")

    through_proxy = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert sign_in(client, "alice", PASSWORD, **through_proxy).status_code == 429
    assert sign_in(client, "carol", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302


def test_it_ignores_a_forwarded_address_without_a_proxy(client, carol, alice, settings):
    """Without BEHIND_HTTPS_PROXY, X-Forwarded-For is the client's own say: a new one each time escapes nothing."""
    settings.BEHIND_HTTPS_PROXY = False
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{attempt}", "password", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")

    assert sign_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429


@pytest.mark.parametrize("address", ["2001:db8:1:2::10", "2001:db8:1:2:ffff::1"])
def test_it_counts_an_ipv6_network_as_one_address(client, carol, alice, address):
    """A client with a /64 of IPv6 addresses cannot take a new address for each guess."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{attempt}", "password", address=f"2001:db8:1:2::{attempt + 1:x}")

    assert sign_in(client, "alice", PASSWORD, address=address).status_code == 429
    assert sign_in(client, "carol", PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_it_keeps_the_test_clients_login_working(client, carol):
    """Signing in without a request (Django's test client, scripts) still works: only requests are throttled."""
    assert client.login(username="carol", password=PASSWORD)
    assert not client.login(username="carol", password="wrong")


def test_it_answers_a_lockout_from_elsewhere_with_the_sign_in_page(rf, carol):
    """A lockout met outside the sign-in views (no page of theirs to reuse) gets the site's sign-in page, 429."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        authenticate(rf.post(LOGIN), username="carol", password=f"wrong {attempt}")
    request = rf.post("/somewhere/")
    request.user = AnonymousUser()

    response = locked_out(request, HttpResponse("not a page"), {"username": "carol"})

    html = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert 'id="sign-in-heading"' in html
    assert "Too many failed sign-in attempts" in html
    assert 'value="carol"' in html
