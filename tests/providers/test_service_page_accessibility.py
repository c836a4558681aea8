"""Getting there (issue 19): the service page names each place's accessibility features in the reader's
language, beside the agency's details."""

from django.urls import reverse

from providers.models import Accessibility


def test_the_service_page_names_the_features_in_english_and_spanish(client, service_a):
    Accessibility.objects.create(
        location=service_a.locations.get(),
        feature=Accessibility.Feature.ACCESSIBLE_PARKING,
        description="Accessible parking",
        details="Two spaces by the door",
    )
    url = reverse("providers:service_detail", args=[service_a.pk])

    english = client.get(url).content.decode()
    spanish = client.get(url, headers={"accept-language": "es"}).content.decode()

    assert "<li>Accessible parking: Two spaces by the door</li>" in english
    assert "<li>Estacionamiento accesible: Two spaces by the door</li>" in spanish
