"""Review mode without loss: an approval writes only the fields its edit changed.

Held edits are approved one after the other, long after they were sent. Each must publish what its editor
changed, compared with the values the edit started from, and never put back values that another edit or
a live change wrote meanwhile (issue 19: the Monday hours note was lost, and the history credited the
revert to the editor).
"""

import datetime
import decimal
import re

import pytest
from django.urls import reverse

from directory.models import Membership
from providers.models import (
    ChangeRecord,
    CostOption,
    Language,
    Location,
    PendingEdit,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
)
from providers.portal.merging import form_data
from tests.conftest import make_user

from .conftest import html_of, monday_hours, open_form, post_form, read_form


def hours_url(service: Service) -> str:
    return reverse("portal:service_edit", args=[service.pk, "hours"])


def review_url(edit: PendingEdit) -> str:
    return reverse("portal:review_edit", args=[edit.pk])


def approve(client, admin, edit: PendingEdit, **choices):
    """Approve as the admin would: open the review page, then press "Approve" (with a choice per conflict)."""
    client.force_login(admin)
    form = open_form(client, review_url(edit))
    data = {"decision": "approve", "note": "", "version": form["version"][0], **choices}
    return client.post(review_url(edit), data)


def send_for_review(client, editor, url: str, **changes) -> PendingEdit:
    """The editor opens the page, changes some fields and sends it; return the edit now held for review."""
    client.force_login(editor)
    response = post_form(client, url, open_form(client, url), **changes)
    assert response.status_code == 302, response.status_code
    return PendingEdit.objects.filter(submitted_by=editor).latest("submitted_at")


def test_it_keeps_the_first_edit_when_approving_the_second(client, alice, admin, service_a, review_mode):
    """alice notes Monday's hours, then changes Tuesday's closing time; both approved in order keep both,
    and the history credits alice with exactly the two changes she made, nothing put back."""
    first = send_for_review(client, alice, hours_url(service_a), hours__0__description="Closed 12–1 for lunch")
    second = send_for_review(client, alice, hours_url(service_a), hours__1__closes_at="17:00")

    assert approve(client, admin, first).status_code == 302
    assert approve(client, admin, second).status_code == 302

    assert monday_hours(service_a).description == "Closed 12–1 for lunch"
    tuesday = service_a.schedules.get(kind=Schedule.Kind.HOURS, weekday="TU")
    assert tuesday.closes_at == datetime.time(17)
    history = list(ChangeRecord.objects.order_by("changed_at").values_list("pending_edit", "field_name", "changed_by"))
    assert history == [(first.pk, "description", alice.pk), (second.pk, "closes_at", alice.pk)]


def test_it_opens_the_editors_page_on_their_own_pending_edit(client, alice, service_a, review_mode):
    """After sending the Monday note, alice's hours page shows the note she sent, not the published hours."""
    send_for_review(client, alice, hours_url(service_a), hours__0__description="Closed 12–1 for lunch")

    form = open_form(client, hours_url(service_a))

    assert form["hours-0-description"] == ["Closed 12–1 for lunch"]
    assert "Your edit waiting for review is in the form" in html_of(client.get(hours_url(service_a)))
    assert monday_hours(service_a).description == ""


# --- Every page the portal holds for review --------------------------------------------------------------


@pytest.fixture
def full_listing(service_a) -> Service:
    """service_a with a row of every kind its pages edit: phones, a closure, two languages, two documents,
    a cost, a service area, hours at its location and two more locations of agency A it is not offered at."""
    site = service_a.service_at_locations.get()
    location = site.location
    Phone.objects.create(service=service_a, number="303-555-0100")
    Phone.objects.create(location=location, number="303-555-0199")
    Schedule.objects.create(
        service=service_a, kind=Schedule.Kind.CLOSURE, valid_from=datetime.date(2030, 12, 25), description="Christmas"
    )
    Language.objects.create(service=service_a, code="en", name="English")
    Language.objects.create(service=service_a, code="es", name="Spanish")
    RequiredDocument.objects.create(service=service_a, document="Photo ID")
    RequiredDocument.objects.create(service=service_a, document="Proof of income")
    CostOption.objects.create(service=service_a, option="Full day", amount="40.00")
    ServiceArea.objects.create(
        service=service_a, name="West Denver", extent_type=ServiceArea.ExtentType.POSTAL_CODES, postal_codes=["80219"]
    )
    Schedule.objects.create(
        service_at_location=site, weekday="SA", opens_at=datetime.time(9), closes_at=datetime.time(12)
    )
    for name in ("Sunrise Eastside", "Sunrise Northside"):
        Location.objects.create(organization=service_a.organization, name=name)
    return service_a


