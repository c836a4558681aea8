"""Getting there (issue 19): a handed-over list says what each place has for people with disabilities, in
the participant's language, with the agency's details."""

from django.urls import reverse

from providers.models import Accessibility


def test_the_handout_names_the_features_in_the_participants_language(client, carol, resource_list, daycare):
    """M. R. reads Spanish: the step-free entrance is named in Spanish, the agency's directions kept."""
    Accessibility.objects.create(
        location=daycare.locations.get(),
        feature=Accessibility.Feature.STEP_FREE_ENTRANCE,
        description="Step-free entrance",
        details="Rampa en la puerta lateral",
    )
    Accessibility.objects.create(location=daycare.locations.get(), description="Quiet room on request")
    client.force_login(carol)

    html = client.get(reverse("handouts:handout", args=[resource_list.pk])).content.decode()

    assert "<strong>Para entrar:</strong>" in html
    assert "Entrada sin escalones (Rampa en la puerta lateral)" in html
    assert "Quiet room on request" in html  # a feature described only in words is shown as written
    assert "Step-free entrance" not in html


def test_a_place_with_no_features_says_nothing_about_them(client, carol, resource_list):
    client.force_login(carol)

    html = client.get(reverse("handouts:handout", args=[resource_list.pk])).content.decode()

    assert "Para entrar:" not in html
