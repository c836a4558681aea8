"""The refer page: pick or add a participant, record consent, send; the search's profile carries over."""

from django.urls import reverse

from providers.models import Location, ServiceAtLocation, TaxonomyTerm
from referrals.models import Consent, Participant, Referral, ReferralEvent
from tests.directory.test_security_headers import inline_code

from .test_privacy import another_programs_case_manager


def refer_url(service, **parameters) -> str:
    query = "&".join(f"{name}={value}" for name, value in {"service": service.pk, **parameters}.items())
    return f"{reverse('referrals:new')}?{query}"


NEW_PARTICIPANT = {
    "display_name": "J. D.",
    "external_id": "WF-1001",
    "preferred_language": "es",
    "zip_code": "80219",
    "contact_preference": "none",
    "phone": "",
    "email": "",
}
CONSENT = {
    "consent_given": "on",
    "consent_scope": Consent.Scope.REFERRAL,
    "consent_shared_with": "this",
    "consent_method": Consent.Method.VERBAL,
}


def referral_data(**extra) -> dict:
    return {
        "need": TaxonomyTerm.objects.get(code="daycare").pk,
        "location": Location.objects.get().pk,
        "urgency": Referral.Urgency.SOON,
        "note": "Starts a night shift in March.",
        **extra,
    }


def nothing_saved() -> bool:
    return not (Participant.objects.exists() or Consent.objects.exists() or Referral.objects.exists())