def service_page(section: str):
    return lambda service: reverse("portal:service_edit", args=[service.pk, section])


def at_location(service: Service) -> str:
    return reverse("portal:service_location_edit", args=[service.pk, service.service_at_locations.get().location_id])


def location_page(service: Service) -> str:
    return reverse("portal:location_edit", args=[service.service_at_locations.get().location_id])


def organization_page(service: Service) -> str:
    return reverse("portal:organization_edit", args=[service.organization_id])


def listing_reads(service: Service) -> dict:
    """The values the cases below change, read fresh from the database."""
    service = Service.objects.get(pk=service.pk)
    site = service.service_at_locations.get(location__name="Sunrise Westwood")
    location = site.location
    languages = [service.languages.get(code=code) for code in ("en", "es")]
    documents = [service.required_documents.get(document__startswith=start) for start in ("Photo ID", "Proof")]
    return {
        "organization description": service.organization.description,
        "organization e-mail": service.organization.email,
        "alert": service.alert,
        "service phone extension": service.phones.get().extension,
        "name": service.name,
        "minimum age": service.minimum_age,
        "eligibility": service.eligibility_description,
        "closure reason": service.schedules.get(kind=Schedule.Kind.CLOSURE).description,
        "Wednesday opens": service.schedules.get(weekday="WE").opens_at,
        "locations": sorted(service.service_at_locations.values_list("location__name", flat=True)),
        "first language note": languages[0].note,
        "second language note": languages[1].note,
        "first document link": documents[0].uri,
        "second document": documents[1].document,
        "cost amount": service.cost_options.get().amount,
        "cost note": service.cost_options.get().amount_description,
        "area name": service.service_areas.get().name,
        "area ZIP codes": service.service_areas.get().postal_codes,
        "Saturday note here": site.schedules.get().description,
        "location phone extension": location.phones.get().extension,
        "getting there": location.transportation,
        "address line 2": location.addresses.get().address_2,
    }


def location_choice(name: str) -> str:
    return str(Location.objects.get(name=name).pk)


# (page, what alice's held edit changes, what a network admin publishes meanwhile, what each reads after).
PAGE_CASES = {
    "organization": (
        organization_page,
        {"description": "Child care and early learning."},
        {"email": "hello@agency-a.example"},
        {"organization description": "Child care and early learning.", "organization e-mail": "hello@agency-a.example"},
    ),
    "details": (
        service_page("details"),
        {"phones__0__extension": "12"},
        {"alert": "Closed on Friday for training"},
        {"service phone extension": "12", "alert": "Closed on Friday for training"},
    ),
    "eligibility": (
        service_page("eligibility"),
        {"minimum_age": "1"},
        {"eligibility_description": "Parents who work or study."},
        {"minimum age": 1, "eligibility": "Parents who work or study."},
    ),
    "hours": (
        service_page("hours"),
        {"closures__0__description": "Christmas Day"},
        {"hours__2__opens_at": "08:00"},
        {"closure reason": "Christmas Day", "Wednesday opens": datetime.time(8)},
    ),
    "locations": (
        service_page("locations"),
        {"locations": lambda form: [*form["locations"], location_choice("Sunrise Eastside")]},
        {"locations": lambda form: [*form["locations"], location_choice("Sunrise Northside")]},
        {"locations": ["Sunrise Eastside", "Sunrise Northside", "Sunrise Westwood"]},
    ),
    "languages": (
        service_page("languages"),
        lambda form: {f"languages__{row_of(form, 'languages', 'code', 'en')}__note": "Every staff member"},
        lambda form: {f"languages__{row_of(form, 'languages', 'code', 'es')}__note": "Mornings only"},
        {"first language note": "Every staff member", "second language note": "Mornings only"},
    ),
    "documents": (
        service_page("documents"),
        lambda form: {
            f"documents__{row_of(form, 'documents', 'document', 'Photo ID')}__uri": "https://agency-a.example/id"
        },
        lambda form: {
            f"documents__{row_of(form, 'documents', 'document', 'Proof of income')}__document": (
                "Proof of income for the last month"
            )
        },
        {"first document link": "https://agency-a.example/id", "second document": "Proof of income for the last month"},
    ),
    "costs": (
        service_page("costs"),
        {"costs__0__amount": "45.00"},
        {"costs__0__amount_description": "Sliding scale"},
        {"cost amount": decimal.Decimal("45.00"), "cost note": "Sliding scale"},
    ),
    "areas": (
        service_page("areas"),
        {"areas__0__name": "West and South Denver"},
        {"areas__0__postal_codes": "80219, 80223"},
        {"area name": "West and South Denver", "area ZIP codes": ["80219", "80223"]},
    ),
    "at_location": (
        at_location,
        {"hours__0__description": "Drop-in only"},
        {"phones__0__extension": "7"},
        {"Saturday note here": "Drop-in only", "location phone extension": "7"},
    ),
    "location": (
        location_page,
        {"transportation": "Bus 3 stops in front"},
        {"addresses__0__address_2": "Suite 200"},
        {"getting there": "Bus 3 stops in front", "address line 2": "Suite 200"},
    ),
}


