"""The refer form's error summary names each field with an error by its label and links to it."""

import re

from django.urls import reverse

from referrals.models import Referral


def test_it_names_and_links_each_field_with_an_error(client, carol, service_a):
    """Sent empty: the summary at the top lists "Name or initials", the consent, what was agreed (a group of
    radio buttons) and the need, each by its label and linked to the field on the page."""
    client.force_login(carol)
    url = f"{reverse('referrals:new')}?service={service_a.pk}"

    response = client.post(url, {"contact_preference": "phone", "urgency": Referral.Urgency.ROUTINE})

    assert response.status_code == 200
    html = response.content.decode()
    summary = html[html.index('class="form-errors"') : html.index("</div>", html.index('class="form-errors"'))]
    links = dict(re.findall(r'<a href="#([^"]+)">([^<:]+):', summary))
    form = response.context["form"]
    for name in ("display_name", "consent_given", "consent_scope", "need"):
        field = form[name]
        assert links[field.auto_id] == field.label
        assert f'id="{field.auto_id}"' in html
    assert not Referral.objects.exists()