def test_it_carries_the_search_profile_into_the_form(client, carol, service_a):
    """From a search for ZIP 80219, age 29, household of 3, Spanish: the need, ZIP and language are filled in."""
    client.force_login(carol)
    location = Location.objects.get()

    response = client.get(
        refer_url(service_a, location=location.pk, q="daycare", zip="80219", age=29, household_size=3, speaks="es,en")
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form["zip_code"].value() == "80219"
    assert form["preferred_language"].value() == "es"
    assert form["need"].value() == TaxonomyTerm.objects.get(code="daycare").pk
    assert str(form["location"].value()) == str(location.pk)
    assert form["note"].value() in (None, "")
    html = response.content.decode()
    assert "Refer to Sunrise Daycare" in html
    assert "Back to the search results" in html
    assert "/search/?q=daycare&amp;zip=80219" in html
    assert inline_code(html) == []


def test_it_does_not_put_the_searchs_eligibility_facts_in_the_note(client, carol, service_a, workforce_program):
    """The note goes to the provider: a search's income, age and household never land in it unasked,
    on the page or in the referral sent with the note as the page filled it."""
    client.force_login(carol)
    url = refer_url(service_a, q="daycare", zip="80219", age=29, household_size=3, annual_income=23500)

    response = client.get(url)

    form = response.context["form"]
    assert form["note"].value() in (None, "")
    html = response.content.decode()
    assert "23,500" not in html and "23500" not in html.replace("annual_income=23500", "")
    assert "household of" not in html

    client.post(url, {**NEW_PARTICIPANT, **CONSENT, **referral_data(note=form["note"].value() or "")})

    assert Referral.objects.get().note == ""


def test_it_reads_the_languages_as_the_search_page_sends_them(client, carol, service_a, participant):
    """The search page sends one "speaks" per ticked box; Spanish among them makes Spanish the initial language."""
    client.force_login(carol)

    participant.external_id = "WF-7"
    participant.save()

    response = client.post(refer_url(service_a, speaks="en") + "&speaks=es", {"find": "WF-7"})

    assert response.context["form"]["preferred_language"].value() == "es"
    assert "speaks=en&speaks=es" in response.context["found"][0][1]


def test_it_ignores_bad_profile_values(client, carol, service_a):
    """Hand-edited parameters never break the page: a bad ZIP or age is simply not carried over."""
    client.force_login(carol)

    response = client.get(refer_url(service_a, zip="8021x", age="old", category="no-such-thing"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["zip_code"].value() is None
    assert form["note"].value() is None
    assert form["need"].value() == TaxonomyTerm.objects.get(code="daycare").pk  # the service's first category


def test_it_adds_the_participant_records_consent_and_sends(client, carol, service_a, workforce_program):
    """A new participant, their consent and the referral are saved together; the page goes to the referral."""
    client.force_login(carol)

    response = client.post(refer_url(service_a), {**NEW_PARTICIPANT, **CONSENT, **referral_data()})

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == referral.get_absolute_url()
    participant = referral.participant
    assert (participant.display_name, participant.organization, participant.external_id) == (
        "J. D.",
        workforce_program,
        "WF-1001",
    )
    assert (participant.preferred_language, participant.zip_code) == ("es", "80219")
    consent = Consent.objects.get()
    assert (consent.participant, consent.organization, consent.recorded_by) == (
        participant,
        service_a.organization,
        carol,
    )
    assert (referral.consent, referral.status, referral.urgency) == (consent, "sent", "soon")
    assert referral.note == "Starts a night shift in March."
    assert ReferralEvent.objects.filter(referral=referral, new_status="sent").count() == 1


def test_it_uses_a_consent_in_force_and_shows_it(client, carol, service_a, participant, consent):
    """A participant whose consent covers any provider: the page shows it and asks for none; no new consent."""
    client.force_login(carol)
    url = refer_url(service_a, participant=participant.pk)

    page = client.get(url)
    response = client.post(url, referral_data())

    html = page.content.decode()
    assert "A consent on record covers this referral" in html
    assert "Shared with any provider in the network." in html
    assert 'name="consent_given"' not in html
    assert 'name="display_name"' not in html
    assert response.status_code == 302
    assert Consent.objects.count() == 1
    assert Referral.objects.get().participant == participant


def test_it_offers_contact_details_only_when_the_consent_covers_them(client, carol, service_a, participant, consent):
    """A referral-only consent: no "share contact details" box; a consent that covers contact: the box."""
    client.force_login(carol)
    url = refer_url(service_a, participant=participant.pk)

    assert "share_contact" not in client.get(url).context["form"].fields

    consent.scope = Consent.Scope.REFERRAL_AND_CONTACT
    consent.save()
    assert "share_contact" in client.get(url).context["form"].fields
    client.post(url, referral_data(share_contact="on"))
    assert Referral.objects.get().share_contact is True


def test_it_saves_nothing_when_the_consent_does_not_cover_contact_details(client, carol, service_a):
    """Sharing contact details with a referral-only consent: the error is beside the box, and nothing is saved."""
    client.force_login(carol)

    response = client.post(refer_url(service_a), {**NEW_PARTICIPANT, **CONSENT, **referral_data(share_contact="on")})

    assert response.status_code == 200
    assert response.context["form"].errors["share_contact"] == [
        "The participant has not agreed to share contact details: record that consent, or send without them."
    ]
    assert nothing_saved()


def test_it_needs_consent_and_the_contact_detail_chosen(client, carol, service_a):
    """No consent ticked and "phone call" with no number: errors beside both fields; nothing saved."""
    client.force_login(carol)
    data = {**NEW_PARTICIPANT, **CONSENT, **referral_data(), "contact_preference": "phone"}
    del data["consent_given"]

    response = client.post(refer_url(service_a), data)

    errors = response.context["form"].errors
    assert "consent_given" in errors
    assert nothing_saved()

    data["consent_given"] = "on"
    response = client.post(refer_url(service_a), data)

    assert response.context["form"].errors["phone"] == [
        "Give a phone number, or choose another way to reach the participant."
    ]
    assert 'class="field__error"' in response.content.decode()
    assert nothing_saved()


def test_it_keeps_only_the_contact_detail_that_was_chosen(client, carol, service_a):
    """A phone number typed while "e-mail" is chosen is dropped: the participant record holds the minimum."""
    client.force_login(carol)
    data = {**NEW_PARTICIPANT, **CONSENT, **referral_data()}
    data.update(contact_preference="email", phone="303-555-0199", email="jd@example.org")

    client.post(refer_url(service_a), data)

    participant = Participant.objects.get()
    assert (participant.phone, participant.email) == ("", "jd@example.org")


def test_it_refuses_a_case_id_already_in_the_program(client, carol, service_a, participant):
    """A second participant with the same case id: a clear error beside the field, nothing saved."""
    participant.external_id = "WF-1001"
    participant.save()
    client.force_login(carol)

    response = client.post(refer_url(service_a), {**NEW_PARTICIPANT, **CONSENT, **referral_data()})

    assert "already in your program" in response.context["form"].errors["external_id"][0]
    assert Participant.objects.count() == 1
    assert not Referral.objects.exists()


def test_it_finds_participants_of_the_program_only(client, carol, service_a, participant, agency_b):
    """Searching by initials or case id lists the program's own participants, with a link that picks one."""
    Participant.objects.create(organization=agency_b, display_name="M. R. elsewhere")
    participant.external_id = "WF-7"
    participant.save()
    client.force_login(carol)

    by_name = client.post(refer_url(service_a), {"find": "m. r"})
    by_id = client.post(refer_url(service_a), {"find": "wf-7"})

    assert [match for match, _url in by_name.context["found"]] == [participant]
    assert [match for match, _url in by_id.context["found"]] == [participant]
    assert f"participant={participant.pk}" in by_name.context["found"][0][1]


def test_it_lists_the_service_locations_to_choose_from(client, carol, service_a, agency_a):
    """A service at two places: the case manager picks where; a service with none needs no choice."""
    second = Location.objects.create(organization=agency_a, name="Sunrise Federal")
    ServiceAtLocation.objects.create(service=service_a, location=second)
    client.force_login(carol)

    form = client.get(refer_url(service_a)).context["form"]

    assert [location.name for location in form.fields["location"].queryset] == ["Sunrise Federal", "Sunrise Westwood"]


def test_it_is_for_referring_programs_only(client, alice, service_a):
    """An agency editor cannot refer: 403, with the reason."""
    client.force_login(alice)

    response = client.get(refer_url(service_a))

    assert response.status_code == 403


def test_it_needs_a_visible_service(client, carol, service_a):
    """No service, a malformed id, or an unlisted service: 404."""
    client.force_login(carol)
    service_a.status = "inactive"
    service_a.save()

    assert client.get(reverse("referrals:new")).status_code == 404
    assert client.get(reverse("referrals:new") + "?service=nope").status_code == 404
    assert client.get(refer_url(service_a)).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(client, service_a):
    """The refer page needs an account."""
    response = client.get(refer_url(service_a))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_asks_which_program_when_the_case_manager_works_for_two(client, carol, service_a, agency_b):
    """A case manager of two programs chooses which one the new participant belongs to."""
    from directory.models import Membership

    Membership.objects.create(user=carol, organization=agency_b, role=Membership.Role.CASE_MANAGER)
    client.force_login(carol)

    client.post(refer_url(service_a), {**NEW_PARTICIPANT, **CONSENT, **referral_data(), "organization": agency_b.pk})

    assert Participant.objects.get().organization == agency_b


def test_it_hides_another_programs_participant(client, service_a, participant):
    """Another program's case manager cannot refer carol's participant, nor learn they exist: 404."""
    client.force_login(another_programs_case_manager())

    assert client.get(refer_url(service_a, participant=participant.pk)).status_code == 404
    assert client.post(refer_url(service_a), {"find": "M. R."}).context["found"] == []


def test_it_says_when_the_provider_wants_direct_contact(client, carol, service_a):
    """A service that takes referrals by direct contact: the page says to contact them too."""
    client.force_login(carol)

    html = client.get(refer_url(service_a)).content.decode()
    service_a.referral_method = "electronic"
    service_a.save()
    electronic = client.get(refer_url(service_a)).content.decode()

    assert "Agency A asks to be contacted directly about referrals." in html
    assert "asks to be contacted directly" not in electronic
