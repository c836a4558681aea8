"""Nothing of the participant's eligibility, income, notes, case id or contact details appears on anything
handed over: the print handout, the e-mail, the text message and the private link page.

The participant here has a referral whose note states their income, and the list was built from a search
with an income, an age and a household size in its address, as a case manager would."""

import pytest
from django.urls import reverse

from directory.mail import deliver_due
from directory.models import OutgoingMail
from providers.models import TaxonomyTerm
from referrals import services as referral_services

pytestmark = pytest.mark.django_db

PRIVATE = ["18,000", "18000", "WF-9911", "555-0142", "mr@example.org", "poverty", "qualif", "Single mother"]
SEARCH = "/search/?q=daycare&zip_code=80219&age=29&household_size=2&annual_income=18000"


@pytest.fixture
def referred(participant, daycare, carol):
    referral_services.referral_send(
        participant=participant,
        service=daycare,
        need=TaxonomyTerm.objects.get(code="child-care"),
        referred_by=carol,
        note="Single mother, household income $18,000 a year (120% of poverty).",
    )
    OutgoingMail.objects.all().delete()


def assert_private_absent(text: str) -> None:
    for private in PRIVATE:
        assert private not in text, private


def test_it_hands_over_nothing_private(client, carol, referred, participant, daycare, workforce_program, outbox):
    client.force_login(carol)
    client.post(reverse("handouts:create"), {"participant": str(participant.pk), "title": ""})
    response = client.post(reverse("handouts:add"), {"service": str(daycare.pk), "next": SEARCH})
    assert response["Location"] == SEARCH
    resource_list = participant.resource_lists.get()
    assert resource_list.items.count() == 1

    handout = client.get(reverse("handouts:handout", args=[resource_list.pk])).content.decode()
    assert "Guardería Amanecer" in handout
    assert_private_absent(handout)

    client.post(reverse("handouts:send", args=[resource_list.pk]), {"channel": "email"})
    deliver_due()
    [message] = outbox.received
    assert message["To"] == "mr@example.org"
    assert "Guardería Amanecer" in message.get_content()
    assert_private_absent(message["Subject"] + message.get_content())

    link = resource_list.link
    visitor = client.__class__()
    shared = visitor.get(reverse("handouts:shared", args=[link.token]), follow=True).content.decode()
    assert "Guardería Amanecer" in shared
    assert_private_absent(shared)
    assert "M. R." not in shared  # not even the participant's name: a link can be forwarded
