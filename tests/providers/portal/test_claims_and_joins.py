"""Claims and joining: a signed-in person asks to edit an organization, or to join with a first listing."""

from django.contrib.auth.models import User
from django.urls import reverse

from directory.models import Membership
from providers.access import can_edit_service, organizations_edited_by
from providers.models import ChangeRecord, EditorClaim, JoinRequest, Organization, Service, TaxonomyTerm
from tests.conftest import PASSWORD

from .conftest import html_of


def test_it_makes_an_approved_claimant_an_editor(client, agency_a, service_a, admin):
    """erin asks to edit agency A; the admin approves; erin can now edit its listings."""
    erin = User.objects.create_user("erin", "erin@example.org", PASSWORD)
    client.force_login(erin)
    response = client.post(reverse("portal:claim"), {"organization": agency_a.pk, "message": "Center director."})
    assert response.status_code == 302
    claim = EditorClaim.objects.get()
    assert not can_edit_service(erin, service_a)

    client.force_login(admin)
    assert "Center director." in html_of(client.get(reverse("portal:requests")))
    client.post(reverse("portal:claim_decide", args=[claim.pk]), {"decision": "approve", "note": ""})

    claim.refresh_from_db()
    assert (claim.status, claim.decided_by) == (EditorClaim.Status.APPROVED, admin)
    assert Membership.objects.get(user=erin).role == Membership.Role.AGENCY_EDITOR
    assert can_edit_service(erin, service_a)


def test_it_rejects_a_claim_with_a_note_the_person_sees(client, agency_a, admin):
    """A rejection needs a note; the claimant reads it on their portal page and gets no access."""
    erin = User.objects.create_user("erin", "erin@example.org", PASSWORD)
    claim = EditorClaim.objects.create(requested_by=erin, organization=agency_a, message="Hi")
    client.force_login(admin)

    client.post(reverse("portal:claim_decide", args=[claim.pk]), {"decision": "reject", "note": ""})
    claim.refresh_from_db()
    assert claim.status == EditorClaim.Status.PENDING, "no note, no rejection"

    client.post(reverse("portal:claim_decide", args=[claim.pk]), {"decision": "reject", "note": "Not on staff."})

    claim.refresh_from_db()
    assert claim.status == EditorClaim.Status.REJECTED
    assert not Membership.objects.filter(user=erin).exists()
    client.force_login(erin)
    assert "Not on staff." in html_of(client.get(reverse("portal:home")))


def test_it_refuses_a_second_claim_and_a_claim_by_a_member(client, alice, agency_a):
    """Asking twice, or asking to edit one's own organization, is answered beside the field."""
    erin = User.objects.create_user("erin", "erin@example.org", PASSWORD)
    client.force_login(erin)
    client.post(reverse("portal:claim"), {"organization": agency_a.pk, "message": "Director."})

    again = client.post(reverse("portal:claim"), {"organization": agency_a.pk, "message": "Director."})
    assert again.status_code == 400
    assert "You already asked to edit this organization." in html_of(again)

    client.force_login(alice)
    own = client.post(reverse("portal:claim"), {"organization": agency_a.pk, "message": "Me."})
    assert own.status_code == 400
    assert "You already belong to this organization." in html_of(own)
    assert EditorClaim.objects.count() == 1


def test_it_lists_a_new_agency_only_once_its_join_request_is_approved(client, admin, categories):
    """frank's agency and first service exist after approval, verified, with frank as their editor."""
    frank = User.objects.create_user("frank", "frank@example.org", PASSWORD)
    daycare = TaxonomyTerm.objects.get(code="daycare")
    client.force_login(frank)
    response = client.post(
        reverse("portal:join"),
        {
            "organization_name": "Cedar Kids",
            "organization_description": "Child care in Lakewood.",
            "service_name": "Cedar Kids Daycare",
            "service_description": "Full-day child care.",
            "service_category": daycare.pk,
            "service_phone": "303-555-0142",
        },
    )
    assert response.status_code == 302
    assert not Organization.objects.filter(name="Cedar Kids").exists()

    join = JoinRequest.objects.get()
    client.force_login(admin)
    assert "Cedar Kids Daycare" in html_of(client.get(reverse("portal:requests")))
    client.post(reverse("portal:join_decide", args=[join.pk]), {"decision": "approve", "note": "Welcome!"})

    service = Service.objects.get(name="Cedar Kids Daycare")
    assert service.organization.name == "Cedar Kids"
    assert list(service.categories.all()) == [daycare]
    assert service.phones.get().number == "303-555-0142"
    assert service.last_verified_by == frank and not service.is_stale
    assert list(organizations_edited_by(frank)) == [service.organization]
    join.refresh_from_db()
    assert join.status == JoinRequest.Status.APPROVED
    assert (join.organization, join.service) == (service.organization, service)
    assert ChangeRecord.objects.filter(service=service, action="create").exists()


def test_it_shows_join_form_errors_beside_the_fields(client, categories):
    """A join request without a service name or with a bad e-mail is not sent."""
    frank = User.objects.create_user("frank", "frank@example.org", PASSWORD)
    client.force_login(frank)

    response = client.post(
        reverse("portal:join"),
        {"organization_name": "Cedar Kids", "organization_description": "Kids.", "organization_email": "nope"},
    )

    assert response.status_code == 400
    html = html_of(response)
    assert 'id="id_service_name_error"' in html
    assert 'id="id_organization_email_error"' in html
    assert not JoinRequest.objects.exists()


def test_it_decides_a_request_only_once(client, admin, agency_a):
    """A second decision on a decided claim changes nothing."""
    erin = User.objects.create_user("erin", "erin@example.org", PASSWORD)
    claim = EditorClaim.objects.create(requested_by=erin, organization=agency_a)
    client.force_login(admin)
    client.post(reverse("portal:claim_decide", args=[claim.pk]), {"decision": "approve", "note": ""})

    client.post(reverse("portal:claim_decide", args=[claim.pk]), {"decision": "reject", "note": "Oops"})

    claim.refresh_from_db()
    assert claim.status == EditorClaim.Status.APPROVED
    assert Membership.objects.filter(user=erin).count() == 1


def test_it_offers_a_claim_from_the_service_page(client, carol, service_a, agency_a):
    """A signed-in reader who is not an editor can ask to keep the listing; the organization is chosen already."""
    client.force_login(carol)
    page = html_of(client.get(service_a.get_absolute_url()))
    link = f"{reverse('portal:claim')}?organization={agency_a.pk}"
    assert link in page

    form = html_of(client.get(link))

    assert f'<option value="{agency_a.pk}" selected>Agency A</option>' in form
