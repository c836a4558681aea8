"""Each part of a listing is edited on its own page, validated like the model, with errors beside the field."""

import decimal

from django.urls import reverse

from providers.models import (
    ChangeRecord,
    CostOption,
    Language,
    Location,
    Organization,
    RequiredDocument,
    Service,
    ServiceArea,
    ServiceAtLocation,
)

from .conftest import html_of, open_form, post_form


def section_url(service: Service, section: str) -> str:
    return reverse("portal:service_edit", args=[service.pk, section])


def test_it_puts_the_age_range_error_beside_the_maximum_age(client, alice, service_a):
    """A minimum above the maximum is refused beside the field; nothing is saved."""
    client.force_login(alice)
    url = section_url(service_a, "eligibility")

    response = post_form(client, url, open_form(client, url), minimum_age="10", maximum_age="4")

    assert response.status_code == 400
    assert 'id="id_maximum_age_error"' in html_of(response)
    assert "The minimum age must not be greater than the maximum age." in html_of(response)
    service_a.refresh_from_db()
    assert (service_a.minimum_age, service_a.maximum_age) == (0, 5)


def test_it_edits_eligibility_terms(client, alice, service_a):
    """The income limit and the residency rule change together, as one entry of the history."""
    client.force_login(alice)
    url = section_url(service_a, "eligibility")

    post_form(client, url, open_form(client, url), income_limit_percent_fpl="250", residency_required="true")

    service_a.refresh_from_db()
    assert (service_a.income_limit_percent_fpl, service_a.residency_required) == (250, True)
    assert set(ChangeRecord.objects.values_list("field_name", flat=True)) == {
        "income_limit_percent_fpl",
        "residency_required",
    }


def test_it_adds_languages_with_their_names(client, alice, service_a):
    """Choosing Vietnamese stores the code and the English name the directory shows."""
    client.force_login(alice)
    url = section_url(service_a, "languages")

    response = post_form(client, url, open_form(client, url), languages__0__code="vi")

    assert response.status_code == 302
    language = Language.objects.get(service=service_a)
    assert (language.code, language.name) == ("vi", "Vietnamese")


def test_it_refuses_a_negative_cost(client, alice, service_a):
    """A cost below zero is refused, with the model's message."""
    client.force_login(alice)
    url = section_url(service_a, "costs")

    response = post_form(client, url, open_form(client, url), costs__0__option="Weekly fee", costs__0__amount="-5")

    assert response.status_code == 400
    assert not CostOption.objects.exists()


def test_it_adds_a_cost_and_a_document(client, alice, service_a):
    """Costs and documents to bring are rows like hours."""
    client.force_login(alice)
    costs, documents = section_url(service_a, "costs"), section_url(service_a, "documents")

    post_form(client, costs, open_form(client, costs), costs__0__option="Weekly fee", costs__0__amount="15")
    post_form(client, documents, open_form(client, documents), documents__0__document="Proof of income")

    assert CostOption.objects.get(service=service_a).amount == decimal.Decimal("15.00")
    assert RequiredDocument.objects.get(service=service_a).document == "Proof of income"


def test_it_checks_the_zip_codes_of_a_service_area(client, alice, service_a):
    """A service area of ZIP codes: a bad one is named beside the field; good ones are kept as a list."""
    client.force_login(alice)
    url = section_url(service_a, "areas")
    form = open_form(client, url)

    bad = post_form(client, url, form, areas__0__extent_type="postal_codes", areas__0__postal_codes="80219, 8021")
    assert bad.status_code == 400
    assert "8021 is not a ZIP code" in html_of(bad)

    post_form(client, url, form, areas__0__extent_type="postal_codes", areas__0__postal_codes="80219, 80223")
    assert ServiceArea.objects.get(service=service_a).postal_codes == ["80219", "80223"]


