"""An agency states each fact nobody stated for it (how to refer, gender, whether only residents or only some
populations qualify, capacity) in the portal, and can take a rule back to "Not stated"."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from providers.models import ChangeRecord, Service

from .conftest import html_of, open_form, post_form


def section_url(service: Service, section: str) -> str:
    return reverse("portal:service_edit", args=[service.pk, section])


def nothing_stated(service: Service) -> Service:
    Service.objects.filter(pk=service.pk).update(
        capacity_status=Service.Capacity.NOT_STATED,
        capacity_updated_at=None,
        referral_method=Service.ReferralMethod.NOT_STATED,
        gender=Service.Gender.NOT_STATED,
        populations_required=None,
        residency_required=None,
    )
    service.refresh_from_db()
    return service


def options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """The options of the select named ``name``: (value, label, selected)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select named {name}"
    return [
        (value, label.strip(), "selected" in attributes)
        for value, attributes, label in re.findall(r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', select.group(1))
    ]


def test_it_offers_not_stated_for_each_fact(client, alice, service_a):
    """The edit forms show "Not stated" as a choice, chosen while nobody said otherwise."""
    client.force_login(alice)
    nothing_stated(service_a)

    eligibility = html_of(client.get(section_url(service_a, "eligibility")))
    details = html_of(client.get(section_url(service_a, "details")))

    assert options(eligibility, "gender")[-1] == ("not_stated", "Not stated", True)
    for name in ("populations_required", "residency_required"):
        assert options(eligibility, name) == [
            ("unknown", "Not stated", True),
            ("true", "Yes", False),
            ("false", "No", False),
        ]
    assert ("not_stated", "Not stated", True) in options(details, "referral_method")


def test_it_offers_not_stated_in_spanish(client, alice, service_a):
    """The same choices in Spanish."""
    client.force_login(alice)
    nothing_stated(service_a)

    eligibility = html_of(client.get(section_url(service_a, "eligibility"), HTTP_ACCEPT_LANGUAGE="es"))

    assert options(eligibility, "residency_required")[0] == ("unknown", "No indicado", True)
    assert options(eligibility, "gender")[-1] == ("not_stated", "No indicado", True)


def test_it_lets_the_agency_state_each_fact_and_take_it_back(client, alice, service_a):
    """Stated, then "Not stated" again: each is saved, and the history says "Not stated"."""
    client.force_login(alice)
    nothing_stated(service_a)
    eligibility, details = section_url(service_a, "eligibility"), section_url(service_a, "details")

    post_form(client, eligibility, open_form(client, eligibility), gender="women", populations_required="true")
    post_form(client, details, open_form(client, details), referral_method="electronic")
    service_a.refresh_from_db()
    stated = (service_a.gender, service_a.populations_required, service_a.residency_required, service_a.referral_method)
    post_form(client, eligibility, open_form(client, eligibility), gender="not_stated", populations_required="unknown")

    service_a.refresh_from_db()
    assert stated == (Service.Gender.WOMEN, True, None, Service.ReferralMethod.ELECTRONIC)
    assert (service_a.gender, service_a.populations_required) == (Service.Gender.NOT_STATED, None)
    assert ChangeRecord.objects.filter(field_name="populations_required").count() == 2
    history = html_of(client.get(reverse("portal:history", args=[service_a.pk])))
    assert "<del>Not stated</del>" in history and "<ins>Not stated</ins>" in history


def test_it_shows_capacity_not_stated_until_the_agency_says(client, alice, service_a):
    """No button is pressed and the date is missing until a click states capacity, dated now."""
    client.force_login(alice)
    nothing_stated(service_a)

    before = html_of(client.get(reverse("portal:service", args=[service_a.pk])))
    client.post(reverse("portal:capacity", args=[service_a.pk]), {"capacity_status": "accepting"})

    assert re.findall(r'class="capacity__button capacity__button--(\w+)" aria-pressed="(\w+)"', before) == [
        ("accepting", "false"),
        ("waitlist", "false"),
        ("not_accepting", "false"),
    ]
    assert "Not stated yet" in before
    assert 'value="not_stated"' not in before
    service_a.refresh_from_db()
    assert service_a.capacity_status == Service.Capacity.ACCEPTING
    assert timezone.now() - service_a.capacity_updated_at < datetime.timedelta(minutes=1)


def test_it_refuses_not_stated_as_a_capacity_click(client, alice, service_a):
    """The one-click capacity states it: "not stated" is not a click, and nothing changes."""
    client.force_login(alice)
    before = (service_a.capacity_status, service_a.capacity_updated_at)

    response = client.post(reverse("portal:capacity", args=[service_a.pk]), {"capacity_status": "not_stated"})

    service_a.refresh_from_db()
    assert response.status_code == 302
    assert (service_a.capacity_status, service_a.capacity_updated_at) == before
    assert not ChangeRecord.objects.exists()


def test_it_keeps_another_agency_from_stating_them(client, bob, service_a):
    """bob (agency B) gets 404 and agency A's listing keeps "not stated"."""
    client.force_login(bob)
    nothing_stated(service_a)

    response = client.post(section_url(service_a, "eligibility"), {"gender": "men", "residency_required": "true"})

    assert response.status_code == 404
    service_a.refresh_from_db()
    assert (service_a.gender, service_a.residency_required) == (Service.Gender.NOT_STATED, None)
