"""Anyone signed in can change their own password (Django's own views, in the site's layout)."""

from axes.models import AccessAttempt
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.directory.test_security_headers import inline_code

CHANGE = "/accounts/password_change/"
NEW_PASSWORD = "a brand new passphrase 2027"


def change(client, old: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None, **headers):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(CHANGE, data, **headers)


def test_it_changes_the_password_and_keeps_the_person_signed_in(client, alice):
    """An agency editor (not staff) changes her password: the new one works, and she stays signed in."""
    client.force_login(alice)

    response = change(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "Your password was changed" in done.content.decode()


def test_it_sends_an_anonymous_visitor_to_sign_in(client, db):
    """Nobody signed in: the page and the form send the visitor to the sign-in page, and come back after."""
    for response in (client.get(CHANGE), change(client)):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={CHANGE}"
    assert client.get(reverse("password_change_done")).status_code == 302


def test_it_refuses_a_wrong_current_password(client, alice):
    """The current password must be given right; otherwise nothing changes and the form says why."""
    client.force_login(alice)

    response = change(client, old="not my password")

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_it_refuses_a_weak_or_mismatched_new_password(client, alice):
    """The site's password rules apply, and both new passwords must match."""
    client.force_login(alice)

    weak = change(client, new="12345678")
    mismatched = change(client, again="something else entirely 2027")

    assert "This password is entirely numeric" in weak.content.decode()
    assert "The two password fields didn" in mismatched.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_it_shows_the_form_in_the_site_layout_and_in_spanish(client, alice):
    """The page extends the site's layout, has no inline code (CSP), and speaks Spanish when asked."""
    client.force_login(alice)

    html = client.get(CHANGE, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert 'class="site-header' in html
    assert 'name="viewport"' in html
    assert 'name="old_password"' in html
    assert "Cambiar la contraseña" in html
    assert inline_code(html) == []


def test_it_links_the_change_from_the_signed_in_menu(client, alice):
    """The signed-in menu offers the change; a visitor who is not signed in does not see it."""
    assert f'href="{CHANGE}"' not in client.get(reverse("home")).content.decode()

    client.force_login(alice)

    assert f'href="{CHANGE}"' in client.get(reverse("home")).content.decode()


def test_it_counts_wrong_current_passwords_as_failed_sign_ins(client, alice, settings):
    """Guessing the current password here meets the sign-in throttle: past the limit, 429 on this page, even for
    the right one, and the guesses are not kept in clear."""
    client.force_login(alice)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        change(client, old=f"guess number {attempt}")

    response = change(client)

    html = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert 'name="old_password"' in html
    assert "Too many failed sign-in attempts" in html
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    client.logout()
    assert client.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 429
    stored = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "guess number" not in stored
    assert NEW_PASSWORD not in stored