def test_it_asks_for_the_center_and_radius_of_a_distance_area(client, alice, service_a):
    """A radius area without its center is refused beside the first missing field."""
    client.force_login(alice)
    url = section_url(service_a, "areas")

    form = open_form(client, url)

    response = post_form(client, url, form, areas__0__extent_type="radius", areas__0__radius_miles="5")

    assert response.status_code == 400
    assert 'id="id_areas-0-center_latitude_error"' in html_of(response)
    assert not ServiceArea.objects.exists()


def test_it_chooses_where_a_service_is_offered(client, alice, service_a, agency_a):
    """Ticking a second location of the organization offers the service there too; unticking removes it."""
    second = Location.objects.create(organization=agency_a, name="Sunrise Federal")
    client.force_login(alice)
    url = section_url(service_a, "locations")
    first = service_a.locations.get()

    post_form(client, url, open_form(client, url), locations=[str(second.pk)])

    assert list(ServiceAtLocation.objects.filter(service=service_a).values_list("location", flat=True)) == [second.pk]
    assert Location.objects.filter(pk=first.pk).exists(), "the place itself stays"


def test_it_adds_a_location_placed_at_its_zip_code(client, alice, agency_a):
    """A new location with an address is put on the map at its ZIP code's center."""
    client.force_login(alice)
    url = reverse("portal:location_new", args=[agency_a.pk])

    response = post_form(
        client,
        url,
        open_form(client, url),
        name="Sunrise Federal",
        addresses__0__address_1="1490 S Federal Blvd",
        addresses__0__city="Denver",
        addresses__0__state_province="CO",
        addresses__0__postal_code="80219",
    )

    assert response.status_code == 302
    location = Location.objects.get(name="Sunrise Federal")
    assert location.organization == agency_a
    assert location.has_coordinates and round(location.latitude) == 40


def test_it_refuses_a_bad_zip_code_for_an_address(client, alice, service_a):
    """An address's ZIP code is validated like the model: 5 digits."""
    client.force_login(alice)
    url = reverse("portal:location_edit", args=[service_a.locations.get().pk])

    response = post_form(client, url, open_form(client, url), addresses__0__postal_code="ABCDE")

    assert response.status_code == 400
    assert "A US ZIP code is 5 digits" in html_of(response)


def test_it_edits_the_organization_and_refuses_a_bad_website(client, alice, agency_a):
    """The organization page validates its URL and e-mail like the model."""
    client.force_login(alice)
    url = reverse("portal:organization_edit", args=[agency_a.pk])
    form = open_form(client, url)

    bad = post_form(client, url, form, website="not a url")
    assert bad.status_code == 400
    assert 'id="id_website_error"' in html_of(bad)

    post_form(client, url, form, website="https://agency-a.example.org")
    assert Organization.objects.get(pk=agency_a.pk).website == "https://agency-a.example.org"


def test_it_adds_a_service_to_the_organization(client, alice, agency_a, categories):
    """A new service goes live at once in the default mode, and opens its own portal page."""
    client.force_login(alice)
    url = reverse("portal:service_new", args=[agency_a.pk])

    response = post_form(client, url, open_form(client, url), name="Sunrise After School", description="Ages 6-12.")

    service = Service.objects.get(name="Sunrise After School")
    assert response.url == reverse("portal:service", args=[service.pk])
    assert service.organization == agency_a and service.status == Service.Status.ACTIVE


def test_it_says_when_nothing_changed(client, alice, service_a):
    """Saving an unchanged page records nothing."""
    client.force_login(alice)
    url = section_url(service_a, "details")

    response = post_form(client, url, open_form(client, url))

    assert response.status_code == 302
    assert not ChangeRecord.objects.exists()
    assert "Nothing was changed." in html_of(client.get(response.url))


def test_it_answers_404_for_an_unknown_section(client, alice, service_a):
    """Only the listed parts of a listing have pages."""
    client.force_login(alice)
    assert client.get(section_url(service_a, "secrets")).status_code == 404
