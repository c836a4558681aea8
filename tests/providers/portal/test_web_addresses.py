"""A web address typed in the portal is kept as the HSDS feed can carry it (providers/uris.py), as an import's is."""

from django.urls import reverse

from providers.models import Organization

from .conftest import html_of, open_form, post_form


def test_it_percent_encodes_what_a_url_cannot_hold_and_completes_the_scheme(client, alice, agency_a):
    """A curly apostrophe or a space is percent-encoded; an address without a scheme gets https://."""
    client.force_login(alice)
    url = reverse("portal:organization_edit", args=[agency_a.pk])
    post_form(client, url, open_form(client, url), website="https://agency-a.example.org/who we’re for")
    assert Organization.objects.get(pk=agency_a.pk).website == "https://agency-a.example.org/who%20we%E2%80%99re%20for"

    post_form(client, url, open_form(client, url), website="agency-a.example.org/help")
    assert Organization.objects.get(pk=agency_a.pk).website == "https://agency-a.example.org/help"


def test_it_refuses_what_is_no_web_address_and_changes_nothing(client, alice, agency_a):
    client.force_login(alice)
    url = reverse("portal:organization_edit", args=[agency_a.pk])
    before = Organization.objects.get(pk=agency_a.pk).website

    bad = post_form(client, url, open_form(client, url), website="mailto:front@agency-a.example.org")

    assert bad.status_code == 400
    assert 'id="id_website_error"' in html_of(bad)
    assert Organization.objects.get(pk=agency_a.pk).website == before


def test_bob_cannot_set_agency_as_website(client, bob, agency_a):
    """The negative case: another agency's editor cannot reach the page at all."""
    client.force_login(bob)
    url = reverse("portal:organization_edit", args=[agency_a.pk])
    before = Organization.objects.get(pk=agency_a.pk).website

    response = client.post(url, {"name": agency_a.name, "website": "https://bob.example.org"})

    assert response.status_code in (403, 404)
    assert Organization.objects.get(pk=agency_a.pk).website == before
