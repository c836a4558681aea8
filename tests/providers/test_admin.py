"""The staff admin: every page opens, search, filters and inlines work, and only staff get in."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core import checks
from django.core.mail import EmailMessage
from django.forms import MultiWidget
from django.urls import reverse
from django.utils import timezone

from directory.mail import OutboxBackend
from directory.models import Preference
from handouts.models import Favourite, Handover, ListLink, ResourceList, ResourceListItem, TeamList, TeamListItem
from plans import services as plan_services
from plans.models import WeeklyReminder
from providers.admin import ClosureInline
from providers.models import (
    Accessibility,
    AdditionalUrl,
    Attribute,
    ChangeRecord,
    Correction,
    CostOption,
    EditorClaim,
    JoinRequest,
    Language,
    Location,
    NetworkSettings,
    Organization,
    PendingEdit,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
    VerificationReminder,
)
from referrals import access_log
from referrals import services as referral_services
from referrals.clients import client_system_create
from referrals.models import AccessRecord, Feedback, WebhookEndpoint
from tests.conftest import PASSWORD


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def every_model(service_a, carol, superuser) -> None:
    """At least one row of every model the admin shows, on top of ``service_a`` and carol's membership."""
    location = service_a.locations.get()
    populations = Taxonomy.objects.create(code=Taxonomy.POPULATIONS, name="Populations", description="Who is served")
    TaxonomyTerm.objects.create(taxonomy=populations, code="veterans", name="Veterans")
    insurance = Taxonomy.objects.create(code=Taxonomy.INSURANCE, name="Insurance", description="Plans accepted")
    medicaid = TaxonomyTerm.objects.create(taxonomy=insurance, code="medicaid", name="Medicaid")
    phone = Phone.objects.create(service=service_a, number="303-555-0100")
    Language.objects.create(phone=phone, name="Spanish", code="es")
    ServiceArea.objects.create(
        service=service_a, extent_type=ServiceArea.ExtentType.POSTAL_CODES, postal_codes=["80219"]
    )
    CostOption.objects.create(service=service_a, option="Sliding scale", amount=0)
    RequiredDocument.objects.create(service=service_a, document="Proof of income")
    Accessibility.objects.create(location=location, description="Wheelchair ramp")
    Attribute.objects.create(taxonomy_term=medicaid, link_id=service_a.pk, link_entity="service")
    # HSDS 3.1: a further web address, and a capacity in a unit.
    AdditionalUrl.objects.create(service=service_a, label="Facebook", url="https://facebook.example/sunrise")
    ServiceCapacity.objects.create(service=service_a, unit=Unit.objects.create(name="Places"), available=2, maximum=10)
    Group.objects.create(name="Reviewers")
    # Partner self-service (providers/portal).
    Correction.objects.create(service=service_a, kind=Correction.Kind.WRONG_PHONE, source=Correction.Source.PARTICIPANT)
    NetworkSettings.objects.create()
    edit = PendingEdit.objects.create(
        organization=service_a.organization, service=service_a, section="details", data={}, submitted_by=carol
    )
    ChangeRecord.objects.create(
        organization=service_a.organization,
        service=service_a,
        resource_type=ChangeRecord.ResourceType.SERVICE,
        resource_id=service_a.pk,
        action=ChangeRecord.Action.UPDATE,
        field_name="name",
        pending_edit=edit,
    )
    EditorClaim.objects.create(requested_by=carol, organization=service_a.organization)
    JoinRequest.objects.create(
        requested_by=carol,
        organization_name="New Agency",
        organization_description="New.",
        service_name="New Service",
        service_description="New.",
        service_category=service_a.categories.get(),
    )
    VerificationReminder.objects.create(service=service_a, user=carol, sent_on=datetime.date(2026, 1, 5))
    # Referrals: one sent through the services, with its event, link, consent and feedback.
    participant = referral_services.participant_create(
        organization=carol.memberships.get().organization, created_by=carol, display_name="M. R.", zip_code="80219"
    )
    referral_services.consent_record(participant=participant, recorded_by=carol, scope="referral")
    referral = referral_services.referral_send(
        participant=participant, service=service_a, need=service_a.categories.get(), referred_by=carol
    )
    Feedback.objects.create(referral=referral, need_met="fully")
    access_log.reads_record(reader=carol, door=AccessRecord.Door.REFERRAL_PAGE, things=[referral])
    Preference.objects.create(user=carol, language="es")
    # A client system of the referral API, with its token and a webhook endpoint.
    client, _token = client_system_create(organization=service_a.organization, name="Agency EHR", created_by=superuser)
    WebhookEndpoint.objects.create(client=client, url="https://ehr.example.org/hooks", event_types=["referral.created"])
    # Resource lists (handouts): a list with its link and a send, a favourite and a team list.
    resource_list = ResourceList.objects.create(organization=participant.organization, participant=participant)
    ResourceListItem.objects.create(resource_list=resource_list, service=service_a, advice="Ask for Ana.")
    ListLink.objects.create(resource_list=resource_list, expires_at=timezone.now() + datetime.timedelta(days=1))
    Handover.objects.create(
        participant=participant,
        resource_list=resource_list,
        channel="email",
        address="mr@example.org",
        language="en",
        status="queued",
        sent_by=carol,
    )
    Favourite.objects.create(user=carol, service=service_a)
    # The participant's plan: a barrier with a step, a check-in, and a weekly reminder sent.
    plan = plan_services.plan_start(participant=participant, case_manager=carol)
    barrier = plan_services.barrier_add(plan=plan, category=service_a.categories.get(), goal="Care by May", actor=carol)
    plan_services.step_add(barrier=barrier, text="Visit two daycares", actor=carol)
    plan_services.check_in_record(plan=plan, held_on=plan.started_on, method="phone", actor=carol)
    WeeklyReminder.objects.create(user=carol, week_of=datetime.date(2026, 1, 5))
    team_list = TeamList.objects.create(organization=participant.organization, name="Our go-to child care")
    TeamListItem.objects.create(team_list=team_list, service=service_a)
    # An e-mail in the outbox, and the sign-in throttle's records (django-axes).
    OutboxBackend().send_messages([EmailMessage("Subject", "Body", "directory@localhost", ["carol@example.org"])])
    seen = {"user_agent": "Firefox", "ip_address": "192.0.2.1", "username": "carol", "http_accept": "*/*"}
    AccessAttempt.objects.create(
        **seen, path_info="/accounts/login/", get_data="", post_data="", failures_since_start=1
    )
    AccessFailureLog.objects.create(**seen, path_info="/accounts/login/")
    AccessLog.objects.create(**seen, path_info="/accounts/login/")


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def inline_prefix(response, inline_class) -> str:
    """Return the form prefix of the inline of ``inline_class`` on the change page in ``response``."""
    return next(
        inline.formset.prefix
        for inline in response.context["inline_admin_formsets"]
        if isinstance(inline.opts, inline_class)
    )