def row_of(form: dict, prefix: str, field: str, value: str) -> int:
    """The number of the formset row that shows ``value`` (rows of the same age come in no set order)."""
    return next(index for index in range(100) if form.get(f"{prefix}-{index}-{field}") == [value])


def filled(form: dict, changes) -> dict:
    changes = changes(form) if callable(changes) else changes
    return {name: value(form) if callable(value) else value for name, value in changes.items()}


@pytest.mark.parametrize("case", PAGE_CASES)
def test_it_approves_only_what_the_edit_changed_on_every_page(client, alice, admin, full_listing, review_mode, case):
    """On each page held for review: alice changes one field; a network admin publishes another change of
    the same page meanwhile; approving alice's edit keeps the admin's change, and the history credits alice
    with her change only."""
    url_of, held, meanwhile, expected = PAGE_CASES[case]
    url = url_of(full_listing)
    client.force_login(alice)
    post_form(client, url, (form := open_form(client, url)), **filled(form, held))
    edit = PendingEdit.objects.get()
    client.force_login(admin)
    published = post_form(client, url, (form := open_form(client, url)), **filled(form, meanwhile))
    assert published.status_code == 302
    admin_records = set(ChangeRecord.objects.values_list("pk", flat=True))

    assert approve(client, admin, edit).status_code == 302

    reads = listing_reads(full_listing)
    assert {name: reads[name] for name in expected} == expected
    alice_records = ChangeRecord.objects.exclude(pk__in=admin_records)
    assert set(alice_records.values_list("changed_by", "pending_edit")) == {(alice.pk, edit.pk)}
    assert alice_records.count() == len(edit.changes) == 1


@pytest.mark.parametrize("case", PAGE_CASES)
def test_it_reads_each_page_as_a_browser_sends_it(client, alice, full_listing, case):
    """What an unchanged form sends, worked out on the server (merging.form_data), is what a browser sends:
    the start an approval compares an edit with is the form its editor saw."""
    url_of = PAGE_CASES[case][0]
    client.force_login(alice)
    response = client.get(url_of(full_listing))
    sent = read_form(html_of(response))
    page = response.context["page"]

    shown = form_data(type(page)(page.target))

    assert shown == {name: values for name, values in sent.items() if name not in ("version", "csrfmiddlewaretoken")}


# --- Conflicts: the reviewer chooses ---------------------------------------------------------------------


def monday_note_url_and_form(client, user, service: Service):
    client.force_login(user)
    return hours_url(service), open_form(client, hours_url(service))


def test_it_shows_a_live_change_of_the_same_field_side_by_side_and_needs_a_choice(
    client, alice, admin, service_a, review_mode
):
    """alice notes Monday "Closed 12–1"; an admin publishes "Closed 12–2" meanwhile. The review shows both
    beside each other; approving without a choice publishes nothing; choosing alice's publishes hers."""
    edit = send_for_review(client, alice, hours_url(service_a), hours__0__description="Closed 12–1")
    url, form = monday_note_url_and_form(client, admin, service_a)
    post_form(client, url, form, hours__0__description="Closed 12–2")

    page = html_of(client.get(review_url(edit)))
    assert "Fields in conflict: choose which value to publish" in page
    conflict = page[page.index('<tr class="conflict">') :]
    assert conflict.index("Closed 12–2") < conflict.index("<ins>Closed 12–1</ins>")

    refused = approve(client, admin, edit)
    assert refused.status_code == 400
    assert "Choose, for each such field, which value to publish." in html_of(refused)
    edit.refresh_from_db()
    assert edit.status == PendingEdit.Status.PENDING
    assert monday_hours(service_a).description == "Closed 12–2"

    choice = re.search(r'name="(conflict:[^"]+)" value="edit"', html_of(client.get(review_url(edit))))[1]
    assert approve(client, admin, edit, **{choice: "edit"}).status_code == 302
    assert monday_hours(service_a).description == "Closed 12–1"
    record = ChangeRecord.objects.get(pending_edit=edit)
    assert (record.changed_by, record.previous_value, record.replacement_value) == (alice, "Closed 12–2", "Closed 12–1")


