"""Anyone with an account can reset a forgotten password by e-mail (Django's own views, in the site's layout).

The e-mail goes in the person's language, as plain text; the pages never say whether an address has an
account; requests are limited per address and per e-mail.
"""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from directory.models import Preference
from tests.conftest import PASSWORD
from tests.directory.test_security_headers import inline_code

RESET = "/accounts/password_reset/"
NEW_PASSWORD = "a brand new passphrase 2027"


def ask_for_reset(client, email: str, address: str = "127.0.0.1", **headers):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address, **headers)


def link_in(message) -> str:
    """The reset link of an e-mail, as a path."""
    url = re.search(r"https?://\S+/accounts/reset/\S+/", message.body)[0]
    assert url.startswith(settings.SITE_URL.rstrip("/"))
    return url[len(settings.SITE_URL.rstrip("/")) :]


def set_password(client, link: str, password: str = NEW_PASSWORD):
    """Open the link (a good one moves its token into the session and redirects), then post the new password twice."""
    page = client.get(link, follow=True)
    target = page.redirect_chain[-1][0] if page.redirect_chain else link
    return client.post(target, {"new_password1": password, "new_password2": password})


def test_it_resets_a_password_by_e_mail(client, carol, mailoutbox):
    """The person gets one e-mail with a link; the new password works and the old one does not."""
    response = ask_for_reset(client, "carol@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["carol@example.org"]
    assert "carol" in mailoutbox[0].body

    response = set_password(client, link_in(mailoutbox[0]))

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD)
    assert not carol.check_password(PASSWORD)


def test_it_answers_the_same_for_an_address_without_an_account(client, carol, mailoutbox):
    """An unknown address gets the same answer and page as a known one, and no e-mail goes anywhere."""
    known = ask_for_reset(client, "carol@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [message.to for message in mailoutbox] == [["carol@example.org"]]
    page = client.get(reverse("password_reset_done")).content.decode()
    assert "If an account has that address" in page


def test_it_sends_nothing_to_an_inactive_account(client, carol, mailoutbox):
    """A deactivated account gets no reset link."""
    carol.is_active = False
    carol.save()

    assert ask_for_reset(client, "carol@example.org").status_code == 302
    assert mailoutbox == []


def test_it_writes_the_e_mail_in_the_persons_language(client, carol, alice, mailoutbox):
    """carol prefers Spanish: her e-mail is in Spanish even when asked for from the English page; alice's in English."""
    Preference.objects.create(user=carol, language=Preference.Language.SPANISH)
    Preference.objects.create(user=alice, language=Preference.Language.ENGLISH)

    ask_for_reset(client, "carol@example.org", HTTP_ACCEPT_LANGUAGE="en")
    ask_for_reset(client, "alice@example.org", HTTP_ACCEPT_LANGUAGE="es")

    spanish, english = mailoutbox
    assert "contraseña" in spanish.subject
    assert "Para elegir una contraseña nueva" in spanish.body
    assert "password" not in spanish.body.replace("/accounts/reset/", "")
    assert "password" in english.subject
    assert "To choose a new password" in english.body
    assert "contraseña" not in english.body


def test_it_writes_the_e_mail_in_the_page_language_without_a_preference(client, carol, mailoutbox):
    """Without a saved preference, the e-mail is in the language of the page it was asked from."""
    ask_for_reset(client, "carol@example.org", HTTP_ACCEPT_LANGUAGE="es")

    assert "Para elegir una contraseña nueva" in mailoutbox[0].body


def test_it_keeps_the_e_mail_plain_text(client, carol, mailoutbox):
    """Names with & and ' come out as written: the text e-mail is not HTML-escaped."""
    carol.first_name, carol.last_name = "Ana & José", "O'Neil"
    carol.save()

    ask_for_reset(client, "carol@example.org")

    body = mailoutbox[0].body
    assert "Ana & José O'Neil" in body
    assert "&amp;" not in body
    assert "&#x27;" not in body
    assert "&#39;" not in body


def test_it_refuses_an_expired_link(client, carol, mailoutbox):
    """A link older than PASSWORD_RESET_TIMEOUT shows that it no longer works, and the password stays."""
    ask_for_reset(client, "carol@example.org")
    link = link_in(mailoutbox[0])
    later = timezone.now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)

    with time_machine.travel(later):
        page = client.get(link, follow=True)
        response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert "This link does not work" in page.content.decode()
    assert reverse("password_reset") in page.content.decode()
    assert response.status_code == 200
    carol.refresh_from_db()
    assert carol.check_password(PASSWORD)


def test_it_refuses_a_link_used_once_already(client, carol, mailoutbox):
    """A reset link works once: after the password is set, the same link no longer does."""
    ask_for_reset(client, "carol@example.org")
    link = link_in(mailoutbox[0])
    set_password(client, link)

    response = set_password(client, link, "another new passphrase 2028")

    assert response.status_code == 200
    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD)