def change_form_data(response) -> dict:
    """Return the POST data a browser would send for the change form in ``response``, unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for bound_field in form:
            names_and_values = [(bound_field.html_name, bound_field.value())]
            if bound_field.field.show_hidden_initial:
                names_and_values.append((form.add_initial_prefix(bound_field.name), bound_field.value()))
            for name, value in names_and_values:
                widget = bound_field.field.widget
                if isinstance(widget, MultiWidget):  # a date and a time: posted as name_0, name_1
                    for index, subvalue in enumerate(widget.decompress(value)):
                        data[f"{name}_{index}"] = "" if subvalue is None else str(subvalue)
                elif isinstance(value, bool):
                    if value:
                        data[name] = "on"
                elif isinstance(value, list):
                    data[name] = [str(item) for item in value]
                elif value is not None:
                    data[name] = str(value)
    return data


def test_it_passes_the_admin_system_checks() -> None:
    """Every ModelAdmin is well formed: autocomplete targets are searchable, fields exist, inlines fit."""
    errors = checks.run_checks(tags=[checks.Tags.admin])
    assert errors == []


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda model: model._meta.label)
def test_it_serves_every_admin_page_to_a_superuser(staff_client, superuser, rf, every_model, model) -> None:
    """A superuser opens the list (also searched), the add page and the change page of each registered model."""
    instance = model._default_manager.first()
    assert instance is not None, f"Create a {model._meta.label} in the every_model fixture"

    assert staff_client.get(admin_url(model, "changelist")).status_code == 200
    assert staff_client.get(admin_url(model, "changelist"), {"q": "80219"}).status_code == 200
    request = rf.get("/")
    request.user = superuser
    can_add = admin.site._registry[model].has_add_permission(request)  # history and portal decisions: read-only
    assert staff_client.get(admin_url(model, "add")).status_code == (200 if can_add else 403)
    assert staff_client.get(admin_url(model, "change", instance.pk)).status_code == 200


def test_it_finds_a_service_by_organization_name(staff_client, service_a, agency_b) -> None:
    """Searching the service list for an agency's name lists that agency's services and no others."""
    Service.objects.create(organization=agency_b, name="Safe Harbor Shelter")

    response = staff_client.get(admin_url(Service, "changelist"), {"q": '"Agency A"'})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [service_a]
    assert "Sunrise Daycare" in response.text
    assert "Safe Harbor Shelter" not in response.text


def test_it_filters_services_by_capacity(staff_client, service_a, agency_b) -> None:
    """The capacity filter keeps only the services with that capacity."""
    Service.objects.create(organization=agency_b, name="Safe Harbor Shelter", capacity_status=Service.Capacity.WAITLIST)

    response = staff_client.get(admin_url(Service, "changelist"), {"capacity_status__exact": "waitlist"})

    assert response.status_code == 200
    assert [service.name for service in response.context["cl"].result_list] == ["Safe Harbor Shelter"]


def test_it_filters_services_by_category(staff_client, service_a, agency_b) -> None:
    """The category filter offers category terms and keeps only the services in the chosen one."""
    Service.objects.create(organization=agency_b, name="Safe Harbor Shelter")
    daycare = TaxonomyTerm.objects.get(code="daycare")

    response = staff_client.get(admin_url(Service, "changelist"), {"categories__id__exact": str(daycare.pk)})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [service_a]


def test_it_filters_stale_services(staff_client, service_a, agency_b) -> None:
    """The verification filter separates listings verified recently from those nobody confirmed in time."""
    fresh = Service.objects.create(organization=agency_b, name="Safe Harbor Shelter", last_verified_at=timezone.now())
    old = timezone.now() - datetime.timedelta(days=400)
    stale = Service.objects.create(organization=agency_b, name="Old Pantry", last_verified_at=old)
    url = admin_url(Service, "changelist")

    assert set(staff_client.get(url, {"stale": "yes"}).context["cl"].result_list) == {service_a, stale}
    assert list(staff_client.get(url, {"stale": "no"}).context["cl"].result_list) == [fresh]


def test_it_offers_only_terms_of_the_matching_taxonomy(staff_client, every_model, service_a) -> None:
    """Categories, populations and insurance each offer only the terms of their own taxonomy."""
    form = staff_client.get(admin_url(Service, "change", service_a.pk)).context["adminform"].form

    assert {term.code for term in form.fields["categories"].queryset} == {"child-care", "daycare"}
    assert {term.code for term in form.fields["populations"].queryset} == {"veterans"}
    assert {term.code for term in form.fields["insurance_accepted"].queryset} == {"medicaid"}


def test_it_adds_a_phone_through_the_service_inline(staff_client, service_a) -> None:
    """Adding a row to the phones inline and saving the service stores the phone on that service."""
    url = admin_url(Service, "change", service_a.pk)
    data = change_form_data(staff_client.get(url))
    data.update({"phones-TOTAL_FORMS": "1", "phones-0-number": "303-555-0199", "phones-0-type": "voice"})

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    phone = Phone.objects.get()
    assert (phone.service, phone.number) == (service_a, "303-555-0199")
    assert service_a.schedules.count() == 5  # the untouched hours inline kept its rows


def test_it_refuses_a_service_area_nested_too_deeply(staff_client, service_a) -> None:
    """JSON nested 100,000 deep in the area inline's fields is a message beside the field, not a 500."""
    url = admin_url(Service, "change", service_a.pk)
    data = change_form_data(staff_client.get(url))
    deep = "[" * 100_000 + "]" * 100_000
    data.update(
        {
            "service_areas-TOTAL_FORMS": "1",
            "service_areas-0-extent_type": "geojson",
            "service_areas-0-postal_codes": deep,
            "service_areas-0-counties": "[]",
            "service_areas-0-polygon": deep,
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "Enter a valid JSON." in response.text
    assert not ServiceArea.objects.exists()


def test_it_refuses_json_nested_too_deeply_on_the_service_area_page(staff_client, service_a) -> None:
    """The service area's own admin page: the same message, and the area keeps its ZIP codes."""
    area = ServiceArea.objects.create(service=service_a, extent_type="postal_codes", postal_codes=["80219"])
    url = admin_url(ServiceArea, "change", area.pk)
    data = change_form_data(staff_client.get(url))
    data["postal_codes"] = "[" * 100_000 + "]" * 100_000

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "Enter a valid JSON." in response.text
    area.refresh_from_db()
    assert area.postal_codes == ["80219"]


def test_it_adds_a_closure_through_the_location_inline(staff_client, service_a) -> None:
    """A closure added on a location is stored as a closure; one without a start date is refused, not a crash."""
    location = service_a.locations.get()
    url = admin_url(Location, "change", location.pk)
    response = staff_client.get(url)
    prefix = inline_prefix(response, ClosureInline)
    data = change_form_data(response)
    data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-0-kind": "closure", f"{prefix}-0-description": "Christmas"})

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "A closure needs the date it starts." in response.text
    assert not location.schedules.exists()

    data[f"{prefix}-0-valid_from"] = "2025-12-25"
    response = staff_client.post(url, data)

    assert response.status_code == 302
    closure = location.schedules.get()
    assert (closure.kind, closure.valid_from, closure.description) == (
        Schedule.Kind.CLOSURE,
        datetime.date(2025, 12, 25),
        "Christmas",
    )


def test_it_shows_a_users_memberships_on_the_user_page(staff_client, carol) -> None:
    """The user page lists the person's memberships inline: which organization, which role."""
    response = staff_client.get(admin_url(User, "change", carol.pk))

    assert response.status_code == 200
    assert "Workforce Program" in response.text
    memberships = response.context["inline_admin_formsets"][0].formset.queryset
    assert [(m.organization.name, m.role) for m in memberships] == [("Workforce Program", "case_manager")]


def test_it_sends_a_non_staff_user_to_the_admin_login(client, carol, service_a) -> None:
    """A case manager is redirected to the admin login, and a POST changes nothing."""
    client.force_login(carol)
    changelist = admin_url(Service, "changelist")
    change = admin_url(Service, "change", service_a.pk)

    response = client.get(changelist)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    response = client.post(
        change,
        {
            "name": "Renamed",
            "organization": str(service_a.organization_id),
            "phones-TOTAL_FORMS": "1",
            "phones-INITIAL_FORMS": "0",
            "phones-0-number": "303-555-0199",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    service_a.refresh_from_db()
    assert service_a.name == "Sunrise Daycare"
    assert not Phone.objects.exists()


def test_it_lists_services_without_a_query_per_row(
    staff_client, agency_a, categories, django_assert_max_num_queries
) -> None:
    """The service list of a superuser costs the same few queries for 20 services as for one."""
    daycare = TaxonomyTerm.objects.get(code="daycare")
    for number in range(20):
        organization = Organization.objects.create(name=f"Agency {number}", description="A provider.")
        service = Service.objects.create(organization=organization, name=f"Service {number}")
        service.categories.add(daycare)

    with django_assert_max_num_queries(8):
        response = staff_client.get(admin_url(Service, "changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 20