def test_it_keeps_the_listings_value_when_the_reviewer_chooses_it(client, alice, admin, service_a, review_mode):
    """Choosing the listing's value approves the rest of the edit and leaves that field as published."""
    edit = send_for_review(
        client, alice, hours_url(service_a), hours__0__description="Closed 12–1", hours__1__closes_at="17:00"
    )
    url, form = monday_note_url_and_form(client, admin, service_a)
    post_form(client, url, form, hours__0__description="Closed 12–2")
    choice = f"conflict:{monday_hours(service_a).pk}:description"

    assert approve(client, admin, edit, **{choice: "listing"}).status_code == 302

    assert monday_hours(service_a).description == "Closed 12–2"
    assert service_a.schedules.get(weekday="TU").closes_at == datetime.time(17)
    assert list(ChangeRecord.objects.filter(pending_edit=edit).values_list("field_name", flat=True)) == ["closes_at"]


def test_it_shows_two_waiting_edits_of_the_same_field_side_by_side(
    client, alice, admin, agency_a, service_a, review_mode
):
    """alice and dave, both editors of agency A, each send a Monday note. Reviewing alice's shows dave's
    beside it and needs a choice; once hers is published, dave's conflicts with the listing in turn."""
    dave = make_user("dave", agency_a, Membership.Role.AGENCY_EDITOR)
    alices = send_for_review(client, alice, hours_url(service_a), hours__0__description="Closed 12–1")
    daves = send_for_review(client, dave, hours_url(service_a), hours__0__description="Closed for lunch")
    client.force_login(admin)

    page = html_of(client.get(review_url(alices)))
    conflict = page[page.index('<tr class="conflict">') :]
    assert "<ins>Closed 12–1</ins>" in conflict
    assert "Closed for lunch" in conflict and "sent by dave" in conflict
    assert approve(client, admin, alices).status_code == 400

    choice = f"conflict:{monday_hours(service_a).pk}:description"
    assert approve(client, admin, alices, **{choice: "edit"}).status_code == 302
    assert monday_hours(service_a).description == "Closed 12–1"
    assert approve(client, admin, daves).status_code == 400
    assert monday_hours(service_a).description == "Closed 12–1"


def test_it_adds_a_waiting_edits_new_row_once(client, alice, admin, service_a, review_mode):
    """alice adds a closure (held), then changes Tuesday's hours on the same page, whose form shows her new
    closure: approving both adds the closure once and changes Tuesday."""
    first = send_for_review(
        client, alice, hours_url(service_a), closures__0__valid_from="2030-12-25", closures__0__description="Christmas"
    )
    form = open_form(client, hours_url(service_a))
    assert form["closures-0-description"] == ["Christmas"]
    assert form["closures-1-description"] == [""]  # and a blank row for one more
    second = send_for_review(client, alice, hours_url(service_a), hours__1__closes_at="17:00")

    assert approve(client, admin, first).status_code == 302
    assert approve(client, admin, second).status_code == 302

    assert list(service_a.schedules.filter(kind=Schedule.Kind.CLOSURE).values_list("description", flat=True)) == [
        "Christmas"
    ]
    assert service_a.schedules.get(weekday="TU").closes_at == datetime.time(17)


def test_it_opens_a_network_admins_page_on_the_listing(client, alice, admin, service_a, review_mode):
    """Network admins publish at once: their form shows the listing, not an agency's edit waiting."""
    send_for_review(client, alice, hours_url(service_a), hours__0__description="Closed 12–1")
    client.force_login(admin)

    form = open_form(client, hours_url(service_a))

    assert form["hours-0-description"] == [""]


def test_it_refuses_a_choice_that_is_neither_value(client, alice, admin, service_a, review_mode):
    """A conflict answered with anything but "this edit's" or "the listing's" is not a choice: nothing is
    published and the edit keeps waiting."""
    edit = send_for_review(client, alice, hours_url(service_a), hours__0__description="Closed 12–1")
    url, form = monday_note_url_and_form(client, admin, service_a)
    post_form(client, url, form, hours__0__description="Closed 12–2")

    response = approve(client, admin, edit, **{f"conflict:{monday_hours(service_a).pk}:description": "both"})

    assert response.status_code == 400
    edit.refresh_from_db()
    assert edit.status == PendingEdit.Status.PENDING
    assert monday_hours(service_a).description == "Closed 12–2"
    assert not ChangeRecord.objects.filter(pending_edit=edit).exists()
