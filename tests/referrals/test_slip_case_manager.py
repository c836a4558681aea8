"""The slip tells the participant how to reach their case manager: name, program, phone and e-mail."""

from django.urls import reverse

from providers.models import Phone
from referrals.models import Participant


def test_it_gives_the_case_managers_name_program_phone_and_email(client, carol, referral):
    """Printed in English: "Your case manager", Carol Case, Workforce Program, its phone and carol's e-mail."""
    carol.first_name, carol.last_name = "Carol", "Case"
    carol.save()
    Phone.objects.create(organization=referral.referring_organization, number="303-555-0199", extension="4")
    Participant.objects.filter(pk=referral.participant_id).update(preferred_language="en")
    client.force_login(carol)

    html = client.get(reverse("referrals:slip", args=[referral.pk])).content.decode()

    footer = html[html.index('class="slip__footer"') : html.index("</footer>")]
    assert "Your case manager" in footer
    assert "Carol Case, Workforce Program" in footer
    assert "303-555-0199 ext. 4" in footer
    assert "carol@example.org" in footer


def test_it_says_it_in_spanish_for_a_spanish_speaker(client, carol, referral):
    """The same details for a Spanish-speaking participant, under Spanish headings."""
    Phone.objects.create(organization=referral.referring_organization, number="303-555-0199")
    client.force_login(carol)

    html = client.get(reverse("referrals:slip", args=[referral.pk])).content.decode()

    footer = html[html.index('class="slip__footer"') : html.index("</footer>")]
    assert "Su gestor de casos" in footer
    assert "carol, Workforce Program" in footer
    assert "<strong>Teléfono:</strong> 303-555-0199" in footer
    assert "<strong>Correo electrónico:</strong> carol@example.org" in footer