def test_it_refuses_a_tampered_link(client, carol, alice, mailoutbox):
    """A link with another person's id, or a made-up token, does not work."""
    ask_for_reset(client, "carol@example.org")
    link = link_in(mailoutbox[0])
    uid, token = link.rstrip("/").split("/")[-2:]
    someone_else = link.replace(uid, urlsafe_base64_encode(force_bytes(alice.pk)))
    made_up = link.replace(token, token[:-3] + "abc")

    for wrong in (someone_else, made_up):
        response = set_password(client, wrong, "a tampered passphrase 2029")
        assert response.status_code == 200
    for person in (carol, alice):
        person.refresh_from_db()
        assert person.check_password(PASSWORD)


def test_it_checks_the_new_password(client, carol, mailoutbox):
    """The new password must pass the site's password rules (here: too common), and then nothing changes."""
    ask_for_reset(client, "carol@example.org")

    response = set_password(client, link_in(mailoutbox[0]), "password123")

    assert response.status_code == 200
    assert "This password is too common" in response.content.decode()
    carol.refresh_from_db()
    assert carol.check_password(PASSWORD)


def test_it_ends_a_sign_in_lockout_when_the_password_is_reset(client, carol, mailoutbox):
    """Someone locked out by failed sign-ins who resets their password by e-mail can sign in at once."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "carol", "password": f"wrong {attempt}"})
    ask_for_reset(client, "carol@example.org")
    set_password(client, link_in(mailoutbox[0]))

    response = client.post(reverse("login"), {"username": "carol", "password": NEW_PASSWORD})

    assert response.status_code == 302


def test_it_limits_requests_from_one_address(client, carol, mailoutbox):
    """Past PASSWORD_RESET_RATE from one address: 429 with Retry-After and a message; no more e-mail is sent."""
    allowed = int(settings.PASSWORD_RESET_RATE.split("/")[0])
    for attempt in range(allowed):
        assert ask_for_reset(client, f"someone{attempt}@example.org", "198.51.100.7").status_code == 302

    response = ask_for_reset(client, "carol@example.org", "198.51.100.7")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many password reset requests" in response.content.decode()
    assert mailoutbox == []
    assert ask_for_reset(client, "carol@example.org", "203.0.113.8").status_code == 302
    assert len(mailoutbox) == 1


def test_it_limits_requests_for_one_address_from_many_places(client, carol, mailoutbox):
    """Past PASSWORD_RESET_RATE for one e-mail address, from any number of addresses, no more e-mail is sent to it."""
    allowed = int(settings.PASSWORD_RESET_RATE.split("/")[0])
    for attempt in range(allowed):
        ask_for_reset(client, "Carol@Example.org", f"198.51.100.{attempt + 1}")

    response = ask_for_reset(client, "carol@example.org ", "203.0.113.8")

    assert response.status_code == 429
    assert len(mailoutbox) == allowed


def test_it_limits_an_unknown_address_the_same_way(client, db, mailoutbox):
    """The limit does not depend on whether the address has an account, so it tells nothing either."""
    allowed = int(settings.PASSWORD_RESET_RATE.split("/")[0])
    for attempt in range(allowed):
        ask_for_reset(client, "nobody@example.org", f"198.51.100.{attempt + 1}")

    assert ask_for_reset(client, "nobody@example.org", "203.0.113.8").status_code == 429


def test_it_says_so_in_spanish(client, db):
    """The limit's message is translated."""
    allowed = int(settings.PASSWORD_RESET_RATE.split("/")[0])
    for _ in range(allowed):
        ask_for_reset(client, "nobody@example.org", HTTP_ACCEPT_LANGUAGE="es")

    response = ask_for_reset(client, "nobody@example.org", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 429
    assert "Demasiadas solicitudes" in response.content.decode()


@pytest.mark.parametrize("name", ["password_reset", "password_reset_done", "password_reset_complete"])
def test_it_shows_the_pages_in_the_site_layout(client, db, name):
    """Each page extends the site's layout, fits a phone (viewport meta) and has no inline code (CSP)."""
    response = client.get(reverse(name))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header' in html
    assert 'name="viewport"' in html
    assert inline_code(html) == []


def test_it_shows_the_new_password_page_in_the_site_layout(client, carol, mailoutbox):
    """The page where the new password is chosen is the site's, within the CSP, in Spanish when asked."""
    ask_for_reset(client, "carol@example.org")

    page = client.get(link_in(mailoutbox[0]), follow=True, HTTP_ACCEPT_LANGUAGE="es")

    html = page.content.decode()
    assert 'class="site-header' in html
    assert 'name="new_password1"' in html
    assert "Elija una contraseña nueva" in html
    assert inline_code(html) == []


def test_it_links_the_reset_from_the_sign_in_pages(client, db):
    """The site's sign-in page and the admin's both offer the reset."""
    assert f'href="{RESET}"' in client.get(reverse("login")).content.decode()
    assert f'href="{RESET}"' in client.get(reverse("admin:login")).content.decode()


def test_it_does_not_reset_with_an_unusable_password(client, db, mailoutbox):
    """An account with no usable password (e.g. a client system's user) gets no link."""
    User.objects.create_user("client-x", "client@example.org")

    ask_for_reset(client, "client@example.org")

    assert mailoutbox == []
